"""Questions asked of the bipartite graph: top, shared, concept, paper."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from kg import query
from kg.export import write_graphml
from kg.graph import concept_node, paper_node
from kg.pipeline import graph_corpus
from kg.query import QueryError, find_concept, find_paper, to_jsonable

A, B = "000_66c4bdcf0f56642e:4", "004_4d7fe5d77dd9d4ee:9"


@pytest.fixture
def g(small_kg):
    return small_kg.bipartite


def rarity(n_papers, df):
    return math.log((1 + n_papers) / (1 + df)) + 1.0


# ------------------------------------------------------------------ lookups


@pytest.mark.parametrize("term", [
    "graph neural network", "Graph Neural Network", "graph-neural-network", "  GRAPH   neural-Network ",
    "GNN", "gnn",
])
def test_find_concept_by_key_label_alias_ignoring_case_and_hyphens(g, term):
    assert find_concept(g, term) == concept_node("graph neural network")


def test_find_concept_by_chinese_alias(g):
    assert find_concept(g, "联邦学习") == concept_node("federated learning")
    assert find_concept(g, "fl") == concept_node("federated learning")


def _named(*concepts):
    """A bipartite graph of concepts given as (key, label, aliases, papers)."""
    g = nx.Graph()
    for key, label, aliases, papers in concepts:
        g.add_node(concept_node(key), kind="concept", key=key, label=label, aliases=aliases, papers=papers)
    return g


def test_a_name_of_several_concepts_goes_to_the_one_in_most_papers():
    g = _named(("baseline cnn model", "baseline CNN model", "CNN | baseline CNN model", 2),
               ("convolutional neural network", "convolutional neural network", "CNN | CNNs", 40),
               ("cnn filter", "CNN filter", "CNN filter", 90))
    assert find_concept(g, "cnn") == concept_node("convolutional neural network")
    assert find_concept(g, "CNNs") == concept_node("convolutional neural network")


def test_a_name_goes_to_the_concept_whose_papers_write_it_not_to_a_hub_that_only_lists_it():
    # a bad definition "neural network (RNN)" made RNN an alias of a concept of many papers
    g = _named(("neural network", "neural network", "RNN | neural networks", 100),
               ("recurrent neural network", "recurrent neural network", "RNN | RNNs", 10))
    for i in range(3):
        g.add_edge(concept_node("recurrent neural network"), paper_node(f"p{i}"), surfaces="RNN | RNNs")
    g.add_edge(concept_node("neural network"), paper_node("p0"), surfaces="neural networks")
    assert find_concept(g, "RNN") == concept_node("recurrent neural network")


def test_a_name_that_is_a_label_beats_the_same_name_as_an_alias():
    g = _named(("z", "Transformer", "transformers", 3), ("b", "vision transformer", "Transformer | ViT", 50))
    assert find_concept(g, "transformer") == concept_node("z")
    # equal papers: the first by key
    g = _named(("y", "model y", "M", 5), ("x", "model x", "M", 5))
    assert find_concept(g, "m") == concept_node("x")


def test_unknown_concept_suggests_close_names(g):
    with pytest.raises(QueryError, match="did you mean 'federated learning'"):
        find_concept(g, "federated lerning")
    with pytest.raises(QueryError) as info:
        find_concept(g, "quantum chromodynamics")
    assert "did you mean" not in str(info.value)
    assert "quantum chromodynamics" in str(info.value)


def test_unknown_paper_suggests_close_ids(g):
    assert find_paper(g, "p:2") == paper_node("p:2")
    with pytest.raises(QueryError, match=r"no paper 'p:9'.*did you mean p:\d"):
        find_paper(g, "p:9")
    with pytest.raises(QueryError) as info:
        find_paper(g, "completely-different")
    assert "did you mean" not in str(info.value)
    # a concept is not a paper
    with pytest.raises(QueryError):
        find_paper(g, "graph neural network")


# ------------------------------------------------------------------ top


def test_top_is_sorted_by_the_requested_metric(g):
    rows = query.top(g, "pagerank", 100)
    assert len(rows) == sum(1 for _, d in g.nodes(data=True) if d["kind"] == "concept")
    values = [r["pagerank"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert all(r["kind"] == "concept" for r in rows)
    assert [r["key"] for r in query.top(g, "pagerank", 2)] == [r["key"] for r in rows[:2]]


def test_top_by_papers_puts_the_concept_of_every_paper_first(g):
    rows = query.top(g, "papers", 3)
    assert len(rows) == 3
    assert rows[0]["key"] == "shared core" and rows[0]["papers"] == 4
    assert [r["papers"] for r in rows] == sorted((r["papers"] for r in rows), reverse=True)


def test_top_rejects_unknown_metric(g):
    with pytest.raises(QueryError, match="cannot rank by"):
        query.top(g, "popularity")


# ------------------------------------------------------------------ shared


def test_shared_lists_common_concepts_rarest_first_with_each_papers_words(g):
    rows = query.shared(g, "p:1", "p:2")
    assert [r.key for r in rows] == ["graph neural network", "shared core"]
    n = 4
    assert rows[0].score == pytest.approx(rarity(n, 2) * (1 + math.log(1)), abs=1e-4)
    assert rows[1].score == pytest.approx(rarity(n, 4), abs=1e-4)
    assert set(rows[0].surfaces_a) <= {"GNN", "graph neural network"}
    assert rows[0].surfaces_a and rows[0].surfaces_b


def test_shared_is_symmetric_and_empty_when_nothing_shared(make_corpus):
    g = graph_corpus(make_corpus({"x:1": {"a": 1, "b": 1}, "x:2": {"a": 1}, "x:3": {"c": 1}})).bipartite
    assert [r.key for r in query.shared(g, "x:1", "x:2")] == [r.key for r in query.shared(g, "x:2", "x:1")] == ["a"]
    assert query.shared(g, "x:1", "x:3") == []


def test_shared_score_grows_with_mentions_in_both(make_corpus):
    g = graph_corpus(make_corpus({"x:1": {"often": 3, "once": 1}, "x:2": {"often": 2, "once": 5}})).bipartite
    rows = query.shared(g, "x:1", "x:2")
    assert [r.key for r in rows] == ["often", "once"]  # min(3, 2) = 2 > min(1, 5) = 1
    assert rows[0].score == pytest.approx(rarity(2, 2) * (1 + math.log(2)), abs=1e-4)


def test_shared_unknown_paper(g):
    with pytest.raises(QueryError, match="did you mean"):
        query.shared(g, "p:1", "p:22")


# ------------------------------------------------------------------ concept and paper reports


def test_concept_report(g):
    report = query.concept(g, "FL")
    assert report.key == "federated learning" and report.label == "federated learning"
    assert set(report.aliases) == {"FL", "federated learning", "联邦学习"}
    assert [p["paper_id"] for p in report.papers] == ["p:4", "p:3"]  # most mentions first
    assert [p["mentions"] for p in report.papers] == [4, 1]
    assert report.papers[0]["title"] == "Title of p:4"
    assert report.neighbours[0] == {"key": "shared core", "label": "shared core", "papers_together": 2}
    assert {n["key"] for n in report.neighbours} == {"shared core", "molecule", "privacy"}
    for metric in ("papers", "pagerank", "degree", "betweenness", "eigenvector", "cluster"):
        assert metric in report.metrics
    assert report.metrics["papers"] == 2


def test_paper_report(g):
    report = query.paper(g, "p:1")
    assert (report.paper_id, report.title, report.lang) == ("p:1", "Title of p:1", "en")
    assert {c["key"] for c in report.concepts} == {"graph neural network", "shared core", "message passing"}
    assert report.concepts[0]["key"] == "graph neural network"  # 3 mentions × termhood 1.0
    assert {s.paper_id for s in report.similar} == {"p:2", "p:3", "p:4"}  # never itself
    assert report.similar[0].paper_id == "p:2"
    assert report.similar[0].shared == ["graph neural network", "shared core"]  # rarest first
    assert report.similar[0].score == pytest.approx(rarity(4, 2) + rarity(4, 4), abs=1e-4)
    scores = [s.score for s in report.similar]
    assert scores == sorted(scores, reverse=True)
    assert query.paper(g, "p:4").lang == "zh"


def test_similar_papers_limit(g):
    assert len(query.similar_papers(g, "p:1", n=1)) == 1


def test_answers_are_the_same_from_saved_graphml(small_kg, tmp_path):
    path = tmp_path / "graph.graphml"
    write_graphml(small_kg.bipartite, path)
    fresh, saved = small_kg.bipartite, nx.read_graphml(path)
    for ask in (lambda g: query.top(g, "pagerank", 10),
                lambda g: query.top(g, "betweenness", 10),
                lambda g: query.shared(g, "p:1", "p:2"),
                lambda g: query.concept(g, "gnn"),
                lambda g: query.paper(g, "p:3")):
        assert to_jsonable(ask(fresh)) == to_jsonable(ask(saved))


# ------------------------------------------------------------------ on the seeds


def test_seed_shared_language_model(seed_graph):
    rows = seed_graph.shared(A, B)
    assert "language model" in [r.label for r in rows]
    for r in rows:
        assert r.surfaces_a and r.surfaces_b


def test_seed_concept_gnn(seed_graph):
    report = seed_graph.concept("GNN")
    assert report.key == "graph neural network"  # "graph neural networks (GNNs)" is in the seeds
    assert "GNN" in report.aliases
    assert len(report.papers) == report.metrics["papers"] >= 1
    assert seed_graph.concept("gnn").key == seed_graph.concept("Graph-Neural-Network").key == report.key


def test_seed_top_and_paper(seed_graph):
    rows = seed_graph.top("pagerank", 10)
    assert len(rows) == 10
    assert [r["pagerank"] for r in rows] == sorted((r["pagerank"] for r in rows), reverse=True)
    report = seed_graph.paper(B)
    assert report.paper_id == B and report.lang == "en"
    assert len(report.concepts) == seed_graph.bipartite.degree(paper_node(B))
    assert report.similar and all(s.paper_id != B for s in report.similar)


def test_seed_unknown_paper_suggests(seed_graph):
    with pytest.raises(QueryError, match="did you mean .*000_66c4bdcf0f56642e:4"):
        seed_graph.paper("000_66c4bdcf0f56642e:44")


def test_paper_report_shows_author_keywords_and_metadata(small_corpus, tmp_path):
    from dataclasses import replace
    small_corpus.papers[0] = replace(small_corpus.papers[0], meta={
        "keywords": "message passing; molecules", "year": "2022", "venue": "ICML", "arxiv_id": "2201.1"})
    path = tmp_path / "g.graphml"
    write_graphml(graph_corpus(small_corpus).bipartite, path)
    report = query.paper(nx.read_graphml(path), "p:1")
    assert report.keywords == ["message passing", "molecules"]
    assert (report.year, report.venue, report.url) == (2022, "ICML", "https://arxiv.org/abs/2201.1")
    assert query.paper(nx.read_graphml(path), "p:2").keywords == []
    assert to_jsonable(report)["keywords"] == ["message passing", "molecules"]
