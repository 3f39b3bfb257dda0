"""How long kg takes to write a build's three GraphML files, against networkx's own writer
(`nx.write_graphml` with lxml, the baseline) in the same process, and whether the bytes are equal.

The graphs are those of N papers of the twins corpus (English abstracts and their Chinese
translations), extracted through an extraction cache kept between runs (`--cache`), linked and
graphed as `kg build` does.

    python bench/graphml.py --n 4000
    python bench/graphml.py --n 20000 --cache /tmp/kg-link-cache.sqlite
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import networkx as nx
from scale import seconds, twins_graph

from kg.export import write_graphml


def main() -> int:
    graph = twins_graph(__doc__)
    if graph is None:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{len(graph.corpus.papers):,} papers\n")
        print(f"{'file':18} {'nodes':>9} {'edges':>10} {'MB':>7} {'networkx s':>11} {'kg s':>7} {'ratio':>6}")
        total_nx = total_kg = 0.0
        for name, g in (("graph.graphml", graph.bipartite), ("concepts.graphml", graph.concepts),
                        ("papers.graphml", graph.papers)):
            ours, theirs = Path(tmp) / f"kg-{name}", Path(tmp) / f"nx-{name}"
            baseline = seconds(lambda: nx.write_graphml(g, theirs, encoding="utf-8", prettyprint=True,
                                                        named_key_ids=True))
            fast = seconds(lambda: write_graphml(g, ours, presorted=True))
            if ours.read_bytes() != theirs.read_bytes():
                print(f"{name}: the files differ", file=sys.stderr)
                return 1
            total_nx, total_kg = total_nx + baseline, total_kg + fast
            print(f"{name:18} {g.number_of_nodes():9,} {g.number_of_edges():10,} {ours.stat().st_size / 1e6:7.1f} "
                  f"{baseline:11.2f} {fast:7.2f} {baseline / fast:5.2f}x")
        print(f"{'all three':18} {'':9} {'':10} {'':7} {total_nx:11.2f} {total_kg:7.2f} {total_nx / total_kg:5.2f}x"
              " (same bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
