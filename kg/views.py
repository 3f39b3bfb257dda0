"""Ego views: the neighbourhood of one concept or one paper, drawn with kg.render's own maps.

A whole-corpus map of 100,000 papers can only show its top slice; an ego view shows the part
around what the user asks about, from the graphs a build saved in its workspace: read from
graph.sqlite when the build wrote the projections into it (the part needed, in about a second
at 72,000 papers), else from the GraphML files, whole.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

import networkx as nx

from kg import query
from kg.graph import CONCEPT_PREFIX, PAPER_PREFIX, concept_node, paper_node
from kg.index import INDEX_FILE, GraphIndex
from kg.pipeline import load
from kg.render import ViewLimits, ViewSummary, render_concept_map, render_paper_concept_map

CONCEPTS_FILE = "concepts.graphml"
PAPERS_FILE = "papers.graphml"


def _read(workspace: Path, name: str) -> nx.Graph:
    path = workspace / name
    if not path.is_file():
        raise query.QueryError(f"{path}: no graph here (run `kg build INPUT -o {workspace}` first)")
    return nx.read_graphml(path)


def _strongest_neighbours(g: nx.Graph, node: str, n: int) -> list[str]:
    ranked = sorted(g[node].items(), key=lambda nd: (-float(nd[1].get("weight", 0)), nd[0]))
    return [other for other, _ in ranked[:n]]


def concept_ego(bipartite: nx.Graph, concepts: nx.Graph, term: str, size: int) -> tuple[nx.Graph, str]:
    """The concept and the `size - 1` concepts it shares most papers with, with their links."""
    key = bipartite.nodes[query.find_concept(bipartite, term)]["key"]
    if key not in concepts:  # left out of the co-occurrence graph: alone in its papers
        return concepts.subgraph([]).copy(), key
    members = [key, *_strongest_neighbours(concepts, key, max(size - 1, 0))]
    return concepts.subgraph(members).copy(), key


def paper_ego(bipartite: nx.Graph, papers: nx.Graph, paper_id: str, n_similar: int) -> nx.Graph:
    """The paper, its concepts and its `n_similar` most similar papers (tied by shared concepts)."""
    node = query.find_paper(bipartite, paper_id)
    pid = bipartite.nodes[node]["paper_id"]
    similar = _strongest_neighbours(papers, pid, n_similar) if pid in papers else []
    members = [node, *bipartite[node], *(paper_node(p) for p in similar)]
    return bipartite.subgraph(members).copy()


def _index(workspace: Path, projection: str, stack: ExitStack) -> GraphIndex | None:
    path = workspace / INDEX_FILE
    index = stack.enter_context(GraphIndex(path)) if path.is_file() else None
    return index if index is not None and index.has_projection(projection) else None


def render_concept_ego(workspace: Path, term: str, path: Path, size: int = 60) -> ViewSummary:
    with ExitStack() as stack:
        index = _index(workspace, "concepts", stack)
        if index is not None:
            node = index.concept(term)
            key, label = node.removeprefix(CONCEPT_PREFIX), index.around([node], 0).nodes[node].get("label")
            sub = index.ego("concepts", key, max(size - 1, 0))
        else:
            bipartite = load(workspace)
            sub, key = concept_ego(bipartite, _read(workspace, CONCEPTS_FILE), term, size)
            label = bipartite.nodes[concept_node(key)].get("label")
    return render_concept_map(sub, path, limits=ViewLimits(max_nodes=size), title=f"Concepts around {label or key}")


def render_paper_ego(workspace: Path, paper_id: str, path: Path, n_similar: int = 20,
                     size: int = 150) -> ViewSummary:
    with ExitStack() as stack:
        index = _index(workspace, "papers", stack)
        if index is not None:
            node = index.paper(paper_id)
            similar = index.ego("papers", node.removeprefix(PAPER_PREFIX), n_similar)
            sub = index.induced([*index.around([node], 1), *(paper_node(p) for p in similar)])
        else:
            sub = paper_ego(load(workspace), _read(workspace, PAPERS_FILE), paper_id, n_similar)
    return render_paper_concept_map(sub, path, limits=ViewLimits(max_nodes=size),
                                    title=f"Paper {paper_id}, its concepts and similar papers")


def ego_file_name(kind: str, name: str) -> str:
    """A safe file name for the ego view of `name` (ids hold ':' and '/', terms spaces)."""
    safe = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("_") or "view"
    return f"view_{kind}_{safe[:80]}.html"
