"""The paper–concept graph of a workspace as an SQLite file (`graph.sqlite`), for queries.

`kg shared`, `kg concept`, `kg paper` and `kg top` ask about a few nodes, but graph.graphml
must be parsed whole before any question is answered: at 72,000 papers that is 550 MB of XML
and gigabytes of memory for one answer. The index holds the same nodes and edges (attributes
as JSON, so types survive) with both ends of every edge indexed, and `around` reads only the
neighbourhood a question needs into a small networkx graph that `kg.query` answers on as it
would on the whole one.

It also holds the two projections (concept co-occurrence, paper similarity), so an ego view
(`kg view concept/paper`) reads one node's strongest links instead of concepts.graphml (522 MB
at 72,000 papers) or papers.graphml.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
import orjson

from kg.atomic import atomic_path
from kg.graph import CONCEPT_PREFIX, PAPER_PREFIX, concept_node, edges_with_data, paper_node
from kg.model import LinkDecisions, Paper
from kg.query import RANK_BY, QueryError, best_named, concept_names, no_concept, no_paper, normal_name

INDEX_FILE = "graph.sqlite"

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE nodes (id TEXT PRIMARY KEY, kind TEXT NOT NULL, attrs TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE edges (concept TEXT NOT NULL, paper TEXT NOT NULL, attrs TEXT NOT NULL, PRIMARY KEY (concept, paper))
    WITHOUT ROWID;
CREATE TABLE names (name TEXT NOT NULL, node TEXT NOT NULL, PRIMARY KEY (name, node)) WITHOUT ROWID;
CREATE TABLE projection_nodes (graph TEXT NOT NULL, id TEXT NOT NULL, attrs TEXT NOT NULL, PRIMARY KEY (graph, id))
    WITHOUT ROWID;
CREATE TABLE projection_edges (graph TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL, weight REAL NOT NULL,
                               attrs TEXT NOT NULL, PRIMARY KEY (graph, a, b)) WITHOUT ROWID;
CREATE TABLE vocabulary (kind TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, name))
    WITHOUT ROWID;
CREATE TABLE abstracts (digest BLOB PRIMARY KEY, paper TEXT NOT NULL) WITHOUT ROWID;
"""
#: Named in a query by a projection edge's second end: without statistics SQLite 3.40 searched
#: the primary key by graph alone, the whole co-occurrence projection (0.7 s a query at 72,000
#: papers, against 0.04 s through this index). It holds the weight too, so that an end's
#: strongest links are read from the index alone (see `kg.append`): a hub is the second end of
#: thousands of links, and looking each one up in the table took 3 of an append's 50 s at 72,000.
BY_B = "INDEXED BY projection_edges_by_b"
_INDEXES = """
CREATE INDEX edges_by_paper ON edges (paper);
CREATE INDEX projection_edges_by_b ON projection_edges (graph, b, weight);
"""


def abstract_rows(papers: Iterable[Paper]) -> list[tuple[bytes, str]]:
    """Rows of the `abstracts` table: (digest, paper id) of the papers read with a digest."""
    return sorted((p.digest, p.id) for p in papers if p.digest)


def dump_attributes(attrs: Mapping[str, object]) -> str:
    """Attributes as compact JSON, keys sorted. orjson rather than the standard library: at
    20,000 twins encoding was a third of writing graph.sqlite, the largest part of saving
    (`python bench/index.py`). Edge data that is not a dict (`kg.graph.EdgeAttributes`) is
    made one, from its items: orjson's `default=dict` read its keys, then each key, in Python
    (1 million co-occurrence edges: 3.7 → 1.9 s)."""
    if type(attrs) is not dict:
        attrs = dict(attrs.items())
    return orjson.dumps(attrs, default=dict, option=orjson.OPT_SORT_KEYS).decode()


def write_index(g: nx.Graph, path: str | Path, projections: Mapping[str, nx.Graph] | None = None) -> None:
    """The bipartite graph `g` and the `projections` by name ("concepts", "papers") into a new
    SQLite file at `path` (written aside, then moved)."""
    with index_writer(path) as index:
        for name, projection in sorted((projections or {}).items()):
            index.add_projection(name, projection)
        index.add_graph(g)


@contextmanager
def index_writer(path: str | Path) -> Iterator[IndexWriter]:
    """An `IndexWriter` on a new SQLite file, moved to `path` when the block ends without error:
    a big build writes each graph as it is made and lets it go before making the next."""
    with atomic_path(path) as tmp:
        db = sqlite3.connect(tmp, check_same_thread=False)  # a part may be added by another thread (see IndexWriter)
        try:
            # a file written aside and moved into place needs no journal and no syncs of its own
            # (publishing fsyncs it)
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
            yield IndexWriter(db)
            db.executescript(_INDEXES)  # built once the rows are in, not kept up row by row
        finally:
            db.close()


class IndexWriter:
    """The parts of graph.sqlite, each added once: the paper–concept graph and the projections.
    A part may be added by another thread than the one that opened the file, one part at a
    time (`kg.pipeline.index_beside`)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def interrupt(self) -> None:
        """Stop the part being added, from any thread: it raises sqlite3.OperationalError."""
        self._db.interrupt()

    def add_graph(self, g: nx.Graph) -> None:
        """The paper–concept graph: its nodes, edges and the names its concepts are asked by."""
        papers = sum(1 for n in g if n.startswith(PAPER_PREFIX))
        with self._db as db:
            db.execute("INSERT INTO meta VALUES ('papers', ?)", (str(papers),))
            db.executemany("INSERT INTO nodes VALUES (?, ?, ?)",
                           ((n, str(d.get("kind", "")), dump_attributes(d)) for n, d in sorted(g.nodes(data=True))))
            db.executemany("INSERT INTO edges VALUES (?, ?, ?)", ((c, p, dump_attributes(d)) for c, p, d in _edges_in_order(g)))
            names = sorted({(name, n) for n, d in g.nodes(data=True) if n.startswith(CONCEPT_PREFIX)
                            for name in concept_names(d)})
            db.executemany("INSERT INTO names VALUES (?, ?)", names)

    def add_vocabulary(self, decisions: LinkDecisions, facts: Mapping[str, str]) -> None:
        """What the build decided over the whole corpus, which papers appended later keep to
        (`kg.append`): linking's `decisions` (with the concepts, the nodes, a `kg.link.Vocabulary`)
        and `facts` of the projections (`kg.graph.thinning`)."""
        with self._db as db:
            db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(facts.items()))
            db.executemany("INSERT INTO vocabulary VALUES ('acronym', ?, ?)", sorted(decisions.acronyms.items()))
            for kind, keys in (("dependent", decisions.dependent), ("implausible", decisions.implausible)):
                db.executemany("INSERT INTO vocabulary VALUES (?, ?, '')", ((kind, k) for k in sorted(keys)))

    def add_abstracts(self, papers: Iterable[Paper]) -> None:
        """The papers' `Paper.digest`s, so that an append refuses an abstract the workspace has
        under another id, as a build of both refuses the second."""
        with self._db as db:
            db.executemany("INSERT INTO abstracts VALUES (?, ?)", abstract_rows(papers))

    def add_projection(self, name: str, projection: nx.Graph) -> None:
        """A projection ("concepts", "papers") for the ego views."""
        with self._db as db:
            db.executemany("INSERT INTO projection_nodes VALUES (?, ?, ?)",
                           ((name, n, dump_attributes(d)) for n, d in sorted(projection.nodes(data=True))))
            db.executemany("INSERT INTO projection_edges VALUES (?, ?, ?, ?, ?)",
                           ((name, min(a, b), max(a, b), float(d.get("weight", 0)), dump_attributes(d))
                            for a, b, d in edges_with_data(projection)))


def _edges_in_order(g: nx.Graph) -> Iterable[tuple[str, str, dict]]:
    """(concept, paper, attributes) of every edge by concept, then paper. kg's graphs give them
    in this order already, which is checked first, then streamed: a sorted list held 3 million
    more tuples at 72,000 papers. Any other graph is sorted (no two edges have the same ends, so
    their dicts are never compared)."""
    def oriented() -> Iterator[tuple[str, str, dict]]:
        return ((a, b, d) if a.startswith(CONCEPT_PREFIX) else (b, a, d) for a, b, d in edges_with_data(g))
    previous = ("", "")
    for c, p, _ in oriented():
        if (c, p) < previous:
            return sorted(oriented())
        previous = (c, p)
    return oriented()


#: Nodes `GraphIndex` reads with one query (SQLite allows 32,766 parameters).
NODES_PER_QUERY = 500


class GraphIndex:
    """Read-only access to a workspace's `graph.sqlite`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        self.papers = int(self._db.execute("SELECT value FROM meta WHERE name = 'papers'").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> GraphIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, node: str) -> bool:
        return self._db.execute("SELECT 1 FROM nodes WHERE id = ?", (node,)).fetchone() is not None

    def paper(self, paper_id: str) -> str:
        """The paper's node; `QueryError` with close ids when there is none."""
        node = paper_node(paper_id)
        if self.has(node):
            return node
        raise no_paper(paper_id, (row[0][len(PAPER_PREFIX):] for row in
                                  self._db.execute("SELECT id FROM nodes WHERE kind = 'paper' ORDER BY id")))

    def concept(self, term: str) -> str:
        """The concept's node by key, label or alias as `kg.query.find_concept` finds it."""
        want = normal_name(term)
        if self.has(concept_node(want)):
            return concept_node(want)
        rows = self._db.execute("SELECT id, attrs FROM nodes WHERE id IN (SELECT node FROM names WHERE name = ?)",
                                (want,)).fetchall()
        if rows:
            return best_named(want, [(node, json.loads(attrs), self._surfaces(node)) for node, attrs in rows])
        raise no_concept(term, (r[0] for r in self._db.execute("SELECT DISTINCT name FROM names ORDER BY name")))

    def _surfaces(self, concept: str) -> Iterator[str]:
        """The `surfaces` of each edge of a concept node (for `kg.query.best_named`)."""
        rows = self._db.execute("SELECT attrs ->> '$.surfaces' FROM edges WHERE concept = ?", (concept,))
        return (surfaces or "" for surfaces, in rows)

    def top(self, by: str = "pagerank", n: int = 10) -> list[dict]:
        """`kg.query.top` without building a graph of every concept node: at 72,000 papers that
        took 915 MiB for ten rows. Only each concept's measure is read, as the JSON text it was
        written as, so the order is `query.top`'s to the last bit, ties broken by key."""
        if by not in RANK_BY:
            raise QueryError(f"cannot rank by {by!r}: use one of {', '.join(RANK_BY)}")
        values = self._db.execute("SELECT id, attrs -> ? FROM nodes WHERE kind = 'concept'", ("$." + by,)).fetchall()
        best = sorted(values, key=lambda row: (-float(row[1] or 0), row[0]))[:n]  # id = prefix + key
        return [json.loads(self._db.execute("SELECT attrs FROM nodes WHERE id = ?", (node,)).fetchone()[0])
                for node, _ in best]

    def graph(self) -> nx.Graph:
        """The whole paper–concept graph, as graph.graphml holds it after a full build; after an
        append (`kg.append`) only this file has the appended papers."""
        g = nx.Graph()
        for node, attrs in self._db.execute("SELECT id, attrs FROM nodes ORDER BY id"):
            g.add_node(node, **json.loads(attrs))
        for concept, paper, attrs in self._db.execute("SELECT concept, paper, attrs FROM edges ORDER BY concept, paper"):
            g.add_edge(concept, paper, **json.loads(attrs))
        return g

    def around(self, nodes: Iterable[str], hops: int, far: Sequence[str] | None = None) -> nx.Graph:
        """`nodes`, every node within `hops` edges of them, and the edges that reach those.

        With `far`, the nodes first reached at the last hop carry only those attributes and the
        last hop's edges none: a question two hops out reads a label or a title there, and at
        72,000 papers a hub's second hop is tens of thousands of concepts with all their aliases."""
        seen = dict.fromkeys(nodes)
        frontier, edges, last = list(seen), [], set()
        for hop in range(hops):
            bare = far is not None and hop == hops - 1
            what = "NULL" if bare else "attrs"  # an edge's attributes
            found = []
            for node in frontier:
                column, other = ("concept", "paper") if node.startswith(CONCEPT_PREFIX) else ("paper", "concept")
                rows = self._db.execute(f"SELECT {other}, {what} FROM edges WHERE {column} = ? ORDER BY {other}", (node,))
                for neighbour, attrs in rows:
                    edges.append((node, neighbour, attrs))
                    if neighbour not in seen:
                        seen[neighbour] = None
                        found.append(neighbour)
            if bare:
                last = set(found)
            frontier = found
        return self._graph(self._nodes(sorted(seen), last, far or ()), edges)

    def _nodes(self, nodes: list[str], last: set[str], far: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(id, attrs as JSON) of each node that exists, in the order given; for those in `last`,
        only the `far` attributes. Read a few hundred at a time: a hub's neighbourhood at
        72,000 papers is tens of thousands of nodes, and one query each was half its time."""
        # json_patch drops a null, so an attribute the node lacks stays absent
        pick = "json_patch('{}', json_object(" + ", ".join("?, attrs -> ?" for _ in far) + "))" if far else "'{}'"
        args = [a for name in far for a in (name, "$." + name)]
        for start in range(0, len(nodes), NODES_PER_QUERY):
            chunk = nodes[start:start + NODES_PER_QUERY]
            found: dict[str, str] = {}
            for members, what, params in (([n for n in chunk if n not in last], "attrs", []),
                                          ([n for n in chunk if n in last], pick, args)):
                if members:
                    marks = ",".join("?" * len(members))
                    found.update(self._db.execute(f"SELECT id, {what} FROM nodes WHERE id IN ({marks})",
                                                  (*params, *members)))
            yield from ((node, found[node]) for node in chunk if node in found)

    def induced(self, nodes: Iterable[str]) -> nx.Graph:
        """`nodes` and every paper–concept edge between two of them."""
        members = set(nodes)
        edges = [(concept, paper, attrs) for paper in sorted(n for n in members if n.startswith(PAPER_PREFIX))
                 for concept, attrs in self._db.execute("SELECT concept, attrs FROM edges WHERE paper = ?", (paper,))
                 if concept in members]
        return self._graph(self._nodes(sorted(members), set(), ()), sorted(edges))

    def has_projection(self, name: str) -> bool:
        """False for an index written before the projections were kept in it."""
        return (self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'projection_nodes'").fetchone() is not None
                and self._db.execute("SELECT 1 FROM projection_nodes WHERE graph = ? LIMIT 1", (name,)).fetchone()
                is not None)

    def ego(self, name: str, node: str, n: int) -> nx.Graph:
        """`node` of projection `name`, its `n` strongest neighbours (by weight, then id) and the
        links among them; an empty graph when the projection does not hold `node`."""
        rows = self._db.execute("SELECT b, weight FROM projection_edges WHERE graph = ? AND a = ? "
                                f"UNION ALL SELECT a, weight FROM projection_edges {BY_B} WHERE graph = ? AND b = ?",
                                (name, node, name, node)).fetchall()
        strongest = [other for other, _ in sorted(rows, key=lambda r: (-r[1], r[0]))[:n]]
        members = sorted({node, *strongest})
        marks = ",".join("?" * len(members))
        nodes = self._db.execute(f"SELECT id, attrs FROM projection_nodes WHERE graph = ? AND id IN ({marks}) ORDER BY id",
                                 (name, *members)).fetchall()
        if not any(n == node for n, _ in nodes):
            return nx.Graph()
        edges = self._db.execute(f"SELECT a, b, attrs FROM projection_edges WHERE graph = ? AND a IN ({marks}) "
                                 f"AND b IN ({marks}) ORDER BY a, b", (name, *members, *members)).fetchall()
        g = self._graph(nodes, edges)
        del g.graph["papers"]
        return g

    def _graph(self, nodes: Iterable[tuple[str, str]], edges: list[tuple[str, str, str | None]]) -> nx.Graph:
        g = nx.Graph(papers=self.papers)
        for node, attrs in nodes:
            g.add_node(node, **json.loads(attrs))
        for a, b, attrs in edges:
            g.add_edge(a, b, **(json.loads(attrs) if attrs is not None else {}))
        return g
