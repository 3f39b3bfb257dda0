"""Precision and recall of the Chinese → English links on kg's labelled evaluation set
(tests/data/crosslingual_eval.tsv), overall and per layer, with and without the glossary.

    python bench/links.py [--errors]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.crosslingual import Dictionary, ZhEnLinker, evaluate, load_glossary, read_eval_rows
from kg.extract import plain_english_key

EVAL_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "crosslingual_eval.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong or missing link")
    args = parser.parse_args()
    rows = read_eval_rows(EVAL_SET)
    dictionary = Dictionary.load()
    print(f"{len(rows)} labelled phrases, {sum(r.expected is not None for r in rows)} expected links")
    print(f"{'setting':28} {'layer':12} {'links':>6} {'correct':>8} {'precision':>9} {'recall':>7}")
    for name, glossary in (("dictionary only", {}), ("dictionary + glossary", load_glossary())):
        result = evaluate(rows, ZhEnLinker([], plain_english_key, dictionary, glossary))
        print(f"{name:28} {'all':12} {result['links']:6} {result['correct']:8} "
              f"{result['precision']:9.3f} {result['recall']:7.3f}")
        for layer, s in sorted(result["by_layer"].items()):
            print(f"{'':28} {layer:12} {s['links']:6} {s['correct']:8} {s['precision']:9.3f} {s['recall']:7.3f}")
        if args.errors:
            for zh, want, got, detail in result["errors"]:
                print(f"    {zh}: expected {want}, got {got} {detail}")


if __name__ == "__main__":
    main()
