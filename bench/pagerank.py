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

import sys
import time

import igraph  # noqa: F401  (kg imports it where a graph is ranked: here before any clock starts)
import networkx as nx
from scale import linked_twins, parse_twins, twins_parser

from kg import analyse
from kg.graph import concept_graph

TOP = 200


def main() -> int:
    args = parse_twins(twins_parser(__doc__))
    if args is None:
        return 1
    corpus = linked_twins(args)
    g = concept_graph(corpus)
    print(f"{len(corpus.papers):,} papers: a co-occurrence graph of {g.number_of_nodes():,} concepts and "
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
