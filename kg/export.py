"""Writers for the graph formats other tools read: GraphML, GEXF (with Gephi viz colours and
sizes), node-link JSON, Cytoscape JSON, CSV node/edge lists and Neo4j bulk-import CSVs.

Every writer is atomic and deterministic (sorted nodes, edges and attributes).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_path, write_text
from kg.graph import edges_with_data, let_go

FORMATS = ("graphml", "gexf", "json", "cytoscape", "csv", "neo4j")


def sorted_graph(g: nx.Graph) -> nx.Graph:
    """Same graph with nodes, edges and attribute keys in sorted order (byte-stable output).
    Every writer sorts what it is given unless told `presorted=True`: a caller writing one big
    graph in several formats sorts it once."""
    h = nx.Graph()
    h.graph.update(sorted(g.graph.items()))
    for node in sorted(g):
        h.add_node(node, **dict(sorted(g.nodes[node].items())))
    edges = sorted((min(a, b), max(a, b), d) for a, b, d in g.edges(data=True))
    for a, b, d in edges:
        h.add_edge(a, b, **dict(sorted(d.items())))
    return h


def _ordered(g: nx.Graph, presorted: bool) -> nx.Graph:
    return g if presorted else sorted_graph(g)


def write_graphml(g: nx.Graph, path: str | Path, presorted: bool = False) -> None:
    """The bytes of `nx.write_graphml(g, path, prettyprint=True, named_key_ids=True)` (tested),
    written 2.5 times faster for the graphs kg builds (`bench/graphml.py`); any other
    graph goes to networkx itself."""
    h = _ordered(g, presorted)
    with atomic_path(path) as tmp:
        if _fast_graphml(h):
            with open(tmp, "w", encoding="utf-8", newline="\n") as out:
                out.writelines(_graphml_chunks(h))
        else:
            nx.write_graphml(h, tmp, encoding="utf-8", prettyprint=True, named_key_ids=True)


# networkx's own GraphML type names (int → "long", float → "double", …)
_GRAPHML_TYPES = nx.readwrite.graphml.GraphML()
_GRAPHML_TYPES.construct_types()
# what lxml escapes, in text and in attribute values, and the characters it refuses
_XML_SPECIAL_TEXT = re.compile("[&<>\r]")
_XML_SPECIAL_ATTRIBUTE = re.compile('[&<>"\t\n\r]')
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _fast_graphml(g: nx.Graph) -> bool:
    """Whether `_graphml_chunks` can write `g`: no multigraph, no `id`, node or edge defaults."""
    return not g.is_multigraph() and not {"id", "node_default", "edge_default"} & set(g.graph)


def _escape(text: str, special: re.Pattern) -> str:
    return special.sub(lambda m: _XML_ESCAPES[m.group()], text) if special.search(text) else text


def _checked(xml: str) -> str:
    if _XML_INVALID.search(xml):  # lxml's own refusal
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return xml


def _graphml_chunks(g: nx.Graph) -> Iterator[str]:
    """GraphML as networkx writes it through lxml: a key per attribute name, type and scope, newest
    first; then each node and edge as an element of its own. networkx builds an lxml element for
    every value and types every value twice: at 72,000 papers most of the 5 minutes of writing."""
    keys: dict[tuple[str, str, str], None] = {}
    scopes = (("graph", [g.graph]), ("node", (d for _, d in g.nodes(data=True))),
              ("edge", (d for _, _, d in edges_with_data(g))))
    for scope, dicts in scopes:
        kinds = {}
        for d in dicts:
            for name, value in d.items():
                kinds.setdefault((name, type(value)), None)
        for name, kind in kinds:
            keys.setdefault((str(name), _GRAPHML_TYPES.get_xml_type(kind), scope), None)
    opening: dict[str, str] = {}  # attribute name → its <data> start tag
    for name, _, _ in keys:
        opening[name] = f'<data key="{_escape(name, _XML_SPECIAL_ATTRIBUTE)}">'

    def value(name: object, v: object) -> str:
        return f"{opening[str(name)]}{_escape(str(v), _XML_SPECIAL_TEXT)}</data>\n"

    def element(start: str, end: str, data: dict) -> str:
        # called for each of millions of edges: the items read once, the data lines made inline
        pairs = data.items()
        if not pairs:
            return _checked(start + "/>\n")
        lines = [f"  {opening[str(k)]}{_escape(str(v), _XML_SPECIAL_TEXT)}</data>\n" for k, v in pairs]
        return _checked(f"{start}>\n{''.join(lines)}{end}")

    yield ("<?xml version='1.0' encoding='utf-8'?>\n"
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
           '"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')
    for name, kind, scope in reversed(keys):
        name = _escape(name, _XML_SPECIAL_ATTRIBUTE)
        yield _checked(f'<key id="{name}" for="{scope}" attr.name="{name}" attr.type="{kind}"/>\n')
    yield f'<graph edgedefault="{"directed" if g.is_directed() else "undirected"}">'
    for name, v in g.graph.items():
        yield _checked(value(name, v))
    ids = {node: _escape(str(node), _XML_SPECIAL_ATTRIBUTE) for node in g}  # escaped once, not at every edge
    for node, d in g.nodes(data=True):
        yield element(f'<node id="{ids[node]}"', "</node>\n", d)
    for a, b, d in edges_with_data(g):
        yield element(f'<edge source="{ids[a]}" target="{ids[b]}"', "</edge>\n", d)
    yield "</graph></graphml>"


def _viz(g: nx.Graph) -> nx.Graph:
    """Gephi's `viz` colour and size: concepts coloured by cluster (the HTML maps' palette) and
    sized by PageRank (area ∝ score), papers in the maps' paper colour."""
    from kg.render import PAPER_COLOUR, _colour, _size

    top = max((float(d["pagerank"]) for _, d in g.nodes(data=True) if "pagerank" in d), default=0.0)
    for _, d in g.nodes(data=True):
        paper = d.get("kind") == "paper"
        colour = PAPER_COLOUR if paper else _colour(d)
        rgb = dict(zip("rgb", (int(colour[i:i + 2], 16) for i in (1, 3, 5))))
        size = 8.0 if paper or "pagerank" not in d else _size(float(d["pagerank"]), top)
        d["viz"] = {"color": {**rgb, "a": 1.0}, "size": size}
    return g


def write_gexf(g: nx.Graph, path: str | Path, presorted: bool = False) -> None:
    """networkx stamps today's date into the GEXF header; drop it so exports stay byte-stable."""
    h = g.copy() if presorted else sorted_graph(g)  # _viz adds attributes: never to the caller's graph
    text = "\n".join(nx.generate_gexf(_viz(h), encoding="utf-8", prettyprint=True))
    let_go(h)  # freed here, also while a build pauses the cyclic collector
    text = re.sub(r' lastmodifieddate="[^"]*"', "", text, count=1)
    write_text(path, text + "\n")


def write_json(g: nx.Graph, path: str | Path, presorted: bool = False) -> None:
    data = nx.node_link_data(_ordered(g, presorted), edges="edges")
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def _display_name(d: dict, node: object) -> str:
    return str(d.get("label") or d.get("title") or node)


def write_cytoscape(g: nx.Graph, path: str | Path, presorted: bool = False) -> None:
    """Cytoscape JSON (cytoscape.js `elements`, Cytoscape desktop's File → Import → Network);
    `name` is the concept label or paper title, as Cytoscape shows it."""
    data = nx.cytoscape_data(_ordered(g, presorted))
    for element in data["elements"]["nodes"]:
        node = element["data"]
        node["name"] = _display_name(node, node["id"])
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def _csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or sorted({k for row in rows for k in row})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(g: nx.Graph, path: str | Path, presorted: bool = False) -> tuple[Path, Path]:
    """`X.csv` → `X.nodes.csv` and `X.edges.csv` (Gephi's and Cytoscape's table import)."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix == ".csv" else path
    h = _ordered(g, presorted)
    nodes = [{"id": n, **d} for n, d in h.nodes(data=True)]
    edges = [{"source": a, "target": b, **d} for a, b, d in h.edges(data=True)]
    node_path, edge_path = Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")
    write_text(node_path, _csv_text(nodes))
    write_text(edge_path, _csv_text(edges))
    return node_path, edge_path


def _neo4j_type(values: list) -> str:
    """The neo4j-admin import type of a column: int, double, boolean or string."""
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "double"
    return "string"


def _neo4j_table(rows: list[dict], fixed: list[str]) -> str:
    """Header `name:type` for each property after the fixed (`:ID`, `:LABEL` …) columns."""
    names = sorted({k for row in rows for k in row} - set(fixed))
    typed = {}
    for name in names:
        kind = _neo4j_type([row[name] for row in rows if name in row])
        typed[name] = name if kind == "string" else f"{name}:{kind}"
    renamed = [{**{typed.get(k, k): ("true" if v is True else "false" if v is False else v) for k, v in row.items()}}
               for row in rows]
    return _csv_text(renamed, fixed + [typed[n] for n in names])


def write_neo4j(g: nx.Graph, path: str | Path, presorted: bool = False) -> tuple[Path, Path, Path]:
    """`X` → `X.papers.neo4j.csv`, `X.concepts.neo4j.csv`, `X.mentions.neo4j.csv` in the header
    layout of `neo4j-admin database import full` (ID spaces Paper and Concept, typed properties):

        neo4j-admin database import full --nodes=X.papers.neo4j.csv --nodes=X.concepts.neo4j.csv \\
            --relationships=X.mentions.neo4j.csv neo4j
    """
    from kg.graph import CONCEPT_PREFIX, PAPER_PREFIX

    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".csv", ".neo4j") else path
    h = _ordered(g, presorted)
    papers, concepts, mentions = [], [], []
    for n, d in h.nodes(data=True):
        attrs = {k: v for k, v in d.items() if k != "kind"}
        if d.get("kind") == "paper":
            papers.append({"paperId:ID(Paper)": n.removeprefix(PAPER_PREFIX), ":LABEL": "Paper", **attrs})
        else:
            concepts.append({"conceptId:ID(Concept)": n.removeprefix(CONCEPT_PREFIX), ":LABEL": "Concept", **attrs})
    for a, b, d in h.edges(data=True):
        if h.nodes[a].get("kind") != "paper":
            a, b = b, a
        mentions.append({":START_ID(Paper)": a.removeprefix(PAPER_PREFIX),
                         ":END_ID(Concept)": b.removeprefix(CONCEPT_PREFIX), ":TYPE": "MENTIONS", **d})
    written = (Path(f"{stem}.papers.neo4j.csv"), Path(f"{stem}.concepts.neo4j.csv"), Path(f"{stem}.mentions.neo4j.csv"))
    write_text(written[0], _neo4j_table(papers, ["paperId:ID(Paper)", ":LABEL"]))
    write_text(written[1], _neo4j_table(concepts, ["conceptId:ID(Concept)", ":LABEL"]))
    write_text(written[2], _neo4j_table(mentions, [":START_ID(Paper)", ":END_ID(Concept)", ":TYPE"]))
    return written


def export(g: nx.Graph, fmt: str, path: str | Path, presorted: bool = False) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        return list(write_csv(g, path, presorted))
    if fmt == "neo4j":
        return list(write_neo4j(g, path, presorted))
    {"graphml": write_graphml, "gexf": write_gexf, "json": write_json, "cytoscape": write_cytoscape}[fmt](
        g, path, presorted)
    return [Path(path)]
