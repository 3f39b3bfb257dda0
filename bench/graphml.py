"""How long kg takes to write a build's three GraphML files, against networkx's own writer
(`nx.write_graphml` with lxml, the baseline) in the same process, and whether the bytes are equal.

The graphs are those of N papers of the twins corpus (English abstracts and their Chinese
translations), extracted through an extraction cache kept between runs (`--cache`), linked and
graphed as `kg build` does.

    python bench/graphml.py --n 4000
    python bench/graphml.py --n 20000 --cache /tmp/kg-link-cache.sqlite
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from scale import DEFAULT_DATA, extract_twins

from kg import pipeline
from kg.export import write_graphml


def seconds(write) -> float:
    start = time.perf_counter()
    write()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4000, help="papers: English abstracts and their Chinese twins")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kg-link-time.sqlite",
                        help="extraction cache kept between runs")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (for what the cache lacks)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"{args.data}: not found (the benchmark needs ../shared/data/arxiv-zh-en)", file=sys.stderr)
        return 1
    papers, extractions = extract_twins(args.data, args.n, args.cache, args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        options = pipeline.BuildOptions()
        corpus = pipeline.link_papers(papers, extractions, options, pipeline.min_concept_papers(options, len(papers)),
                                      workers=args.workers)
        graph = pipeline.graph_corpus(corpus)
        print(f"{len(papers):,} papers\n")
        print(f"{'file':18} {'nodes':>9} {'edges':>10} {'MB':>7} {'networkx s':>11} {'kg s':>7} {'ratio':>6}")
        total_nx = total_kg = 0.0
        for name, g in (("graph.graphml", graph.bipartite), ("concepts.graphml", graph.concepts),
                        ("papers.graphml", graph.papers)):
            ours, theirs = Path(tmp) / f"kg-{name}", Path(tmp) / f"nx-{name}"
            baseline = seconds(lambda: nx.write_graphml(g, theirs, encoding="utf-8", prettyprint=True,
                                                        named_key_ids=True))
            fast = seconds(lambda: write_graphml(g, ours, presorted=True))
            if ours.read_bytes() != theirs.read_bytes():
                print(f"{name}: the files differ", file=sys.stderr)
                return 1
            total_nx, total_kg = total_nx + baseline, total_kg + fast
            print(f"{name:18} {g.number_of_nodes():9,} {g.number_of_edges():10,} {ours.stat().st_size / 1e6:7.1f} "
                  f"{baseline:11.2f} {fast:7.2f} {baseline / fast:5.2f}x")
        print(f"{'all three':18} {'':9} {'':10} {'':7} {total_nx:11.2f} {total_kg:7.2f} {total_nx / total_kg:5.2f}x"
              " (same bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
