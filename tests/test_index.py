"""graph.sqlite: every query answered on the part of the graph the index reads is the answer
on the whole graph.graphml."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from kg import pipeline, query
from kg.graph import CONCEPT_PREFIX, PAPER_PREFIX
from kg.index import INDEX_FILE, GraphIndex


@pytest.fixture(scope="module")
def whole(seed_out):
    return pipeline.load(seed_out)


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
