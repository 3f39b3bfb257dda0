"""networkx graphs of a linked corpus: paper–concept (bipartite) and its two projections."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations

import networkx as nx

from kg.model import Corpus

PAPER_PREFIX = "paper:"
CONCEPT_PREFIX = "concept:"


def paper_node(paper_id: str) -> str:
    return PAPER_PREFIX + paper_id


def concept_node(key: str) -> str:
    return CONCEPT_PREFIX + key


def papers_of(corpus: Corpus) -> dict[str, set[str]]:
    """Concept key → ids of the papers that mention it."""
    result: dict[str, set[str]] = defaultdict(set)
    for paper_id, key in corpus.occurrences:
        result[key].add(paper_id)
    return result


def bipartite_graph(corpus: Corpus) -> nx.Graph:
    """Paper and concept nodes; an edge per paper–concept tie, weight = mentions."""
    g = nx.Graph()
    docs = papers_of(corpus)
    for paper in corpus.papers:
        g.add_node(paper_node(paper.id), kind="paper", paper_id=paper.id, title=paper.title, lang=paper.lang)
    for key, concept in sorted(corpus.concepts.items()):
        g.add_node(
            concept_node(key),
            kind="concept",
            key=key,
            label=concept.label,
            aliases=" | ".join(concept.aliases),
            papers=len(docs.get(key, ())),
            termhood=concept.termhood,
            langs=" ".join(sorted(concept.langs)),
            links=" | ".join(f"{l.layer}: {l.surface} ({l.detail})" for l in concept.links),
        )
    for (paper_id, key), surfaces in sorted(corpus.occurrences.items()):
        g.add_edge(
            paper_node(paper_id),
            concept_node(key),
            weight=len(surfaces),
            surfaces=" | ".join(sorted(set(surfaces))),
        )
    return g


def concept_graph(corpus: Corpus) -> nx.Graph:
    """Concept co-occurrence: weight = papers mentioning both; `association` = association strength
    (observed co-occurrence over what the two concepts' frequencies predict, as VOSviewer does)."""
    docs = papers_of(corpus)
    n_papers = max(1, len(corpus.papers))
    by_paper: dict[str, list[str]] = defaultdict(list)
    for paper_id, key in corpus.occurrences:
        by_paper[paper_id].append(key)
    g = nx.Graph()
    for key in sorted(corpus.concepts):
        concept = corpus.concepts[key]
        g.add_node(key, label=concept.label, aliases=" | ".join(concept.aliases),
                   papers=len(docs.get(key, ())), termhood=concept.termhood)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for paper_id in sorted(by_paper):
        for a, b in combinations(sorted(set(by_paper[paper_id])), 2):
            counts[(a, b)] += 1
    for (a, b), c in sorted(counts.items()):
        association = c * n_papers / (len(docs[a]) * len(docs[b]))
        g.add_edge(a, b, weight=c, association=round(association, 6))
    return g


def idf(corpus: Corpus) -> dict[str, float]:
    """Rarity of each concept: sharing a rare concept says more than sharing a common one."""
    n = len(corpus.papers)
    return {key: math.log((1 + n) / (1 + len(ids))) + 1.0 for key, ids in papers_of(corpus).items()}


def paper_graph(corpus: Corpus) -> nx.Graph:
    """Paper similarity: weight = summed rarity (idf) of the concepts two papers share."""
    rarity = idf(corpus)
    docs = papers_of(corpus)
    g = nx.Graph()
    for paper in corpus.papers:
        g.add_node(paper.id, title=paper.title, lang=paper.lang)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in sorted(docs):
        for a, b in combinations(sorted(docs[key]), 2):
            shared[(a, b)].append(key)
    for (a, b), keys in sorted(shared.items()):
        keys.sort(key=lambda k: (-rarity[k], k))
        g.add_edge(
            a, b,
            weight=round(sum(rarity[k] for k in keys), 6),
            shared=" | ".join(corpus.concepts[k].label for k in keys),
        )
    return g
