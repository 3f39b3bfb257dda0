"""Corpus-wide decisions: which mentions are the same concept, and which concepts are terms.

Per-paper mentions come in; one `Corpus` comes out whose concepts are merged across papers by
their canonical key, by acronym definitions anywhere in the corpus, by an optional
Chinese → English linker and by a user thesaurus; nested phrases also count for the shorter
concept they end with; generic words are scored low and dropped. With a linker, every word
span of a Chinese paper's clauses (`Extraction.segments`) that reads as an English term of two
words or more is a mention of that term, wherever jieba's tags cut the noun phrases.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from sys import intern
from dataclasses import dataclass, field
from functools import cache
from typing import TypeGuard

from kg.extract import singular_acronym, spells
from kg.model import AcronymDef, Concept, Corpus, Extraction, Link, LinkDecisions, Mention, Paper

#: Concepts scoring below this termhood are generic words and are left out of the graph.
MIN_TERMHOOD = 0.4

_PREPOSITIONS = frozenset("of from for with in on by via to over under between across through".split())

#: A leading sub-phrase counts as mentioned only when it is this specific a term on its own.
SPECIFIC_MODIFIER = 0.6
#: ... and when it stands alone in at least this share of the papers where it modifies a longer
#: phrase (C-value's independence): at 20,000 twins "transformer" stands alone in 78 papers and
#: modifies in 174 (0.45), "semantic" 0.06, "neural" 10 in 6,520 and "deep" 3 in 5,339: those
#: are adjectives a parse left alone somewhere, and crediting them made them the hubs of the graph
MIN_INDEPENDENCE = 0.03

# written words, whole ("OTA-FL") and in their letter runs ("GNN4Com" → GNN, "TAIGA-IACT" → IACT)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_LETTERS = re.compile(r"[A-Za-z]+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s?$")  # "agent's", "models'": a key's possessor keeps its clitic
NESTED = " (nested)"  # marks a surface credited to a shorter concept inside the phrase written
#: Longer phrases listed as a concept's "nested" evidence; the rest are counted.
MAX_NESTED_LINKS = 20

#: A dictionary reading that ties this many Chinese papers or more to an English concept is
#: dropped when the Chinese papers' share of the corpus's Chinese papers is over
#: MAX_READING_SHARE_RATIO times the English papers' share of its English papers: a translation
#: is about as common as its original. At 20,000 twins 解决方案 ("solution", not in CEDICT) was
#: read as "solved plan", a key of 1 English paper, in 146 Chinese papers (756 times its share),
#: and spans such as 提升 实验 as "up experiment" (409 times); true readings stay under 5 times,
#: a few near 18 (Google writes one Chinese for several English spellings).
MIN_READING_PAPERS = 10
MAX_READING_SHARE_RATIO = 20.0

#: An ambiguous acronym resolves corpus-wide to a long form that has this share of its
#: definitions, and at least this many of them (see `AcronymTable`).
DOMINANT_LONG_FORM = 0.8
MIN_DOMINANT_DEFINITIONS = 3

#: Word spans of a Chinese clause read for English concepts (see `span_concepts`): at most this
#: many words and characters, like the extractor's noun phrases.
MAX_SPAN_WORDS = 6
MAX_SPAN_CHARS = 16
#: Words a span neither starts nor ends with (particles Google Translate adds around a phrase),
#: and the pronouns, which no term holds: at 72,000 papers 我们 发现 "we find" was read as
#: "us detection" (我们 "us" + 发现 "detect") in 1,143 papers, and 本文 提出 as "textual post"
ZH_SPAN_EDGES = frozenset("的 之 中 从 在 和 与 及 以及 或 或者 对 对于 了 等 于 为 被 将 把 由 其 该 这 这些 那些 所 着 地 是 也 都 并 而 "
                          "我 我们 你 你们 您 他 他们 她 她们 它 它们 本文".split())

#: The particles a span may hold inside ("X 的 Y"); any other in ZH_SPAN_EDGES ends it.
ZH_SPAN_INNER = frozenset("的 之".split())

#: What a Chinese phrase links to: (English key, layer, detail).
ZhHit = tuple[str, str, str]
#: A Chinese phrase (jieba words) → its ZhHit or None.
ZhLinkFn = Callable[[Sequence[str]], "ZhHit | None"]


@dataclass(frozen=True)
class LinkOptions:
    min_termhood: float = MIN_TERMHOOD
    thesaurus: Mapping[str, str] = field(default_factory=dict)  # key → replacement key ("" drops)
    nested: bool = True
    max_nested_links: int = MAX_NESTED_LINKS  # phrases listed as a concept's nested evidence
    # concepts found in fewer papers are left out (VOSviewer's minimum number of occurrences):
    # on a field's worth of abstracts most concepts occur once, and a map of a field is about
    # what recurs; papers left without concepts stay papers of the graph
    min_papers: int = 1
    # dictionary readings far more common in Chinese than their English (see MAX_READING_SHARE_RATIO)
    min_reading_papers: int = MIN_READING_PAPERS
    max_reading_share_ratio: float = MAX_READING_SHARE_RATIO
    # empty each extraction's mentions and clause words once linked, for a caller that will not
    # read them again (`kg build`), so that the concepts made next can reuse their memory (the
    # mentions of 8,000 twins are 43 MiB, traced; the surfaces among them live on in the corpus)
    release_mentions: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """A workspace's corpus as its last full build linked it, for papers appended to it
    (`kg build --append`): they are linked against it instead of relinking every paper. Its
    concepts (key → papers) keep papers of their own whatever `min_papers`, and English ones are
    what Chinese phrases are read as; its `decisions` hold in the new papers (their own acronym
    definitions first)."""

    papers: Mapping[str, int] = field(default_factory=dict)
    decisions: LinkDecisions = LinkDecisions()


@cache
def _zipf_frequency() -> Callable[[str, str], float]:
    """wordfreq's lookup, imported on first use: the query commands start faster without it."""
    from wordfreq import zipf_frequency

    return zipf_frequency


def word_specificity(word: str, lang: str, generic: frozenset[str]) -> float:
    """How unlikely a word is in general text (wordfreq's Zipf scale): 0 = everyday, 1 = rare.
    A possessive is as rare as its word: wordfreq finds "agent's" rarer than "agent"."""
    word = _POSSESSIVE.sub("", word)
    if word in generic:
        return 0.0
    zipf = _zipf_frequency()(word, lang)
    top = 5.8 if lang == "en" else 5.0
    return max(0.0, min(1.0, (top - zipf) / (3.0 if lang == "en" else 2.5)))


def termhood(key: str, lang: str, generic: frozenset[str], modifiers: frozenset[str] = frozenset()) -> float:
    """Termhood in [0, 1]: single words by their rarity; multi-word phrases are terms unless
    built only of generic words (the C-value intuition that length itself signals a term)."""
    words = key.split()
    if len(words) == 1:
        return round(word_specificity(words[0], lang, generic), 4)
    if all(w in generic or w in modifiers for w in words):
        return 0.2
    best = max(word_specificity(w, lang, generic) for w in words)
    return round(min(1.0, 0.5 + 0.5 * best), 4)


def modifier_spans(key: str) -> list[str]:
    """The sub-phrases of `key` that modify its head: every word span short of the last word."""
    words = key.split()
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words))]


def dependent_modifiers(papers_per_key: Mapping[str, int], min_ratio: float = MIN_INDEPENDENCE) -> set[str]:
    """Keys that mostly modify longer keys and rarely stand alone ("neural", "deep"): a phrase
    using one as a modifier is no mention of it."""
    modifies: Counter[str] = Counter()
    for key, papers in papers_per_key.items():
        for span in set(modifier_spans(key)):
            if span in papers_per_key:
                modifies[span] += papers
    return {span for span, papers in modifies.items() if papers_per_key[span] < min_ratio * papers}


def acronym_key(short: str) -> str:
    """An acronym as mention keys spell it: "OTA-FL" → "ota fl" (hyphens split words)."""
    return " ".join(short.replace("-", " ").lower().split())


def capitalised_acronyms(surface: str) -> list[str]:
    """The acronyms `surface` writes in capitals, singular: "SETs" → "SET", "OTA-FL" → "OTA-FL",
    "GNN4Com" → "GNN4Com" and "GNN". A word written in lower case or capitalised ("set", "Set")
    is the word, not the acronym it spells."""
    return [singular_acronym(w) for w in [*_WORD.findall(surface), *_LETTERS.findall(surface)]
            if sum(c.isupper() for c in w) >= 2]


def written_acronyms(surface: str) -> set[str]:
    """The keys of `capitalised_acronyms(surface)`: "SETs" → "set", "OTA-FL" → "ota fl"."""
    return {acronym_key(w) for w in capitalised_acronyms(surface)}


def english_key_papers(extractions: Sequence[Extraction], long_forms: bool = False) -> Counter[str]:
    """Key → English papers using it, or a longer phrase ending with it (the shorter concepts
    inside English phrases count: "image sensitivity" inside "resulting image sensitivity");
    with `long_forms`, also the English long forms the papers define acronyms by."""
    papers: Counter[str] = Counter()
    for ex in extractions:
        if ex.lang == "en":
            keys = {m.key for m in ex.mentions}
            if long_forms:
                keys |= {d.long_key for d in ex.acronyms if d.lang == "en"}
            papers.update(keys | {part for key in keys for part in nested_parts(key)})
    return papers


#: Nouns ending in -s that are no plurals of another (and -ics words: "robotics", "physics").
_INVARIANT_NOUNS = frozenset("means series species news diabetes lens".split())


def plural_singulars(keys: Iterable[str]) -> dict[str, str]:
    """English keys that are the regular plural of another key ("neural networks" → "neural
    network"). The extractor makes a head noun singular when the tagger says it is a plural, but
    a capitalised name is a proper noun to it: at 72,000 twins "Convolutional Neural Networks"
    made a node of 86 papers beside "convolutional neural network", and "neural networks" one of
    246. Only phrases: a word alone ("physics", "Cityscapes", "Kinetics") is left as tagged.
    Words ending in -ss, -us, -is or -as are taken for no plurals ("loss", "corpus",
    "analysis", "bias"), as `kg.crosslingual.stem` takes them, nor are -ics words and a few
    invariant nouns ("k means")."""
    known = set(keys)
    return {key: key[:-1] for key in sorted(known)
            if " " in key and key.endswith("s") and key[-2] not in "suia" and not key.endswith("ics")
            and key.split()[-1] not in _INVARIANT_NOUNS and len(key.split()[-1]) > 3 and key[:-1] in known}


#: An English key ending in -ic is the -ics noun when its papers write it so in this share of
#: its mentions or more (see `ics_nouns`).
ICS_SHARE = 0.9


def ics_nouns(mentions: Iterable[tuple[str, str]], generic: frozenset[str] = frozenset()) -> dict[str, str]:
    """English keys ending in -ic that the papers write as -ics nouns, from (key, surface)
    mentions: "semantic" → "semantics". spaCy's lemmatiser makes "semantic" of "semantics", so
    the noun shared its key with the adjective, and every "semantic segmentation" credited it as
    a modifier: at 72,000 twins "semantic" was a node of 7,421 papers, #7 by PageRank. Of 163
    mentions keyed "semantic" at 20,000 twins 160 write "semantics"; "robotics", "dynamics" and
    "statistics" alike, while the real singulars are written as such ("metric" 36%, "topic" 53%,
    "heuristic" 18%). Words of four letters or fewer are left alone ("ICs"), and so are `generic`
    words: "characteristics" is no term because "characteristic" is none."""
    written: dict[str, Counter[bool]] = defaultdict(Counter)
    for key, surface in mentions:
        last = key.rsplit(" ", 1)[-1]
        if last.endswith("ic") and len(last) > 4 and last not in generic:
            words = surface.lower().replace("-", " ").split()
            written[key][bool(words) and words[-1] == last + "s"] += 1
    return {key: key + "s" for key, n in sorted(written.items()) if n[True] >= ICS_SHARE * n.total()}


def clause_spans(segments: str) -> list[str]:
    """Word spans (keys) of a Chinese paper's clauses (`Extraction.segments`) that may name a concept
    across the noun-phrase grammar's bounds: two words or more, not starting or ending with a
    particle, not all Latin."""
    spans: dict[str, None] = {}
    for clause in segments.split(" | "):
        words = clause.split()
        for i, first in enumerate(words):
            if first in ZH_SPAN_EDGES:
                continue
            chars = len(first)
            for j in range(i + 1, min(len(words), i + MAX_SPAN_WORDS)):
                chars += len(words[j])
                if chars > MAX_SPAN_CHARS:
                    break
                if words[j] in ZH_SPAN_EDGES and words[j] not in ZH_SPAN_INNER:
                    break  # "和", "中", "是": the span would join two phrases or a clause
                if words[j] not in ZH_SPAN_EDGES and not all(w.isascii() for w in words[i:j + 1]):
                    spans.setdefault(" ".join(words[i:j + 1]))
    return list(spans)


def is_span_term(hit: ZhHit | None) -> TypeGuard[ZhHit]:
    """What a clause span may stand for: an English term of two words or more (single words are
    mostly said with a verb in Chinese, and a span read as one cost precision; see the README)."""
    return hit is not None and len(hit[0].split()) >= 2 and hit[0].isascii()


def nested_parts(key: str) -> list[str]:
    """Shorter concepts a phrase also mentions: its word suffixes ("deep reinforcement learning"
    → "reinforcement learning"), and for "X from Y" phrases the head X and its suffixes."""
    words = key.split()
    parts = [words[i:] for i in range(1, len(words))]
    cut = next((i for i, w in enumerate(words) if w in _PREPOSITIONS), None)
    if cut:
        parts += [words[i:cut] for i in range(cut)]
    # none begins with "based": "dictionary-based approach" mentions no "based approach"
    return [" ".join(part) for part in parts if part[0] != "based"]


@dataclass
class AcronymTable:
    """Short form → long-form key, decided over the whole corpus.

    An acronym with one long form anywhere resolves everywhere, and so does one whose long form
    is that of DOMINANT_LONG_FORM of its definitions or more (at 20,000 twins "GAN" was defined
    476 times as "generative adversarial network", 24 as "… net" and 12 as "gallium nitride"),
    unless it is written as the other long forms' definitions mostly write it ("GaN"). An
    ambiguous one resolves only inside the papers that define it, and so does a lower-case one:
    "cyclooctadiene (cod)" says nothing about the word "cod" in other papers.
    """

    corpus_wide: dict[str, str] = field(default_factory=dict)
    # (key, short as written) → the long form most definitions written so give ("GaN" → gallium nitride)
    case_meaning: dict[tuple[str, str], str] = field(default_factory=dict)
    per_paper: dict[tuple[str, str], str] = field(default_factory=dict)
    written: dict[tuple[str, str], str] = field(default_factory=dict)  # (paper, key) → short as defined there
    surfaces: dict[str, AcronymDef] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # shorts that came from the fallback table

    @classmethod
    def build(cls, extractions: Sequence[Extraction], to_english: Callable[[AcronymDef], str],
              known: Mapping[str, str] = {}, earlier: Mapping[str, str] = {}) -> AcronymTable:
        """`to_english(d)`: the long key of definition `d` ("" when it is none after all). `known`
        (short → long key) fills in acronyms the corpus uses but never defines; `earlier` (short
        as written → long key, a `Vocabulary`'s) does so first, as corpus acronyms."""
        table = cls()
        long_forms: dict[str, Counter[str]] = defaultdict(Counter)  # key → long key → definitions
        cases: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # (key, short as written) → long keys
        for ex in extractions:
            for d in ex.acronyms:
                short = acronym_key(d.short)
                long_key = to_english(d)
                if not long_key:  # no long form of this short after all
                    continue
                table.per_paper[(ex.paper_id, short)] = long_key
                table.written[(ex.paper_id, short)] = d.short
                table.surfaces.setdefault(short, d)
                if not d.short.islower():
                    long_forms[short][long_key] += 1
                    cases[(short, d.short)][long_key] += 1
        for short, keys in sorted(long_forms.items()):
            english = Counter({k: n for k, n in keys.items() if k.isascii()}) or keys
            (top, n), = sorted(english.items(), key=lambda kn: (-kn[1], kn[0]))[:1]
            if len(english) == 1 or (n >= MIN_DOMINANT_DEFINITIONS and n >= DOMINANT_LONG_FORM * english.total()):
                table.corpus_wide[short] = top
        for (short, written), keys in sorted(cases.items()):
            table.case_meaning[(short, written)] = min(keys.items(), key=lambda kn: (-kn[1], kn[0]))[0]
        for fills, fallback in ((earlier, False), (known, True)):
            for short, long_key in sorted(fills.items()):
                if acronym_key(short) not in table.corpus_wide and acronym_key(short) not in long_forms:
                    table.corpus_wide[acronym_key(short)] = long_key
                    table.surfaces[acronym_key(short)] = AcronymDef(short, long_key, long_key, "en")
                    if fallback:
                        table.known.add(acronym_key(short))
        return table

    def defined(self) -> dict[str, str]:
        """The acronyms resolved everywhere that come from definitions (not from the fallback
        table), as written → long key: what a `Vocabulary` keeps of this table."""
        return {self.surfaces[short].short: long_key for short, long_key in sorted(self.corpus_wide.items())
                if short not in self.known}

    def resolve(self, paper_id: str, key: str) -> str | None:
        return self.per_paper.get((paper_id, key)) or self.corpus_wide.get(key)

    def resolve_written(self, paper_id: str, key: str, surface: str) -> str | None:
        """`resolve` for a mention written `surface`, when it writes the acronym: in capitals
        ("SET", "GNNs") or as its paper defined it ("cod"); in other papers not as definitions of
        another long form write it ("GaN"). At 72,000 papers one paper defined "sparse
        evolutionary training (SET)" and another "universal sentence encoder (USE)", and the word
        "set" or "use" of 3,056 papers became those concepts."""
        if (paper_id, key) in self.per_paper:
            if key in written_acronyms(surface) or self.written[(paper_id, key)] in _WORD.findall(surface):
                return self.per_paper[(paper_id, key)]
            return None
        long_key = self.corpus_wide.get(key)
        if long_key and any(acronym_key(w) == key and self.case_meaning.get((key, w), long_key) == long_key
                            for w in capitalised_acronyms(surface)):
            return long_key
        return None

    def expand(self, paper_id: str, key: str) -> list[str]:
        """`key` with an acronym spelt out, and the shorter concepts its long form contains."""
        long_key = self.resolve(paper_id, key)
        return [long_key, *nested_parts(long_key)] if long_key else [key]


def aliases_and_displays(forms: Counter[str | tuple[str, str]]) -> tuple[Counter[str], Counter[str]]:
    """A key's forms as `link_corpus` counts them (a surface, or (surface, display form)) split
    into mentions by surface, and by display form with every surface a candidate label (at 0
    when it was never displayed: an acronym's long form written only in its definition)."""
    aliases: Counter[str] = Counter()
    displays: Counter[str] = Counter()
    for form, n in forms.items():
        surface, display = (form, form) if isinstance(form, str) else form
        aliases[surface] += n
        displays[display] += n
    for surface in aliases:
        displays.setdefault(surface, 0)
    return aliases, displays


def _label(aliases: Counter[str], key: str) -> str:
    """The most used English display form written out in full (not an acronym standing for it);
    Chinese-only concepts keep their Chinese form."""
    english = [(n, s) for s, n in aliases.items() if s.isascii() and s.lower().split() == key.split()]
    if not english and key.isascii():  # only acronyms or translations were seen: spell it out
        return key
    pool = english or [(n, s) for s, n in aliases.items()]
    if not pool:
        return key
    # most frequent; ties → shortest, then alphabetical, for determinism
    return min(pool, key=lambda ns: (-ns[0], len(ns[1]), ns[1]))[1]


def implausible_readings(extractions: Sequence[Extraction], read_chinese: Callable[[str], ZhHit | None],
                         span_terms: Sequence[Sequence[tuple[str, ZhHit]]],
                         options: LinkOptions) -> frozenset[tuple[str, str]]:
    """(English key, "dictionary") for the keys whose dictionary readings are too common in the
    Chinese papers for what the English papers use them (see MAX_READING_SHARE_RATIO): the
    Chinese papers a Chinese noun phrase or clause span would tie to the key, against the
    English papers using it or a longer phrase ending with it. `span_terms`: each extraction's
    clause spans that read as terms, with their readings (see `link_corpus`)."""
    english_papers = english_key_papers(extractions)
    chinese_papers: Counter[str] = Counter()
    n_en = sum(ex.lang == "en" for ex in extractions)
    n_zh = len(extractions) - n_en
    for ex, terms in zip(extractions, span_terms):
        if ex.lang != "en":
            hits = [read_chinese(m.key) for m in ex.mentions if m.lang == "zh" and not m.key.isascii()]
            hits += [hit for _, hit in terms]
            chinese_papers.update({hit[0] for hit in hits if hit is not None and hit[1] == "dictionary"})
    ratio = options.max_reading_share_ratio
    return frozenset((key, "dictionary") for key, papers in chinese_papers.items()
                     if papers >= options.min_reading_papers
                     and papers / n_zh > ratio * max(english_papers[key], 1) / max(n_en, 1))


def link_corpus(
    papers: Sequence[Paper],
    extractions: Sequence[Extraction],
    *,
    generic: Mapping[str, frozenset[str]],
    modifiers: frozenset[str] = frozenset(),
    zh_linker: ZhLinkFn | None = None,
    zh_gloss: Callable[[Sequence[str]], str] | None = None,
    zh_span_linker: Callable[[str], ZhHit | None] | None = None,
    known_acronyms: Mapping[str, str] = {},
    options: LinkOptions = LinkOptions(),
    on_linked: Callable[[], None] | None = None,
    vocabulary: Vocabulary = Vocabulary(),
) -> Corpus:
    """Merge per-paper mentions into corpus concepts, with the evidence of every merge.

    `zh_span_linker` reads the word spans of Chinese clauses, each given as its words joined by
    spaces (default: `zh_linker`); it may be stricter and quicker, as most spans are no term.
    `on_linked` is called once every mention is linked and the nested phrases' readings are
    in: the linkers are not asked again (`zh_gloss` is), so their memory may go (see
    `ZhEnLinker.forget_index`). With a `vocabulary`, `papers` are appended to the corpus it
    describes (the linkers read into its English keys too): the concepts of the result are
    those the new papers tie to."""
    zh_cache: dict[str, ZhHit | None] = {}

    def read_chinese(key: str) -> ZhHit | None:
        if zh_linker is None:
            return None
        if key not in zh_cache:
            zh_cache[key] = zh_linker(key.split())
        return zh_cache[key]

    read_span = zh_span_linker or (lambda span: zh_linker(span.split()) if zh_linker else None)
    # each paper's clause spans that read as English terms of two words or more, read once for
    # both uses below (most spans are read once, so a cache would only hold them)
    span_terms = [[(span, hit) for span in clause_spans(ex.segments) if is_span_term(hit := read_span(span))]
                  if zh_linker is not None and ex.segments else [] for ex in extractions]
    implausible = implausible_readings(extractions, read_chinese, span_terms, options) \
        if zh_linker is not None else frozenset()
    implausible |= {(key, "dictionary") for key in vocabulary.decisions.implausible}

    def zh_to_english(key: str) -> ZhHit | None:
        hit = read_chinese(key)
        return None if hit is not None and (hit[0], hit[1]) in implausible else hit

    # key → the key of the same word in another form: a plural phrase's singular, an -ic key's -ics noun
    same_word = plural_singulars([*(key for ex in extractions if ex.lang == "en"
                                    for key in [*(m.key for m in ex.mentions), *(d.long_key for d in ex.acronyms)]),
                                  *(key for key in vocabulary.papers if key.isascii())])
    same_word |= ics_nouns(((m.key, m.surface) for ex in extractions if ex.lang == "en" for m in ex.mentions),
                           generic.get("en", frozenset()))
    # short → the long keys English definitions give it, and how often
    english_long_forms: dict[str, Counter[str]] = defaultdict(Counter)
    for ex in extractions:
        for d in ex.acronyms:
            if d.lang == "en":
                english_long_forms[acronym_key(d.short)][same_word.get(d.long_key, d.long_key)] += 1
    long_keys: dict[tuple[str, str], str] = {}  # (short, Chinese long key) → English long key or ""

    def acronym_long_key(d: AcronymDef) -> str:
        """The long form's key, English when read. A Chinese long form read into English that
        cannot spell the short form was cut short by the noun-phrase grammar: 长短期记忆(LSTM)
        gave 短期 记忆, "short term memory", and 神经网络(RNN) "neural network". It is the most
        common English long form of that short ending with those words, if any, else no
        definition at all (""): at 20,000 twins "neural network" had RNN, FFNN and MANN for
        aliases, and LSTM was defined as "short term memory" 32 times."""
        if d.lang != "zh":
            return same_word.get(d.long_key, d.long_key)
        if (d.short, d.long_key) not in long_keys:
            hit = zh_to_english(d.long_key)
            key = hit[0] if hit else d.long_key
            if key.isascii() and not spells(d.short, key):
                fuller = [(n, k) for k, n in english_long_forms[acronym_key(d.short)].items() if k.endswith(" " + key)]
                key = min(fuller, key=lambda nk: (-nk[0], nk[1]))[1] if fuller else ""
            long_keys[(d.short, d.long_key)] = key
        return long_keys[(d.short, d.long_key)]

    acronyms = AcronymTable.build(extractions, acronym_long_key, known_acronyms, vocabulary.decisions.acronyms)

    def canonical(paper_id: str, m: Mention) -> tuple[str, Link | None]:
        key = m.key
        link: Link | None = None
        long_key = acronyms.resolve_written(paper_id, key, m.surface)
        if long_key is not None and long_key != key:
            layer = "glossary" if key in acronyms.known else "acronym"
            link = Link(layer, m.surface, f"{acronyms.surfaces[key].short} = {long_key}")
            key = long_key
        elif m.lang == "zh" and not key.isascii():
            hit = zh_to_english(key)
            if hit is not None:
                key, layer, detail = hit
                link = Link(layer, m.surface, detail)
        if key in same_word:
            key, link = same_word[key], link or Link("lemma", m.surface, f"{key} = {same_word[key]}")
        return thesaurus(key, m.surface, link)

    def thesaurus(key: str, surface: str, link: Link | None) -> tuple[str, Link | None]:
        if key not in options.thesaurus:
            return key, link
        replacement = options.thesaurus[key]
        return replacement, Link("thesaurus", surface, f"{key} → {replacement or '(dropped)'}")

    # paper → key → the surfaces written, as a tuple that grows by copying: a tuple of one takes
    # 48 bytes where a list grown by appends took 88 or more. By paper, not by (paper, key): at
    # 72,000 papers the 3 million pairs' tuples and one table over them were the link's peak
    occurrences: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    # key → its forms counted: a surface alone where it was displayed as written, else (surface,
    # display form); see `aliases_and_displays`. One Counter a key, not one for the surfaces and
    # one for the display forms: at 20,000 twins those two were 99 MiB (traced)
    forms: dict[str, Counter[str | tuple[str, str]]] = defaultdict(Counter)
    links: dict[str, dict[tuple[str, str], Link]] = defaultdict(dict)
    # a key's languages as one of a few shared sets ({"en"}, {"zh"}, both): half a million keys
    langs: dict[str, frozenset[str]] = {}
    lang_sets: dict[frozenset[str], frozenset[str]] = {}

    def add_lang(key: str, lang: str) -> None:
        current = langs.get(key, frozenset())
        if lang not in current:
            both = current | {lang}
            langs[key] = lang_sets.setdefault(both, both)

    def record(paper_id: str, key: str, surface: str, display: str, lang: str, link: Link | None) -> None:
        paper = occurrences[paper_id]
        paper[key] = paper.get(key, ()) + (surface,)
        forms[key][surface if display == surface else (surface, display)] += 1
        add_lang(key, lang)
        if link is not None:
            links[key].setdefault((link.layer, link.surface), link)

    for i, (ex, terms) in enumerate(zip(extractions, span_terms)):
        for m in ex.mentions:
            key, link = canonical(ex.paper_id, m)
            if key:
                record(ex.paper_id, key, m.surface, m.label or m.surface, m.lang, link)
        # a span of a clause that reads as an English term of two words or more is a mention
        # of it although the noun-phrase grammar cut it elsewhere (识别 tagged as a verb)
        for span, hit in terms:
            if (hit[0], hit[1]) in implausible:
                continue
            surface = "".join(span.split())
            key, link = thesaurus(same_word.get(hit[0], hit[0]), surface, Link(hit[1], surface, hit[2]))
            if key and key not in occurrences[ex.paper_id]:
                record(ex.paper_id, key, surface, surface, "zh", link)
        for d in ex.acronyms:  # the long form of a definition names the concept too
            key = acronym_long_key(d)
            if not key:
                continue
            forms[key][d.short] += 0
            forms[key][d.long_surface] += 0
            if key not in occurrences[ex.paper_id]:  # only written inside a longer phrase:
                occurrences[ex.paper_id][key] = (f"{d.long_surface} ({d.short})",)  # "… (DTE) algorithms"
                add_lang(key, d.lang)
        if options.release_mentions:
            ex.mentions, ex.segments, span_terms[i] = [], "", []

    for short in sorted(acronyms.known):  # a known acronym names its concept even when unused
        d = acronyms.surfaces[short]
        if d.long_key in forms:
            forms[d.long_key][d.short] += 0

    containing: dict[str, set[str]] = defaultdict(set)  # concept → the longer phrases it is nested in

    def phrases() -> Iterator[tuple[str, str]]:
        """(paper, key) in order, each paper's keys as they were when it came: the nested ties
        added to a paper are no phrases of their own."""
        for paper_id in sorted(occurrences) if options.nested else ():
            for key in sorted(occurrences[paper_id]):
                yield paper_id, key

    if options.nested:
        standalone = set(forms) | set(vocabulary.papers)
        # papers appended to a corpus keep its judgement of the modifiers it knows: a hundred
        # papers are too few to judge "neural" or "transformer" by
        dependent = {key for key in dependent_modifiers(Counter(key for paper in occurrences.values() for key in paper))
                     if key not in vocabulary.papers} | vocabulary.decisions.dependent
        generic_en = generic.get("en", frozenset())
        prefix_termhood: dict[str, float] = {}  # the same prefixes recur in thousands of papers

        def specific_enough(prefix: str) -> bool:
            if prefix not in prefix_termhood:
                prefix_termhood[prefix] = 0.0 if prefix in dependent else termhood(prefix, "en", generic_en, modifiers)
            return prefix_termhood[prefix] >= SPECIFIC_MODIFIER

        def nested_in(paper_id: str, key: str, surfaces: list[str]) -> list[str]:
            """The shorter concepts the paper's phrase `key` (written `surfaces`) mentions."""
            # a specific term used as a modifier is mentioned too: "decoder-only [transformer] language model"
            prefixes = modifier_spans(key)
            # an acronym used as a modifier names its long form, with what that contains: "cGAN
            # technique" → "conditional generative adversarial network", "generative adversarial
            # network"; and "NLP applications" mentions NLP as the Chinese "NLP 应用" does. Only
            # when written as one: in 72,000 papers someone defines MAP or DEEP, and "map
            # construction" or "deep model" are no mentions of their long forms
            if any(acronyms.resolve(paper_id, p) for p in prefixes):  # the surfaces are read only then
                written = set().union(*map(written_acronyms, surfaces))
                prefixes = [part for p in prefixes for part in (acronyms.expand(paper_id, p) if p in written else [p])]
            if key.isascii():
                specific = [p for p in prefixes if p in standalone and specific_enough(p)]
            else:  # the same for a Chinese phrase's English parts: 语义 [框架] → "semantic"
                hits = (zh_to_english(p) for p in prefixes) if zh_linker is not None else ()
                specific = [hit[0] for hit in hits
                            if hit and hit[0] in standalone and hit[0].isascii() and specific_enough(hit[0])]
            found = []
            for suffix in nested_parts(key) + specific:
                suffix = same_word.get(suffix, suffix)
                if suffix in acronyms.corpus_wide or (paper_id, suffix) in acronyms.per_paper:
                    # an acronym written as one names its long form: "Wasserstein [GAN]"
                    suffix = next(filter(None, (acronyms.resolve_written(paper_id, suffix, s) for s in surfaces)), suffix)
                if suffix not in standalone and not key.isascii():  # 多智能体 [强化学习] → its English node
                    hit = zh_to_english(suffix)
                    suffix = hit[0] if hit else suffix
                if suffix in standalone and suffix != key:
                    found.append(suffix)
            return found

        def written_by(paper_id: str, key: str) -> list[str]:
            # only what the paper wrote is passed on, not what an earlier key passed to this one:
            # else what a phrase is credited with would depend on how its key sorts
            return [s for s in occurrences[paper_id][key] if not s.endswith(NESTED)]

        for paper_id, key in phrases() if zh_linker is not None and on_linked is not None else ():
            # the Chinese phrases' readings first, into the cache, so that the linkers' memory
            # can go (on_linked) before the nested ties add theirs (at 20,000 twins 330 and 190 MiB)
            if not key.isascii():
                nested_in(paper_id, key, written_by(paper_id, key))
    defined = {acronym_long_key(d) for ex in extractions for d in ex.acronyms} - {""}
    if on_linked is not None:
        on_linked()
    for paper_id, key in phrases():
        surfaces = written_by(paper_id, key)
        for suffix in nested_in(paper_id, key, surfaces) if surfaces else ():
            nested = tuple(intern(s + NESTED) for s in surfaces)  # the same phrases recur
            paper = occurrences[paper_id]
            paper[suffix] = paper.get(suffix, ()) + nested
            containing[suffix].add(key)
    zh_cache.clear()
    for key in containing.keys() - forms.keys():  # only nested in the new papers: a workspace concept
        forms[key] = Counter()
    papers_per_key = Counter(key for paper in occurrences.values() for key in paper) if options.min_papers > 1 else None
    concepts: dict[str, Concept] = {}
    dropped: dict[str, float] = {}
    rare = 0
    for key in sorted(forms):
        # each key's counts are let go as its concept is made: at 72,000 papers they are
        # half a million keys' worth, and they need not coexist with the concepts
        key_forms, key_links = forms.pop(key), links.pop(key, {})
        lang = "en" if key.isascii() else "zh"
        words = generic.get(lang, frozenset())
        # a defined acronym makes its long form a term, but not a generic word: in 72,000 arXiv
        # abstracts someone writes "model (M)", and "model" would top every ranking
        # and a word alone is judged by itself: at 72,000 papers 73 single words under the
        # termhood bound were made terms so, among them "image" (20,573 papers, termhood 0.29),
        # "language", "video", "control" and 训练 "train", long forms of some "(I)" or "(CT)"
        defined_term = key in defined and key not in words and " " in key
        score = 1.0 if defined_term else termhood(key, lang, words, modifiers)
        if score < options.min_termhood and key not in vocabulary.papers:
            dropped[key] = score
            continue
        if papers_per_key is not None and papers_per_key[key] < options.min_papers and key not in vocabulary.papers:
            rare += 1
            continue
        key_aliases, candidates = aliases_and_displays(key_forms)
        label = _label(candidates, key)
        if lang == "zh" and zh_gloss is not None:  # no English counterpart: gloss it, keep the original
            label = f"{zh_gloss(key.split())} ({label})"
        concepts[key] = Concept(
            key=key,
            label=label,
            aliases=dict(sorted(key_aliases.items())),
            links=with_nested(sorted(key_links.values(), key=lambda l: (l.layer, l.surface)), key, containing,
                              options.max_nested_links),
            termhood=score,
            langs=langs.get(key, frozenset()),
        )
    kept = {}
    for paper_id in sorted(occurrences):  # moved, not copied, a paper at a time
        paper = occurrences.pop(paper_id)
        for key in sorted(paper):
            if key in concepts:
                kept[(paper_id, key)] = paper[key]
    decisions = LinkDecisions(acronyms=acronyms.defined(),
                              implausible=frozenset(key for key, layer in implausible if layer == "dictionary"),
                              dependent=frozenset(dependent) if options.nested else frozenset())
    return Corpus(list(papers), concepts, kept, dropped, rare, decisions)


def with_nested(links: list[Link], key: str, containing: Mapping[str, set[str]], shown: int) -> list[Link]:
    """`links` (in layer order) with the evidence that `key` is mentioned inside longer phrases
    in its place: the first `shown` phrases, then how many more (at 72,000 papers "language
    model" sits in thousands, and the node's `links` attribute listed every one)."""
    phrases = sorted(containing.get(key, ()))
    nested = [Link("nested", phrase, f"contains {key}") for phrase in phrases[:shown]]
    if len(phrases) > shown:
        nested.append(Link("nested", "…", f"and {len(phrases) - shown:,} more phrases containing {key}"))
    at = sum(1 for link in links if link.layer < "nested")
    return links[:at] + nested + links[at:]
