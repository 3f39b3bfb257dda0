"""GraphML / GEXF / node-link JSON / CSV writers: readable back, byte-stable, atomic."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from kg import export as kg_export
from kg.export import (FORMATS, export, write_csv, write_cytoscape, write_gexf, write_graphml, write_json,
                       write_neo4j)
from kg.graph import concept_node, paper_node

GRAPHML_NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


@pytest.fixture
def g(small_kg):
    return small_kg.bipartite


def shuffled(g: nx.Graph) -> nx.Graph:
    """The same graph built in the opposite order, attribute keys reversed too."""
    h = nx.Graph()
    for node in sorted(g, reverse=True):
        h.add_node(node, **dict(reversed(list(g.nodes[node].items()))))
    for a, b, d in reversed(list(g.edges(data=True))):
        h.add_edge(b, a, **dict(reversed(list(d.items()))))
    return h


def only_files(directory):
    return sorted(p.name for p in directory.iterdir())


# ------------------------------------------------------------------ readable back


def test_graphml_reads_back_with_numbers_as_numbers(g, tmp_path):
    path = tmp_path / "g.graphml"
    write_graphml(g, path)
    back = nx.read_graphml(path)
    assert set(back) == set(g)
    assert back.number_of_edges() == g.number_of_edges()
    gnn = back.nodes[concept_node("graph neural network")]
    assert isinstance(gnn["papers"], int) and gnn["papers"] == 2
    assert isinstance(gnn["degree"], int) and isinstance(gnn["cluster"], int)
    assert isinstance(gnn["pagerank"], float) and gnn["pagerank"] == g.nodes[concept_node("graph neural network")]["pagerank"]
    assert isinstance(gnn["termhood"], float)
    assert back.edges[paper_node("p:1"), concept_node("graph neural network")]["weight"] == 3
    for node, attrs in g.nodes(data=True):
        assert back.nodes[node] == attrs


def test_graphml_declares_attribute_types(g, tmp_path):
    path = tmp_path / "g.graphml"
    write_graphml(g, path)
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type")
            for k in ET.parse(path).getroot().findall("g:key", GRAPHML_NS)}
    for name in ("papers", "degree", "cluster"):
        assert keys[("node", name)] in ("int", "long"), name
    for name in ("pagerank", "betweenness", "eigenvector", "weighted_degree", "termhood"):
        assert keys[("node", name)] in ("double", "float"), name
    assert keys[("edge", "weight")] in ("int", "long")
    for name in ("kind", "label", "aliases", "paper_id", "title", "lang"):
        assert keys[("node", name)] == "string", name


def test_gexf_reads_back(g, tmp_path):
    path = tmp_path / "g.gexf"
    write_gexf(g, path)
    back = nx.read_gexf(path)
    assert set(back) == set(g)
    assert back.number_of_edges() == g.number_of_edges()
    fl = back.nodes[concept_node("federated learning")]
    assert fl["kind"] == "concept" and fl["papers"] == 2 and isinstance(fl["papers"], int)
    assert isinstance(fl["pagerank"], float)
    assert "联邦学习" in fl["aliases"]
    assert back.nodes[paper_node("p:4")]["lang"] == "zh"


def test_node_link_json_reads_back(g, tmp_path):
    path = tmp_path / "g.json"
    write_json(g, path)
    text = path.read_text(encoding="utf-8")
    assert "联邦学习" in text  # not \\u-escaped
    back = nx.node_link_graph(json.loads(text), edges="edges")
    assert dict(back.nodes(data=True)) == dict(g.nodes(data=True))
    assert {frozenset((a, b)): d for a, b, d in back.edges(data=True)} == \
        {frozenset((a, b)): d for a, b, d in g.edges(data=True)}


@pytest.mark.parametrize("name", ["g.csv", "g"])
def test_csv_nodes_and_edges_read_back(g, tmp_path, name):
    node_path, edge_path = write_csv(g, tmp_path / name)
    assert (node_path.name, edge_path.name) == ("g.nodes.csv", "g.edges.csv")
    with node_path.open(encoding="utf-8", newline="") as f:
        nodes = list(csv.DictReader(f))
    with edge_path.open(encoding="utf-8", newline="") as f:
        edges = list(csv.DictReader(f))
    assert sorted(r["id"] for r in nodes) == sorted(g)
    by_id = {r["id"]: r for r in nodes}
    assert by_id[concept_node("federated learning")]["aliases"] == g.nodes[concept_node("federated learning")]["aliases"]
    assert by_id[paper_node("p:1")]["kind"] == "paper"
    assert len(edges) == g.number_of_edges()
    for row in edges:
        assert g.has_edge(row["source"], row["target"])
        assert int(row["weight"]) == g.edges[row["source"], row["target"]]["weight"]


def test_export_dispatch(g, tmp_path):
    for fmt in FORMATS:
        paths = export(g, fmt, tmp_path / f"out.{fmt}")
        assert paths and all(p.is_file() and p.stat().st_size > 0 for p in paths)
    assert len(export(g, "csv", tmp_path / "t.csv")) == 2
    with pytest.raises(ValueError, match="unknown format"):
        export(g, "dot", tmp_path / "out.dot")


def test_writers_create_missing_directories(g, tmp_path):
    path = tmp_path / "a" / "b" / "g.graphml"
    write_graphml(g, path)
    assert nx.read_graphml(path).number_of_nodes() == g.number_of_nodes()


# ------------------------------------------------------------------ deterministic


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_are_byte_identical_and_independent_of_insertion_order(g, tmp_path, fmt):
    first = export(g, fmt, tmp_path / "1" / f"g.{fmt}")
    again = export(g, fmt, tmp_path / "2" / f"g.{fmt}")
    other = export(shuffled(g), fmt, tmp_path / "3" / f"g.{fmt}")
    for a, b, c in zip(first, again, other):
        assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_gexf_does_not_depend_on_the_date(g, tmp_path, monkeypatch):
    import time
    write_gexf(g, tmp_path / "today.gexf")
    monkeypatch.setattr(time, "strftime", lambda fmt, *a: "1999-12-31")
    write_gexf(g, tmp_path / "other_day.gexf")
    assert (tmp_path / "today.gexf").read_bytes() == (tmp_path / "other_day.gexf").read_bytes()


def networkx_graphml(g: nx.Graph, path) -> bytes:
    nx.write_graphml(g, path, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return path.read_bytes()


def test_graphml_is_byte_for_byte_what_networkx_writes(seed_graph, tmp_path):
    for name, graph in (("bipartite", seed_graph.bipartite), ("concepts", seed_graph.concepts),
                        ("papers", seed_graph.papers)):
        write_graphml(graph, tmp_path / f"{name}.graphml", presorted=True)
        assert (tmp_path / f"{name}.graphml").read_bytes() == networkx_graphml(graph, tmp_path / "nx.graphml"), name


def test_graphml_escapes_and_types_as_networkx_does(tmp_path):
    """Markup, quotes, tabs, newlines and carriage returns in ids, names and values; every value
    type; a graph attribute; an attribute with two types; nodes and edges without data; empty
    graphs and directed ones."""
    odd = "a&b <c> \"d\" 'e'\tf\ng\rh é 中文 \x7f\x85"
    g = nx.Graph(name=odd, size=3)
    g.add_node(odd, label=odd, empty="", n=3, x=0.1, tiny=1e-7, flag=True)
    g.add_node(7, n="seven")  # n: an int above, a string here
    g.add_node("bare")
    g.add_edge(odd, 7, weight=1.5, **{"odd & name": odd})
    g.add_edge(7, "bare")
    for graph in (g, nx.Graph(), nx.DiGraph([(1, 2)]), nx.path_graph(3)):
        write_graphml(graph, tmp_path / "kg.graphml", presorted=True)
        assert (tmp_path / "kg.graphml").read_bytes() == networkx_graphml(graph, tmp_path / "nx.graphml")


@pytest.mark.parametrize("bad", ["\x01", "\x0b", "\ufffe"])
def test_graphml_refuses_control_characters_as_lxml_does(bad, tmp_path):
    g = nx.Graph()
    g.add_node("a", label=f"x{bad}y")
    with pytest.raises(ValueError, match="XML compatible"):
        write_graphml(g, tmp_path / "g.graphml")
    assert only_files(tmp_path) == []


def test_graphml_of_a_multigraph_goes_to_networkx(tmp_path):
    g = nx.MultiGraph([(1, 2), (1, 2)])
    write_graphml(g, tmp_path / "m.graphml", presorted=True)
    assert nx.read_graphml(tmp_path / "m.graphml", force_multigraph=True).number_of_edges() == 2


# ------------------------------------------------------------------ atomic


def test_failed_graphml_write_leaves_previous_file_intact(g, tmp_path, monkeypatch):
    path = tmp_path / "graph.graphml"
    write_graphml(g, path)
    before = path.read_bytes()

    def broken(graph):
        yield "<?xml version='1.0'?><graphml><graph>"  # half a file
        raise OSError("disk full")

    monkeypatch.setattr(kg_export, "_graphml_chunks", broken)
    with pytest.raises(OSError, match="disk full"):
        write_graphml(g, path)
    assert path.read_bytes() == before
    assert only_files(tmp_path) == ["graph.graphml"]  # no temporary file left behind


def test_failed_first_write_leaves_nothing(g, tmp_path, monkeypatch):
    def broken(graph):
        yield "<graphml>"
        raise RuntimeError("killed")

    monkeypatch.setattr(kg_export, "_graphml_chunks", broken)
    with pytest.raises(RuntimeError):
        write_graphml(g, tmp_path / "graph.graphml")
    assert only_files(tmp_path) == []


def test_failed_text_write_leaves_previous_json_intact(g, tmp_path, monkeypatch):
    path = tmp_path / "graph.json"
    write_json(g, path)
    before = path.read_bytes()
    real = type(path).write_text

    def broken(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError("no space left")

    monkeypatch.setattr(type(path), "write_text", broken)
    with pytest.raises(OSError):
        write_json(g, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert only_files(tmp_path) == ["graph.json"]


def test_successful_write_replaces_the_file(g, tmp_path):
    path = tmp_path / "graph.graphml"
    path.write_text("old", encoding="utf-8")
    write_graphml(g, path)
    assert nx.read_graphml(path).number_of_nodes() == g.number_of_nodes()
    assert only_files(tmp_path) == ["graph.graphml"]
    assert kg_export.FORMATS == ("graphml", "gexf", "json", "cytoscape", "csv", "neo4j")


# ------------------------------------------------------------------ independent readers


def test_graphml_reads_back_in_igraph(g, tmp_path):
    igraph = pytest.importorskip("igraph")
    path = tmp_path / "g.graphml"
    write_graphml(g, path)
    ig = igraph.Graph.Read_GraphML(str(path))
    assert ig.vcount() == g.number_of_nodes() and ig.ecount() == g.number_of_edges()
    assert not ig.is_directed()
    by_id = {v["id"]: v for v in ig.vs}
    gnn = by_id[concept_node("graph neural network")]
    assert gnn["kind"] == "concept" and gnn["label"] == "graph neural network"
    assert gnn["papers"] == 2 and gnn["pagerank"] == pytest.approx(g.nodes[concept_node("graph neural network")]["pagerank"])
    assert by_id[paper_node("p:4")]["lang"] == "zh"
    edge = ig.es[ig.get_eid(by_id[paper_node("p:1")].index, gnn.index)]
    assert edge["weight"] == 3 and edge["surfaces"] == "GNN | graph neural network"


def test_gexf_viz_colours_follow_clusters_and_sizes_follow_pagerank(g, tmp_path):
    from kg.render import PALETTE, PAPER_COLOUR
    path = tmp_path / "g.gexf"
    write_gexf(g, path)
    back = nx.read_gexf(path)  # igraph reads no GEXF: networkx is the independent reader here
    hexes = lambda c: "#%02x%02x%02x" % (c["r"], c["g"], c["b"])
    concepts = [n for n, d in g.nodes(data=True) if d["kind"] == "concept"]
    for n in concepts:
        viz = back.nodes[n]["viz"]
        assert hexes(viz["color"]) == PALETTE[g.nodes[n]["cluster"] % len(PALETTE)]
    for n in (n for n, d in g.nodes(data=True) if d["kind"] == "paper"):
        assert hexes(back.nodes[n]["viz"]["color"]) == PAPER_COLOUR
    size = {n: back.nodes[n]["viz"]["size"] for n in concepts}
    top = max(concepts, key=lambda n: g.nodes[n]["pagerank"])
    assert size[top] == max(size.values()) == 40.0
    ranked = sorted(concepts, key=lambda n: g.nodes[n]["pagerank"])
    assert [size[n] for n in ranked] == sorted(size[n] for n in ranked)
    assert "viz" not in g.nodes[top]  # the caller's graph is not touched


def test_cytoscape_json_reads_back(g, tmp_path):
    path = tmp_path / "g.cyjs"
    write_cytoscape(g, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"nodes", "edges"} <= set(data["elements"])
    names = {e["data"]["id"]: e["data"]["name"] for e in data["elements"]["nodes"]}
    assert names[concept_node("federated learning")] == "federated learning"
    assert names[paper_node("p:1")] == "Title of p:1"
    back = nx.cytoscape_graph(data)
    assert set(back) == set(g) and back.number_of_edges() == g.number_of_edges()
    for node, attrs in g.nodes(data=True):
        assert attrs.items() <= back.nodes[node].items()
    assert back.edges[paper_node("p:1"), concept_node("graph neural network")]["weight"] == 3


def read_rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [dict(zip(header, row)) for row in reader]


@pytest.mark.parametrize("name", ["kg", "kg.csv"])
def test_neo4j_bulk_import_csvs(g, tmp_path, name):
    papers, concepts, mentions = write_neo4j(g, tmp_path / name)
    assert [p.name for p in (papers, concepts, mentions)] == \
        ["kg.papers.neo4j.csv", "kg.concepts.neo4j.csv", "kg.mentions.neo4j.csv"]
    header, rows = read_rows(papers)
    assert header[:2] == ["paperId:ID(Paper)", ":LABEL"]
    assert set(header[2:]) == {"lang", "paper_id", "title"}
    assert sorted(r["paperId:ID(Paper)"] for r in rows) == ["p:1", "p:2", "p:3", "p:4"]
    assert {r[":LABEL"] for r in rows} == {"Paper"}
    header, rows = read_rows(concepts)
    assert header[:2] == ["conceptId:ID(Concept)", ":LABEL"]
    for typed in ("papers:int", "cluster:int", "degree:int", "pagerank:double", "termhood:double",
                  "betweenness:double", "eigenvector:double", "label", "aliases", "key"):
        assert typed in header, header
    assert "kind" not in " ".join(header)
    by_key = {r["conceptId:ID(Concept)"]: r for r in rows}
    assert len(by_key) == sum(1 for _, d in g.nodes(data=True) if d["kind"] == "concept")
    fl = g.nodes[concept_node("federated learning")]
    assert int(by_key["federated learning"]["papers:int"]) == fl["papers"]
    assert float(by_key["federated learning"]["pagerank:double"]) == fl["pagerank"]
    assert "联邦学习" in by_key["federated learning"]["aliases"]
    header, rows = read_rows(mentions)
    assert header == [":START_ID(Paper)", ":END_ID(Concept)", ":TYPE", "surfaces", "weight:int"]
    assert len(rows) == g.number_of_edges()
    for r in rows:
        assert r[":TYPE"] == "MENTIONS"
        edge = g.edges[paper_node(r[":START_ID(Paper)"]), concept_node(r[":END_ID(Concept)"])]
        assert int(r["weight:int"]) == edge["weight"] and r["surfaces"] == edge["surfaces"]


def test_presorted_writes_are_the_same_bytes_and_leave_the_graph_alone(g, tmp_path):
    from kg.export import sorted_graph

    h = sorted_graph(g)
    before = {n: dict(d) for n, d in h.nodes(data=True)}
    for name, write in (("g.graphml", write_graphml), ("g.gexf", write_gexf), ("g.json", write_json)):
        write(g, tmp_path / f"plain-{name}")
        write(h, tmp_path / f"pre-{name}", presorted=True)
        assert (tmp_path / f"plain-{name}").read_bytes() == (tmp_path / f"pre-{name}").read_bytes(), name
    assert {n: dict(d) for n, d in h.nodes(data=True)} == before  # no Gephi viz left on the caller's graph
