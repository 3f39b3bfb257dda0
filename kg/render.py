"""Interactive HTML maps of the graphs: one self-contained file per view, usable offline.

pyvis builds the node and edge records, but its page template pulls Bootstrap and other files
from CDNs even with `cdn_resources="in_line"`. So the page here is our own: vis-network's JS
and CSS are inlined from pyvis's installed copy, the data is embedded as JSON that cannot close
the <script> element, and a Content-Security-Policy forbids the browser any network load.
Everything is sorted and no timestamps are written, so the same graph gives the same bytes.
"""

from __future__ import annotations

import heapq
import html
import json
import math
import os
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

import networkx as nx
import pyvis
from pyvis.network import Network

from kg.atomic import write_text
from kg.graph import concept_node

VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
# Tableau 10 plus two: distinct hues for the biggest clusters, reused modulo for the rest.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c8c8c")
PAPER_COLOUR = "#3b3b3b"
TOOLTIP_LINES = 10
PANEL_ITEMS = 25  # per list in a side panel; more would make big maps heavy, not more useful
LEGEND_TERMS = 5
# the year overlay's scale (viridis, as VOSviewer's overlay uses): old → recent
YEAR_SCALE = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
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


def concept_map_nodes(concepts: nx.Graph, limits: ViewLimits = ViewLimits()) -> list[Hashable]:
    """The concepts the concept map draws: the `bipartite` it is given needs no other concept
    (a big build passes just these, with their papers)."""
    nodes = concepts.nodes
    return _top((n for n in concepts if _int(nodes[n].get("papers")) >= limits.min_papers),
                lambda n: -_num(nodes[n].get("pagerank")), limits.max_nodes)


def render_concept_map(concepts: nx.Graph, path: str | os.PathLike[str], *,
                       bipartite: nx.Graph | None = None, limits: ViewLimits = ViewLimits(),
                       title: str = "Concept map") -> ViewSummary:
    """Concept co-occurrence map: the most central concepts, sized by PageRank. With the
    paper–concept graph, a concept's panel lists its papers with their metadata and links."""
    nodes = concepts.nodes
    chosen = concept_map_nodes(concepts, limits)
    page = _Page("concepts")
    top = max((_num(nodes[n].get("pagerank")) for n in chosen), default=0.0)
    for n in chosen:
        _add_concept(page, n, nodes[n], top)
    # ties in weight go to links between central concepts, so hubs keep their links
    edges = _strongest(concepts, chosen, limits.max_edges,
                       lambda a, b, d: (-_num(d.get("weight")),
                                        -_num(nodes[a].get("pagerank")) - _num(nodes[b].get("pagerank"))))
    for a, b, d in edges:
        w = _int(d.get("weight"))
        page.net.add_edge(_id(a), _id(b), width=round(1 + 1.5 * math.log2(max(w, 1)), 2),
                          title=f"{_label(nodes[a], a)} — {_label(nodes[b], b)}\n"
                                f"together in {w:,} papers · "
                                f"association {_num(d.get('association')):.3f}")
    neighbours = _drawn_neighbours(edges)
    for n in chosen:
        if bipartite is not None and concept_node(str(n)) in bipartite:
            papers = _papers_section(page, bipartite, concept_node(str(n)), drawn=set())
        else:  # a concept graph on its own knows its papers' ids and titles only as text
            lines = [line for line in _text(nodes[n], "paper_titles").splitlines() if line.strip()]
            papers = _section("Papers", [{"text": line} for line in lines])
        page.panels[_id(n)] = _concept_panel(nodes[n], n, papers,
                                             _neighbours_section("Linked concepts", neighbours.get(n, []), nodes))
    page.legend = _concept_legend(concepts, chosen)
    caption = (f"Showing {len(chosen):,} of {len(nodes):,} concepts "
               f"(top by PageRank{_in_papers(limits)}) and {len(edges):,} of "
               f"{concepts.number_of_edges():,} links")
    _write(path, page, title, caption,
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
    drawn = in_view | set(chosen_p)
    page = _Page("papers_concepts")
    top = max((_num(nodes[n].get("pagerank")) for n in chosen_c), default=0.0)
    for n in chosen_c:
        _add_concept(page, n, nodes[n], top)
        page.panels[_id(n)] = _concept_panel(nodes[n], n, _papers_section(page, bipartite, n, drawn))
    for p in chosen_p:
        d, paper_id = nodes[p], _text(nodes[p], "paper_id") or str(p)
        names = sorted(_label(nodes[c], c) for c in bipartite[p] if c in in_view)
        tip = (f"{paper_id} — {_clip(_text(d, 'title'), 300)}\nLanguage: {_text(d, 'lang')}\n"
               f"Mentions {len(names)} drawn concepts:\n" + _clip_lines(names))
        page.net.add_node(_id(p), label=_clip(_text(d, "title") or paper_id, 30), shape="square",
                          color=PAPER_COLOUR, size=10, title=tip, kind="paper",
                          search=f"{paper_id}\n{_text(d, 'title')}", **_year(d, "year"))
        mine = sorted(bipartite[p], key=lambda c: (-_num(bipartite.edges[p, c].get("weight"), 1), _id(c)))
        page.panels[_id(p)] = _paper_panel(d, paper_id, _section("Concepts", [
            {"text": f"{_label(nodes[c], c)} ×{_int(bipartite.edges[p, c].get('weight'), 1)}",
             **({"node": _id(c)} if c in drawn else {})} for c in mine]))
    edges = _strongest(bipartite, chosen_c + chosen_p, limits.max_edges,
                       lambda a, b, d: (-_num(d.get("weight"), 1),))
    for a, b, d in edges:
        w = _int(d.get("weight"), 1)
        page.net.add_edge(_id(a), _id(b), width=round(1 + math.log2(max(w, 1)), 2),
                          title=f"{w:,} mentions: {_clip(_text(d, 'surfaces'), 300)}")
    page.legend = _concept_legend(bipartite.subgraph(concepts), chosen_c)
    caption = (f"Showing {len(chosen_c):,} of {len(concepts):,} concepts "
               f"(top by PageRank{_in_papers(limits)}), {len(chosen_p):,} of {len(papers):,} "
               f"papers and {len(edges):,} of {bipartite.number_of_edges():,} links")
    _write(path, page, title, caption, "Squares = papers, dots = concepts (colour = cluster).",
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
    page = _Page("papers")
    top = max((strength[n] for n in chosen), default=0.0)
    for n in chosen:
        d = papers.nodes[n]
        tip = (f"{n} — {_clip(_text(d, 'title'), 300)}\nLanguage: {_text(d, 'lang')} · "
               f"cluster {d.get('cluster', '?')} · {papers.degree(n):,} similar papers, "
               f"total similarity {strength[n]:.3f}")
        page.net.add_node(_id(n), label=_clip(_text(d, "title") or str(n), 30), shape="dot",
                          title=tip, color=_colour(d), size=_size(strength[n], top), kind="paper",
                          cluster=_cluster(d), search=f"{n}\n{_text(d, 'title')}", **_year(d, "year"))
    edges = _strongest(papers, chosen, limits.max_edges, lambda a, b, d: (-_num(d.get("weight")),))
    top_w = max((_num(d.get("weight")) for _, _, d in edges), default=0.0) or 1.0
    for a, b, d in edges:
        w = _num(d.get("weight"))
        page.net.add_edge(_id(a), _id(b), width=round(1 + 5 * w / top_w, 2),
                          title=f"similarity {w:.3f}\nShared: {_clip(_text(d, 'shared'), 300)}")
    neighbours = _drawn_neighbours(edges)
    for n in chosen:
        similar = [{"text": f"{_text(papers.nodes[m], 'title') or m} — shared: "
                            f"{_clip(_text(d, 'shared').replace(' | ', ', '), 200)}", "node": _id(m)}
                   for m, d in neighbours.get(n, [])]
        page.panels[_id(n)] = _paper_panel(papers.nodes[n], str(n), _section("Similar papers", similar))
    page.legend = _paper_legend(papers, chosen)
    caption = (f"Showing {len(chosen):,} of {len(papers):,} papers (top by summed "
               f"similarity) and {len(edges):,} of {papers.number_of_edges():,} links")
    _write(path, page, title, caption, "Colour = cluster, size = summed similarity.",
           "Find a paper by title or id")
    return ViewSummary(len(chosen), len(papers), len(edges), papers.number_of_edges())


# --- choosing what to draw -------------------------------------------------------------------

def _top(nodes: Iterable[Hashable], rank: Callable[[Hashable], Any],
         limit: int) -> list[Hashable]:
    """The first `limit` nodes by rank; ties go by id, so the cut never depends on input order.
    (`heapq.nsmallest` is that slice of the sorted list without sorting the rest: a big graph's
    hundreds of thousands of concepts, for 150.)"""
    return heapq.nsmallest(max(limit, 0), nodes, key=lambda n: (rank(n), _id(n)))


def _strongest(g: nx.Graph, chosen: list[Hashable], limit: int,
               strength: Callable[[Hashable, Hashable, dict], tuple]) -> list[tuple[Hashable, Hashable, dict]]:
    """Edges among drawn nodes, strongest first, each written low id → high id (stable bytes)."""
    # not through a subgraph view: its edge view and it refer to each other, and it to `g`,
    # which so outlived the build's `del` (see `kg.graph.let_go`)
    edges = []
    for u in chosen:
        neighbours = g.adj[u]
        edges += [(u, v, neighbours[v]) for v in chosen if v in neighbours and _id(u) <= _id(v)]
    edges.sort(key=lambda e: (strength(*e), _id(e[0]), _id(e[1])))
    return edges[:max(limit, 0)]


# --- node records and side panels ------------------------------------------------------------

@dataclass
class _Page:
    """What one view embeds: pyvis's node and edge records, and for each node the side panel
    (plain strings only: the page builds it with textContent), the papers those panels cite and
    the cluster legend."""

    view: str  # "concepts", "papers_concepts" or "papers"; the page's script reads it
    net: Network = field(default_factory=Network)
    panels: dict[str, dict] = field(default_factory=dict)
    papers: dict[str, dict] = field(default_factory=dict)
    legend: list[dict] = field(default_factory=list)


def _add_concept(page: _Page, n: Hashable, d: dict, top_pagerank: float) -> None:
    label = _label(d, n)
    aliases = _aliases(d, n)
    tip = [label]
    if aliases:
        tip.append("Also written: " + _clip(" | ".join(aliases), 300))
    tip.append(f"{_int(d.get('papers')):,} papers · termhood {_num(d.get('termhood')):.3f} · "
               f"PageRank {_num(d.get('pagerank')):.4f} · degree {_int(d.get('degree')):,} · "
               f"cluster {d.get('cluster', '?')}")
    if "mean_year" in d:
        tip.append(f"Mean year of its papers: {_num(d['mean_year']):.1f}")
    if _text(d, "paper_titles").strip():
        tip.append("Mentioned in:\n" + _clip_lines(_text(d, "paper_titles").splitlines()))
    if _text(d, "links").strip():
        tip.append("Merged from:\n" + _clip_lines(_text(d, "links").splitlines()))
    page.net.add_node(_id(n), label=_clip(label, 40), shape="dot", title="\n".join(tip),
                      color=_colour(d), size=_size(_num(d.get("pagerank")), top_pagerank),
                      search=_clip("\n".join([label, *aliases]), 4000), kind="concept",
                      cluster=_cluster(d), npapers=_int(d.get("papers")), **_year(d, "mean_year"))


def _aliases(d: dict, n: Hashable) -> list[str]:
    label = _label(d, n)
    return [a for a in _text(d, "aliases").split(" | ") if a.strip() and a != label]


def _year(d: dict, key: str) -> dict[str, float]:
    """The node's year for the overlay, only when known (the page greys the rest)."""
    return {"year": _num(d[key])} if _num(d.get(key)) > 0 else {}


def _cluster(d: dict) -> int:
    return int(_num(d.get("cluster"), -1))


def _section(title: str, items: list[dict], total: int | None = None) -> dict:
    """A titled list of the panel; long lists end with a count of what was left out."""
    shown = items[:PANEL_ITEMS]
    left_out = (len(items) if total is None else total) - len(shown)
    if left_out > 0:
        shown.append({"text": f"… and {left_out:,} more"})
    return {"title": title, "items": shown}


def _concept_panel(d: dict, n: Hashable, papers: dict, *more: dict) -> dict:
    facts = [f"{_papers(_int(d.get('papers')))} · PageRank {_num(d.get('pagerank')):.4f} · "
             f"cluster {d.get('cluster', '?')}"]
    if "mean_year" in d:
        facts.append(f"Mean year of its papers: {_num(d['mean_year']):.1f}")
    links = [{"text": line} for line in _text(d, "links").split(" | ") if line.strip()]
    sections = [_section("Also written", [{"text": a} for a in _aliases(d, n)]), papers, *more,
                _section("Merged from (evidence)", links)]
    return {"heading": _label(d, n), "facts": facts, "sections": [s for s in sections if s["items"]]}


def _paper_panel(d: dict, paper_id: str, *more: dict) -> dict:
    year = _int(d.get("year"))
    facts = [f"{paper_id} · {_text(d, 'lang')}" + (f" · {year}" if year else "")]
    facts += [_text(d, k) for k in ("authors", "venue") if _text(d, k).strip()]
    keywords = [{"text": k.strip()} for k in _text(d, "keywords").split(";") if k.strip()]
    sections = [_section("Author keywords", keywords), *more]
    return {"heading": _text(d, "title") or paper_id, "url": _web_url(_text(d, "url")),
            "facts": facts, "sections": [s for s in sections if s["items"]]}


def _papers_section(page: _Page, bipartite: nx.Graph, concept: Hashable, drawn: set) -> dict:
    """A concept's papers, most mentions first; each refers to the page's paper table."""
    ranked = sorted(bipartite[concept],
                    key=lambda p: (-_num(bipartite.edges[concept, p].get("weight"), 1), _id(p)))
    items = []
    for p in ranked[:PANEL_ITEMS]:
        d = bipartite.nodes[p]
        paper_id = _text(d, "paper_id") or _id(p)
        year = _int(d.get("year"))
        page.papers[paper_id] = {"text": (_text(d, "title") or paper_id) + (f" ({year})" if year else ""),
                                 "url": _web_url(_text(d, "url"))}
        items.append({"paper": paper_id, **({"node": _id(p)} if p in drawn else {})})
    return _section("Papers", items, total=len(ranked))


def _drawn_neighbours(edges: list[tuple[Hashable, Hashable, dict]]) -> dict[Hashable, list[tuple[Hashable, dict]]]:
    """Each node's neighbours along drawn edges, strongest first (edges come sorted so)."""
    result: dict[Hashable, list[tuple[Hashable, dict]]] = {}
    for a, b, d in edges:
        result.setdefault(a, []).append((b, d))
        result.setdefault(b, []).append((a, d))
    return result


def _neighbours_section(title: str, neighbours: list[tuple[Hashable, dict]], nodes: Any) -> dict:
    return _section(title, [{"text": f"{_label(nodes[m], m)} ({_papers(_int(d.get('weight')))})",
                             "node": _id(m)} for m, d in neighbours])


def _concept_legend(concepts: nx.Graph, chosen: list[Hashable]) -> list[dict]:
    """Each drawn cluster: its colour, size and top terms by PageRank (over all its concepts)."""
    nodes = concepts.nodes
    members: dict[int, list[Hashable]] = {}
    for n, d in nodes(data=True):
        members.setdefault(_cluster(d), []).append(n)
    drawn = sorted({_cluster(nodes[n]) for n in chosen} - {-1})
    return [{"cluster": c, "colour": PALETTE[c % len(PALETTE)], "count": len(members[c]),
             "what": "concepts",
             "top": [_label(nodes[n], n) for n in
                     _top(members[c], lambda n: -_num(nodes[n].get("pagerank")), LEGEND_TERMS)]}
            for c in drawn]


def _paper_legend(papers: nx.Graph, chosen: list[Hashable]) -> list[dict]:
    """Each drawn paper cluster: its colour, size and the concepts its papers share most."""
    cluster = {n: _cluster(d) for n, d in papers.nodes(data=True)}
    drawn = sorted({cluster[n] for n in chosen} - {-1})
    sizes: dict[int, int] = {}
    for c in cluster.values():
        sizes[c] = sizes.get(c, 0) + 1
    terms: dict[int, dict[str, int]] = {c: {} for c in drawn}
    for a, b, d in papers.edges(data=True):  # one pass: links inside a drawn cluster
        counts = terms.get(cluster[a]) if cluster[a] == cluster[b] else None
        if counts is not None:
            for term in _text(d, "shared").split(" | "):
                if term.strip():
                    counts[term] = counts.get(term, 0) + 1
    return [{"cluster": c, "colour": PALETTE[c % len(PALETTE)], "count": sizes[c], "what": "papers",
             "top": sorted(terms[c], key=lambda t: (-terms[c][t], t))[:LEGEND_TERMS]} for c in drawn]


def _web_url(url: str) -> str:
    """Only http(s) URLs become links (graph.paper_url already makes sure; this page must not
    rely on it, as a GraphML file can come from anywhere)."""
    url = url.strip()
    return url if re.match(r"https?://[^\s/]", url, re.I) else ""


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


def _papers(n: int) -> str:
    return f"{n:,} paper" + ("" if n == 1 else "s")


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

def _write(path: str | os.PathLike[str], page: _Page, title: str, caption: str, note: str,
           placeholder: str) -> None:
    data = {"view": page.view, "nodes": page.net.nodes, "edges": page.net.edges, "options": OPTIONS,
            "panels": page.panels, "papers": page.papers, "legend": page.legend,
            "yearScale": YEAR_SCALE}
    html_page = PAGE.substitute(
        title=html.escape(title), caption=html.escape(caption), note=html.escape(note),
        placeholder=html.escape(placeholder),
        css=_vis_asset("vis-network.css", "</style"),
        js=_vis_asset("vis-network.min.js", "</script"),
        data=_script_json(data))
    write_text(path, html_page)


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
aside { width: 360px; border-left: 1px solid #ddd; padding: 10px 12px; overflow: auto; }
#find { display: flex; gap: 6px; margin-bottom: 8px; }
#query { flex: 1; padding: 4px 6px; }
#controls { display: flex; flex-wrap: wrap; gap: 6px 12px; margin-bottom: 8px; font-size: 13px; }
#controls input { width: 4em; }
#status { color: #777; font-size: 12px; margin-bottom: 6px; }
#legend { font-size: 12px; margin-top: 12px; border-top: 1px solid #eee; padding-top: 6px; }
#legend .entry { display: flex; gap: 6px; align-items: baseline; cursor: pointer; margin: 2px 0; }
#legend .entry.active { font-weight: bold; }
#legend .swatch { flex: none; width: 11px; height: 11px; border-radius: 50%; }
#legend .scale { height: 12px; margin: 4px 0 2px; }
#legend .ends { display: flex; justify-content: space-between; }
#details { overflow-wrap: anywhere; }
#details h2 { font-size: 16px; margin: 4px 0; } #details h3 { font-size: 13px; margin: 10px 0 2px; }
#details p { margin: 2px 0; color: #444; } #details ul { margin: 0; padding-left: 18px; }
#details .match { color: #777; font-size: 12px; }
button.node { border: none; background: none; padding: 0; color: #1a5fb4; cursor: pointer;
  text-align: left; font: inherit; text-decoration: underline dotted; }
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
<div id="controls">
<label id="min-papers-control">Min. papers <input id="min-papers" type="number" min="1" value="1"></label>
<label>Cluster <select id="cluster"><option value="all">all</option></select></label>
<label id="colour-control">Colour <select id="colour-by"><option value="cluster">by cluster</option>
<option value="year">by year (overlay)</option></select></label>
</div>
<div id="status">Laying out…</div>
<div id="details">Click a node for its details, or search by name.</div>
<div id="legend"></div>
</aside>
</main>
<script>
$js
</script>
<script>
(function () {
  // Every text below comes from the data and goes into the page as textContent or a DOM
  // tooltip, never as markup; links are made only for http(s) URLs.
  var DATA = $data;
  var DIM = "rgba(200,200,200,0.35)";
  var byId = {};
  DATA.nodes.forEach(function (n) { byId[n.id] = n; });
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function webUrl(url) { return typeof url === "string" && /^https?:\\/\\/[^\\s\\/]/i.test(url) ? url : ""; }
  function tip(text) { return text ? el("div", text) : undefined; }
  var nodes = new vis.DataSet(DATA.nodes.map(function (n) {
    return Object.assign({}, n, {title: tip(n.title)});
  }));
  var edges = new vis.DataSet(DATA.edges.map(function (e) {
    return Object.assign({}, e, {title: tip(e.title)});
  }));
  var network = new vis.Network(document.getElementById("network"), {nodes: nodes, edges: edges},
    DATA.options);
  var status = document.getElementById("status");
  var details = document.getElementById("details");
  var legend = document.getElementById("legend");
  var query = document.getElementById("query");
  var minPapers = document.getElementById("min-papers");
  var clusterSelect = document.getElementById("cluster");
  var colourBy = document.getElementById("colour-by");
  var state = {focus: null, colourBy: "cluster", minPapers: 1, cluster: "all"};
  window.kgView = {network: network, nodes: nodes, state: state};  // for tests and the console

  var labels = document.getElementById("labels");
  DATA.nodes.forEach(function (n) { labels.appendChild(el("option")).value = n.search.split("\\n")[0]; });

  // --- controls: filters, clusters, year overlay
  var years = DATA.nodes.filter(function (n) { return typeof n.year === "number"; })
    .map(function (n) { return n.year; });
  var yearMin = Math.min.apply(null, years), yearMax = Math.max.apply(null, years);
  document.getElementById("colour-control").hidden = !years.length;
  var maxPapers = 1;
  DATA.nodes.forEach(function (n) { if (n.npapers > maxPapers) maxPapers = n.npapers; });
  minPapers.max = String(maxPapers);
  document.getElementById("min-papers-control").hidden = DATA.view === "papers";
  DATA.legend.forEach(function (c) {
    clusterSelect.appendChild(el("option", c.cluster)).value = String(c.cluster);
  });
  function mix(a, b, t) {
    var x = parseInt(a.slice(1), 16), y = parseInt(b.slice(1), 16), out = "#";
    [16, 8, 0].forEach(function (s) {
      var v = Math.round(((x >> s) & 255) * (1 - t) + ((y >> s) & 255) * t);
      out += (v < 16 ? "0" : "") + v.toString(16);
    });
    return out;
  }
  function yearColour(year) {
    if (typeof year !== "number") return "#d0d0d0";
    var t = yearMax > yearMin ? (year - yearMin) / (yearMax - yearMin) : 1;
    var steps = DATA.yearScale.length - 1, i = Math.min(Math.floor(t * steps), steps - 1);
    return mix(DATA.yearScale[i], DATA.yearScale[i + 1], t * steps - i);
  }
  function shown(n) {
    if (n.kind === "concept" && n.npapers < state.minPapers) return false;
    if (state.cluster !== "all" && n.cluster !== undefined && String(n.cluster) !== state.cluster) return false;
    return true;
  }
  function restyle() {
    var visible = {};
    DATA.nodes.forEach(function (n) { visible[n.id] = shown(n); });
    if (DATA.view === "papers_concepts") {  // a paper stays while one of its concepts does
      DATA.nodes.forEach(function (n) {
        if (n.kind === "paper") visible[n.id] = network.getConnectedNodes(n.id).some(function (c) { return visible[c]; });
      });
    }
    var near = null;
    if (state.focus !== null) {
      near = {};
      near[state.focus] = true;
      network.getConnectedNodes(state.focus).forEach(function (id) { near[id] = true; });
    }
    nodes.update(DATA.nodes.map(function (n) {
      var dim = near !== null && !near[n.id];
      var colour = state.colourBy === "year" ? yearColour(n.year) : n.color;
      return {id: n.id, hidden: !visible[n.id], color: dim ? DIM : colour,
              font: {color: dim ? "#b0b0b0" : "#222222"}};
    }));
    showLegend();
  }
  function showLegend() {
    legend.textContent = "";
    if (state.colourBy === "year") {
      legend.appendChild(el("div", DATA.view === "concepts" || DATA.view === "papers_concepts" ?
        "Colour = mean publication year of the papers" : "Colour = publication year"));
      var bar = legend.appendChild(el("div", null, "scale"));
      bar.style.background = "linear-gradient(to right, " + DATA.yearScale.join(", ") + ")";
      var ends = legend.appendChild(el("div", null, "ends"));
      ends.appendChild(el("span", yearMin.toFixed(0)));
      ends.appendChild(el("span", yearMax.toFixed(0)));
      legend.appendChild(el("div", "grey = no year known"));
      return;
    }
    DATA.legend.forEach(function (c) {
      var entry = legend.appendChild(el("div", null, "entry" + (String(c.cluster) === state.cluster ? " active" : "")));
      entry.appendChild(el("span", null, "swatch")).style.background = c.colour;
      entry.appendChild(el("span", "Cluster " + c.cluster + " (" + c.count + " " +
        (c.count === 1 ? c.what.replace(/s$$/, "") : c.what) + ")" + (c.top.length ? ": " + c.top.join(", ") : "")));
      entry.title = "Show only this cluster (click again for all)";
      entry.addEventListener("click", function () {
        setCluster(state.cluster === String(c.cluster) ? "all" : String(c.cluster));
      });
    });
  }
  function setCluster(value) { state.cluster = clusterSelect.value = value; restyle(); }
  clusterSelect.addEventListener("change", function () { setCluster(clusterSelect.value); });
  minPapers.addEventListener("input", function () {
    state.minPapers = Math.max(1, parseInt(minPapers.value, 10) || 1);
    restyle();
  });
  colourBy.addEventListener("change", function () { state.colourBy = colourBy.value; restyle(); });
  if (years.length && /(^#|&)colour=year(&|$$)/.test(location.hash)) {  // a link straight to the overlay
    state.colourBy = colourBy.value = "year";
  }

  // --- the side panel
  function panelItem(item) {
    var li = el("li");
    var text = item.text, url = webUrl(item.url);
    if (item.paper !== undefined && DATA.papers[item.paper]) {
      text = DATA.papers[item.paper].text;
      url = webUrl(DATA.papers[item.paper].url);
    }
    if (item.node !== undefined && byId[item.node]) {
      var button = li.appendChild(el("button", text, "node"));
      button.type = "button";
      button.addEventListener("click", function () { select(item.node, true); });
      if (url) { li.appendChild(document.createTextNode(" ")); li.appendChild(link(url, "\\u2197")); }
    } else if (url) {
      li.appendChild(link(url, text));
    } else {
      li.textContent = text;
    }
    return li;
  }
  function link(url, text) {
    var a = el("a", text);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function showPanel(id, note) {
    var panel = DATA.panels[id];
    details.textContent = "";
    if (note) details.appendChild(el("div", note, "match"));
    if (!panel) { details.appendChild(el("p", byId[id].title)); return; }
    var heading = details.appendChild(el("h2"));
    if (webUrl(panel.url)) heading.appendChild(link(webUrl(panel.url), panel.heading));
    else heading.textContent = panel.heading;
    panel.facts.forEach(function (fact) { details.appendChild(el("p", fact)); });
    panel.sections.forEach(function (section) {
      details.appendChild(el("h3", section.title));
      var list = details.appendChild(el("ul"));
      section.items.forEach(function (item) { list.appendChild(panelItem(item)); });
    });
  }
  function select(id, move, note) {
    if (!shown(byId[id]) || (nodes.get(id) || {}).hidden) {  // found but filtered out: show it
      state.minPapers = 1; minPapers.value = "1"; state.cluster = clusterSelect.value = "all";
    }
    state.focus = id;
    restyle();
    network.selectNodes([id]);
    if (move) network.focus(id, {scale: 1.2, animation: {duration: 400}});
    showPanel(id, note);
  }
  function clearSelection() {
    state.focus = null;
    network.unselectAll();
    restyle();
    details.textContent = "Click a node for its details, or search by name.";
  }
  network.on("click", function (p) {
    if (p.nodes.length) select(p.nodes[0], false);
    else if (state.focus !== null) clearSelection();
  });

  // --- search by label, alias (Chinese too), paper id or title
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
      clearSelection();
      details.textContent = "Nothing drawn matches \\u201c" + query.value.trim() + "\\u201d.";
      return;
    }
    select(hits[at], true, "Match " + (at + 1) + " of " + hits.length +
      (hits.length > 1 ? " (Find again for the next)" : ""));
  });

  network.on("stabilizationProgress", function (p) {
    status.textContent = "Laying out… " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({physics: {enabled: false}});  // stop: big graphs would drift forever
    status.textContent = DATA.nodes.length.toLocaleString("en") + " nodes, " +
      DATA.edges.length.toLocaleString("en") + " links drawn.";
    document.body.setAttribute("data-ready", "true");
  });
  restyle();
})();
</script>
</body>
</html>
""")
