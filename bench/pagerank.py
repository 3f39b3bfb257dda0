"""kg's PageRank (igraph's PRPACK on the igraph copy that ranking makes anyway) against networkx's
power iteration with its default tolerance (what kg used before) and against networkx iterated
to convergence (tol 10⁻¹³, the reference), in the same process, on the co-occurrence graph of N
papers of the twins corpus (extracted through a cache kept between runs, as bench/link_time.py).

networkx stops once the L1 change of an iteration is under nodes × tol, so the bigger the graph
the further its default result from the converged one. Printed: seconds, the largest deviation
from the reference, and how many of the reference's top 200 concepts are in the same place.

    python bench/pagerank.py --n 4000
    python bench/pagerank.py --n 20000 --cache /tmp/kg-link-cache.sqlite
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from scale import DEFAULT_DATA, extract_twins

from kg import analyse, pipeline
from kg.graph import concept_graph

TOP = 200


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
    options = pipeline.BuildOptions()
    corpus = pipeline.link_papers(papers, extractions, options, pipeline.min_concept_papers(options, len(papers)),
                                  workers=args.workers)
    g = concept_graph(corpus)
    print(f"{len(papers):,} papers: a co-occurrence graph of {g.number_of_nodes():,} concepts and "
          f"{g.number_of_edges():,} links\n")
    reference = nx.pagerank(g, weight="weight", tol=1e-13, max_iter=10_000)
    best = sorted(reference, key=lambda k: (-reference[k], k))[:TOP]

    def kg_pagerank() -> dict:
        return analyse._pagerank(*analyse._igraph(g, "weight"))

    print(f"{'method':44} {'s':>6} {'max deviation':>14} {f'top {TOP} in place':>16}")
    for name, run in (("networkx, default tolerance (kg before)", lambda: nx.pagerank(g, weight="weight")),
                      ("kg: igraph PRPACK (igraph copy included)", kg_pagerank)):
        start = time.perf_counter()
        scores = run()
        seconds = time.perf_counter() - start
        deviation = max(abs(scores[k] - reference[k]) for k in reference)
        order = sorted(scores, key=lambda k: (-scores[k], k))[:TOP]
        print(f"{name:44} {seconds:6.2f} {deviation:14.2e} {sum(a == b for a, b in zip(order, best)):16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
