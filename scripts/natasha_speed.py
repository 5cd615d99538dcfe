#!/usr/bin/env python3
"""natasha's NER speed on a directory of texts, to compare with `cargo run --release --example ner_speed`.

Prints model load time, articles/s of NewsNERTagger on whole texts (NER only, what the Rust port does) and of
the usual natasha usage (Doc.segment + Doc.tag_ner), and peak RSS. Wall and CPU time are both given: on a
busy machine the CPU figures are the fair comparison. Run on one core with numpy single-threaded:
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 taskset -c 0 \
        python3 scripts/natasha_speed.py tests/fixtures/factrueval-dev-txt 3
"""
import os
import resource
import sys
import time


def main(directory, rounds):
    started, cpu_started = time.perf_counter(), time.process_time()
    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter
    tagger = NewsNERTagger(NewsEmbedding())
    segmenter = Segmenter()
    load, load_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    texts = []
    for name in sorted(os.listdir(directory)):
        if name.endswith('.txt'):
            with open(os.path.join(directory, name), encoding='utf-8', newline='') as f:
                texts.append(f.read())
    for text in texts:  # warm-up
        tagger(text)

    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for text in texts:
            tagger(text)
    ner, ner_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for text in texts:
            doc = Doc(text)
            doc.segment(segmenter)
            doc.tag_ner(tagger)
    doc_ner, doc_ner_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    articles = len(texts) * rounds
    print('documents      %d, %d rounds' % (len(texts), rounds))
    print('model load     %.1f ms wall, %.1f ms CPU (imports + NewsEmbedding + NewsNERTagger)'
          % (load * 1e3, load_cpu * 1e3))
    print('articles/s     %.1f wall, %.1f CPU  NewsNERTagger(text)' % (articles / ner, articles / ner_cpu))
    print('articles/s     %.1f wall, %.1f CPU  Doc.segment + Doc.tag_ner'
          % (articles / doc_ner, articles / doc_ner_cpu))
    print('peak RSS       %.1f MiB' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
