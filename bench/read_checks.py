"""What the reader's checks cost and how often they misfire on real abstracts.

Reads N English and N Chinese arXiv abstracts (../shared/data/arxiv-zh-en) written as JSONL,
(1) the plain way (json.loads + make_paper: the baseline, same process), (2) through
`read_papers` with its checks (encoding, language, duplicates, caps), and (3) the same file
in GB18030 (encoding detection). Every record is real text in English or Chinese, so every
skip is a false alarm unless it is a genuine duplicate.

    python bench/read_checks.py [-n 5000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from kg.read import ReadReport, make_paper, read_papers

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-zh-en" / "abstracts.jsonl.gz"


def records(n: int) -> list[dict]:
    out: list[dict] = []
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if not row.get("category", "").startswith("arXiv_") or not row.get("abstract_zh_google"):
                continue
            out.append({"id": row["arxiv_id"], "abstract": row["abstract_en"]})
            out.append({"id": row["arxiv_id"] + "-zh", "abstract": row["abstract_zh_google"]})
            if len(out) >= 2 * n:
                break
    return out


def timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="abstracts per language")
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"{DATA}: not found (the shared benchmark data is not here)")
    rows = records(args.n)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        utf8 = Path(tmp) / "abstracts.jsonl"
        utf8.write_text(text, encoding="utf-8")
        gb = Path(tmp) / "abstracts_gb.jsonl"
        gb.write_bytes(text.encode("gb18030"))
        base_s, base = timed(lambda: [make_paper(r["id"], r["abstract"], str(utf8))
                                      for r in map(json.loads, utf8.read_text("utf-8").splitlines())])
        report = ReadReport()
        read_s, papers = timed(lambda: list(read_papers([utf8], report=report)))
        gb_report = ReadReport()
        gb_s, gb_papers = timed(lambda: list(read_papers([gb], report=gb_report)))
    reasons = Counter(p.reason.split(" (")[0].split(" '")[0] for p in report.problems)
    print(f"{len(rows)} abstracts ({args.n} English, {args.n} Chinese), {len(text.encode()) / 1e6:.1f} MB")
    print(f"{'reader':38} {'seconds':>8} {'ms/record':>10} {'vs plain':>9} {'papers':>7} {'skipped':>8}")
    for name, seconds, count, skipped in (
            ("plain json.loads + make_paper", base_s, len(base), 0),
            ("read_papers (UTF-8, all checks)", read_s, len(papers), len(report.skipped)),
            ("read_papers (GB18030, detected)", gb_s, len(gb_papers), len(gb_report.skipped))):
        print(f"{name:38} {seconds:8.2f} {1000 * seconds / len(rows):10.3f} {seconds / base_s:8.2f}x "
              f"{count:7} {skipped:8}")
    print("skip reasons on real abstracts:", dict(reasons) or "none")
    print("GB18030 file:", "; ".join(str(p) for p in gb_report.repaired[:1]) or "no repair reported")


if __name__ == "__main__":
    main()
