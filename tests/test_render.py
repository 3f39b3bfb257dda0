"""The HTML views: offline, escaped, capped (and saying so), deterministic, searchable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest

from kg.render import (ViewLimits, ViewSummary, render_concept_map, render_paper_concept_map,
                       render_paper_similarity_map)

EVIL = "<script>alert(1)</script>"


def concept_graph(n: int = 12, reverse: bool = False) -> nx.Graph:
    g = nx.Graph()
    keys = [f"c{i:02d}" for i in range(n)]
    for i, key in enumerate(reversed(keys) if reverse else keys):
        i = int(key[1:])
        g.add_node(key, label=f"concept {i}", aliases=f"concept {i} | 概念{i} | Alias{i}",
                   papers=1 + i % 4, termhood=0.5, degree=2, weighted_degree=3.0,
                   pagerank=(n - i) / 100, betweenness=0.0, eigenvector=0.1, cluster=i % 3,
                   links="", paper_titles="\n".join(f"p{j} — title {j}" for j in range(i + 1)))
    g.nodes["c00"]["label"] = f"graph {EVIL} networks"
    g.nodes["c01"]["paper_titles"] = f"p9 — {EVIL}"
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n) if (a + b) % 3 == 0]
    for a, b in reversed(pairs) if reverse else pairs:
        g.add_edge(keys[b], keys[a], weight=1 + (a * b) % 5, association=0.1 * ((a + b) % 7))
    return g


def bipartite_graph() -> nx.Graph:
    concepts = concept_graph(8)
    g = nx.Graph()
    for key, d in concepts.nodes(data=True):
        g.add_node(f"concept:{key}", kind="concept", **d)
    for p in range(5):
        g.add_node(f"paper:p{p}", kind="paper", paper_id=f"p{p}", title=f"Paper {p} {EVIL}",
                   lang="en")
        for c in range(p, p + 3):
            g.add_edge(f"paper:p{p}", f"concept:c{c:02d}", weight=1 + c % 2,
                       surfaces=f"concept {c}")
    return g


def paper_graph(n: int = 10) -> nx.Graph:
    g = nx.Graph()
    for i in range(n):
        g.add_node(f"p{i}", title=f"Paper {i}" + (EVIL if i == 3 else ""), lang="en", cluster=i % 2)
    for i in range(n):
        for j in range(i + 1, n):
            if (i * j) % 4 == 1 or j == i + 1:
                g.add_edge(f"p{i}", f"p{j}", weight=round(1 / (1 + j - i), 3), shared="a | b")
    return g


VIEWS = [(render_concept_map, concept_graph), (render_paper_concept_map, bipartite_graph),
         (render_paper_similarity_map, paper_graph)]


def embedded_data(page: str) -> dict:
    match = re.search(r"var DATA = (\{.*?\});\n", page)
    assert match, "graph data not embedded"
    assert "<" not in match.group(1)  # so nothing in it can close the <script> element
    return json.loads(match.group(1))


@pytest.mark.parametrize("render, build", VIEWS)
def test_page_is_offline_and_self_contained(tmp_path: Path, render, build) -> None:
    out = tmp_path / "view.html"
    render(build(), out)
    page = out.read_text(encoding="utf-8")
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I) is None
    assert "//cdn" not in page.lower()
    assert re.search(r"<script[^>]*\ssrc\s*=", page, re.I) is None
    assert re.search(r"<link\b", page, re.I) is None
    assert re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I) is None
    assert "@import" not in page
    assert "default-src 'none'" in page  # the browser itself refuses any network load
    assert "vis-network" in page and "new vis.Network(" in page  # library inlined, used
    # Two script elements, inlined vis and our code. (The library holds a "<script>" string
    # of its own, an old-IE fallback, never written to this page.)
    assert re.findall(r"^<script\b[^>]*>", page, re.M) == ["<script>", "<script>"]
    assert len(page.encode("utf-8")) < 5_000_000


@pytest.mark.parametrize("render, build", VIEWS)
def test_user_text_never_reaches_html_unescaped(tmp_path: Path, render, build) -> None:
    out = tmp_path / "view.html"
    render(build(), out, title=f"Map {EVIL}")
    page = out.read_text(encoding="utf-8")
    assert EVIL not in page
    assert "alert(1)</script" not in page
    assert "<title>Map &lt;script&gt;alert(1)&lt;/script&gt;</title>" in page
    # The text is still there, as data: tooltips show it as text, not markup.
    data = embedded_data(page)
    assert any(EVIL in n["title"] for n in data["nodes"])


def test_concept_tooltip_lists_papers_and_truncates(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    render_concept_map(concept_graph(), out)
    nodes = {n["id"]: n for n in embedded_data(out.read_text(encoding="utf-8"))["nodes"]}
    tip = nodes["c11"]["title"]  # in 12 papers: 10 shown, then a count
    assert "p0 — title 0" in tip and "p9 — title 9" in tip and "p10 — title 10" not in tip
    assert "… and 2 more" in tip
    assert "概念11" in tip and "概念11" in nodes["c11"]["search"]


def test_cap_is_respected_and_stated(tmp_path: Path) -> None:
    g = concept_graph(12)
    out = tmp_path / "c.html"
    summary = render_concept_map(g, out, limits=ViewLimits(max_nodes=5, min_papers=2, max_edges=3))
    page = out.read_text(encoding="utf-8")
    data = embedded_data(page)
    ids = {n["id"] for n in data["nodes"]}
    eligible = [k for k, d in g.nodes(data=True) if d["papers"] >= 2]
    expected = set(sorted(eligible, key=lambda k: -g.nodes[k]["pagerank"])[:5])
    assert ids == expected
    assert len(data["edges"]) == 3
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert summary == ViewSummary(5, 12, 3, g.number_of_edges())
    assert (f"Showing 5 of 12 concepts (top by PageRank, in ≥ 2 papers) and 3 of "
            f"{g.number_of_edges()} links") in page


def test_strongest_edges_kept(tmp_path: Path) -> None:
    g = concept_graph(12)
    out = tmp_path / "c.html"
    render_concept_map(g, out, limits=ViewLimits(max_edges=4))
    edges = embedded_data(out.read_text(encoding="utf-8"))["edges"]
    kept = sorted(g.edges[e["from"], e["to"]]["weight"] for e in edges)
    assert kept == sorted(d["weight"] for _, _, d in g.edges(data=True))[-4:]


def test_bipartite_cap_and_shapes(tmp_path: Path) -> None:
    g = bipartite_graph()
    out = tmp_path / "b.html"
    summary = render_paper_concept_map(g, out, limits=ViewLimits(max_nodes=6))
    page = out.read_text(encoding="utf-8")
    nodes = embedded_data(page)["nodes"]
    papers = [n for n in nodes if n["id"].startswith("paper:")]
    assert len(nodes) == 6 and len(papers) == 2
    assert all(n["shape"] == "square" for n in papers)
    assert all(n["shape"] == "dot" for n in nodes if n not in papers)
    assert summary.drawn_nodes == 6 and summary.total_nodes == g.number_of_nodes()
    assert "Showing 4 of 8 concepts (top by PageRank), 2 of 5 papers" in page


def test_paper_similarity_cap(tmp_path: Path) -> None:
    g = paper_graph(10)
    out = tmp_path / "p.html"
    summary = render_paper_similarity_map(g, out, limits=ViewLimits(max_nodes=4, max_edges=2))
    assert summary.drawn_nodes == 4 and summary.drawn_edges == 2
    assert (f"Showing 4 of 10 papers (top by summed similarity) and 2 of "
            f"{g.number_of_edges()} links") in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("render, build", VIEWS)
def test_same_input_same_bytes(tmp_path: Path, render, build) -> None:
    render(build(), tmp_path / "a.html")
    render(build(), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_insertion_order_does_not_change_bytes(tmp_path: Path) -> None:
    limits = ViewLimits(max_nodes=7, max_edges=9)
    graphs = concept_graph(reverse=False), concept_graph(reverse=True)
    for g in graphs:  # ties everywhere: the cut must not depend on insertion order
        nx.set_node_attributes(g, 0.1, "pagerank")
    render_concept_map(graphs[0], tmp_path / "a.html", limits=limits)
    render_concept_map(graphs[1], tmp_path / "b.html", limits=limits)
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_layout_is_seeded_and_physics_stops(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    render_concept_map(concept_graph(), out)
    page = out.read_text(encoding="utf-8")
    assert isinstance(embedded_data(page)["options"]["layout"]["randomSeed"], int)
    assert "setOptions({physics: {enabled: false}})" in page


def test_search_box_present(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    render_concept_map(concept_graph(), out)
    page = out.read_text(encoding="utf-8")
    assert re.search(r'<input id="query" type="search"', page)
    assert "network.selectNodes(" in page and "network.focus(" in page
    assert "Nothing drawn matches" in page


def test_empty_graph(tmp_path: Path) -> None:
    out = tmp_path / "e.html"
    assert render_concept_map(nx.Graph(), out) == ViewSummary(0, 0, 0, 0)
    assert "Showing 0 of 0 concepts" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["e.html"]  # no temp file left behind


def test_concept_panels_list_papers_with_safe_links_and_evidence(tmp_path: Path) -> None:
    concepts = concept_graph(6)
    bipartite = nx.Graph()
    urls = {0: "https://example.org/0", 1: "javascript:alert(1)", 2: "", 3: "http://x.org/3"}
    for p, url in urls.items():
        bipartite.add_node(f"paper:p{p}", kind="paper", paper_id=f"p{p}", title=f"T{p} {EVIL}",
                           lang="en", **({"url": url} if url else {}), **({"year": 2000 + p} if p else {}))
    for key, d in concepts.nodes(data=True):
        bipartite.add_node(f"concept:{key}", kind="concept", **d)
    for p in urls:  # c00 in every paper, p3 mentioning it most
        bipartite.add_edge(f"paper:p{p}", "concept:c00", weight=1 + p // 3)
    concepts.nodes["c00"]["links"] = "acronym: GNN (GNN = graph networks) | glossary: 图网络 (x)"
    out = tmp_path / "c.html"
    render_concept_map(concepts, out, bipartite=bipartite)
    data = embedded_data(out.read_text(encoding="utf-8"))
    panel = data["panels"]["c00"]
    sections = {s["title"]: s["items"] for s in panel["sections"]}
    assert [i["paper"] for i in sections["Papers"]] == ["p3", "p0", "p1", "p2"]
    assert data["papers"]["p3"] == {"text": f"T3 {EVIL} (2003)", "url": "http://x.org/3"}
    assert data["papers"]["p0"] == {"text": f"T0 {EVIL}", "url": "https://example.org/0"}
    assert data["papers"]["p1"]["url"] == ""  # never a javascript: link
    assert [i["text"] for i in sections["Also written"]] == ["concept 0", "概念0", "Alias0"]
    assert [i["text"] for i in sections["Merged from (evidence)"]] == [
        "acronym: GNN (GNN = graph networks)", "glossary: 图网络 (x)"]
    linked = [i["node"] for i in sections["Linked concepts"]]
    assert linked and set(linked) <= {n["id"] for n in data["nodes"]}


def test_panel_lists_are_capped_with_a_count(tmp_path: Path) -> None:
    concepts = concept_graph(3)
    bipartite = nx.Graph()
    bipartite.add_node("concept:c00", kind="concept", **concepts.nodes["c00"])
    for p in range(40):
        bipartite.add_node(f"paper:p{p:02d}", kind="paper", paper_id=f"p{p:02d}", title=f"T{p}", lang="en")
        bipartite.add_edge(f"paper:p{p:02d}", "concept:c00", weight=1)
    out = tmp_path / "c.html"
    render_concept_map(concepts, out, bipartite=bipartite)
    data = embedded_data(out.read_text(encoding="utf-8"))
    papers = next(s for s in data["panels"]["c00"]["sections"] if s["title"] == "Papers")["items"]
    assert len(papers) == 26 and papers[-1] == {"text": "… and 15 more"}
    assert len(data["papers"]) == 25  # only the papers a panel cites are embedded


def test_cluster_legend_has_colours_and_top_terms(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    render_concept_map(concept_graph(12), out, limits=ViewLimits(max_nodes=4))
    legend = embedded_data(out.read_text(encoding="utf-8"))["legend"]
    # drawn: c00..c03 (top PageRank) → clusters 0, 1, 2; terms over every concept of the cluster
    assert [c["cluster"] for c in legend] == [0, 1, 2]
    assert legend[1]["count"] == 4 and legend[1]["top"] == ["concept 1", "concept 4", "concept 7", "concept 10"]
    assert legend[0]["colour"] != legend[1]["colour"]


def test_paper_panels_show_metadata_and_author_keywords(tmp_path: Path) -> None:
    g = paper_graph(4)
    g.nodes["p1"].update(year=2020, authors="A. Author", venue="Venue", keywords=f"kw one; {EVIL}",
                         url="https://example.org/p1")
    out = tmp_path / "p.html"
    render_paper_similarity_map(g, out)
    data = embedded_data(out.read_text(encoding="utf-8"))
    panel = data["panels"]["p1"]
    assert panel["url"] == "https://example.org/p1" and panel["facts"] == ["p1 · en · 2020", "A. Author", "Venue"]
    sections = {s["title"]: [i.get("text") for i in s["items"]] for s in panel["sections"]}
    assert sections["Author keywords"] == ["kw one", EVIL]
    assert sections["Similar papers"][0].startswith("Paper ")
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["p1"]["year"] == 2020 and "year" not in nodes["p0"]
    assert [c["cluster"] for c in data["legend"]] == [0, 1]


def test_bipartite_paper_panel_lists_its_concepts(tmp_path: Path) -> None:
    out = tmp_path / "b.html"
    render_paper_concept_map(bipartite_graph(), out)
    data = embedded_data(out.read_text(encoding="utf-8"))
    concepts = next(s for s in data["panels"]["paper:p0"]["sections"] if s["title"] == "Concepts")
    assert [i["node"] for i in concepts["items"]] == ["concept:c01", "concept:c00", "concept:c02"]
    assert concepts["items"][0]["text"] == "concept 1 ×2"
