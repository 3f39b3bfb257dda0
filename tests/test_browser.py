"""The HTML views in headless Chromium: they draw offline, and a reader can search, click,
filter and switch to the year overlay; hostile text in the data shows as text and runs nothing.

Debian's chromium is driven by Playwright for Python (its driver runs on the node shipped in
the wheel; no browser is downloaded). Skipped when chromium or playwright is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from kg import pipeline
from kg.query import find_concept
from kg.render import YEAR_SCALE, render_concept_map, render_paper_similarity_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

VIEWS = ("concept_map.html", "paper_concept_map.html", "paper_similarity_map.html")
HOSTILE = Path(__file__).parent / "data" / "hostile"
DIM = "rgba(200,200,200,0.35)"


def dump_dom(html, profile):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
           "--virtual-time-budget=5000", "--dump-dom", html.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.parametrize("view", VIEWS)
def test_view_draws_offline(seed_out, tmp_path, view):
    dom = dump_dom(seed_out / view, tmp_path / "profile")
    assert "<canvas" in dom  # vis-network ran (it only creates its canvas once the script loaded)
    assert "Showing" in dom


# --- driven by Playwright ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--host-resolver-rules=MAP * ~NOTFOUND"])
        yield browser
        browser.close()


class View:
    """One page of a view, with what the tests look at: dialogs, errors and requests."""

    def __init__(self, browser, html: Path, fragment: str = ""):
        self.page = browser.new_page(viewport={"width": 1300, "height": 850})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(html.resolve().as_uri() + fragment)
        self.page.wait_for_selector("body[data-ready]", timeout=60_000)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def nodes(self) -> dict[str, dict]:
        return {n["id"]: n for n in self.js("kgView.nodes.get()")}

    def selected(self) -> list[str]:
        return self.js("kgView.network.getSelectedNodes()")

    def screen_xy(self, node_id: str) -> tuple[float, float]:
        """Where the node is drawn, in page coordinates (for real mouse clicks and hovers)."""
        return self.js("""id => {
            const net = kgView.network, at = net.canvasToDOM(net.getPositions([id])[id]);
            const box = document.getElementById("network").getBoundingClientRect();
            return [box.left + at.x, box.top + at.y];
        }""", node_id)

    def click_node(self, node_id: str) -> None:
        x, y = self.screen_xy(node_id)
        self.page.mouse.click(x, y)

    def empty_xy(self) -> tuple[float, float]:
        """A point of the canvas with no node or link under it."""
        return self.js("""() => {
            const net = kgView.network, box = document.getElementById("network").getBoundingClientRect();
            for (let y = 20; y < box.height; y += 15) for (let x = 20; x < box.width; x += 15) {
                const p = {x: x, y: y};
                if (net.getNodeAt(p) === undefined && net.getEdgeAt(p) === undefined) return [box.left + x, box.top + y];
            }
            return null;
        }""")

    def hover_node(self, node_id: str) -> str:
        """The tooltip's text after the mouse rests on the node."""
        x, y = self.screen_xy(node_id)
        self.page.mouse.move(x + 1, y + 1)
        self.page.mouse.move(x, y)
        self.page.wait_for_timeout(350)  # vis shows tooltips after tooltipDelay (150 ms)
        return self.js("(document.querySelector('div.vis-tooltip') || {}).innerText || ''")

    def search(self, text: str) -> None:
        self.page.fill("#query", text)
        self.page.press("#query", "Enter")
        self.page.wait_for_timeout(600)  # the focus animation

    def details(self) -> str:
        return self.page.inner_text("#details")

    def close(self) -> None:
        assert not self.errors, self.errors
        assert all(url.startswith(("file:", "data:", "about:")) for url in self.requests), self.requests
        self.page.close()


@pytest.fixture
def open_view(browser):
    views = []

    def open_(html: Path, fragment: str = "") -> View:
        views.append(View(browser, html, fragment))
        return views[-1]
    yield open_
    for view in views:
        view.close()


def panel_sections(view: View) -> dict[str, list[str]]:
    return view.js("""() => {
        const out = {};
        document.querySelectorAll("#details h3").forEach(h => {
            out[h.textContent] = [...h.nextElementSibling.children].map(li => li.textContent);
        });
        return out;
    }""")


def test_search_gnn_focuses_it_and_the_panel_shows_aliases_and_papers(open_view, seed_out, seed_graph):
    view = open_view(seed_out / "concept_map.html")
    node = find_concept(seed_graph.bipartite, "GNN")
    key, attrs = node.removeprefix("concept:"), seed_graph.bipartite.nodes[node]
    view.search("GNN")
    assert view.selected() == [key]
    assert view.js("kgView.network.getScale()") == pytest.approx(1.2, abs=0.05)  # zoomed onto it
    x, y = view.screen_xy(key)
    box = view.js("document.getElementById('network').getBoundingClientRect().toJSON()")
    assert abs(x - (box["left"] + box["width"] / 2)) < 30 and abs(y - (box["top"] + box["height"] / 2)) < 30
    assert view.page.inner_text("#details h2") == attrs["label"]
    sections = panel_sections(view)
    aliases = {a for a in attrs["aliases"].split(" | ") if a != attrs["label"]}
    assert "GNN" in aliases and aliases <= set(sections["Also written"])
    titles = {seed_graph.bipartite.nodes[p]["title"] for p in seed_graph.bipartite[node]}
    assert titles == set(sections["Papers"])
    assert any(line.startswith("acronym: GNN") for line in sections["Merged from (evidence)"])
    # neighbours stay coloured, the rest is dimmed
    nodes, near = view.nodes(), set(view.js("id => kgView.network.getConnectedNodes(id)", key))
    assert near and all(nodes[n]["color"] != DIM for n in near | {key})
    assert all(nodes[n]["color"] == DIM for n in set(nodes) - near - {key})


def test_search_finds_a_chinese_alias(open_view, seed_out, seed_graph):
    view = open_view(seed_out / "concept_map.html")
    chinese = next((n, a) for n, d in seed_graph.concepts.nodes(data=True)
                   for a in str(d.get("aliases", "")).split(" | ")
                   if any("\u4e00" <= ch <= "\u9fff" for ch in a) and n in view.nodes())
    view.search(chinese[1])
    assert view.selected() == [chinese[0]]
    assert chinese[1] in view.details()


def test_clicking_a_concept_selects_it_and_lists_linked_concepts(open_view, seed_out, seed_graph):
    view = open_view(seed_out / "concept_map.html")
    key = seed_graph.rankings[0].key  # the most central concept, drawn biggest
    view.click_node(key)
    assert view.selected() == [key]
    assert view.page.inner_text("#details h2") == seed_graph.concepts.nodes[key]["label"]
    linked = panel_sections(view)["Linked concepts"]
    assert linked and linked[-1].startswith("… and ")  # a hub has more than a panel lists
    # a linked concept in the panel is a button that moves the selection there
    view.page.locator("#details button.node").first.click()
    view.page.wait_for_timeout(500)
    (now,) = view.selected()
    assert now != key and seed_graph.concepts.has_edge(key, now)
    view.page.mouse.click(*view.empty_xy())  # clicking empty canvas clears the selection
    assert view.selected() == [] and all(n["color"] != DIM for n in view.nodes().values())


def test_filters_hide_clusters_and_rare_concepts(open_view, seed_out, seed_graph):
    view = open_view(seed_out / "concept_map.html")
    drawn = view.nodes()
    cluster = sorted({n["cluster"] for n in drawn.values()})[1]
    view.page.select_option("#cluster", str(cluster))
    hidden = {i for i, n in view.nodes().items() if n["hidden"]}
    assert hidden == {i for i in drawn if seed_graph.concepts.nodes[i]["cluster"] != cluster}
    legend = view.page.inner_text("#legend")
    assert f"Cluster {cluster} (" in legend
    view.page.select_option("#cluster", "all")
    view.page.fill("#min-papers", "3")
    hidden = {i for i, n in view.nodes().items() if n["hidden"]}
    assert hidden == {i for i in drawn if seed_graph.concepts.nodes[i]["papers"] < 3}
    assert 0 < len(hidden) < len(drawn)
    # a search for a filtered-out concept lifts the filters rather than focus an invisible node
    rare = next(i for i in sorted(hidden))
    view.search(seed_graph.concepts.nodes[rare]["label"])
    assert view.selected() == [rare] and not view.nodes()[rare]["hidden"]
    assert view.page.input_value("#min-papers") == "1"


def test_cluster_legend_lists_top_terms_and_filters_on_click(open_view, seed_out, seed_graph):
    view = open_view(seed_out / "concept_map.html")
    entries = view.page.locator("#legend .entry")
    first = entries.first.inner_text()
    top = min(seed_graph.rankings, key=lambda r: (r.cluster, -r.pagerank))  # best of cluster 0
    assert first.startswith("Cluster 0 (") and top.label in first
    entries.first.click()
    assert view.page.input_value("#cluster") == "0"
    assert all(n["hidden"] == (n["cluster"] != 0) for n in view.nodes().values())
    entries.first.click()
    assert not any(n["hidden"] for n in view.nodes().values())


def test_clicking_a_paper_lists_its_concepts(open_view, seed_out, seed_graph):
    view = open_view(seed_out / "paper_concept_map.html")
    paper = next(i for i, n in view.nodes().items() if n["kind"] == "paper")
    view.click_node(paper)
    assert view.selected() == [paper]
    g = seed_graph.bipartite
    assert view.page.inner_text("#details h2") == g.nodes[paper]["title"]
    listed = panel_sections(view)["Concepts"]
    labels = {g.nodes[c]["label"] for c in g[paper]}
    assert len(listed) == min(len(labels), 25) + (len(labels) > 25)
    assert all(item.rsplit(" ×", 1)[0] in labels for item in listed[:25])
    nodes = view.nodes()
    assert all(nodes[c]["color"] != DIM for c in g[paper] if c in nodes)


def test_year_overlay_colours_by_year_with_a_scale(open_view, tmp_path, small_corpus):
    years = {"p:1": "2015", "p:2": "2017", "p:3": "2019", "p:4": "2023"}
    small_corpus.papers = [replace(p, meta={"year": years[p.id]}) for p in small_corpus.papers]
    graph = pipeline.graph_corpus(small_corpus)
    render_concept_map(graph.concepts, tmp_path / "c.html", bipartite=graph.bipartite)
    view = open_view(tmp_path / "c.html")
    assert view.page.is_visible("#colour-by")
    before = view.nodes()
    view.page.select_option("#colour-by", "year")
    after = view.nodes()
    mean = {k: d["mean_year"] for k, d in graph.concepts.nodes(data=True)}
    oldest, newest = min(mean, key=mean.get), max(mean, key=mean.get)
    assert (mean[oldest], mean[newest]) == (2015.0, 2023.0)  # message passing; privacy
    assert after[oldest]["color"] == YEAR_SCALE[0] and after[newest]["color"] == YEAR_SCALE[-1]
    assert len({after[k]["color"] for k in mean}) == len(set(mean.values()))  # a year, a colour
    assert "2015" in view.page.inner_text("#legend") and "2023" in view.page.inner_text("#legend")
    view.page.select_option("#colour-by", "cluster")
    assert {i: n["color"] for i, n in view.nodes().items()} == {i: n["color"] for i, n in before.items()}


def test_a_link_can_open_the_year_overlay(open_view, tmp_path, small_corpus):
    small_corpus.papers = [replace(p, meta={"year": "2020"} if p.id == "p:1" else {}) for p in small_corpus.papers]
    graph = pipeline.graph_corpus(small_corpus)
    render_paper_similarity_map(graph.papers, tmp_path / "p.html")
    view = open_view(tmp_path / "p.html", "#colour=year")
    assert view.page.input_value("#colour-by") == "year"
    colours = {i: n["color"] for i, n in view.nodes().items()}
    assert colours["p:1"] == YEAR_SCALE[-1]  # one year: the top of the scale
    assert {colours[p] for p in ("p:2", "p:3", "p:4")} == {"#d0d0d0"}  # no year: grey
    assert "grey = no year known" in view.page.inner_text("#legend")


def test_no_year_overlay_without_years(open_view, seed_out):
    view = open_view(seed_out / "concept_map.html", "#colour=year")
    assert not view.page.is_visible("#colour-by")
    assert view.page.input_value("#colour-by") == "cluster"


# --- hostile text --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory, extractor):
    out = tmp_path_factory.mktemp("hostile")
    pipeline.build([HOSTILE], extractor=extractor).save(out)
    return out


INJECTED = """() => ({
    scripts: document.scripts.length,
    images: document.querySelectorAll("img, svg, iframe, object, embed").length,
    bold: document.querySelectorAll("b").length,
    javascriptLinks: [...document.querySelectorAll("[href], [src], [action]")]
        .filter(e => /^\\s*javascript:/i.test(e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action") || "")).length,
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    handlers: [...document.querySelectorAll("*")].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length,
})"""


@pytest.mark.parametrize("name", VIEWS)
def test_hostile_text_shows_as_text_and_runs_nothing(open_view, hostile_out, name):
    view = open_view(hostile_out / name)
    tooltips, panels, links = [], [], set()

    def nothing_injected():
        found = view.js(INJECTED)
        assert view.dialogs == []
        assert found["scripts"] == 2 and found["images"] == 0 and found["bold"] == 0, found
        assert found["javascriptLinks"] == 0 and found["handlers"] == 0, found
        assert all(link.startswith(("https://", "http://")) for link in found["links"]), found
        links.update(found["links"])
        panels.append(view.details())

    for node_id in view.nodes():
        tooltips.append(view.hover_node(node_id))
        view.click_node(node_id)
        assert len(view.selected()) == 1
        nothing_injected()
    for text in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)"):
        view.search(text)
        nothing_injected()
    shown = "\n".join(tooltips + panels)
    assert "<script>alert(1)</script>" in shown and "<img src=x onerror=alert(1)>" in shown  # as text
    assert "https://example.org/h2?a=1&b=%3Cx%3E" in links  # a paper's own http(s) link
    assert "https://doi.org/10.1000/h3" in links  # its javascript: URL gave way to the DOI
    if name != "concept_map.html":  # paper panels: metadata and author keywords, as text
        assert "<b>粗体</b>" in shown and "Journal <script>alert(1)</script>" in shown
