"""How long the query commands take to start, against the same commands with the build-only
libraries (spaCy, igraph, wordfreq, jieba) imported up front, as before they were imported lazily.

Each command runs in a fresh interpreter, `--runs` times; the median is printed. The baseline
(`python -c pass`) is the interpreter alone. The queries read the seeds' workspace in graphs/
unless `--graph DIR` names another (a big one shows the query's own cost).

    python bench/startup.py [--runs 5] [--graph graphs]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EAGER = "import spacy, igraph, wordfreq, jieba; "  # what importing kg.cli cost before


def median_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--graph", type=Path, default=Path(__file__).resolve().parents[1] / "graphs")
    args = parser.parse_args()
    graph = str(args.graph)
    concept = "language model"
    commands = {
        "import kg.cli": "import kg.cli",
        "kg --help": "from kg.cli import main; import sys; sys.argv = ['kg', '--help']; main()",
        "kg top": f"from kg.cli import main; import sys; sys.argv = ['kg', 'top', '-g', {graph!r}]; main()",
        "kg concept": f"from kg.cli import main; import sys; sys.argv = ['kg', 'concept', {concept!r}, '-g', {graph!r}]; main()",
    }
    base = median_seconds("pass", args.runs)
    print(f"python alone: {base:.2f} s (median of {args.runs})\n")
    print(f"{'command':12} {'now s':>7} {'eager s':>8} {'eager / now':>12}")
    for name, code in commands.items():
        wrapped = f"import sys\ntry:\n    exec({code!r})\nexcept SystemExit:\n    pass"
        now, eager = median_seconds(wrapped, args.runs), median_seconds(EAGER + "\n" + wrapped, args.runs)
        print(f"{name:12} {now:7.2f} {eager:8.2f} {eager / now:11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
