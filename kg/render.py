"""Interactive HTML maps of the graphs: one self-contained file per view, usable offline.

pyvis builds the node and edge records, but its page template pulls Bootstrap and other files
from CDNs even with `cdn_resources="in_line"`. So the page here is our own: vis-network's JS
and CSS are inlined from pyvis's installed copy, the data is embedded as JSON that cannot close
the <script> element, and a Content-Security-Policy forbids the browser any network load.
Everything is sorted and no timestamps are written, so the same graph gives the same bytes.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

import networkx as nx
import pyvis
from pyvis.network import Network

from kg.atomic import write_text

VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
# Tableau 10 plus two: distinct hues for the biggest clusters, reused modulo for the rest.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c8c8c")
PAPER_COLOUR = "#3b3b3b"
TOOLTIP_LINES = 10
OPTIONS: dict[str, Any] = {
    "layout": {"randomSeed": 7, "improvedLayout": True},
    "physics": {
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110,
                             "avoidOverlap": 0.3},
        "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 25, "fit": True},
    },
    "interaction": {"hover": True, "tooltipDelay": 150},
    "nodes": {"borderWidth": 1, "font": {"size": 14, "face": "sans-serif"}},
    "edges": {"smooth": False,
              "color": {"color": "#c9c9c9", "highlight": "#444444", "hover": "#888888"}},
}


@dataclass(frozen=True)
class ViewLimits:
    """Caps on what is drawn: a browser lays out a few hundred nodes well, not thousands."""

    max_nodes: int = 150  # cap drawn nodes (top by pagerank for concepts)
    min_papers: int = 1  # concepts in fewer papers are not drawn
    max_edges: int = 1500  # strongest edges kept


@dataclass(frozen=True)
class ViewSummary:
    """What was drawn out of what exists, so callers can report the cut as the page does."""

    drawn_nodes: int
    total_nodes: int
    drawn_edges: int
    total_edges: int


def render_concept_map(concepts: nx.Graph, path: str | os.PathLike[str], *,
                       limits: ViewLimits = ViewLimits(),
                       title: str = "Concept map") -> ViewSummary:
    """Concept co-occurrence map: the most central concepts, sized by PageRank."""
    nodes = concepts.nodes
    chosen = _top((n for n in concepts if _int(nodes[n].get("papers")) >= limits.min_papers),
                  lambda n: -_num(nodes[n].get("pagerank")), limits.max_nodes)
    net = Network()
    top = max((_num(nodes[n].get("pagerank")) for n in chosen), default=0.0)
    for n in chosen:
        _add_concept(net, n, nodes[n], top)
    # ties in weight go to links between central concepts, so hubs keep their links
    edges = _strongest(concepts, chosen, limits.max_edges,
                       lambda a, b, d: (-_num(d.get("weight")),
                                        -_num(nodes[a].get("pagerank")) - _num(nodes[b].get("pagerank"))))
    for a, b, d in edges:
        w = _int(d.get("weight"))
        net.add_edge(_id(a), _id(b), width=round(1 + 1.5 * math.log2(max(w, 1)), 2),
                     title=f"{_label(nodes[a], a)} — {_label(nodes[b], b)}\n"
                           f"together in {w:,} papers · "
                           f"association {_num(d.get('association')):.3f}")
    caption = (f"Showing {len(chosen):,} of {len(nodes):,} concepts "
               f"(top by PageRank{_in_papers(limits)}) and {len(edges):,} of "
               f"{concepts.number_of_edges():,} links")
    _write(path, net, title, caption,
           "Colour = cluster, size = PageRank, link width = papers in common.",
           "Find a concept or alias")
    return ViewSummary(len(chosen), len(nodes), len(edges), concepts.number_of_edges())


def render_paper_concept_map(bipartite: nx.Graph, path: str | os.PathLike[str], *,
                             limits: ViewLimits = ViewLimits(),
                             title: str = "Papers and their concepts") -> ViewSummary:
    """Paper–concept map. Papers get up to a third of the node budget, concepts the rest;
    papers are picked by how much they mention the drawn concepts (one with none would float
    alone, telling nothing)."""
    nodes = bipartite.nodes
    papers = [n for n in bipartite if nodes[n].get("kind") == "paper"]
    concepts = [n for n in bipartite if nodes[n].get("kind") == "concept"]
    budget = max(limits.max_nodes, 0)
    chosen_c = _top((n for n in concepts if _int(nodes[n].get("papers")) >= limits.min_papers),
                    lambda n: -_num(nodes[n].get("pagerank")),
                    budget - min(len(papers), budget // 3))
    in_view = set(chosen_c)
    reach = {p: sum(_num(d.get("weight"), 1) for _, c, d in bipartite.edges(p, data=True)
                    if c in in_view) for p in papers}
    chosen_p = _top((p for p in papers if reach[p] > 0), lambda p: -reach[p],
                    budget - len(chosen_c))
    net = Network()
    top = max((_num(nodes[n].get("pagerank")) for n in chosen_c), default=0.0)
    for n in chosen_c:
        _add_concept(net, n, nodes[n], top)
    for p in chosen_p:
        d, paper_id = nodes[p], _text(nodes[p], "paper_id") or str(p)
        names = sorted(_label(nodes[c], c) for c in bipartite[p] if c in in_view)
        tip = (f"{paper_id} — {_clip(_text(d, 'title'), 300)}\nLanguage: {_text(d, 'lang')}\n"
               f"Mentions {len(names)} drawn concepts:\n" + _clip_lines(names))
        net.add_node(_id(p), label=_clip(_text(d, "title") or paper_id, 30), shape="square",
                     color=PAPER_COLOUR, size=10, title=tip,
                     search=f"{paper_id}\n{_text(d, 'title')}")
    edges = _strongest(bipartite, chosen_c + chosen_p, limits.max_edges,
                       lambda a, b, d: (-_num(d.get("weight"), 1),))
    for a, b, d in edges:
        w = _int(d.get("weight"), 1)
        net.add_edge(_id(a), _id(b), width=round(1 + math.log2(max(w, 1)), 2),
                     title=f"{w:,} mentions: {_clip(_text(d, 'surfaces'), 300)}")
    caption = (f"Showing {len(chosen_c):,} of {len(concepts):,} concepts "
               f"(top by PageRank{_in_papers(limits)}), {len(chosen_p):,} of {len(papers):,} "
               f"papers and {len(edges):,} of {bipartite.number_of_edges():,} links")
    _write(path, net, title, caption, "Squares = papers, dots = concepts (colour = cluster).",
           "Find a concept, alias or paper")
    return ViewSummary(len(chosen_c) + len(chosen_p), len(nodes),
                       len(edges), bipartite.number_of_edges())


def render_paper_similarity_map(papers: nx.Graph, path: str | os.PathLike[str], *,
                                limits: ViewLimits = ViewLimits(),
                                title: str = "Paper similarity") -> ViewSummary:
    """Paper similarity map: the best-connected papers (by summed similarity)."""
    strength = {n: sum(_num(d.get("weight")) for _, _, d in papers.edges(n, data=True))
                for n in papers}
    chosen = _top(papers, lambda n: -strength[n], limits.max_nodes)
    net = Network()
    top = max((strength[n] for n in chosen), default=0.0)
    for n in chosen:
        d = papers.nodes[n]
        tip = (f"{n} — {_clip(_text(d, 'title'), 300)}\nLanguage: {_text(d, 'lang')} · "
               f"cluster {d.get('cluster', '?')} · {papers.degree(n):,} similar papers, "
               f"total similarity {strength[n]:.3f}")
        net.add_node(_id(n), label=_clip(_text(d, "title") or str(n), 30), shape="dot",
                     title=tip, color=_colour(d), size=_size(strength[n], top),
                     search=f"{n}\n{_text(d, 'title')}")
    edges = _strongest(papers, chosen, limits.max_edges, lambda a, b, d: (-_num(d.get("weight")),))
    top_w = max((_num(d.get("weight")) for _, _, d in edges), default=0.0) or 1.0
    for a, b, d in edges:
        w = _num(d.get("weight"))
        net.add_edge(_id(a), _id(b), width=round(1 + 5 * w / top_w, 2),
                     title=f"similarity {w:.3f}\nShared: {_clip(_text(d, 'shared'), 300)}")
    caption = (f"Showing {len(chosen):,} of {len(papers):,} papers (top by summed "
               f"similarity) and {len(edges):,} of {papers.number_of_edges():,} links")
    _write(path, net, title, caption, "Colour = cluster, size = summed similarity.",
           "Find a paper by title or id")
    return ViewSummary(len(chosen), len(papers), len(edges), papers.number_of_edges())


# --- choosing what to draw -------------------------------------------------------------------

def _top(nodes: Iterable[Hashable], rank: Callable[[Hashable], Any],
         limit: int) -> list[Hashable]:
    """The first `limit` nodes by rank; ties go by id, so the cut never depends on input order."""
    return sorted(nodes, key=lambda n: (rank(n), _id(n)))[:max(limit, 0)]


def _strongest(g: nx.Graph, chosen: list[Hashable], limit: int,
               strength: Callable[[Hashable, Hashable, dict], tuple]) -> list[tuple[Hashable, Hashable, dict]]:
    """Edges among drawn nodes, strongest first, each written low id → high id (stable bytes)."""
    edges = [(u, v, d) if _id(u) <= _id(v) else (v, u, d)
             for u, v, d in g.subgraph(chosen).edges(data=True)]
    edges.sort(key=lambda e: (strength(*e), _id(e[0]), _id(e[1])))
    return edges[:max(limit, 0)]


# --- node records ---------------------------------------------------------------------------

def _add_concept(net: Network, n: Hashable, d: dict, top_pagerank: float) -> None:
    label = _label(d, n)
    aliases = [a for a in _text(d, "aliases").split(" | ") if a.strip() and a != label]
    tip = [label]
    if aliases:
        tip.append("Also written: " + _clip(" | ".join(aliases), 300))
    tip.append(f"{_int(d.get('papers')):,} papers · termhood {_num(d.get('termhood')):.3f} · "
               f"PageRank {_num(d.get('pagerank')):.4f} · degree {_int(d.get('degree')):,} · "
               f"cluster {d.get('cluster', '?')}")
    if _text(d, "paper_titles").strip():
        tip.append("Mentioned in:\n" + _clip_lines(_text(d, "paper_titles").splitlines()))
    if _text(d, "links").strip():
        tip.append("Merged from:\n" + _clip_lines(_text(d, "links").splitlines()))
    net.add_node(_id(n), label=_clip(label, 40), shape="dot", title="\n".join(tip),
                 color=_colour(d), size=_size(_num(d.get("pagerank")), top_pagerank),
                 search=_clip("\n".join([label, *aliases]), 4000))


def _label(d: dict, n: Hashable) -> str:
    return _text(d, "label") or str(n)


def _text(d: dict, key: str) -> str:
    value = d.get(key)
    return "" if value is None else str(value)


def _colour(d: dict) -> str:
    cluster = _num(d.get("cluster"), -1)  # numpy ints welcome
    return PALETTE[int(cluster) % len(PALETTE)] if cluster >= 0 else "#bbbbbb"  # unclustered


def _size(value: float, top: float) -> float:
    """Radius ∝ √score, so area ∝ score: a node twice as central is not twice as wide."""
    return round(8 + 32 * math.sqrt(value / top), 2) if top > 0 and value > 0 else 8.0


def _in_papers(limits: ViewLimits) -> str:
    return f", in ≥ {limits.min_papers} papers" if limits.min_papers > 1 else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clip_lines(lines: list[str], limit: int = TOOLTIP_LINES) -> str:
    lines = [line for line in lines if line.strip()]
    shown = [_clip(line.strip(), 140) for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"… and {len(lines) - limit:,} more")
    return "\n".join(shown)


def _id(n: Hashable) -> str:
    return str(n)


def _num(x: Any, default: float = 0.0) -> float:
    """Attributes come from another module: a missing or NaN score must not break the page."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def _int(x: Any, default: int = 0) -> int:
    return int(_num(x, default))


# --- the page -------------------------------------------------------------------------------

def _write(path: str | os.PathLike[str], net: Network, title: str, caption: str, note: str,
           placeholder: str) -> None:
    data = {"nodes": net.nodes, "edges": net.edges, "options": OPTIONS}
    page = PAGE.substitute(
        title=html.escape(title), caption=html.escape(caption), note=html.escape(note),
        placeholder=html.escape(placeholder),
        css=_vis_asset("vis-network.css", "</style"),
        js=_vis_asset("vis-network.min.js", "</script"),
        data=_script_json(data))
    write_text(path, page)


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survive, so user text cannot end it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


@lru_cache(maxsize=None)
def _vis_asset(name: str, closing_tag: str) -> str:
    text = (VIS_DIR / name).read_text(encoding="utf-8")
    if closing_tag in text.lower():  # would end our inline element early
        raise RuntimeError(f"{VIS_DIR / name} contains {closing_tag!r}; cannot inline it")
    return text


PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
$css
</style>
<style>
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 8px 14px; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap;
  gap: 4px 18px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
#caption { color: #444; } #note { color: #777; font-size: 12px; }
main { flex: 1; display: flex; min-height: 0; }
#network { flex: 1; min-width: 0; }
aside { width: 340px; border-left: 1px solid #ddd; padding: 10px 12px; overflow: auto; }
#find { display: flex; gap: 6px; margin-bottom: 10px; }
#query { flex: 1; padding: 4px 6px; }
#status { color: #777; font-size: 12px; margin-bottom: 6px; }
#details { white-space: pre-wrap; overflow-wrap: anywhere; }
div.vis-tooltip { white-space: pre-wrap; max-width: 480px; font-family: system-ui, sans-serif;
  font-size: 13px; }
</style>
</head>
<body>
<header><h1>$title</h1><span id="caption">$caption</span><span id="note">$note</span></header>
<main>
<div id="network"></div>
<aside>
<form id="find"><input id="query" type="search" list="labels" autocomplete="off"
  placeholder="$placeholder" aria-label="Find"><button type="submit">Find</button></form>
<datalist id="labels"></datalist>
<div id="status">Laying out…</div>
<div id="details">Click a node for its details, or search by name.</div>
</aside>
</main>
<script>
$js
</script>
<script>
(function () {
  var DATA = $data;
  var byId = {};
  DATA.nodes.forEach(function (n) { byId[n.id] = n; });
  var network = new vis.Network(document.getElementById("network"),
    {nodes: new vis.DataSet(DATA.nodes), edges: new vis.DataSet(DATA.edges)}, DATA.options);
  var status = document.getElementById("status");
  var details = document.getElementById("details");
  var query = document.getElementById("query");
  var labels = document.getElementById("labels");
  DATA.nodes.forEach(function (n) {
    var option = document.createElement("option");
    option.value = n.search.split("\\n")[0];
    labels.appendChild(option);
  });
  network.on("stabilizationProgress", function (p) {
    status.textContent = "Laying out… " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({physics: {enabled: false}});  // stop: big graphs would drift forever
    status.textContent = DATA.nodes.length.toLocaleString("en") + " nodes, " +
      DATA.edges.length.toLocaleString("en") + " links drawn.";
  });
  function show(id, prefix) {
    details.textContent = (prefix ? prefix + "\\n\\n" : "") + byId[id].title;
  }
  network.on("click", function (p) { if (p.nodes.length) show(p.nodes[0]); });
  var hits = [], at = 0, last = null;
  function matches(q) {
    var exact = [], partial = [];
    DATA.nodes.forEach(function (n) {  // nodes come ranked, so the first hit is the most central
      var terms = n.search.toLowerCase().split("\\n");
      if (terms.indexOf(q) >= 0) exact.push(n.id);
      else if (terms.some(function (t) { return t.indexOf(q) >= 0; })) partial.push(n.id);
    });
    return exact.concat(partial);
  }
  document.getElementById("find").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = query.value.trim().toLowerCase();
    if (!q) return;
    if (q === last && hits.length) { at = (at + 1) % hits.length; }
    else { last = q; at = 0; hits = matches(q); }
    if (!hits.length) {
      network.unselectAll();
      details.textContent = "Nothing drawn matches \\u201c" + query.value.trim() + "\\u201d.";
      return;
    }
    network.selectNodes([hits[at]]);
    network.focus(hits[at], {scale: 1.2, animation: {duration: 400}});
    show(hits[at], "Match " + (at + 1) + " of " + hits.length +
      (hits.length > 1 ? " (Find again for the next)" : ""));
  });
})();
</script>
</body>
</html>
""")
