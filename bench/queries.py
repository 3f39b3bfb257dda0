"""How long `kg concept` and `kg paper` take to answer from a workspace's graph.sqlite, reading
only what they use two hops out (`GraphIndex.around(..., far)`) against reading every attribute
there (the baseline, same process, same answers checked).

The concept is the workspace's biggest hub (most papers) and the paper one of its papers with the
most concepts, the slowest questions a workspace has. Start-up is not counted (see
bench/startup.py); each figure is the median of `--runs` after one warm-up run.

    python bench/queries.py [--graph graphs] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kg import query
from kg.graph import PAPER_PREFIX
from kg.index import INDEX_FILE, GraphIndex


def median_seconds(run: Callable[[], object], runs: int) -> float:
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, default=Path(__file__).resolve().parents[1] / "graphs")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (args.graph / INDEX_FILE).is_file():
        print(f"{args.graph / INDEX_FILE}: not found (a workspace written by `kg build`)", file=sys.stderr)
        return 1
    with GraphIndex(args.graph / INDEX_FILE) as index:
        hub = index.top("papers", 1)[0]["key"]
        papers = [n for n in index.around([index.concept(hub)], 1) if n.startswith(PAPER_PREFIX)]
        paper = max(sorted(papers), key=lambda p: len(index.around([p], 1)))[len(PAPER_PREFIX):]
        questions = {
            f"kg concept {hub!r}": (lambda far: query.concept(index.around([index.concept(hub)], 2, far), hub),
                                    query.CONCEPT_FAR),
            f"kg paper {paper}": (lambda far: query.paper(index.around([index.paper(paper)], 2, far), paper),
                                  query.PAPER_FAR),
        }
        print(f"{index.papers:,} papers in {args.graph}; median of {args.runs} runs\n")
        print(f"{'question':48} {'all attributes s':>16} {'only what is read s':>19} {'ratio':>6}")
        for name, (ask, far) in questions.items():
            if ask(None) != ask(far):
                print(f"{name}: the answers differ", file=sys.stderr)
                return 1
            full, light = median_seconds(lambda: ask(None), args.runs), median_seconds(lambda: ask(far), args.runs)
            print(f"{name:48} {full:16.3f} {light:19.3f} {full / light:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
