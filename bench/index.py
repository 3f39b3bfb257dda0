"""How long kg takes to write a build's graph.sqlite (the index the query commands and ego views
read), against the same writer with the standard library's JSON encoder for the attributes (the
baseline, what kg used before orjson) in the same process, and whether the two files hold the
same rows (attributes compared as parsed JSON: the two encoders may spell a float differently).

The graphs are those of N papers of the twins corpus (English abstracts and their Chinese
translations), extracted through an extraction cache kept between runs (`--cache`), linked and
graphed as `kg build` does.

    python bench/index.py --n 4000
    python bench/index.py --n 20000 --cache /tmp/kg-link-cache.sqlite
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from pathlib import Path

from scale import seconds, twins_graph

from kg import index, pipeline

_STDLIB = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

#: Each table of graph.sqlite with the columns that order its rows.
TABLES = {"meta": "name", "nodes": "id", "edges": "concept, paper", "names": "name, node",
          "projection_nodes": "graph, id", "projection_edges": "graph, a, b"}


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, a JSON column (attrs) parsed."""
    db = sqlite3.connect(path)
    try:
        found = {}
        for table, order in TABLES.items():
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
            found[table] = [tuple(json.loads(v) if c == "attrs" else v for c, v in zip(columns, row))
                            for row in db.execute(f"SELECT * FROM {table} ORDER BY {order}")]
        return found
    finally:
        db.close()


def write(graph: pipeline.KnowledgeGraph, path: Path) -> float:
    return seconds(lambda: index.write_index(graph.bipartite, path, {"concepts": graph.concepts,
                                                                      "papers": graph.papers}))


def main() -> int:
    graph = twins_graph(__doc__)
    if graph is None:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "kg.sqlite", Path(tmp) / "stdlib.sqlite"
        kg_dump = index._dump
        index._dump = _STDLIB.encode
        try:
            baseline = write(graph, theirs)
        finally:
            index._dump = kg_dump
        fast = write(graph, ours)
        if rows(ours) != rows(theirs):
            print("the two files hold different rows", file=sys.stderr)
            return 1
        edges = sum(g.number_of_edges() for g in (graph.bipartite, graph.concepts, graph.papers))
        print(f"{len(graph.corpus.papers):,} papers, {edges:,} edges in the three graphs, "
              f"graph.sqlite {ours.stat().st_size / 1e6:.0f} MB\n"
              f"standard library json: {baseline:.2f} s\nkg (orjson): {fast:.2f} s\n"
              f"ratio {baseline / fast:.2f}x (the same rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
