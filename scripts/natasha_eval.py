#!/usr/bin/env python3
"""Scores natasha (slovnet NER) on factRuEval with the convention of examples/eval.rs and
/work/shared/eval/README.md (token-level P/R/F1 per PER/LOC/ORG), for the README comparison.

Usage: python3 -m venv /tmp/nat && /tmp/nat/bin/pip install natasha==1.6.0
       /tmp/nat/bin/python scripts/natasha_eval.py /work/shared/eval/factrueval-2016-dev
"""
import os
import re
import sys
import time

from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

TOKEN = re.compile(r"\w+|[^\w\s]")


def gold(path):
    spans = {}
    for line in open(path + ".spans", encoding="utf-8"):
        f = line.split()
        if len(f) >= 4:
            spans[f[0]] = (f[1], int(f[2]), int(f[2]) + int(f[3]))
    out = {"PER": [], "LOC": [], "ORG": []}
    for line in open(path + ".objects", encoding="utf-8"):
        f = line.split("#")[0].split()
        if len(f) < 3:
            continue
        parts = [spans[i] for i in f[2:] if i in spans]
        if f[1] == "Person" and parts:
            out["PER"].append((min(p[1] for p in parts), max(p[2] for p in parts)))
        elif f[1] == "Org":
            out["ORG"] += [(p[1], p[2]) for p in parts if p[0] == "org_name"]
        elif f[1] in ("Location", "LocOrg"):
            out["LOC"] += [(p[1], p[2]) for p in parts if p[0] == "loc_name"]
    return out


def main():
    root = sys.argv[1]
    segmenter, tagger = Segmenter(), NewsNERTagger(NewsEmbedding())
    books = sorted(n[:-4] for n in os.listdir(root) if n.endswith(".txt"))
    counts = {t: [0, 0, 0] for t in ("PER", "LOC", "ORG")}
    started = time.time()
    for book in books:
        text = open(os.path.join(root, book + ".txt"), encoding="utf-8").read()
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        pred = {"PER": [], "LOC": [], "ORG": []}
        for s in doc.spans:
            pred[s.type].append((s.start, s.stop))
        g = gold(os.path.join(root, book))
        for m in TOKEN.finditer(text):
            tok = (m.start(), m.end())
            for t in counts:
                ing = any(a <= tok[0] and tok[1] <= b for a, b in g[t])
                inp = any(a <= tok[0] and tok[1] <= b for a, b in pred[t])
                if ing and inp:
                    counts[t][0] += 1
                elif inp:
                    counts[t][1] += 1
                elif ing:
                    counts[t][2] += 1
    elapsed = time.time() - started
    print(f"{len(books)} documents ({len(books) / elapsed:.1f} documents/s)")
    print(f"{'type':<5} {'precision':>9} {'recall':>9} {'f1':>9}")
    for t, (tp, fp, fn) in counts.items():
        p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        print(f"{t:<5} {p:>9.3f} {r:>9.3f} {2 * p * r / max(p + r, 1e-9):>9.3f}")


if __name__ == "__main__":
    main()
