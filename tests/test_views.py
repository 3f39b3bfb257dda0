"""Ego views: the right neighbourhood is drawn, with kg.render's maps, from a saved workspace."""

from __future__ import annotations

import shutil

import networkx as nx
import pytest

from kg import pipeline, query
from kg.index import INDEX_FILE, GraphIndex, write_index
from kg.views import concept_ego, ego_file_name, paper_ego, render_concept_ego, render_paper_ego


@pytest.fixture(scope="module")
def saved(seed_out):
    return (pipeline.load(seed_out), nx.read_graphml(seed_out / "concepts.graphml"),
            nx.read_graphml(seed_out / "papers.graphml"))


def test_concept_ego_is_the_concept_and_its_strongest_cooccurring_concepts(saved):
    bipartite, concepts, _ = saved
    sub, key = concept_ego(bipartite, concepts, "GNN", size=8)
    assert key in sub and len(sub) == 8
    weights = sorted((float(d["weight"]) for _, d in concepts[key].items()), reverse=True)
    drawn = sorted((float(concepts[key][n]["weight"]) for n in sub if n != key), reverse=True)
    assert drawn == weights[:7]
    assert all(sub.has_edge(a, b) for a, b in concepts.subgraph(sub).edges)


def test_paper_ego_holds_the_paper_its_concepts_and_similar_papers(saved):
    bipartite, _, papers = saved
    pid = "004_4d7fe5d77dd9d4ee:9"
    sub = paper_ego(bipartite, papers, pid, n_similar=3)
    node = query.find_paper(bipartite, pid)
    assert set(bipartite[node]) <= set(sub)
    paper_nodes = {n for n in sub if sub.nodes[n]["kind"] == "paper"}
    best = sorted(papers[pid], key=lambda o: -float(papers[pid][o]["weight"]))[:3]
    assert paper_nodes == {node, *(f"paper:{p}" for p in best)}


def test_views_are_written_and_name_what_they_show(seed_out, tmp_path):
    drawn = render_concept_ego(seed_out, "reinforcement learning", tmp_path / "c.html", size=20)
    assert drawn.drawn_nodes == 20 and drawn.drawn_edges > 0
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "Concepts around reinforcement learning" in page
    drawn = render_paper_ego(seed_out, "004_4d7fe5d77dd9d4ee:9", tmp_path / "p.html", n_similar=2)
    assert drawn.drawn_nodes > 3
    assert "004_4d7fe5d77dd9d4ee:9" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_unknown_concept_is_a_query_error(seed_out, tmp_path):
    with pytest.raises(query.QueryError, match="no concept"):
        render_concept_ego(seed_out, "no such concept anywhere", tmp_path / "x.html")


def test_file_names_are_safe():
    assert ego_file_name("paper", "cs/0101001v2:3") == "view_paper_cs_0101001v2_3.html"
    assert ego_file_name("concept", "图 神经网络") == "view_concept_图_神经网络.html"


def test_views_read_from_the_index_are_the_views_read_from_the_graphml_files(seed_out, tmp_path):
    without = tmp_path / "without"  # a workspace whose graph.sqlite lacks the projections
    shutil.copytree(seed_out, without)
    write_index(pipeline.load(seed_out), without / INDEX_FILE)
    with GraphIndex(seed_out / INDEX_FILE) as index, GraphIndex(without / INDEX_FILE) as old:
        assert index.has_projection("concepts") and index.has_projection("papers")
        assert not old.has_projection("concepts")
    g = pipeline.load(seed_out)
    terms = [d["label"] for _, d in g.nodes(data=True) if d["kind"] == "concept"]
    papers = [d["paper_id"] for _, d in g.nodes(data=True) if d["kind"] == "paper"]
    assert len(papers) == 20
    only_index = tmp_path / "only_index"  # the index alone is read: no GraphML file is needed
    only_index.mkdir()
    shutil.copy(seed_out / INDEX_FILE, only_index / INDEX_FILE)
    for render, names in ((render_concept_ego, [*terms[::9], "GNN", "联合学习"]), (render_paper_ego, papers)):
        for name in names:
            render(only_index, name, tmp_path / "a.html")
            render(without, name, tmp_path / "b.html")
            assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes(), name
