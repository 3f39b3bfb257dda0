"""graph.sqlite: every query answered on the part of the graph the index reads is the answer
on the whole graph.graphml."""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from contextlib import closing

import networkx as nx
import pytest

from kg import pipeline, query
from kg.graph import CONCEPT_PREFIX, PAPER_PREFIX
from kg.index import INDEX_FILE, GraphIndex, index_writer, write_index


@pytest.fixture(scope="module")
def whole(seed_out):
    return nx.read_graphml(seed_out / pipeline.GRAPH_FILE)  # what the index must answer as


@pytest.fixture(scope="module")
def index(seed_out):
    with GraphIndex(seed_out / INDEX_FILE) as index:
        yield index


def _ids(g):
    return sorted(n.removeprefix(PAPER_PREFIX) for n in g if n.startswith(PAPER_PREFIX))


def test_shared_on_two_papers_neighbourhood_is_the_whole_graphs_answer(whole, index):
    ids = _ids(whole)
    pairs = list(itertools.combinations(ids, 2))
    assert any(query.shared(whole, a, b) for a, b in pairs)  # the check below compares something
    for a, b in pairs:
        part = index.around([index.paper(a), index.paper(b)], 1)
        assert query.shared(part, a, b) == query.shared(whole, a, b), (a, b)


def test_paper_reports_and_similar_papers_match(whole, index):
    for paper_id in _ids(whole):
        for far in (None, query.PAPER_FAR):  # all attributes two hops out, or only what paper reads
            part = index.around([index.paper(paper_id)], 2, far)
            assert query.paper(part, paper_id) == query.paper(whole, paper_id), (paper_id, far)
            assert len(part) < len(whole)  # only a part was read


def test_concept_reports_match_by_key_label_and_alias(whole, index):
    concepts = [whole.nodes[n] for n in sorted(whole) if n.startswith(CONCEPT_PREFIX)]
    names = [d["key"] for d in concepts] + [d["label"] for d in concepts[::7]] + \
        [d["aliases"].split(" | ")[-1] for d in concepts[::5]] + ["GNNs", "图神经网络", "Graph-Neural-Network"]
    for name in names:
        for far in (None, query.CONCEPT_FAR):
            part = index.around([index.concept(name)], 2, far)
            assert query.concept(part, name) == query.concept(whole, name), (name, far)


def test_top_ranks_as_the_whole_graph_does(whole, index):
    concepts = sum(1 for n in whole if n.startswith(CONCEPT_PREFIX))
    for by in query.RANK_BY:
        for n in (1, 15, concepts + 5):  # the whole order too, ties and all
            assert index.top(by, n) == query.top(whole, by, n), (by, n)
    with pytest.raises(query.QueryError, match="cannot rank by"):
        index.top("closeness", 3)


def test_unknown_names_give_the_same_hints(whole, index):
    for find_part, find_whole, name in ((index.paper, lambda n: query.find_paper(whole, n), "000_66c4bdcf0f56642e:44"),
                                        (index.concept, lambda n: query.find_concept(whole, n), "graph neural netwrk")):
        with pytest.raises(query.QueryError) as part_error:
            find_part(name)
        with pytest.raises(query.QueryError) as whole_error:
            find_whole(name)
        assert str(part_error.value) == str(whole_error.value) and "did you mean" in str(part_error.value)


def test_the_index_is_read_only(index):
    with pytest.raises(sqlite3.OperationalError):
        index._db.execute("DELETE FROM nodes")


def test_the_last_hop_carries_only_the_attributes_asked_for(whole, index):
    node = index.concept("graph neural network")
    part = index.around([node], 2, ("label", "no such attribute"))
    first = set(part[node])
    last = [n for n in part if n != node and n not in first]
    assert last and all(set(part.nodes[n]) == {"label"} for n in last)  # a missing one stays absent
    assert all(part.nodes[p] == whole.nodes[p] for p in first)  # the first hop whole
    assert all(part.edges[node, p] == whole.edges[node, p] for p in first)
    assert all(part.edges[p, n] == {} for p in first for n in part[p] if n != node)


def test_attributes_are_stored_as_json_that_reads_back_the_same(tmp_path):
    """Every type a graph attribute takes, non-ASCII text as written, keys in order."""
    import networkx as nx

    attrs = {"weight": 0.1 + 0.2, "label": '图神经网络 & <GNN> "q"\n', "papers": 3, "tiny": 1e-05, "zero": -0.0,
             "big": 2**40, "aliases": "", "kind": "concept"}
    g = nx.Graph()
    g.add_node(CONCEPT_PREFIX + "gnn", **attrs)
    write_index(g, tmp_path / INDEX_FILE)
    with closing(sqlite3.connect(tmp_path / INDEX_FILE)) as db:
        (text,) = db.execute("SELECT attrs FROM nodes").fetchone()
    assert json.loads(text) == attrs and list(json.loads(text)) == sorted(attrs)
    assert "图神经网络" in text  # not \u escapes
    with GraphIndex(tmp_path / INDEX_FILE) as index:
        assert index.around([CONCEPT_PREFIX + "gnn"], 1).nodes[CONCEPT_PREFIX + "gnn"] == attrs


def test_a_name_of_several_concepts_finds_the_node_find_concept_finds(tmp_path):
    import networkx as nx
    from kg.graph import concept_node, paper_node

    g = nx.Graph()
    for key, label, aliases, papers in (("baseline cnn", "baseline CNN", "CNN", 1), ("cnn filter", "CNN filter", "CNN", 3),
                                        ("convolutional neural network", "convolutional neural network", "CNN | CNNs", 9)):
        g.add_node(concept_node(key), kind="concept", key=key, label=label, aliases=aliases, papers=papers)
        g.add_edge(concept_node(key), paper_node("p"), surfaces=aliases if papers == 9 else key)
    g.nodes[paper_node("p")].update(kind="paper", paper_id="p", title="t", lang="en")
    write_index(g, tmp_path / INDEX_FILE)
    with GraphIndex(tmp_path / INDEX_FILE) as index:
        for name in ("CNN", "cnns", "CNN filter"):
            assert index.concept(name) == query.find_concept(g, name)
        assert index.concept("cnn") == concept_node("convolutional neural network")


def test_edges_given_in_any_order_write_the_same_file(tmp_path):
    import networkx as nx

    edges = [(f"concept:c{i % 7}", f"paper:p{i % 11}", {"weight": i}) for i in range(40)]
    ordered, shuffled = nx.Graph(), nx.Graph()
    ordered.add_edges_from(sorted(edges))
    shuffled.add_edges_from(reversed(sorted(edges)))
    for g in (ordered, shuffled):
        for n in g:
            g.nodes[n]["kind"] = "concept" if n.startswith(CONCEPT_PREFIX) else "paper"
    write_index(ordered, tmp_path / "a.sqlite")
    write_index(shuffled, tmp_path / "b.sqlite")
    assert (tmp_path / "a.sqlite").read_bytes() == (tmp_path / "b.sqlite").read_bytes()
    with closing(sqlite3.connect(tmp_path / "b.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM edges").fetchone()[0] == len({(c, p) for c, p, _ in edges})


def test_a_part_written_beside_the_files_is_stopped_by_an_error_here(tmp_path):
    """A build writes graph.sqlite's part of a graph in another thread while it writes the
    graph's files (`pipeline.index_beside`); Ctrl-C or an error there must not wait for it."""
    started: list[str] = []
    count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 2000000000) SELECT count(*) FROM n"

    def part(index):  # minutes of SQLite work, unless interrupted
        started.append(threading.current_thread().name)
        return index._db.execute(count).fetchall()
    begun = time.monotonic()
    with pytest.raises(RuntimeError, match="stop here"):
        with index_writer(tmp_path / INDEX_FILE) as index, pipeline.index_beside(index) as beside:
            future = beside(part, index)
            while not started:
                time.sleep(0.01)
            time.sleep(0.2)  # the statement is running
            raise RuntimeError("stop here")
    assert time.monotonic() - begun < 30
    assert started[0].startswith("kg-index") and started[0] != threading.current_thread().name
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        future.result()
    assert not (tmp_path / INDEX_FILE).exists()  # nothing half-written is left
