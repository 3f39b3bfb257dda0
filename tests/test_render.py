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
