"""Writers for the graph formats other tools read: GraphML, GEXF, node-link JSON, CSV.

Every writer is atomic and deterministic (sorted nodes, edges and attributes).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_path, write_text

FORMATS = ("graphml", "gexf", "json", "csv")


def _sorted_copy(g: nx.Graph) -> nx.Graph:
    """Same graph with nodes, edges and attribute keys in sorted order (byte-stable output)."""
    h = nx.Graph()
    h.graph.update(sorted(g.graph.items()))
    for node in sorted(g):
        h.add_node(node, **dict(sorted(g.nodes[node].items())))
    edges = sorted((min(a, b), max(a, b), d) for a, b, d in g.edges(data=True))
    for a, b, d in edges:
        h.add_edge(a, b, **dict(sorted(d.items())))
    return h


def write_graphml(g: nx.Graph, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        nx.write_graphml(_sorted_copy(g), tmp, encoding="utf-8", prettyprint=True, named_key_ids=True)


def write_gexf(g: nx.Graph, path: str | Path) -> None:
    """networkx stamps today's date into the GEXF header; drop it so exports stay byte-stable."""
    text = "\n".join(nx.generate_gexf(_sorted_copy(g), encoding="utf-8", prettyprint=True))
    text = re.sub(r' lastmodifieddate="[^"]*"', "", text, count=1)
    write_text(path, text + "\n")


def write_json(g: nx.Graph, path: str | Path) -> None:
    data = nx.node_link_data(_sorted_copy(g), edges="edges")
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def _csv_text(rows: list[dict]) -> str:
    columns = sorted({k for row in rows for k in row})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(g: nx.Graph, path: str | Path) -> tuple[Path, Path]:
    """`X.csv` → `X.nodes.csv` and `X.edges.csv` (Gephi's and Cytoscape's table import)."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix == ".csv" else path
    h = _sorted_copy(g)
    nodes = [{"id": n, **d} for n, d in h.nodes(data=True)]
    edges = [{"source": a, "target": b, **d} for a, b, d in h.edges(data=True)]
    node_path, edge_path = Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")
    write_text(node_path, _csv_text(nodes))
    write_text(edge_path, _csv_text(edges))
    return node_path, edge_path


def export(g: nx.Graph, fmt: str, path: str | Path) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        return list(write_csv(g, path))
    {"graphml": write_graphml, "gexf": write_gexf, "json": write_json}[fmt](g, path)
    return [Path(path)]
