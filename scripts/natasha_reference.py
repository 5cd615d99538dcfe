#!/usr/bin/env python3
"""Write natasha's NER output on a directory of texts, the fixture of the Rust parity test.

One JSON line per `*.txt` file (sorted by name):
    {"doc": "book_100.txt", "tokens": 412, "tags": "OOPpO...", "spans": [[start, stop, "PER"], ...]}
- `tags`: one character per razdel token, natasha's raw CRF tag (O, P/p = B-/I-PER, L/l = LOC, G/g = ORG,
  _ = <pad>), so the test can compare token by token;
- `spans`: `NewsNERTagger(text).spans`, start/stop in characters (Python string indexes).

Usage (natasha 1.6.0 from PyPI in a venv):
    python3 scripts/natasha_reference.py tests/fixtures/factrueval-dev-txt > tests/fixtures/natasha_ner_dev.jsonl
"""
import json
import os
import sys

from natasha import NewsEmbedding, NewsNERTagger
from slovnet.exec.infer import text_words

CODES = {'<pad>': '_', 'O': 'O', 'B-PER': 'P', 'I-PER': 'p', 'B-LOC': 'L', 'I-LOC': 'l',
         'B-ORG': 'G', 'I-ORG': 'g'}


def raw_tags(tagger, text):
    """The CRF tags of NERInfer.__call__, before they become spans."""
    infer = tagger.infer
    items = [text_words(text)]
    preds = infer.decoder(infer.process(infer.encoder(items)))
    return items[0], next(preds)


def main(directory):
    tagger = NewsNERTagger(NewsEmbedding())
    for name in sorted(os.listdir(directory)):
        if not name.endswith('.txt'):
            continue
        with open(os.path.join(directory, name), encoding='utf-8', newline='') as f:
            text = f.read()
        words, tags = raw_tags(tagger, text)
        spans = [[s.start, s.stop, s.type] for s in tagger(text).spans]
        record = {'doc': name, 'tokens': len(words), 'tags': ''.join(CODES[t] for t in tags), 'spans': spans}
        print(json.dumps(record, ensure_ascii=False))


if __name__ == '__main__':
    main(sys.argv[1])
