"""How much LaTeX real abstracts carry, what reading it as typeset text costs, and what is left.

Over the arXiv corpus in ../shared/data/arxiv-zh-en, for the English abstracts and their Google
Chinese translations: the share of texts with markup (`kg.extract` typesets only those) and the
time `kg.extract.typeset` takes on each. With `--workspace DIR`, also the concept keys of a
built workspace (DIR/rankings.csv) that still hold markup or begin with a percent sign.

    python bench/latex.py
    python bench/latex.py --workspace /tmp/k72/out72000
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
import time
from pathlib import Path

from kg.extract import LATEX_MARKUP, typeset

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-zh-en" / "abstracts.jsonl.gz"
MARKUP_IN_KEY = re.compile(r"[$\\{}]|^%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workspace", type=Path, help="a built workspace whose concept keys to check")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"{args.data}: not found (the benchmark needs ../shared/data/arxiv-zh-en)", file=sys.stderr)
        return 1
    texts: dict[str, list[str]] = {"English": [], "Chinese": []}
    with gzip.open(args.data, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            for lang, field in (("English", "abstract_en"), ("Chinese", "abstract_zh_google")):
                if record.get(field):
                    texts[lang].append(record[field])
    for lang, found in texts.items():
        marked = [t for t in found if LATEX_MARKUP.search(t)]
        start = time.perf_counter()
        for text in marked:
            typeset(text)
        seconds = time.perf_counter() - start
        print(f"{lang}: {len(marked):,} of {len(found):,} abstracts have markup ({len(marked) / len(found):.1%}); "
              f"typeset in {1000 * seconds / max(1, len(marked)):.1f} ms each")
    if args.workspace:
        with (args.workspace / "rankings.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        left = sorted(((int(r["papers"]), r["key"]) for r in rows if MARKUP_IN_KEY.search(r["key"])), reverse=True)
        print(f"{args.workspace}: {len(left):,} of {len(rows):,} concept keys hold markup or begin with '%'"
              + (": " + ", ".join(f"{key!r} ({papers})" for papers, key in left[:15]) if left else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
