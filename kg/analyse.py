"""Centrality and clusters of the concept graph, written back as node attributes."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import networkx as nx
from scipy.sparse.linalg import ArpackNoConvergence

SEED = 42
METRICS = ("degree", "weighted_degree", "pagerank", "betweenness", "eigenvector")
#: Above this many nodes betweenness is estimated from a fixed-seed sample of k sources
#: (exact betweenness on a 2,800-concept co-occurrence graph takes about a minute).
EXACT_BETWEENNESS_MAX = 1000
BETWEENNESS_SAMPLE = 200
#: Each sampled source costs a search over the whole graph, so on big graphs fewer sources are
#: drawn: about this many edge visits in all, never fewer than BETWEENNESS_MIN_SAMPLE sources.
BETWEENNESS_EDGE_BUDGET = 20_000_000
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


def _eigenvector(g: nx.Graph) -> dict[str, float]:
    """Eigenvector centrality is undefined on a disconnected graph as a whole; compute it per
    component and scale by the component's share of nodes, so a small island's hub never
    outranks the main component's."""
    result = dict.fromkeys(g, 0.0)
    n = g.number_of_nodes()
    for component in sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c))):
        if len(component) < 2:
            continue
        sub = g.subgraph(sorted(component))
        try:
            with warnings.catch_warnings():  # scipy notes it solves tiny components densely
                warnings.simplefilter("ignore", RuntimeWarning)
                values = nx.eigenvector_centrality_numpy(sub, weight="weight")
        except (nx.NetworkXException, ValueError, TypeError, ArpackNoConvergence):
            continue  # ARPACK gives up on long thin components of big graphs: no score there
        for node, value in values.items():
            result[node] = abs(value) * len(component) / n
    return result


def clusters(g: nx.Graph, weight: str = "weight") -> dict[str, int]:
    """Louvain communities with a fixed seed, numbered by size (0 = largest)."""
    if g.number_of_nodes() == 0:
        return {}
    communities = nx.community.louvain_communities(g, weight=weight, seed=SEED)
    ordered = sorted(communities, key=lambda c: (-len(c), min(c)))
    return {node: i for i, members in enumerate(ordered) for node in members}


def betweenness_sample(g: nx.Graph) -> int | None:
    """Sources to sample for betweenness (None: exact)."""
    if g.number_of_nodes() <= EXACT_BETWEENNESS_MAX:
        return None
    affordable = BETWEENNESS_EDGE_BUDGET // max(g.number_of_edges(), 1)
    return max(BETWEENNESS_MIN_SAMPLE, min(BETWEENNESS_SAMPLE, affordable))


def analyse_concepts(g: nx.Graph) -> list[Ranking]:
    """Store every metric on the concept nodes and return the rankings, best PageRank first.
    A sampled betweenness records its sample size as the graph attribute `betweenness_k`."""
    n = g.number_of_nodes()
    pagerank = nx.pagerank(g, weight="weight") if n else {}  # networkx's sparse (scipy) power iteration
    k = betweenness_sample(g)
    if k is not None:
        g.graph["betweenness_k"] = k
    betweenness = nx.betweenness_centrality(g, k=k, seed=SEED) if n else {}
    eigen = _eigenvector(g)
    cluster = clusters(g)
    rows = []
    for node in g:
        attrs = g.nodes[node]
        attrs.update(
            degree=g.degree(node),
            weighted_degree=float(g.degree(node, weight="weight")),
            pagerank=round(pagerank.get(node, 0.0), 8),
            betweenness=round(betweenness.get(node, 0.0), 8),
            eigenvector=round(abs(eigen.get(node, 0.0)), 8),
            cluster=cluster.get(node, 0),
        )
        rows.append(Ranking(node, attrs["label"], attrs["papers"], attrs["termhood"],
                            *(attrs[m] for m in METRICS), attrs["cluster"]))
    rows.sort(key=lambda r: (-r.pagerank, r.key))
    return rows


def ranking_dicts(rows: list[Ranking]) -> list[dict]:
    return [asdict(r) for r in rows]
