"""Centrality and clusters of the concept graph, written back as node attributes."""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import networkx as nx

from kg.graph import edges_with_data

# With its plotting stack igraph takes most of a second to import: it is imported where a graph
# is ranked, not by the query commands (which read a built workspace).
if TYPE_CHECKING:
    import igraph

SEED = 42
METRICS = ("degree", "weighted_degree", "pagerank", "betweenness", "eigenvector")
#: Above this many nodes betweenness is estimated from a fixed-seed sample of k sources
#: (exact betweenness costs a search from every node: hours on a 100,000-concept graph).
EXACT_BETWEENNESS_MAX = 1000
BETWEENNESS_SAMPLE = 200
#: Each sampled source costs a search over the whole graph, so on big graphs fewer sources are
#: drawn: about this many edge visits in all, never fewer than BETWEENNESS_MIN_SAMPLE sources
#: (igraph's searches, in C, visit ~10⁷ edges a second).
BETWEENNESS_EDGE_BUDGET = 200_000_000
BETWEENNESS_MIN_SAMPLE = 20


@dataclass(frozen=True)
class Ranking:
    key: str
    label: str
    papers: int
    termhood: float
    degree: int
    weighted_degree: float
    pagerank: float
    betweenness: float
    eigenvector: float
    cluster: int


def _eigenvector(h: igraph.Graph, nodes: list[Hashable]) -> dict[Hashable, float]:
    """Eigenvector centrality is undefined on a disconnected graph as a whole; compute it per
    component (igraph's ARPACK, on the edges' "weight"), at unit length as networkx gives it,
    scaled by the component's share of nodes, so a small island's hub never outranks the main
    component's."""
    result = dict.fromkeys(nodes, 0.0)
    n = len(nodes)
    for members in h.connected_components():
        if len(members) < 2:
            continue
        values = h.induced_subgraph(members).eigenvector_centrality(weights="weight")
        length = sum(v * v for v in values) ** 0.5
        if not length:
            continue
        for i, value in zip(members, values):
            result[nodes[i]] = abs(value) / length * len(members) / n
    return result


def _igraph(g: nx.Graph, weight: str | None = None) -> tuple[igraph.Graph, list[Hashable]]:
    """The same graph in igraph (whose community and path algorithms are C, 10-100× networkx's
    pure Python on 100,000-node graphs), with its node list in g's order."""
    import igraph

    nodes = list(g)
    index = {node: i for i, node in enumerate(nodes)}
    # a generator, not a list: igraph reads it into C, and at 72,000 papers the list was 3.5
    # million tuples of two ints, about 450 MB at the graph stage's peak
    h = igraph.Graph(n=len(nodes), edges=((index[a], index[b]) for a, b, _ in edges_with_data(g)))
    if weight:
        h.es["weight"] = [float(d.get(weight, 1.0)) for _, _, d in edges_with_data(g)]
    return h, nodes


def clusters(g: nx.Graph, weight: str = "weight") -> dict[Hashable, int]:
    """Louvain (multilevel) communities, igraph's, with a fixed seed; numbered by size (0 = largest)."""
    return _clusters(*_igraph(g, weight))


def _clusters(h: igraph.Graph, nodes: list[Hashable]) -> dict[Hashable, int]:
    import igraph

    if not nodes:
        return {}
    igraph.set_random_number_generator(random.Random(SEED))  # igraph visits nodes in random order
    try:
        membership = h.community_multilevel(weights="weight").membership
    finally:
        igraph.set_random_number_generator(random)  # igraph's default again
    groups: dict[int, list] = {}
    for node, group in zip(nodes, membership):
        groups.setdefault(group, []).append(node)
    ordered = sorted(groups.values(), key=lambda c: (-len(c), min(c)))
    return {node: i for i, members in enumerate(ordered) for node in members}


def _pagerank(h: igraph.Graph, nodes: list[Hashable]) -> dict[Hashable, float]:
    """Weighted PageRank (damping 0.85, dangling nodes teleporting uniformly, as networkx has it),
    solved by igraph's PRPACK. networkx's power iteration stops once its L1 change falls under
    nodes × 10⁻⁶: on 4,000 twins' 49,279-concept graph its scores were up to 3.8·10⁻⁴ from the
    converged ones, with 41 of the top 200 concepts in place (`python bench/pagerank.py`)."""
    if not nodes:
        return {}
    return dict(zip(nodes, h.pagerank(directed=False, damping=0.85, weights="weight")))


def betweenness_sample(g: nx.Graph) -> int | None:
    """Sources to sample for betweenness (None: exact)."""
    if g.number_of_nodes() <= EXACT_BETWEENNESS_MAX:
        return None
    affordable = BETWEENNESS_EDGE_BUDGET // max(g.number_of_edges(), 1)
    return max(BETWEENNESS_MIN_SAMPLE, min(BETWEENNESS_SAMPLE, affordable))


def betweenness(g: nx.Graph, k: int | None = None) -> dict[Hashable, float]:
    """Normalised betweenness as networkx defines it (pairs of nodes whose shortest paths pass
    through a node, over all pairs), exact or estimated from k sources drawn with a fixed seed."""
    return _betweenness(*_igraph(g), k)


def _betweenness(h: igraph.Graph, nodes: list[Hashable], k: int | None) -> dict[Hashable, float]:
    """Hop counts: the edges' weights, if `h` has them, are not used."""
    n = len(nodes)
    if n < 3:
        return dict.fromkeys(nodes, 0.0)
    if k is None or k >= n:
        values, scale = h.betweenness(directed=False, weights=None), 2.0 / ((n - 1) * (n - 2))
    else:
        sources = random.Random(SEED).sample(range(n), k)
        # paths from k sources stand for paths from all n (igraph counts each path once, from
        # its source, as half a pair)
        values, scale = h.betweenness(directed=False, weights=None, sources=sources), 2.0 * n / (k * (n - 1) * (n - 2))
    return {node: value * scale for node, value in zip(nodes, values)}


def analyse_concepts(g: nx.Graph) -> list[Ranking]:
    """Store every metric on the concept nodes and return the rankings, best PageRank first.
    A sampled betweenness records its sample size as the graph attribute `betweenness_k`."""
    k = betweenness_sample(g)
    if k is not None:
        g.graph["betweenness_k"] = k
    # one igraph copy for the four (at 72,000 papers each copy of 3.5 million links took about 13 s)
    h, nodes = _igraph(g, "weight")
    pagerank = _pagerank(h, nodes)
    between = _betweenness(h, nodes, k)
    eigen = _eigenvector(h, nodes)
    cluster = _clusters(h, nodes)
    rows = []
    for node in g:
        attrs = g.nodes[node]
        attrs.update(
            degree=g.degree(node),
            weighted_degree=float(g.degree(node, weight="weight")),
            pagerank=round(pagerank.get(node, 0.0), 8),
            betweenness=round(between.get(node, 0.0), 8),
            eigenvector=round(abs(eigen.get(node, 0.0)), 8),
            cluster=cluster.get(node, 0),
        )
        rows.append(Ranking(node, attrs["label"], attrs["papers"], attrs["termhood"],
                            *(attrs[m] for m in METRICS), attrs["cluster"]))
    rows.sort(key=lambda r: (-r.pagerank, r.key))
    return rows


def ranking_dicts(rows: list[Ranking]) -> list[dict]:
    names = [f.name for f in fields(Ranking)]  # asdict's deep copies cost seconds on big graphs
    return [{name: getattr(r, name) for name in names} for r in rows]
