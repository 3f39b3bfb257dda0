"""Each paper's concepts, ranked: what the paper is about, as a keyphrase list.

The graph needs a paper's concepts; a reader (and a keyphrase benchmark) needs them in order
of importance. The candidates and their termhood are exactly the graph's (`kg.extract` and
`kg.link.link_corpus`, the same calls `kg.pipeline.extract_corpus` makes); this module only
adds per-document evidence — how often and how early the paper uses a concept, how long the
phrase is, and how specific it is to this paper within the batch (tf-idf) — and a scorer for
comparing ranked lists with gold keyphrases (the standard stemmed exact-match F1@k).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kg import pipeline
from kg.extract import Extractor, concept_text
from kg.link import NESTED
from kg.model import Corpus, Extraction, Paper


@dataclass(frozen=True)
class RankedConcept:
    """One concept of one paper. `label` is the concept's display name in the graph, `key` its
    node key, `surfaces` the distinct words this paper used for it (nested ones marked)."""

    label: str
    key: str
    score: float
    surfaces: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """What one paper says about one concept, before weighting."""

    key: str
    mentions: int  # written as this concept (acronyms resolved)
    nested: int  # inside a longer phrase of the paper
    first: float  # where the paper first uses it, 0 = start, 1 = end
    in_title: bool
    words: int
    termhood: float
    papers: int  # papers of the batch that use it (document frequency)
    topic: float  # how often the paper's phrases use this concept's words (mean count per word)


@dataclass(frozen=True)
class Weights:
    """How the evidence combines into one score:
    termhood^termhood · tf · idf^idf · position · title · length · topic^topic."""

    termhood: float = 1.0
    nested: float = 0.5  # a nested occurrence counts this much of a mention in tf
    idf: float = 1.0
    position: float = 1.0  # weight of the early-mention bonus 1 / (1 + 10 · first)
    title: float = 0.0  # extra factor (1 + title) when the title uses the concept
    length: float = 0.0  # extra factor (1 + length · (words - 1)), capped at 3 words
    topic: float = 0.0  # exponent of the topic-word evidence


#: Tuned by grid search on Inspec dev + the SemEval-2017 tuning part (English) and CSL dev
#: (Chinese), never on the test sets (bench/quality.py). English keyphrases favour longer,
#: early, rarer phrases; Chinese ones short jieba words (length 0) that the title repeats.
#: English `nested` is kept just above 0 (the grid's best) so that concepts seen only inside
#: longer phrases still rank among themselves, after the phrases the paper wrote out.
WEIGHTS: Mapping[str, Weights] = {
    "en": Weights(termhood=2, nested=0.05, idf=1, position=6, title=0, length=0.5, topic=0.5),
    "zh": Weights(termhood=2, nested=1, idf=1, position=1, title=1, length=0, topic=1),
}


def gather_evidence(papers: Sequence[Paper], extractions: Sequence[Extraction],
                    corpus: Corpus) -> list[list[Evidence]]:
    """Per paper, the evidence for each of its concepts (in key order, for determinism)."""
    df: dict[str, int] = defaultdict(int)
    by_paper: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for (paper_id, key), surfaces in corpus.occurrences.items():
        df[key] += 1
        by_paper[paper_id].append((key, surfaces))
    result = []
    for paper, ex in zip(papers, extractions):
        first_at: dict[str, int] = {}  # surface → first character offset in this paper
        word_counts: Counter[str] = Counter()
        for m in ex.mentions:
            first_at[m.surface] = min(first_at.get(m.surface, m.position), m.position)
            word_counts.update(m.key.split())
        # the mentions' offsets are into the text as the extractor read it (LaTeX typeset, …)
        text, title = concept_text(paper.text, paper.lang), concept_text(paper.title, paper.lang)
        length = max(1, len(text))
        title_end = len(title) if text.startswith(title) else 0
        rows = []
        for key, surfaces in sorted(by_paper[paper.id]):
            direct = sum(not s.endswith(NESTED) for s in surfaces)
            starts = [first_at.get(s.removesuffix(NESTED), length) for s in surfaces]
            first = min(starts)
            words = key.split()
            topic = sum(word_counts[w] for w in words) / len(words)
            rows.append(Evidence(key, direct, len(surfaces) - direct, first / length, first < title_end,
                                 len(words), corpus.concepts[key].termhood, df[key], max(1.0, topic)))
        result.append(rows)
    return result


def score(ev: Evidence, n_papers: int, w: Weights) -> float:
    """One number per (paper, concept); higher = more central to the paper."""
    tf = ev.mentions + w.nested * ev.nested
    idf = math.log((n_papers + 1) / ev.papers)
    value = ev.termhood ** w.termhood * tf * idf ** w.idf
    value *= 1 + w.position / (1 + 10 * ev.first)
    value *= 1 + w.title * ev.in_title
    value *= 1 + w.length * (min(ev.words, 3) - 1)
    value *= ev.topic ** w.topic
    return value


def rank_evidence(papers: Sequence[Paper], evidence: Sequence[Sequence[Evidence]], corpus: Corpus,
                  top_n: int = 15, weights: Mapping[str, Weights] = WEIGHTS) -> list[list[RankedConcept]]:
    """Sort each paper's concepts by score (ties by key, so the order is deterministic)."""
    ranked = []
    for paper, rows in zip(papers, evidence):
        w = weights.get(paper.lang, weights["en"])
        scored = sorted(((score(ev, len(papers), w), ev.key) for ev in rows), key=lambda sk: (-sk[0], sk[1]))
        ranked.append([
            RankedConcept(corpus.concepts[key].label, key, round(value, 6),
                          tuple(sorted(set(corpus.occurrences[(paper.id, key)]))))
            for value, key in scored[:top_n]
        ])
    return ranked


def rank_concepts(papers: Sequence[Paper], extractor: Extractor | None = None, *, top_n: int = 15,
                  weights: Mapping[str, Weights] = WEIGHTS) -> list[list[RankedConcept]]:
    """For each paper (in input order) its `top_n` concepts, best first.

    The whole batch is linked as one corpus, as `kg build` would: acronyms defined in one paper
    resolve in the others, and a concept's specificity (idf) is measured across the batch, so
    rank a field's papers together rather than one at a time.
    """
    papers = list(papers)
    extractor = extractor or Extractor.create()
    extractions = extractor.extract(papers)
    corpus = pipeline.link_papers(papers, extractions)
    return rank_evidence(papers, gather_evidence(papers, extractions, corpus), corpus, top_n, weights)


# ---------------------------------------------------------------- scoring against gold keyphrases

_WORD = re.compile(r"[^\W_]+")  # letters and digits; hyphens and other punctuation split words
_CJK = re.compile(r"[\u4e00-\u9fff]")


def normalise(phrase: str, stem: Callable[[str], str]) -> tuple[str, ...]:
    """The standard keyphrase match key: lower case, split into words, each word stemmed.
    Chinese (no spaces) is matched as written, spaces removed."""
    phrase = phrase.lower()
    if _CJK.search(phrase):
        return ("".join(phrase.split()),)
    return tuple(stem(w) for w in _WORD.findall(phrase))


def dedupe(phrases: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    seen: dict[tuple[str, ...], None] = {}
    for p in phrases:
        if p:
            seen.setdefault(p, None)
    return list(seen)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def f1_at_k(predicted: Sequence[tuple[str, ...]], gold: Sequence[tuple[str, ...]], k: int) -> float:
    """Exact match: precision over the (at most k) top predictions, recall over the gold set
    (pke's convention)."""
    gold_set, top = set(gold), predicted[:k]
    if not gold_set or not top:
        return 0.0
    hits = sum(p in gold_set for p in top)
    return _f1(hits / len(top), hits / len(gold_set))


def partial_f1_at_k(predicted: Sequence[tuple[str, ...]], gold: Sequence[tuple[str, ...]], k: int) -> float:
    """Partial match (token overlap, Rousseau & Vazirgiannis-style): precision and recall over the
    bags of stemmed words of the top k predictions and of the gold phrases. For Chinese, over
    characters."""
    def bag(phrases: Iterable[tuple[str, ...]]) -> set[str]:
        return {unit for p in phrases for word in p for unit in (word if _CJK.search(word) else [word])}

    pred_words, gold_words = bag(predicted[:k]), bag(gold)
    if not gold_words or not pred_words:
        return 0.0
    common = len(pred_words & gold_words)
    return _f1(common / len(pred_words), common / len(gold_words))


def evaluate(predictions: Sequence[Sequence[str]], golds: Sequence[Sequence[str]],
             stem: Callable[[str], str], ks: Sequence[int] = (5, 10, 15)) -> dict[str, float]:
    """Macro-averaged F1@k (exact, stemmed) and partial F1@10 over documents, in %."""
    totals: dict[str, float] = defaultdict(float)
    for pred, gold in zip(predictions, golds, strict=True):
        p = dedupe(normalise(x, stem) for x in pred)
        g = dedupe(normalise(x, stem) for x in gold)
        for k in ks:
            totals[f"F1@{k}"] += f1_at_k(p, g, k)
        totals["pF1@10"] += partial_f1_at_k(p, g, 10)
    n = max(1, len(golds))
    return {name: round(100 * value / n, 2) for name, value in totals.items()}
