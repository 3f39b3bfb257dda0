"""Questions asked of a built graph: top concepts, what two papers share, one concept, one paper.

Everything here reads the bipartite graph only (as saved in `graph.graphml`), so the CLI on a
saved workspace and a notebook on a fresh build give the same answers. The CLI passes the part
of the graph a question needs (`kg.index.GraphIndex.around`): counts of the whole graph come
from attributes (a concept's `papers`, the graph's `papers`), not from degrees.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import networkx as nx

from kg.graph import CONCEPT_PREFIX, PAPER_PREFIX, concept_node, paper_node

RANK_BY = ("pagerank", "degree", "weighted_degree", "betweenness", "eigenvector", "papers")


class QueryError(LookupError):
    """A paper or concept the graph does not have; the message suggests close names."""


@dataclass(frozen=True)
class SharedConcept:
    key: str
    label: str
    score: float  # rarity of the concept × how much both papers use it
    surfaces_a: list[str]
    surfaces_b: list[str]
    links: str


@dataclass(frozen=True)
class SimilarPaper:
    paper_id: str
    title: str
    score: float
    shared: list[str]  # labels of the shared concepts, rarest first


@dataclass
class ConceptReport:
    key: str
    label: str
    aliases: list[str]
    links: str
    metrics: dict[str, float]
    papers: list[dict] = field(default_factory=list)
    neighbours: list[dict] = field(default_factory=list)


@dataclass
class PaperReport:
    paper_id: str
    title: str
    lang: str
    year: int | None = None
    authors: str = ""
    venue: str = ""
    url: str = ""
    keywords: list[str] = field(default_factory=list)  # the authors' own, beside the extracted concepts
    concepts: list[dict] = field(default_factory=list)
    similar: list[SimilarPaper] = field(default_factory=list)


def to_jsonable(obj: object) -> object:
    if isinstance(obj, list):
        return [to_jsonable(o) for o in obj]
    return asdict(obj) if hasattr(obj, "__dataclass_fields__") else obj


def _n_papers(g: nx.Graph) -> int:
    return int(g.graph.get("papers", sum(1 for n in g if n.startswith(PAPER_PREFIX))))


def _rarity(g: nx.Graph, concept: str, n_papers: int) -> float:
    return math.log((1 + n_papers) / (1 + int(g.nodes[concept].get("papers", g.degree(concept))))) + 1.0


def _concepts(g: nx.Graph) -> list[str]:
    return [n for n in g if n.startswith(CONCEPT_PREFIX)]


def normal_name(text: str) -> str:
    """A concept name as lookups compare them: lower case, hyphens as spaces."""
    return " ".join(str(text).replace("-", " ").lower().split())


def no_paper(paper_id: str, ids: Iterable[str]) -> QueryError:
    """The error for an unknown paper id, with the closest of `ids` as hints."""
    close = difflib.get_close_matches(paper_id, list(ids), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return QueryError(f"no paper {paper_id!r} in this graph{hint}")


def no_concept(term: str, names: Iterable[str]) -> QueryError:
    """The error for an unknown concept, with the closest of `names` (normal names) as hints."""
    close = difflib.get_close_matches(normal_name(term), list(names), n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return QueryError(f"no concept {term!r} in this graph{hint}")


def find_paper(g: nx.Graph, paper_id: str) -> str:
    node = paper_node(paper_id)
    if node not in g:
        raise no_paper(paper_id, (n[len(PAPER_PREFIX):] for n in g if n.startswith(PAPER_PREFIX)))
    return node


def find_concept(g: nx.Graph, term: str) -> str:
    """By key, label or any alias, ignoring case and hyphens. A name several concepts carry goes
    to the one it is the label of, else to the one whose papers write it most (see `best_named`)."""
    want = normal_name(term)
    if concept_node(want) in g:
        return concept_node(want)
    names: dict[str, list[str]] = defaultdict(list)
    for node in sorted(_concepts(g)):
        for name in concept_names(g.nodes[node]):
            names[name].append(node)
    if want in names:
        return best_named(want, [(node, g.nodes[node], (s for _, _, s in g.edges(node, data="surfaces", default="")))
                                 for node in names[want]])
    raise no_concept(term, names)


def concept_names(attrs: Mapping) -> set[str]:
    """The names a concept node answers to: its label and aliases as lookups compare them."""
    return {name for name in map(normal_name, [attrs.get("label", ""), *str(attrs.get("aliases", "")).split(" | ")])
            if name}


def best_named(name: str, candidates: Iterable[tuple[str, Mapping, Iterable[str]]]) -> str:
    """Of the concept nodes that carry `name` (node, attributes, its edges' `surfaces`): the one
    it is the label of, else the one with the most papers writing it, the most papers, the first
    key. At 20,000 papers "CNN" is an alias of "convolutional neural network", written so in 748
    papers, and of "baseline convolutional neural network", which one paper defined; and a bad
    definition made "RNN" an alias of "neural network", in 5,511 papers, none writing it."""
    def order(candidate: tuple[str, Mapping, Iterable[str]]) -> tuple[bool, int, int, str]:
        node, attrs, surfaces = candidate
        writing = sum(1 for written in surfaces if any(normal_name(s) == name for s in str(written).split(" | ")))
        return normal_name(attrs.get("label", "")) != name, -writing, -int(attrs.get("papers", 0) or 0), node
    return min(candidates, key=order)[0]


def top(g: nx.Graph, by: str = "pagerank", n: int = 10) -> list[dict]:
    if by not in RANK_BY:
        raise QueryError(f"cannot rank by {by!r}: use one of {', '.join(RANK_BY)}")
    rows = [dict(g.nodes[c]) for c in _concepts(g)]
    rows.sort(key=lambda r: (-float(r.get(by, 0)), r["key"]))
    return rows[:n]


def _surfaces(g: nx.Graph, paper: str, concept: str) -> list[str]:
    return str(g.edges[paper, concept].get("surfaces", "")).split(" | ")


def shared(g: nx.Graph, paper_a: str, paper_b: str) -> list[SharedConcept]:
    """The concepts both papers mention, strongest first, with each paper's own wording."""
    a, b = find_paper(g, paper_a), find_paper(g, paper_b)
    n = _n_papers(g)
    result = []
    for c in sorted(set(g[a]) & set(g[b])):
        use = min(g.edges[a, c]["weight"], g.edges[b, c]["weight"])
        score = _rarity(g, c, n) * (1 + math.log(use))
        attrs = g.nodes[c]
        result.append(SharedConcept(attrs["key"], attrs["label"], round(score, 4),
                                    _surfaces(g, a, c), _surfaces(g, b, c), attrs.get("links", "")))
    result.sort(key=lambda s: (-s.score, s.key))
    return result


def similar_papers(g: nx.Graph, paper_id: str, n: int = 5) -> list[SimilarPaper]:
    """Papers sharing the most rarity-weighted concepts with this one, and which concepts."""
    node = find_paper(g, paper_id)
    total = _n_papers(g)
    scores: Counter[str] = Counter()
    why: dict[str, list[tuple[float, str]]] = {}
    for c in g[node]:
        rarity = _rarity(g, c, total)
        for other in g[c]:
            if other != node:
                scores[other] += rarity
                why.setdefault(other, []).append((-rarity, g.nodes[c]["label"]))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [SimilarPaper(o[len(PAPER_PREFIX):], g.nodes[o]["title"], round(s, 4),
                         [label for _, label in sorted(why[o])]) for o, s in ranked]


#: What `concept` reads of the nodes two hops out (the other concepts of its papers) and `paper`
#: of its similar papers: all a graph index need load there (`kg.index.GraphIndex.around`).
CONCEPT_FAR = ("key", "label")
PAPER_FAR = ("title",)


def concept(g: nx.Graph, term: str, n_neighbours: int = 10) -> ConceptReport:
    node = find_concept(g, term)
    attrs = g.nodes[node]
    papers = sorted(g[node], key=lambda p: (-g.edges[node, p]["weight"], p))
    co: Counter[str] = Counter()
    for p in papers:
        co.update(c for c in g[p] if c != node)
    neighbours = [{"key": g.nodes[c]["key"], "label": g.nodes[c]["label"], "papers_together": k}
                  for c, k in sorted(co.items(), key=lambda kv: (-kv[1], kv[0]))[:n_neighbours]]
    return ConceptReport(
        key=attrs["key"], label=attrs["label"], aliases=str(attrs.get("aliases", "")).split(" | "),
        links=attrs.get("links", ""),
        metrics={m: attrs[m] for m in ("papers", "termhood", *RANK_BY[:-1], "cluster") if m in attrs},
        papers=[{"paper_id": g.nodes[p]["paper_id"], "title": g.nodes[p]["title"],
                 "mentions": g.edges[node, p]["weight"], "surfaces": _surfaces(g, p, node)} for p in papers],
        neighbours=neighbours,
    )


def split_keywords(text: str) -> list[str]:
    """Readers join author keywords with "; " (some exports use "," inside one keyword)."""
    return [k.strip() for k in str(text).split(";") if k.strip()]


def paper(g: nx.Graph, paper_id: str, n_similar: int = 5) -> PaperReport:
    node = find_paper(g, paper_id)
    attrs = g.nodes[node]
    concepts = sorted(g[node], key=lambda c: (-g.edges[node, c]["weight"] * float(g.nodes[c]["termhood"]), c))
    return PaperReport(
        paper_id=attrs["paper_id"], title=attrs["title"], lang=attrs["lang"],
        year=attrs.get("year"), authors=attrs.get("authors", ""), venue=attrs.get("venue", ""),
        url=attrs.get("url", ""), keywords=split_keywords(attrs.get("keywords", "")),
        concepts=[{"key": g.nodes[c]["key"], "label": g.nodes[c]["label"],
                   "mentions": g.edges[node, c]["weight"], "surfaces": _surfaces(g, node, c)} for c in concepts],
        similar=similar_papers(g, paper_id, n_similar),
    )
