#!/usr/bin/env python3
"""Write synthetic texts that stress the tokeniser and shape features of the NER port (mixed scripts, Turkic
Cyrillic letters, Python case-folding oddities such as İ/ı, titlecase ǅ, non-ASCII digits, smileys, dashes,
quotes, odd spaces), for the parity test against natasha:

    python3 scripts/ner_edge_cases.py tests/fixtures/ner-edge-cases
    python3 scripts/natasha_reference.py tests/fixtures/ner-edge-cases > tests/fixtures/natasha_ner_edge_cases.jsonl
"""
import os
import random
import sys

PIECES = [
    'Москва', 'москва', 'СИЗО-6', 'Ростов-на-Дону', 'Санкт-Петербург', 'Қазақстан', 'Өзбекстан', 'Yahoo',
    'yahoo', '!', '?', '...', '…', '-', '—', '–', '‑', '−', '_', '.', ',', '/', '\\', ':)', ':-)', ';(((', '=)',
    '«', '»', '"', "'", '„', '“', '”', '‘', '’', '(', ')', '[', ']', '{', '}', '№', '%', '$', '+5', '-3', '3,14',
    '1/2', '2011-2020', '١٢٣', '²', '½', 'ΔP', 'mβж', 'a\u0301b', '😀', '\u00a0', ' ', '  ', '\n', '\t',
    '\u200b', '\u2028', 'Ёлка', 'ЁЛКА', 'İstanbul', 'ıi', '\u212a', 'ǅemal', '**', '--', '*', '&', '@', '#',
    '^', '~', '|', '<', '>', '=', 'т.е.', 'г.', 'ул.', 'Жапаров', 'Садыр', 'ОДКБ', 'ЕАЭС', 'iPhone',
    "McDonald's", 'ООО «Рога и копыта»',
]


def main(directory, count=60):
    random.seed(7)
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        parts = []
        for _ in range(random.randint(20, 200)):
            parts.append(random.choice(PIECES))
            if random.random() < 0.6:
                parts.append(random.choice([' ', ' ', ' ', '\n', '']))
        with open(os.path.join(directory, 'edge_%02d.txt' % i), 'w', encoding='utf-8', newline='') as f:
            f.write(''.join(parts))


if __name__ == '__main__':
    main(sys.argv[1])
