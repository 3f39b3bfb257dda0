"""networkx graphs of a linked corpus: paper–concept (bipartite) and its two projections."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from operator import itemgetter
from statistics import fmean
from typing import Any
from urllib.parse import quote, urlsplit

import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.model import Concept, Corpus, Paper

PAPER_PREFIX = "paper:"
CONCEPT_PREFIX = "concept:"


def paper_node(paper_id: str) -> str:
    return PAPER_PREFIX + paper_id


def concept_node(key: str) -> str:
    return CONCEPT_PREFIX + key


def links_text(concept: Concept) -> str:
    """A concept's evidence as one attribute (GraphML has no lists): "layer: surface (detail) | …"."""
    return " | ".join(f"{l.layer}: {l.surface} ({l.detail})" for l in concept.links)


def papers_of(corpus: Corpus) -> dict[str, list[str]]:
    """Concept key → ids of the papers that mention it, sorted. Lists, not sets: at 72,000
    papers there are 3 million ids, and a set costs several times a list a member."""
    result: dict[str, list[str]] = defaultdict(list)
    for paper_id, key in corpus.occurrences:  # once each: occurrences are keyed by (paper, concept)
        result[key].append(paper_id)
    for ids in result.values():
        ids.sort()
    return result


def paper_counts(corpus: Corpus) -> Counter[str]:
    """Concept key → number of papers that mention it (`papers_of` without the ids, where only
    the sizes are needed: the id sets of 72,000 papers are 2.85 million entries)."""
    return Counter(key for _, key in corpus.occurrences)


def paper_year(paper: Paper) -> int | None:
    """The publication year when the reader found one ("2021", "2021-05-03" → 2021)."""
    match = re.match(r"\s*(\d{4})(?!\d)", paper.meta.get("year", ""))
    year = int(match.group(1)) if match else 0
    return year if 1000 <= year <= 2999 else None


def paper_url(paper: Paper) -> str:
    """A web page for the paper: its own URL, else the arXiv or DOI landing page. Only http(s)
    ever comes out, so a `javascript:` URL in an input file can never become a link."""
    meta = paper.meta
    url = meta.get("url", "").strip()
    if url and urlsplit(url).scheme.lower() in ("http", "https") and urlsplit(url).netloc:
        return url
    arxiv = meta.get("arxiv_id", "").strip()
    if arxiv:
        return "https://arxiv.org/abs/" + quote(arxiv, safe="/.")
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", meta.get("doi", "").strip(), flags=re.I)
    if doi:
        return "https://doi.org/" + quote(doi, safe="/.:;()_-")
    return ""


def paper_attributes(paper: Paper) -> dict[str, str | int]:
    """A paper node's attributes: the contract's three plus whatever metadata is known (never
    empty strings, so a graph of plain abstracts stays as it was). Strings and ints only, for
    GraphML."""
    attrs: dict[str, str | int] = {"paper_id": paper.id, "title": paper.title, "lang": paper.lang}
    year = paper_year(paper)
    if year is not None:
        attrs["year"] = year
    for key in ("authors", "venue", "keywords"):
        value = paper.meta.get(key, "").strip()
        if value:
            attrs[key] = value
    url = paper_url(paper)
    if url:
        attrs["url"] = url
    return attrs


def concept_attributes(concept: Concept, papers: int) -> dict[str, object]:
    """A concept node's attributes in the paper–concept graph, less its centralities and mean
    year (`bipartite_graph`; `kg.append` makes new nodes with it too)."""
    return {"kind": "concept", "key": concept.key, "label": concept.label, "aliases": " | ".join(concept.aliases),
            "papers": papers, "termhood": concept.termhood, "langs": " ".join(sorted(concept.langs)),
            "links": links_text(concept)}


def mention_attributes(surfaces: Sequence[str]) -> dict[str, object]:
    """A paper–concept edge's attributes: the forms written, and how many mentions."""
    return {"surfaces": " | ".join(sorted(set(surfaces))), "weight": len(surfaces)}


def association(together: int, n_papers: int, papers_a: int, papers_b: int) -> float:
    """Association strength of two concepts (VOSviewer's): papers together over what their
    frequencies predict, rounded as the co-occurrence graph keeps it."""
    return round(together * n_papers / (papers_a * papers_b), 6)


def rarity(papers: int, n_papers: int) -> float:
    """A concept's idf among `n_papers`: sharing a rare concept says more than sharing a common one."""
    return math.log((1 + n_papers) / (1 + papers)) + 1.0


def mean_year(years: Sequence[int]) -> float:
    """The mean of a concept's papers' years, as its `mean_year` attribute keeps it."""
    return round(fmean(years), 2)


def mean_years(corpus: Corpus) -> dict[str, float]:
    """Concept key → mean publication year of its papers with a known year (VOSviewer's overlay
    colours by this); concepts whose papers have no year are left out."""
    years = {p.id: y for p in corpus.papers if (y := paper_year(p)) is not None}
    if not years:
        return {}
    result = {}
    for key, ids in papers_of(corpus).items():
        known = [years[i] for i in ids if i in years]
        if known:
            result[key] = mean_year(known)
    return result


_UNSET = object()


class EdgeAttributes(MutableMapping[str, object]):
    """An edge's attribute dict that keeps the attributes its graph always sets in slots.

    networkx gives every edge a dict of its own: 184 bytes with two keys. At 72,000 papers the
    co-occurrence graph has 3.3 million edges and the paper–concept graph 3 million, so those
    dicts were about 0.6 GB of each graph; an instance of this is 56 bytes. A graph class names a
    subclass as its `edge_attr_dict_factory`, networkx's hook for this. Anything else set on an
    edge goes to a dict made when it is first needed, so the edge still takes any attribute."""

    __slots__ = ("_more",)
    FIELDS: tuple[str, ...] = ()  # the subclass's slots, in key order (the writers' order)

    def __init__(self) -> None:
        # set, if empty: reading an unset slot raises inside, and the writers read this one at
        # every edge (getattr with a default: 0.32 s per million edges, a third of `items`)
        self._more: dict[str, object] | None = None

    def __getitem__(self, name: str) -> object:
        try:
            return getattr(self, name) if name in self.FIELDS else self._extra()[name]
        except AttributeError:
            raise KeyError(name) from None

    def get(self, name: str, default: object = None) -> object:  # the hot path of ranking and writing
        if name in self.FIELDS:
            return getattr(self, name, default)
        return self._extra().get(name, default)

    def __setitem__(self, name: str, value: object) -> None:
        if name in self.FIELDS:
            setattr(self, name, value)
        else:
            if self._more is None:
                self._more = {}
            self._more[name] = value

    def update(self, other: Mapping[str, object] | Iterable[tuple[str, object]] = (), /, **more: object) -> None:
        # networkx calls this for every edge it adds: the mixin's, through isinstance checks
        # against the ABCs, made adding an edge twice as slow
        fields = self.FIELDS
        for name, value in (*(other.items() if hasattr(other, "items") else other), *more.items()):
            if name in fields:
                setattr(self, name, value)
            else:
                self[name] = value

    def __delitem__(self, name: str) -> None:
        if name not in self.FIELDS:
            del self._extra()[name]
            return
        try:
            delattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def items(self) -> list[tuple[str, object]]:  # type: ignore[override]
        # a list, not the mixin's view: writers read every edge's items, and the view's Python
        # generator made that three times slower than a dict's
        pairs = [(name, value) for name in self.FIELDS if (value := getattr(self, name, _UNSET)) is not _UNSET]
        more = self._more
        return pairs + list(more.items()) if more else pairs

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, _ in self.items()])

    def __len__(self) -> int:
        return sum(hasattr(self, name) for name in self.FIELDS) + len(self._extra())

    def _extra(self) -> dict[str, object]:
        return self._more or {}

    def copy(self) -> dict[str, object]:  # networkx copies edge data with .copy()
        return dict(self)

    def __repr__(self) -> str:
        return repr(dict(self))


class CooccurrenceAttributes(EdgeAttributes):
    __slots__ = FIELDS = ("association", "weight")


class MentionAttributes(EdgeAttributes):
    __slots__ = FIELDS = ("surfaces", "weight")


class SimilarityAttributes(EdgeAttributes):
    __slots__ = FIELDS = ("shared", "weight")


class CooccurrenceGraph(nx.Graph):
    """The concept co-occurrence graph (`concept_graph`): an nx.Graph with compact edge data."""

    edge_attr_dict_factory = CooccurrenceAttributes


class PaperConceptGraph(nx.Graph):
    """The paper–concept graph (`bipartite_graph`): an nx.Graph with compact edge data."""

    edge_attr_dict_factory = MentionAttributes


class PaperSimilarityGraph(nx.Graph):
    """The paper similarity graph (`paper_graph`): an nx.Graph with compact edge data."""

    edge_attr_dict_factory = SimilarityAttributes


def edges_with_data(g: nx.Graph) -> Iterator[tuple[Hashable, Hashable, Any]]:
    """`g.edges(data=True)`, in the same order, about a third faster for an undirected simple
    graph: networkx's view calls a function for every edge, and a build's writers read every
    edge of graphs with millions of them several times."""
    if g.is_directed() or g.is_multigraph():
        yield from g.edges(data=True)
        return
    seen: set[Hashable] = set()
    for u, neighbours in g.adjacency():
        for v, data in neighbours.items():
            if v not in seen:  # each edge once, from the end met first (a self-loop too)
                yield u, v, data
        seen.add(u)


def let_go(*graphs: nx.Graph) -> None:
    """Drop the views networkx keeps on each graph, so that the caller's `del` frees it at once.
    A graph whose `edges` or `degree` were used refers to them and they to it, a reference
    cycle: left to Python's cyclic collector, whose full collections are rare under a heap of
    tens of millions of corpus objects (and paused while a build writes its files, see
    `kg.pipeline.cyclic_gc_paused`), the co-occurrence graph stayed alive under the
    paper–concept graph, the build's peak. The views are made again when next used."""
    for g in graphs:
        for name in [n for n in vars(g) if isinstance(getattr(type(g), n, None), functools.cached_property)]:
            del vars(g)[name]


def sort_attributes(g: nx.Graph) -> nx.Graph:
    """Put the graph's and each node's attributes in key order, in place.

    The builders here add nodes and edges in sorted order (edge attributes by key too), so once
    the node attributes added later are in order the graph is what `export.sorted_graph` would
    make, and writers take it as it is (`presorted`): at 72,000 papers a sorted copy of the
    paper–concept graph held 3 million more edges in memory while the files were written."""
    for attrs in (g.graph, *(d for _, d in g.nodes(data=True))):
        items = sorted(attrs.items())
        attrs.clear()
        attrs.update(items)
    return g


def bipartite_graph(corpus: Corpus) -> nx.Graph:
    """Paper and concept nodes; an edge per paper–concept tie, weight = mentions. Concept nodes
    come first ("concept:" < "paper:"), each group by id; a concept's edges by paper id."""
    g = PaperConceptGraph()
    counts = paper_counts(corpus)
    years = mean_years(corpus)
    # one string per node, passed again for each of its edges: networkx keeps the names it is
    # given in both adjacency dicts, so a fresh "concept:…" per edge cost two strings an edge
    # (6 million at 72,000 papers)
    concepts = {key: concept_node(key) for key in corpus.concepts}
    papers = {paper.id: paper_node(paper.id) for paper in corpus.papers}
    for key, concept in sorted(corpus.concepts.items()):
        g.add_node(concepts[key], **concept_attributes(concept, counts[key]))
        if key in years:
            g.nodes[concepts[key]]["mean_year"] = years[key]
    for paper in sorted(corpus.papers, key=lambda p: p.id):
        g.add_node(papers[paper.id], kind="paper", **paper_attributes(paper))
    for paper_id, key in sorted(corpus.occurrences, key=itemgetter(1, 0)):  # by concept, then paper
        surfaces = corpus.occurrences[(paper_id, key)]
        g.add_edge(concepts[key], papers[paper_id], **mention_attributes(surfaces))
    return sort_attributes(g)


@dataclass(frozen=True)
class ProjectionLimits:
    """How the two projections stay affordable on big corpora.

    Co-occurrence pairs grow with the square of concepts per paper (30 concepts: 435 pairs a
    paper) and similar-paper pairs with the square of a concept's papers. When counting every
    pair would visit more than `exact_max_pairs` pairs, that projection is thinned and counted on
    sparse matrices: co-occurrence links only concepts found in `min_concept_papers` papers and
    seen together in `min_cooccurrence` papers, and of those each concept's `links_per_concept`
    strongest (a link stays when either end keeps it; every concept stays a node, so every concept
    is ranked), and paper similarity keeps each paper's `similar_per_paper` most similar papers.
    Below the bound everything is counted, as before (a few hundred papers).

    Scoring every pair of papers costs the sum over concepts of (papers with it)²: 4.3 billion
    pairs at 72,000 arXiv papers, 95% of them from the 393 concepts found in 1% of the papers or
    more.
    So the most similar papers are searched through the rarer concepts only, as many as
    `similarity_pair_budget` pairs allow (the rarest first); the kept pairs' weights and shared
    concepts then count every concept they share. A paper whose concepts are all that common
    has no similar papers.

    Without the per-concept cap the links of a big corpus grow with the square of its concepts
    (72,000 papers: 6.3 million links, most of the build's time and memory); with it they grow
    as `links_per_concept` × concepts (2.0 million), as VOSviewer shows only the strongest links.
    """

    exact_max_pairs: int = 200_000
    min_concept_papers: int = 2
    min_cooccurrence: int = 2
    links_per_concept: int = 25
    similar_per_paper: int = 10
    similarity_pair_budget: int = 50_000_000

    def thin_cooccurrence(self, corpus: Corpus) -> bool:
        per_paper = Counter(paper_id for paper_id, _ in corpus.occurrences)
        return sum(n * (n - 1) // 2 for n in per_paper.values()) > self.exact_max_pairs

    def thin_similarity(self, corpus: Corpus) -> bool:
        per_concept = Counter(key for _, key in corpus.occurrences)
        return sum(n * (n - 1) // 2 for n in per_concept.values()) > self.exact_max_pairs


def thinning(corpus: Corpus, limits: ProjectionLimits = ProjectionLimits()) -> dict[str, str]:
    """How the projections of `corpus` are thinned, for papers appended later (`kg.append`):
    whether co-occurrence is, and the most papers a concept searched for similar papers has
    ("" when every shared concept is)."""
    search = ""
    if limits.thin_similarity(corpus):
        counts = paper_counts(corpus)
        search = str(max((counts[k] for k in _search_concepts(counts, limits.similarity_pair_budget)), default=0))
    return {"thinned_cooccurrence": str(int(limits.thin_cooccurrence(corpus))), "similarity_search_papers": search}


def _incidence(corpus: Corpus, keys: list[str]) -> tuple[list[str], sp.csr_matrix]:
    """Paper ids (sorted) and the 0/1 paper × concept matrix over `keys` (column order)."""
    paper_ids = sorted({p.id for p in corpus.papers})
    row = {pid: i for i, pid in enumerate(paper_ids)}
    col = {key: j for j, key in enumerate(keys)}
    # two passes over the occurrences rather than a set of (row, column) pairs: 3 million at 72,000 papers
    rows = np.fromiter((row[pid] for pid, key in corpus.occurrences if key in col), dtype=np.int64)
    cols = np.fromiter((col[key] for _, key in corpus.occurrences if key in col), dtype=np.int64)
    x = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(len(paper_ids), len(keys)))
    x.sum_duplicates()  # each (paper, concept) once: a 0/1 matrix, its column indices in order
    return paper_ids, x


def _sparse_cooccurrence(corpus: Corpus, frequency: Mapping[str, int], limits: ProjectionLimits,
                         block: int = 2048) -> Iterator[tuple[str, str, int]]:
    """(a, b, papers together) with a < b, in sorted order: each frequent concept's
    `links_per_concept` strongest partners by papers together, then association strength, then
    key. Rows of XᵀX are made by blocks, so the all-pairs count matrix is never held."""
    keys = sorted(k for k in corpus.concepts if frequency.get(k, 0) >= limits.min_concept_papers)
    _, x = _incidence(corpus, keys)
    # both sides in CSR: scipy turns the right side of a product into the left side's format,
    # so a CSC one was converted again for every block
    xt = x.T.tocsr()
    column_papers = np.array([frequency[k] for k in keys])  # the columns' sums
    kept_pairs, kept_counts = [], []  # as arrays: at 72,000 papers 3.5 million pairs, 1 GB as a dict
    for start in range(0, len(keys), block):
        together = (xt[start:start + block] @ x).tocoo()
        rows = together.row + start
        keep = (together.data >= limits.min_cooccurrence) & (together.col != rows)
        rows, cols, data = rows[keep], together.col[keep], together.data[keep]
        # within a row the partner's frequency alone orders association (c·n / (f_row·f_col))
        order = np.lexsort((cols, column_papers[cols] / data, -data, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.searchsorted(rows, rows)  # each entry's row start (rows are sorted)
        top = np.arange(len(rows)) - first < limits.links_per_concept
        rows, cols = rows[top].astype(np.int64), cols[top].astype(np.int64)
        kept_pairs.append(np.minimum(rows, cols) * len(keys) + np.maximum(rows, cols))  # (i, j), i < j, as one number
        kept_counts.append(data[top])
    if not kept_pairs:
        return
    # in (i, j) order, once each (a pair kept by both its ends is the same count twice); keys are
    # sorted, so (i, j) order is (a, b) order
    pairs, first = np.unique(np.concatenate(kept_pairs), return_index=True)
    counts = np.concatenate(kept_counts)[first]
    # as Python numbers a block at a time: the whole as lists were 160 MB more at 72,000 papers,
    # held while the caller's graph grew to its full size
    for start in range(0, len(pairs), block):
        for pair, c in zip(pairs[start:start + block].tolist(), counts[start:start + block].tolist()):
            i, j = divmod(pair, len(keys))
            yield keys[i], keys[j], c


def concept_graph(corpus: Corpus, limits: ProjectionLimits = ProjectionLimits()) -> nx.Graph:
    """Concept co-occurrence: weight = papers mentioning both; `association` = association strength
    (observed co-occurrence over what the two concepts' frequencies predict, as VOSviewer does)."""
    frequency = paper_counts(corpus)
    n_papers = max(1, len(corpus.papers))
    years = mean_years(corpus)
    g = CooccurrenceGraph()
    for key in sorted(corpus.concepts):
        concept = corpus.concepts[key]
        g.add_node(key, label=concept.label, aliases=" | ".join(concept.aliases),
                   papers=frequency[key], termhood=concept.termhood)
        if key in years:
            g.nodes[key]["mean_year"] = years[key]
    if limits.thin_cooccurrence(corpus):
        pairs: Iterable[tuple[str, str, int]] = _sparse_cooccurrence(corpus, frequency, limits)
    else:
        by_paper: dict[str, list[str]] = defaultdict(list)
        for paper_id, key in corpus.occurrences:
            by_paper[paper_id].append(key)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for paper_id in sorted(by_paper):
            for a, b in combinations(sorted(set(by_paper[paper_id])), 2):
                counts[(a, b)] += 1
        pairs = ((a, b, c) for (a, b), c in sorted(counts.items()))
    for a, b, c in pairs:
        g.add_edge(a, b, association=association(c, n_papers, frequency[a], frequency[b]), weight=c)
    return sort_attributes(g)


def idf(corpus: Corpus) -> dict[str, float]:
    """Rarity of each concept: sharing a rare concept says more than sharing a common one."""
    return {key: rarity(papers, len(corpus.papers)) for key, papers in paper_counts(corpus).items()}


def _search_concepts(frequency: Mapping[str, int], pair_budget: int) -> list[str]:
    """The concepts, rarest first, whose pairs of papers add up to at most `pair_budget` (sorted)."""
    chosen, pairs = [], 0
    for key in sorted(frequency, key=lambda k: (frequency[k], k)):
        pairs += frequency[key] ** 2
        if pairs > pair_budget:
            break
        chosen.append(key)
    return sorted(chosen)


def _most_similar_pairs(corpus: Corpus, frequency: Mapping[str, int], rarity: dict[str, float],
                        limits: ProjectionLimits, block: int = 256) -> dict[tuple[str, str], list[str]]:
    """Each paper's `similar_per_paper` strongest neighbours through the search concepts (ties:
    smaller id), by blocks of rows of X·diag(idf)·Xᵀ so no all-pairs matrix is ever held; then
    all the shared concepts of the kept pairs only."""
    keys = _search_concepts(frequency, limits.similarity_pair_budget)
    paper_ids, x = _incidence(corpus, keys)
    weighted = (x @ sp.diags(np.array([rarity[k] for k in keys]))).tocsr()
    xt = x.T.tocsr()  # CSR like the left side, or each block's product converts it again
    kept: set[tuple[int, int]] = set()
    for start in range(0, len(paper_ids), block):
        scores = (weighted[start:start + block] @ xt).tocsr()
        for offset in range(scores.shape[0]):
            i = start + offset
            lo, hi = scores.indptr[offset], scores.indptr[offset + 1]
            others, weights = scores.indices[lo:hi], scores.data[lo:hi]
            not_self = others != i
            others, weights = others[not_self], weights[not_self]
            best = np.lexsort((others, -weights))[:limits.similar_per_paper]  # by weight, then id
            kept.update((min(i, j), max(i, j)) for j in others[best].tolist())
    # lists, a set only for the pair in hand: a set a paper held 150 MB more at 72,000 papers
    concepts_of: dict[str, list[str]] = defaultdict(list)
    for paper_id, key in corpus.occurrences:  # once each: occurrences are keyed by (paper, concept)
        concepts_of[paper_id].append(key)
    return {(paper_ids[i], paper_ids[j]): sorted(set(concepts_of[paper_ids[i]]).intersection(concepts_of[paper_ids[j]]))
            for i, j in kept}


def paper_graph(corpus: Corpus, limits: ProjectionLimits = ProjectionLimits()) -> nx.Graph:
    """Paper similarity: weight = summed rarity (idf) of the concepts two papers share."""
    rarity = idf(corpus)
    g = PaperSimilarityGraph()
    for paper in sorted(corpus.papers, key=lambda p: p.id):
        attrs = paper_attributes(paper)
        del attrs["paper_id"]  # the node id already is
        g.add_node(paper.id, **attrs)
    if limits.thin_similarity(corpus):
        shared = _most_similar_pairs(corpus, paper_counts(corpus), rarity, limits)
    else:
        docs = papers_of(corpus)
        shared = defaultdict(list)
        for key in sorted(docs):
            for a, b in combinations(docs[key], 2):
                shared[(a, b)].append(key)
    for (a, b), keys in sorted(shared.items()):
        keys.sort(key=lambda k: (-rarity[k], k))
        g.add_edge(a, b, shared=" | ".join(corpus.concepts[k].label for k in keys),
                   weight=round(sum(rarity[k] for k in keys), 6))
    return sort_attributes(g)
