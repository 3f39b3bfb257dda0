"""Centralities and clusters stored on the concept graph, and the rankings."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.analyse import METRICS, Ranking, analyse_concepts, clusters, ranking_dicts
from kg.graph import concept_graph


def star_spec(leaves: int = 6) -> dict:
    """`hub` in every paper, each paper with one concept of its own: a star co-occurrence graph."""
    return {f"s:{i}": {"hub": 1, f"leaf{i}": 1} for i in range(leaves)}


def two_groups_spec() -> dict:
    """Two groups of concepts that co-occur among themselves, bridged by one paper."""
    return {
        "g:1": {"a1": 1, "a2": 1, "a3": 1, "a4": 1},
        "g:2": {"a1": 1, "a2": 1, "a3": 1},
        "g:3": {"b1": 1, "b2": 1, "b3": 1},
        "g:4": {"b1": 1, "b2": 1, "b3": 1, "b4": 1},
        "g:5": {"a4": 1, "b4": 1},
    }


def labelled(g: nx.Graph) -> nx.Graph:
    for n in g:
        g.nodes[n].setdefault("label", str(n))
        g.nodes[n].setdefault("papers", 1)
        g.nodes[n].setdefault("termhood", 1.0)
    return g


def test_every_metric_and_cluster_is_stored_on_every_node(make_corpus):
    g = concept_graph(make_corpus(two_groups_spec()))
    analyse_concepts(g)
    for node, attrs in g.nodes(data=True):
        for metric in (*METRICS, "cluster"):
            assert metric in attrs, (node, metric)
        assert isinstance(attrs["degree"], int) and isinstance(attrs["cluster"], int)
        for metric in ("weighted_degree", "pagerank", "betweenness", "eigenvector"):
            assert isinstance(attrs[metric], float), (node, metric)
        assert attrs["degree"] == g.degree(node)
        assert attrs["weighted_degree"] == g.degree(node, weight="weight")


def test_rankings_match_the_node_attributes_and_are_sorted_by_pagerank(make_corpus):
    g = concept_graph(make_corpus(two_groups_spec()))
    rows = analyse_concepts(g)
    assert sorted(r.key for r in rows) == sorted(g)
    pageranks = [r.pagerank for r in rows]
    assert pageranks == sorted(pageranks, reverse=True)
    assert sum(pageranks) == pytest.approx(1.0, abs=1e-6)
    for r in rows:
        attrs = g.nodes[r.key]
        assert (r.label, r.papers, r.termhood, r.cluster) == (attrs["label"], attrs["papers"], attrs["termhood"], attrs["cluster"])
        assert all(getattr(r, m) == attrs[m] for m in METRICS)
    for a, b in zip(rows, rows[1:]):  # ties broken by key, so the order is total
        assert (-a.pagerank, a.key) < (-b.pagerank, b.key)


def test_hub_ranks_first_on_every_centrality(make_corpus):
    g = concept_graph(make_corpus(star_spec()))
    rows = analyse_concepts(g)
    assert rows[0].key == "hub"
    for metric in METRICS:
        best = max(g, key=lambda n: g.nodes[n][metric])
        assert best == "hub", metric
        assert all(g.nodes[n][metric] < g.nodes["hub"][metric] for n in g if n != "hub"), metric
    assert g.nodes["hub"]["betweenness"] == pytest.approx(1.0)
    assert g.nodes["hub"]["eigenvector"] > 0


def test_bridge_concepts_have_the_highest_betweenness(make_corpus):
    g = concept_graph(make_corpus(two_groups_spec()))
    analyse_concepts(g)
    top2 = sorted(g, key=lambda n: -g.nodes[n]["betweenness"])[:2]
    assert set(top2) == {"a4", "b4"}


def test_clusters_follow_the_groups_and_are_numbered_by_size(make_corpus):
    spec = two_groups_spec()
    spec["g:6"] = {"a1": 1, "a5": 1}  # group a is now the larger one
    g = concept_graph(make_corpus(spec))
    analyse_concepts(g)
    group_a = {g.nodes[n]["cluster"] for n in g if n.startswith("a")}
    group_b = {g.nodes[n]["cluster"] for n in g if n.startswith("b")}
    assert group_a == {0} and group_b == {1}


def test_clusters_are_deterministic(make_corpus):
    spec = {f"r:{i}": {f"c{(i * 7 + j) % 23}": 1 for j in range(4)} for i in range(30)}
    runs = []
    for _ in range(2):
        g = concept_graph(make_corpus(spec))
        rows = analyse_concepts(g)
        runs.append((clusters(g), ranking_dicts(rows)))
    assert runs[0] == runs[1]
    assert len(set(runs[0][0].values())) > 1  # a real partition, not everything in one cluster


def test_clusters_do_not_depend_on_paper_order(make_corpus):
    # Louvain itself depends on node order; the concept graph is built sorted, so the order
    # the papers were read in must not change the clusters
    spec = {f"r:{i}": {f"c{(i * 7 + j) % 23}": 1 for j in range(4)} for i in range(30)}
    forward = concept_graph(make_corpus(spec))
    backward = concept_graph(make_corpus(dict(reversed(list(spec.items())))))
    assert clusters(forward) == clusters(backward)
    assert ranking_dicts(analyse_concepts(forward)) == ranking_dicts(analyse_concepts(backward))


def test_isolated_concepts_and_empty_graphs():
    g = labelled(nx.Graph())
    assert analyse_concepts(g) == []
    assert clusters(g) == {}
    g.add_node("alone")
    labelled(g)
    [row] = analyse_concepts(g)
    assert row.key == "alone" and row.degree == 0 and row.eigenvector == 0.0 and row.cluster == 0


def test_ranking_dicts_are_plain_rows(make_corpus):
    rows = analyse_concepts(concept_graph(make_corpus(star_spec(3))))
    dicts = ranking_dicts(rows)
    assert [d["key"] for d in dicts] == [r.key for r in rows]
    assert list(dicts[0]) == list(Ranking.__dataclass_fields__)


def test_eigenvector_centrality_survives_a_disconnected_graph(make_corpus):
    spec = star_spec()
    spec["island:1"] = {"x": 1, "y": 1}
    g = concept_graph(make_corpus(spec))
    analyse_concepts(g)
    assert g.nodes["hub"]["eigenvector"] > 0
    assert max(g, key=lambda n: g.nodes[n]["eigenvector"]) == "hub"


def test_big_graphs_sample_betweenness_and_say_how_many_sources(make_corpus):
    from kg.analyse import BETWEENNESS_EDGE_BUDGET, BETWEENNESS_MIN_SAMPLE, BETWEENNESS_SAMPLE, betweenness_sample

    # a chain of 1,200 concepts, each two neighbours together in two papers
    spec = {f"p:{i}:{j}": {f"c{i:04d}": 1, f"c{i + 1:04d}": 1} for i in range(1199) for j in (1, 2)}
    g = concept_graph(make_corpus(spec))
    assert betweenness_sample(g) == BETWEENNESS_SAMPLE
    analyse_concepts(g)
    assert g.graph["betweenness_k"] == BETWEENNESS_SAMPLE
    assert max(g.nodes[n]["betweenness"] for n in g) > 0
    dense = nx.complete_graph(2100)
    assert BETWEENNESS_MIN_SAMPLE < betweenness_sample(dense) == BETWEENNESS_EDGE_BUDGET // 2_203_950 < BETWEENNESS_SAMPLE
    small = concept_graph(make_corpus(two_groups_spec()))
    analyse_concepts(small)
    assert betweenness_sample(small) is None and "betweenness_k" not in small.graph


def test_betweenness_is_networkx_betweenness_exact_and_close_when_sampled():
    from kg.analyse import betweenness

    g = nx.relabel_nodes(nx.les_miserables_graph(), str)
    exact = nx.betweenness_centrality(g)
    assert betweenness(g) == pytest.approx(exact, abs=1e-12)
    sampled = betweenness(g, k=40)
    assert betweenness(g, k=40) == sampled  # a fixed seed
    top = sorted(exact, key=exact.get, reverse=True)[:3]
    assert sorted(sampled, key=sampled.get, reverse=True)[:3] == top
    assert sum(sampled.values()) == pytest.approx(sum(exact.values()), rel=0.25)


def test_analyse_concepts_stores_what_the_metric_functions_give_on_a_weighted_graph():
    """analyse_concepts copies the graph into igraph once for three metrics; betweenness must
    still count hops (the weights would reroute the shortest paths here) and the clusters and
    eigenvector must still see the weights."""
    from kg.analyse import betweenness, clusters

    g = nx.relabel_nodes(nx.les_miserables_graph(), str)
    for node in g:
        g.nodes[node].update(label=node, papers=1, termhood=1.0)
    hops = betweenness(g)
    assert hops != pytest.approx(nx.betweenness_centrality(g, weight="weight"), abs=1e-6)
    analyse_concepts(g)
    assert {n: g.nodes[n]["betweenness"] for n in g} == {n: round(v, 8) for n, v in hops.items()}
    assert {n: g.nodes[n]["cluster"] for n in g} == clusters(g)
    unweighted = nx.Graph(g.edges())
    assert clusters(g) != clusters(unweighted)
    eigen = nx.eigenvector_centrality_numpy(g, weight="weight")
    top = max(eigen, key=eigen.get)
    assert max(g, key=lambda n: g.nodes[n]["eigenvector"]) == top


def test_pagerank_is_converged_on_a_big_graph():
    """networkx's default stopping rule (L1 change under nodes × 10⁻⁶) leaves a 3,000-node graph's
    scores off by more than their rounding; kg's are the converged ones."""
    g = labelled(nx.gnm_random_graph(3000, 12000, seed=1))
    for i, (a, b) in enumerate(g.edges()):
        g.edges[a, b]["weight"] = 1 + i % 5
    reference = nx.pagerank(g, weight="weight", tol=1e-13, max_iter=10_000)
    analyse_concepts(g)
    assert max(abs(g.nodes[n]["pagerank"] - reference[n]) for n in g) < 1e-8
