"""The three graphs of a linked corpus, on corpora built by hand (no NLP)."""

from __future__ import annotations

import math
import random
import weakref

import networkx as nx
import pytest

from kg.graph import (CooccurrenceAttributes, ProjectionLimits, _sparse_cooccurrence, bipartite_graph, concept_graph,
                      concept_node, edges_with_data, idf, let_go, paper_counts, paper_graph, paper_node, papers_of)
from kg.analyse import clusters
from kg.export import sorted_graph
from kg.model import Link
from kg.pipeline import cyclic_gc_paused

SPEC = {
    "p:1": {"alpha": 2, "beta": 1},
    "p:2": {"alpha": 1, "beta": 1, "gamma": 3},
    "p:3": {"gamma": 1, "delta": 1},
}


def association(c, n, na, nb):
    return c * n / (na * nb)


def test_papers_of(make_corpus):
    docs = papers_of(make_corpus(SPEC))
    assert docs == {"alpha": ["p:1", "p:2"], "beta": ["p:1", "p:2"], "gamma": ["p:2", "p:3"], "delta": ["p:3"]}
    assert paper_counts(make_corpus(SPEC)) == {key: len(ids) for key, ids in docs.items()}


# ------------------------------------------------------------------ bipartite


def test_bipartite_nodes_have_kind_and_contract_attributes(make_corpus):
    corpus = make_corpus(SPEC, labels={"alpha": "Alpha"}, aliases={"beta": {"β": 1, "beta": 1}})
    g = bipartite_graph(corpus)
    assert g.number_of_nodes() == 3 + 4
    assert all(d.get("kind") in ("paper", "concept") for _, d in g.nodes(data=True))
    papers = [n for n, d in g.nodes(data=True) if d["kind"] == "paper"]
    assert sorted(papers) == [paper_node(p) for p in SPEC]
    for p in corpus.papers:
        d = g.nodes[paper_node(p.id)]
        assert (d["paper_id"], d["title"], d["lang"]) == (p.id, p.title, p.lang)
    alpha = g.nodes[concept_node("alpha")]
    assert alpha["kind"] == "concept" and alpha["key"] == "alpha" and alpha["label"] == "Alpha"
    assert alpha["papers"] == 2 and isinstance(alpha["papers"], int)
    assert g.nodes[concept_node("delta")]["papers"] == 1
    assert set(g.nodes[concept_node("beta")]["aliases"].split(" | ")) == {"β", "beta"}


def test_bipartite_edges_only_join_papers_to_concepts_with_mention_weights(make_corpus):
    g = bipartite_graph(make_corpus(SPEC))
    assert nx.is_bipartite(g)
    for a, b in g.edges():
        assert {g.nodes[a]["kind"], g.nodes[b]["kind"]} == {"paper", "concept"}
    expected = {(paper_node(p), concept_node(k)): n for p, cs in SPEC.items() for k, n in cs.items()}
    assert g.number_of_edges() == len(expected)
    for (p, c), n in expected.items():
        assert g.edges[p, c]["weight"] == n


def test_bipartite_edge_surfaces_are_the_distinct_words_used(make_corpus):
    corpus = make_corpus({"p:1": {"gnn": 3}}, aliases={"gnn": {"GNN": 2, "graph neural network": 1}})
    g = bipartite_graph(corpus)
    edge = g.edges[paper_node("p:1"), concept_node("gnn")]
    assert edge["weight"] == 3
    assert edge["surfaces"].split(" | ") == ["GNN", "graph neural network"]


def test_bipartite_keeps_link_evidence(make_corpus):
    corpus = make_corpus({"p:1": {"graph neural network": 1}})
    corpus.concepts["graph neural network"].links.append(Link("acronym", "GNN", "GNN = graph neural network"))
    g = bipartite_graph(corpus)
    assert g.nodes[concept_node("graph neural network")]["links"] == "acronym: GNN (GNN = graph neural network)"


def test_paper_without_concepts_is_still_a_node(make_corpus):
    g = bipartite_graph(make_corpus({"p:1": {"alpha": 1}, "p:2": {}}))
    assert g.nodes[paper_node("p:2")]["kind"] == "paper"
    assert g.degree(paper_node("p:2")) == 0


# ------------------------------------------------------------------ concept co-occurrence


def test_concept_graph_weight_counts_papers_sharing_both(make_corpus):
    g = concept_graph(make_corpus(SPEC))
    assert set(g) == {"alpha", "beta", "gamma", "delta"}
    assert g.edges["alpha", "beta"]["weight"] == 2  # p:1 and p:2, mentions do not matter
    assert g.edges["alpha", "gamma"]["weight"] == 1
    assert g.edges["gamma", "delta"]["weight"] == 1
    assert not g.has_edge("alpha", "delta")
    assert not g.has_edge("beta", "delta")
    assert g.number_of_edges() == 4  # αβ, αγ, βγ (p:2) and γδ (p:3)


def test_concept_graph_association_strength(make_corpus):
    g = concept_graph(make_corpus(SPEC))
    n = len(SPEC)
    docs = {k: sum(k in cs for cs in SPEC.values()) for k in ("alpha", "beta", "gamma", "delta")}
    for a, b, d in g.edges(data=True):
        c = sum(a in cs and b in cs for cs in SPEC.values())
        assert d["weight"] == c
        assert d["association"] == pytest.approx(association(c, n, docs[a], docs[b]), abs=1e-6)
    # a pair that always occurs together is more associated than one that meets by chance
    assert g.edges["gamma", "delta"]["association"] > g.edges["alpha", "gamma"]["association"]


def test_concept_graph_node_attributes(make_corpus):
    corpus = make_corpus(SPEC, labels={"gamma": "Gamma"}, termhood={"gamma": 0.7})
    g = concept_graph(corpus)
    assert g.nodes["gamma"]["label"] == "Gamma"
    assert g.nodes["gamma"]["papers"] == 2
    assert g.nodes["gamma"]["termhood"] == 0.7


# ------------------------------------------------------------------ paper similarity


def test_idf_formula(make_corpus):
    rarity = idf(make_corpus(SPEC))
    n = len(SPEC)
    assert rarity["delta"] == pytest.approx(math.log((1 + n) / (1 + 1)) + 1)
    assert rarity["alpha"] == pytest.approx(math.log((1 + n) / (1 + 2)) + 1)
    assert rarity["delta"] > rarity["alpha"]


def test_paper_similarity_rare_shared_concepts_weigh_more(make_corpus):
    # "common" is in three papers, "rare" in two: sharing "rare" says more than sharing "common"
    corpus = make_corpus({
        "p:1": {"common": 1},
        "p:2": {"common": 1, "rare": 1},
        "p:3": {"common": 1, "rare": 1},
        "p:4": {"other": 1},
    })
    g = paper_graph(corpus)
    rarity = idf(corpus)
    assert g.edges["p:1", "p:2"]["weight"] == pytest.approx(rarity["common"], abs=1e-6)
    assert g.edges["p:2", "p:3"]["weight"] == pytest.approx(rarity["common"] + rarity["rare"], abs=1e-6)
    assert g.edges["p:2", "p:3"]["weight"] > g.edges["p:1", "p:2"]["weight"]
    assert "p:4" in g and g.degree("p:4") == 0


def test_one_rare_concept_beats_one_common_concept(make_corpus):
    corpus = make_corpus({
        "a:1": {"everywhere": 1, "pair": 1},
        "a:2": {"everywhere": 1, "pair": 1},
        "a:3": {"everywhere": 1},
        "a:4": {"everywhere": 1},
    })
    g = paper_graph(corpus)
    only_common = g.edges["a:3", "a:4"]["weight"]
    assert g.edges["a:1", "a:2"]["weight"] - only_common > only_common * 0.5


def test_paper_similarity_lists_shared_labels_rarest_first(make_corpus):
    corpus = make_corpus(
        {"p:1": {"aa": 1, "zz": 1}, "p:2": {"aa": 1, "zz": 1}, "p:3": {"aa": 1}},
        labels={"aa": "Common Thing", "zz": "Rare Thing"},
    )
    g = paper_graph(corpus)
    assert g.edges["p:1", "p:2"]["shared"] == "Rare Thing | Common Thing"
    assert g.edges["p:1", "p:3"]["shared"] == "Common Thing"
    assert g.nodes["p:1"]["title"] == "Title of p:1" and g.nodes["p:1"]["lang"] == "en"


def test_graphs_do_not_depend_on_insertion_order(make_corpus):
    forward = make_corpus(SPEC)
    backward = make_corpus(dict(reversed(list(SPEC.items()))))
    for build in (concept_graph, paper_graph):
        a, b = build(forward), build(backward)
        edges = lambda g: sorted((min(u, v), max(u, v), sorted(d.items())) for u, v, d in g.edges(data=True))
        assert edges(a) == edges(b)
        assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))


def _order(g: nx.Graph) -> tuple[list, list, list]:
    """Everything a writer sees, in the order it sees it."""
    return (list(g.graph.items()), [(n, list(d.items())) for n, d in g.nodes(data=True)],
            [(u, v, list(d.items())) for u, v, d in g.edges(data=True)])


@pytest.mark.parametrize("build", [bipartite_graph, concept_graph, paper_graph])
def test_builders_make_graphs_in_sorted_order(make_corpus, build):
    """Writers take these graphs without a sorted copy (`presorted`), so they must already be in
    `sorted_graph`'s order, whatever order the papers came in."""
    for spec in (SPEC, dict(reversed(list(SPEC.items())))):
        g = build(make_corpus(spec))
        assert _order(g) == _order(sorted_graph(g))


@pytest.mark.parametrize("build", [bipartite_graph, concept_graph, paper_graph])
def test_compact_edge_data_behaves_as_a_dict(make_corpus, build):
    g = build(make_corpus(SPEC))
    a, b, data = next(iter(g.edges(data=True)))
    plain = dict(data)
    assert len(plain) == 2 and data == plain and plain == data and sorted(data) == sorted(plain)
    assert {**data} == plain and data.get("no such", 7) == 7 and "weight" in data
    data["colour"] = "red"  # any other attribute is kept too
    g.edges[a, b]["weight"] = 99
    assert g[b][a] == {**plain, "weight": 99, "colour": "red"} and list(g[a][b])[-1] == "colour"
    copied = g.copy()
    del data["colour"], data["weight"]
    assert dict(g[a][b]) == {k: v for k, v in plain.items() if k != "weight"}
    assert copied[a][b] == {**plain, "weight": 99, "colour": "red"}  # a copy owns its edge data
    with pytest.raises(KeyError):
        data["weight"]
    assert nx.utils.graphs_equal(build(make_corpus(SPEC)), nx.Graph(build(make_corpus(SPEC))))


def test_compact_edge_data_is_smaller_than_a_dict():
    import sys

    data = CooccurrenceAttributes()
    data.update({"association": 1.5}, weight=3)
    assert data == {"association": 1.5, "weight": 3}
    assert sys.getsizeof(data) * 3 <= sys.getsizeof({"association": 1.5, "weight": 3})


def test_paper_clusters_do_not_depend_on_paper_order(make_corpus):
    spec = {f"r:{i}": {f"c{(i * 7 + j) % 23}": 1 for j in range(4)} for i in range(30)}
    forward = paper_graph(make_corpus(spec))
    backward = paper_graph(make_corpus(dict(reversed(list(spec.items())))))
    assert clusters(forward) == clusters(backward) and len(set(clusters(forward).values())) > 1


# ------------------------------------------------------------------ big corpora: thinned projections

EVERYTHING_SPARSE = ProjectionLimits(exact_max_pairs=0, min_concept_papers=1, min_cooccurrence=1,
                                     links_per_concept=10**9, similar_per_paper=10**9,
                                     similarity_pair_budget=10**12)


def _same_graph(a: nx.Graph, b: nx.Graph) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))


def test_sparse_counting_without_thresholds_is_the_exact_count(seed_graph):
    """The sparse path with nothing thinned gives the exact graphs, attribute for attribute and
    in the same order (so the same GraphML bytes)."""
    corpus = seed_graph.corpus
    _same_graph(concept_graph(corpus, EVERYTHING_SPARSE), concept_graph(corpus))
    _same_graph(paper_graph(corpus, EVERYTHING_SPARSE), paper_graph(corpus))


def test_small_corpora_are_counted_exactly_by_default(make_corpus):
    corpus = make_corpus(SPEC)
    assert not ProjectionLimits().thin_cooccurrence(corpus) and not ProjectionLimits().thin_similarity(corpus)
    assert ProjectionLimits(exact_max_pairs=4).thin_cooccurrence(corpus)  # 1 + 3 + 1 pairs
    assert not ProjectionLimits(exact_max_pairs=5).thin_cooccurrence(corpus)
    assert concept_graph(corpus).has_edge("alpha", "beta") and concept_graph(corpus).has_edge("gamma", "delta")


def test_thinned_cooccurrence_keeps_every_concept_but_only_repeated_frequent_pairs(make_corpus):
    spec = {"p:1": {"a": 1, "b": 1, "once": 1}, "p:2": {"a": 1, "b": 1, "c": 1}, "p:3": {"a": 1, "c": 1},
            "p:4": {"b": 1, "c": 1}, "p:5": {"a": 1, "b": 1}}
    g = concept_graph(make_corpus(spec), ProjectionLimits(exact_max_pairs=0))
    assert set(g) == {"a", "b", "c", "once"}
    assert {tuple(sorted(e)) for e in g.edges} == {("a", "b"), ("a", "c"), ("b", "c")}  # once: 1 paper
    assert g.edges["a", "b"]["weight"] == 3 and g.edges["a", "c"]["weight"] == 2
    g = concept_graph(make_corpus(spec), ProjectionLimits(exact_max_pairs=0, min_cooccurrence=3))
    assert list(g.edges) == [("a", "b")]


def _random_spec(seed: int, papers: int = 60, concepts: int = 40) -> dict[str, dict[str, int]]:
    rng = random.Random(seed)
    names = [f"c{i:02d}" for i in range(concepts)]
    # a few common concepts and many rare ones, as in real corpora
    weights = [1 / (i + 1) for i in range(concepts)]
    return {f"p:{n}": {k: 1 for k in rng.choices(names, weights, k=rng.randint(2, 9))} for n in range(papers)}


def _strength(g: nx.Graph, node: str, other: str) -> tuple:
    d = g.edges[node, other]
    return (-d["weight"], -d["association"], other)


@pytest.mark.parametrize("seed", range(5))
def test_thinned_cooccurrence_keeps_each_concepts_strongest_links(make_corpus, seed):
    corpus = make_corpus(_random_spec(seed))
    every = concept_graph(corpus, ProjectionLimits(exact_max_pairs=0, links_per_concept=10**9))
    g = concept_graph(corpus, ProjectionLimits(exact_max_pairs=0, links_per_concept=3))
    assert list(g.nodes(data=True)) == list(every.nodes(data=True))
    assert g.number_of_edges() < every.number_of_edges()
    strongest = {node: sorted(every[node], key=lambda o: _strength(every, node, o))[:3] for node in every}
    for node, best in strongest.items():  # each concept keeps its 3 strongest links ...
        assert all(g.has_edge(node, other) for other in best)
    for a, b, d in g.edges(data=True):  # ... and a link stays only when one of its ends keeps it
        assert b in strongest[a] or a in strongest[b]
        assert d == every.edges[a, b]


def test_thinned_cooccurrence_does_not_depend_on_the_block_size(make_corpus):
    corpus = make_corpus(_random_spec(7, papers=120, concepts=70))
    limits = ProjectionLimits(exact_max_pairs=0, links_per_concept=4)
    frequency = paper_counts(corpus)
    whole = list(_sparse_cooccurrence(corpus, frequency, limits))
    assert whole and list(_sparse_cooccurrence(corpus, frequency, limits, block=3)) == whole


def test_thinned_similarity_keeps_each_papers_strongest_neighbours(make_corpus):
    spec = {"hub": {"x": 1, "y": 1, "z": 1}, "p:1": {"x": 1, "y": 1, "z": 1}, "p:2": {"x": 1, "y": 1},
            "p:3": {"x": 1}, "p:4": {"z": 1, "w": 1}}
    g = paper_graph(make_corpus(spec), ProjectionLimits(exact_max_pairs=0, similar_per_paper=1))
    full = paper_graph(make_corpus(spec))
    for node in g:  # each paper keeps at least its single best neighbour of the full graph
        best = max(full[node], key=lambda o: (full.edges[node, o]["weight"], [-ord(c) for c in o]))
        assert g.has_edge(node, best)
    assert g.number_of_edges() < full.number_of_edges()
    for a, b, d in g.edges(data=True):  # the kept edges carry the exact weights and evidence
        assert d == full.edges[a, b]


def test_similar_papers_are_searched_through_rarer_concepts_within_the_pair_budget(make_corpus):
    spec = {"p:1": {"common": 1, "r1": 1}, "p:2": {"common": 1, "r1": 1}, "p:3": {"common": 1, "r2": 1},
            "p:4": {"common": 1, "r2": 1}, "p:5": {"common": 1}}
    full = paper_graph(make_corpus(spec))
    # common: 5² pairs, r1 and r2: 2² each; a budget of 8 searches through r1 and r2 only
    g = paper_graph(make_corpus(spec), ProjectionLimits(exact_max_pairs=0, similarity_pair_budget=8))
    assert sorted(g.edges) == [("p:1", "p:2"), ("p:3", "p:4")]
    for a, b, d in g.edges(data=True):  # weights and shared concepts still count "common"
        assert d == full.edges[a, b] and "common" in d["shared"]
    assert g.degree("p:5") == 0 and full.degree("p:5") == 4
    g = paper_graph(make_corpus(spec), ProjectionLimits(exact_max_pairs=0, similarity_pair_budget=33))
    assert g.number_of_edges() == full.number_of_edges()


# ------------------------------------------------------------------ metadata


def with_meta(corpus, metas):
    """The corpus with reader metadata on some papers (paper id → meta)."""
    from dataclasses import replace
    corpus.papers = [replace(p, meta=metas.get(p.id, {})) for p in corpus.papers]
    return corpus


def test_paper_nodes_carry_metadata_and_author_keywords(make_corpus):
    corpus = with_meta(make_corpus(SPEC), {
        "p:1": {"year": "2021-05-03", "authors": "Ada Lovelace; Alan Turing", "venue": "NeurIPS",
                "keywords": "graphs; 图神经网络", "url": "https://example.org/p1", "doi": "10.1/x"},
        "p:2": {"year": "2019", "arxiv_id": "2101.00001", "doi": "10.1/y"},
        "p:3": {"doi": "https://doi.org/10.1000/a b"},
    })
    g = bipartite_graph(corpus)
    p1, p2, p3 = (g.nodes[paper_node(p)] for p in ("p:1", "p:2", "p:3"))
    assert p1["year"] == 2021 and p1["authors"] == "Ada Lovelace; Alan Turing"
    assert p1["venue"] == "NeurIPS" and p1["keywords"] == "graphs; 图神经网络"
    assert p1["url"] == "https://example.org/p1"  # its own URL wins over the DOI
    assert p2["url"] == "https://arxiv.org/abs/2101.00001" and p2["year"] == 2019
    assert p3["url"] == "https://doi.org/10.1000/a%20b" and "year" not in p3
    similarity = paper_graph(corpus)
    assert similarity.nodes["p:1"]["url"] == "https://example.org/p1"
    assert similarity.nodes["p:2"]["year"] == 2019


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
                                 "vbscript:x", "//evil.example/x", "https:no-host"])
def test_only_http_urls_become_links(make_corpus, url):
    corpus = with_meta(make_corpus(SPEC), {"p:1": {"url": url}, "p:2": {"url": url, "doi": "10.5/z"}})
    g = bipartite_graph(corpus)
    assert "url" not in g.nodes[paper_node("p:1")]
    assert g.nodes[paper_node("p:2")]["url"] == "https://doi.org/10.5/z"


def test_concepts_get_the_mean_year_of_their_dated_papers(make_corpus):
    corpus = with_meta(make_corpus(SPEC), {"p:1": {"year": "2018"}, "p:2": {"year": "2021"},
                                           "p:3": {"year": "n.d."}})
    g, c = bipartite_graph(corpus), concept_graph(corpus)
    assert g.nodes[concept_node("alpha")]["mean_year"] == 2019.5  # p:1 and p:2
    assert g.nodes[concept_node("gamma")]["mean_year"] == 2021.0  # p:3 has no year
    assert "mean_year" not in g.nodes[concept_node("delta")]  # only in p:3
    assert c.nodes["alpha"]["mean_year"] == 2019.5 and "mean_year" not in c.nodes["delta"]


def test_graph_without_metadata_has_no_metadata_attributes(make_corpus):
    g = bipartite_graph(make_corpus(SPEC))
    names = {k for _, d in g.nodes(data=True) for k in d}
    assert not names & {"year", "mean_year", "url", "authors", "venue", "keywords"}


def test_metadata_survives_graphml(make_corpus, tmp_path):
    from kg.export import write_graphml
    corpus = with_meta(make_corpus(SPEC), {"p:1": {"year": "2020", "keywords": "a; b"},
                                           "p:3": {"url": "http://x.org"}})
    write_graphml(bipartite_graph(corpus), tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.nodes[paper_node("p:1")]["year"] == 2020
    assert back.nodes[paper_node("p:1")]["keywords"] == "a; b"
    assert back.nodes[concept_node("alpha")]["mean_year"] == 2020.0
    assert back.nodes[paper_node("p:3")]["url"] == "http://x.org"


@pytest.mark.parametrize("kind", [nx.Graph, nx.DiGraph, nx.MultiGraph])
def test_edges_with_data_are_networkx_edges_in_order(kind, small_corpus):
    g = kind()
    g.add_edges_from([("b", "a", {"w": 1}), ("a", "c", {"w": 2}), ("c", "c", {}), ("d", "b", {"w": 3}), ("c", "a", {"w": 4})])
    assert list(edges_with_data(g)) == list(g.edges(data=True))
    cooccurrence = concept_graph(small_corpus)
    assert [(a, b, d) for a, b, d in edges_with_data(cooccurrence)] == list(cooccurrence.edges(data=True))
    assert all(d is cooccurrence.edges[a, b] for a, b, d in edges_with_data(cooccurrence))  # the data itself, not a copy


def test_let_go_frees_a_graph_whose_views_were_used(small_corpus):
    g = concept_graph(small_corpus)
    assert g.number_of_edges() == len(list(g.edges)) and dict(g.degree)  # the views that refer back to g
    ref = weakref.ref(g)
    with cyclic_gc_paused():
        let_go(g)
        assert g.number_of_edges() == len(list(g.edges))  # still a whole graph until it goes
        let_go(g)
        del g
        assert ref() is None
