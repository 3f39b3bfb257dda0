"""Readers: files of abstracts → `Paper` records, one at a time.

Supported: the seed text format (abstracts each followed by a line `translated by 谷歌翻译`),
JSONL, CSV and TSV with `id`, `title`, `abstract` columns (names configurable with `Columns`),
reference-manager exports (BibTeX, RIS), arXiv API Atom feeds, the arXiv metadata snapshot
(JSONL) and OpenAlex works (JSON/JSONL). Bibliographic metadata is kept in `Paper.meta` as
strings: authors and keywords joined with "; ", year, venue, doi, arxiv_id, url.

Researchers feed the tool whatever their exports contain, so one bad record must not cost the
others: readers skip what cannot be used and repair what can, and tell a `ReadReport` about
each (file, record, kind, reason). Without a report, `read_papers` raises `ReadError` on the
first skip instead. The policies, so results are predictable:

- text that is not UTF-8 is decoded in the encoding charset-normalizer detects (GB18030,
  UTF-16 with or without BOM, …) and reported as repaired; files with NUL bytes that are not
  UTF-16/32 are binary and skipped;
- a duplicate paper id keeps the first paper and skips the later ones (ids are how queries
  name papers, so a renamed duplicate would be an id nobody asked for);
- the same abstract under a second id is skipped (it would double every co-occurrence);
- abstracts longer than `MAX_ABSTRACT_CHARS` are cut at a word boundary (extraction time
  grows with length; no real abstract comes near it), and runs of one character repeated
  more than `MAX_RUN` times are cut to `MAX_RUN` (20,000 "(" take spaCy + the acronym matcher
  minutes); both reported as repaired;
- abstracts not in English or Chinese (other scripts, Latin-script text with more of another
  language's common words than of English's, Han text with characters Chinese does not use)
  are skipped: the extractors would only produce noise, slowly;
- a CSV/TSV without the id column gets ids `{file stem}:{row}` (reported as repaired);
- characters XML cannot hold (control characters, lone surrogates) are dropped from every
  field so the GraphML/GEXF outputs stay valid.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path

from kg.model import Paper

SEED_SEPARATOR = "translated by 谷歌翻译"
SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".csv", ".tsv", ".bib", ".ris", ".xml", ".atom", ".json")
TEXT_COLUMNS = ("abstract", "text", "abstract_en")
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ARXIV_VERSION = re.compile(r"v\d+$")
MAX_ABSTRACT_CHARS = 20_000  # ≈ 3,000 English words; long abstracts are ~300 words
MAX_RUN = 20  # a character repeated more often in a row is decoration or garbage ("=====", "((((")
MAX_RARE_HAN = 50  # Han characters Chinese does not use; jieba's HMM costs ~45 ms for each
_RUN = re.compile(r"(.)\1{%d,}" % MAX_RUN, re.S)
# arXiv listings and some exports carry inline HTML: '<a href="http://x.org">this http URL</a>'
_HTML_ANCHOR = re.compile(r"""<a\s[^<>]*?href\s*=\s*["']([^"']*)["'][^<>]*>(.*?)</a\s*>""", re.I | re.S)
_HTML_TAG = re.compile(r"</?(?:a|b|i|u|em|strong|sub|sup|p|br|span|div|code|tt)(?:\s[^<>]*)?/?>", re.I)
_ARXIV_LINK_TEXT = re.compile(r"this https? url", re.I)


def strip_html(text: str) -> str:
    """Inline HTML tags out, their text kept; a link arXiv wrote as "this http URL" becomes its
    address. Only known inline tags go, so "x < y" or "<s, a>" in prose stays as it is."""
    text = _HTML_ANCHOR.sub(
        lambda m: m.group(1) if _ARXIV_LINK_TEXT.fullmatch(m.group(2).strip()) else m.group(2), text)
    return _HTML_TAG.sub("", text)
SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class Columns:
    """Which fields of a CSV/TSV/JSONL record hold the id, the title and the abstract.

    `text=None` means the first non-empty of `TEXT_COLUMNS`."""

    id: str = "id"
    title: str = "title"
    text: str | None = None

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.text,) if self.text else TEXT_COLUMNS

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00ff\u0100-\u024f]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")  # "GPT-3.5" is no sentence end
# XML 1.0 cannot hold these (GraphML, GEXF would be invalid); lone surrogates cannot be UTF-8
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_OTHER_SCRIPTS = {  # scripts of languages kg has no extractor for
    "Japanese": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]"),
    "Korean": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "Cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "Greek": re.compile(r"[\u0370-\u03ff]"),
    "Arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "Hebrew": re.compile(r"[\u0590-\u05ff]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]"),
}


class ReadError(ValueError):
    """Input that cannot be used; the message names the file and record (one line)."""

    def __init__(self, file: str | os.PathLike[str], record: str = "", reason: str = "") -> None:
        self.file, self.record, self.reason = str(file), record, reason
        super().__init__(one_line(self.file, record, reason))

    def __reduce__(self) -> tuple:  # raised again by `kg.apart` in the process that built
        return type(self), (self.file, self.record, self.reason)


def one_line(*parts: str) -> str:
    """`parts` joined by ": " with control characters escaped: ids and titles come from the
    input, and an id holding a newline must not break the one-line message."""
    text = ": ".join(part for part in parts if part)
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


@dataclass(frozen=True)
class Problem:
    """A record (or a whole file when `record` is empty) that was skipped or repaired."""

    file: str
    record: str
    kind: str  # "skipped" | "repaired"
    reason: str

    def __str__(self) -> str:
        return one_line(self.file, self.record, self.reason)

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "record": self.record, "kind": self.kind, "reason": self.reason}


@dataclass
class ReadReport:
    """Every problem met while reading, in reading order. `fail_fast` turns a skip into a
    `ReadError` (what `read_papers` does when the caller passes no report)."""

    problems: list[Problem] = field(default_factory=list)
    fail_fast: bool = False

    def skip(self, file: str | os.PathLike[str], record: str, reason: str) -> None:
        if self.fail_fast:
            raise ReadError(file, record, reason)
        self.problems.append(Problem(str(file), record, "skipped", reason))

    def repair(self, file: str | os.PathLike[str], record: str, reason: str) -> None:
        self.problems.append(Problem(str(file), record, "repaired", reason))

    def skip_error(self, error: ReadError) -> None:
        self.skip(error.file, error.record, error.reason)

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "skipped"]

    @property
    def repaired(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "repaired"]

    def summary_line(self) -> str:
        """One line for stderr: counts and the first problem, so the user sees why."""
        if not self.problems:
            return "nothing skipped"
        parts = [f"{len(self.skipped)} skipped", f"{len(self.repaired)} repaired"]
        return f"{', '.join(parts)} (first: {self.problems[0]})"


# ------------------------------------------------------------------ decoding


def _has_utf16_bom(data: bytes) -> bool:
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))


def decode_bytes(data: bytes, path: Path, report: ReadReport) -> str:
    """UTF-8 (BOM or not) as is; otherwise the encoding charset-normalizer finds, reported as a
    repair; binary data (NUL bytes in no UTF-16/32 text, or no encoding fits) is a `ReadError`."""
    if not _has_utf16_bom(data):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    encoding = best.encoding if best is not None else ""
    if not encoding or (b"\x00" in data and not encoding.startswith(("utf_16", "utf_32"))):
        return _mostly_utf8(data, path, report)
    text = str(best)
    if text.count("\ufffd") > len(text) // 10 or _control_share(text) > 0.1:
        raise ReadError(path, "", "binary or undecodable file (no text encoding fits)")
    if not encoding.startswith("utf_8"):
        report.repair(path, "", f"not UTF-8: decoded as {encoding.upper().replace('_', '-')}")
    return text.removeprefix("\ufeff")


def _mostly_utf8(data: bytes, path: Path, report: ReadReport) -> str:
    """UTF-8 with a few stray bytes (a Latin-1 "é" pasted into a UTF-8 file): the stray bytes
    become U+FFFD (repaired); anything worse, or NUL bytes, is binary."""
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd")
    if b"\x00" in data or bad > max(1, len(text) // 100) or _control_share(text) > 0.1:
        raise ReadError(path, "", "binary or undecodable file (no text encoding fits)")
    report.repair(path, "", f"not UTF-8: {bad} invalid byte(s) replaced by U+FFFD")
    return text


def _control_share(text: str) -> float:
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r")
    return controls / max(len(text), 1)


def read_text(path: Path, report: ReadReport) -> str:
    """The whole file as text (see `decode_bytes`)."""
    return decode_bytes(path.read_bytes(), path, report)


def text_lines(path: Path, report: ReadReport) -> Iterator[str]:
    """The file's lines with their endings, streamed when it is UTF-8 so huge JSONL/CSV files
    are not held in memory; a line with invalid UTF-8 bytes gets U+FFFD for them (repaired)."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
        try:
            if b"\x00" in head or _has_utf16_bom(head):
                raise UnicodeDecodeError("utf-8", head, 0, 1, "NUL")
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            yield from decode_bytes(head + handle.read(), path, report).splitlines(keepends=True)
            return
        handle.seek(0)
        for lineno, raw in enumerate(handle, 1):
            if lineno == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                report.repair(path, f"line {lineno}", f"invalid UTF-8 at byte {exc.start} replaced")
                yield raw.decode("utf-8", errors="replace")


# ------------------------------------------------------------------ languages and fields


def detect_language(text: str) -> str:
    """"zh" when Chinese characters outnumber a third of the letters, else "en"."""
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk > 0 and cjk >= latin_words else "en"


_FOREIGN = ("fr", "de", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl", "cs", "ro", "tr", "id")


@lru_cache(maxsize=1)
def _common_words() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """English's 100 commonest words, and for other Latin-script languages their 100 commonest
    that are not among English's 500 commonest ("de", "und", "que", …) as word → languages."""
    from wordfreq import get_frequency_list, top_n_list

    english = frozenset(top_n_list("en", 500))
    foreign: dict[str, tuple[str, ...]] = {}
    for lang in _FOREIGN:
        for word in set(top_n_list(lang, 100)) - english:
            foreign[word] = (*foreign.get(word, ()), lang)
        # wordfreq keeps every whole list it loaded (~30 MB each); we keep 100 words of each
        get_frequency_list.cache_clear()
    return frozenset(top_n_list("en", 100)), foreign


@lru_cache(maxsize=None)
def _used_in_chinese(char: str) -> bool:
    """Seen in wordfreq's Chinese: real abstracts have none unseen (0 of 3,355 arXiv abstracts in
    Chinese); random or garbled Han text has ~40%, and jieba's HMM takes ~45 ms per such character."""
    import jieba  # before its level is set: importing jieba sets its logger to DEBUG
    from wordfreq import zipf_frequency

    jieba.setLogLevel(logging.WARNING)  # wordfreq's jieba says it loaded its dictionary
    return zipf_frequency(char, "zh") > 0


@lru_cache(maxsize=None)
def _script(char: str) -> str:
    """"cjk", "latin", the name of another script in `_OTHER_SCRIPTS`, or "" (digits, marks)."""
    if _CJK.match(char):
        return "cjk"
    if _LATIN.match(char):
        return "latin"
    return next((name for name, pattern in _OTHER_SCRIPTS.items() if pattern.match(char)), "")


def unsupported_language(text: str) -> str | None:
    """Why `text` is neither English nor Chinese, or None when it is one of them.

    The script with most letters decides. Latin-script text is another language when more of
    its words are among that language's commonest (and not English's) than among English's
    commonest, and they make at least a tenth of it: technical English has few function
    words, but even fewer French, German or Spanish ones."""
    # one counting pass over the text and a lookup per distinct character: a regex per script
    # was half of reading a corpus
    chars = Counter(text)
    counts = dict.fromkeys(_OTHER_SCRIPTS, 0) | {"cjk": 0, "latin": 0}
    for char, n in chars.items():
        script = _script(char)
        if script:
            counts[script] += n
    cjk, latin = counts.pop("cjk"), counts.pop("latin")
    if cjk + latin + sum(counts.values()) == 0:
        return "no words (no letters of any script)"
    if counts["Japanese"] and counts["Japanese"] >= 0.1 * (cjk + counts["Japanese"]):
        return "language not supported (Japanese); kg reads English and Chinese"
    script, most = max(counts.items(), key=lambda kv: kv[1])
    if most > max(cjk, latin):
        return f"language not supported ({script} script); kg reads English and Chinese"
    if cjk >= latin / 3:  # detect_language's rule in letters: Chinese words are 1-3 characters
        rare = sum(n for char, n in chars.items() if _script(char) == "cjk" and not _used_in_chinese(char))
        if rare > MAX_RARE_HAN or rare > 0.05 * cjk:
            return f"not Chinese text ({rare} of its {cjk} Han characters are not used in Chinese)"
        return None
    words = re.findall(r"[^\W\d_]{2,}", text.lower())  # not the single letters of formulas
    english, foreign = _common_words()
    english_hits = sum(map(english.__contains__, words))
    hits_by_lang = Counter(lang for w in words if w in foreign for lang in foreign[w])
    hits, lang = max(((n, lang) for lang, n in hits_by_lang.items()), default=(0, ""))
    if hits >= max(3, 0.1 * len(words)) and hits > english_hits:
        return f"language not supported (looks like '{lang}'); kg reads English and Chinese"
    return None


def truncate_text(text: str, limit: int = MAX_ABSTRACT_CHARS) -> str:
    """`text` cut to at most `limit` characters, at the last space when there is one nearby."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit * 0.9 else cut


def clean(value: str) -> str:
    """Whitespace collapsed, characters XML cannot hold dropped."""
    return " ".join(_NOT_XML.sub("", value).split())


def derive_title(text: str, lang: str, limit: int = 80) -> str:
    """A short readable title from the abstract's first sentence, cut at a word boundary."""
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    if lang == "zh":
        return first if len(first) <= limit // 2 else first[: limit // 2 - 1] + "…"
    if len(first) <= limit:
        return first.rstrip(".")
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def make_paper(pid: str, text: str, source: str, title: str = "", meta: dict | None = None) -> Paper:
    """A `Paper` of cleaned fields; a `ReadError` (without record: the reader knows it) when the
    id or the abstract is empty once cleaned."""
    text, pid = clean(text), clean(pid)
    if not pid:
        raise ReadError(source, "", "no id")
    if not text:
        raise ReadError(source, "", "no abstract")
    lang = detect_language(text)
    meta = {clean(str(k)): clean(str(v)) for k, v in (meta or {}).items()}
    return Paper(pid, clean(title) or derive_title(text, lang), text, lang, source, meta)


def _guard(path: Path, where: str, report: ReadReport, convert: Callable[[], Paper]) -> Paper | None:
    """One record's paper, or None when it is unusable (reported; the file reading goes on)."""
    try:
        return convert()
    except ReadError as exc:
        report.skip(exc.file, exc.record or where, exc.reason)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:  # odd field types
        report.skip(path, where, f"malformed record ({type(exc).__name__}: {' '.join(str(exc).split())[:80]})")
    return None


def read_seed_file(path: Path, report: ReadReport) -> Iterator[Paper]:
    """Abstracts separated by `translated by 谷歌翻译` lines; ids `{stem}:{n}` from 1, counting
    the non-empty ones (an empty one between two separators is reported)."""
    lines: list[str] = []
    n = 0
    first_line = 1
    for lineno, line in enumerate(read_text(path, report).splitlines(), 1):
        if line.strip() == SEED_SEPARATOR:
            if any(part.strip() for part in lines):
                n += 1
                paper = _guard(path, f"abstract {n} (line {first_line})", report,
                               partial(make_paper, f"{path.stem}:{n}", " ".join(lines), str(path)))
                if paper:
                    yield paper
            else:
                report.skip(path, f"line {lineno}", "empty abstract (separator with no text before it)")
            lines, first_line = [], lineno + 1
        else:
            lines.append(line)
    if any(part.strip() for part in lines):
        n += 1
        paper = _guard(path, f"abstract {n} (line {first_line})", report,
                       partial(make_paper, f"{path.stem}:{n}", " ".join(lines), str(path)))
        if paper:
            yield paper


def _record_to_paper(record: dict, path: Path, where: str, columns: Columns = Columns(),
                     fallback_id: str = "") -> Paper:
    texts = columns.texts
    text = next((record[c] for c in texts if isinstance(record.get(c), str) and record[c].strip()), "")
    if not text:
        raise ReadError(path, where, f"no abstract (expected one of the columns {', '.join(texts)})")
    pid = "" if record.get(columns.id) is None else clean(str(record[columns.id]))  # id 0 is an id
    pid = pid or fallback_id
    if not pid:
        raise ReadError(path, where, f"no id (column {columns.id})")
    used = (columns.id, columns.title, *texts)
    meta = {k: str(v) for k, v in sorted(record.items(), key=lambda kv: str(kv[0]))
            if k not in used and k is not None and v not in (None, "")}
    return make_paper(pid, text, str(path), str(record.get(columns.title) or ""), meta)


def _meta(**fields: object) -> dict[str, str]:
    """Bibliographic metadata as strings: lists joined with "; ", empty values left out."""
    meta = {}
    for key, value in fields.items():
        if isinstance(value, (list, tuple)):
            value = "; ".join(" ".join(str(v).split()) for v in value if v is not None and str(v).strip())
        value = "" if value is None else " ".join(str(value).split())
        if value:
            meta[key] = value
    return meta


def _no_abstract(path: Path, where: str) -> ReadError:
    return ReadError(path, where, "no abstract")


def _bare_doi(doi: object) -> str:
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", str(doi or "").strip(), flags=re.I)


def _year(value: object) -> str:
    match = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", str(value or ""))
    return match.group(1) if match else ""


def read_jsonl(path: Path, report: ReadReport, columns: Columns = Columns()) -> Iterator[Paper]:
    """One JSON object per line: OpenAlex works, arXiv snapshot records or plain records."""
    for lineno, line in enumerate(text_lines(path, report), 1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report.skip(path, where, f"invalid JSON ({exc.msg})")
            continue
        except ValueError:  # Python refuses integers of over 4,300 digits
            report.skip(path, where, "invalid JSON (number too long)")
            continue
        except RecursionError:
            report.skip(path, where, "invalid JSON (nested too deeply)")
            continue
        if not isinstance(record, dict):
            report.skip(path, where, "expected a JSON object")
            continue
        paper = _guard(path, where, report, partial(_json_record_to_paper, record, path, where, columns))
        if paper:
            yield paper


def _json_record_to_paper(record: dict, path: Path, where: str, columns: Columns) -> Paper:
    if "abstract_inverted_index" in record:
        return _openalex_paper(record, path, where)
    if "categories" in record and ("update_date" in record or "versions" in record):
        return _arxiv_snapshot_paper(record, path, where)
    return _record_to_paper(record, path, where, columns)


def read_csv(path: Path, report: ReadReport, columns: Columns = Columns(), delimiter: str = ",") -> Iterator[Paper]:
    """CSV with a header. Without the id column, ids are `{file stem}:{row}` (row 1 = the first
    record); without any abstract column the file is unusable."""
    kind = "TSV" if delimiter == "\t" else "CSV"
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)  # a 100,000-word abstract is one field; truncated later
    try:
        reader = csv.DictReader(text_lines(path, report), delimiter=delimiter)
        try:
            fieldnames = reader.fieldnames
        except csv.Error as exc:
            raise ReadError(path, "line 1", f"malformed {kind} header ({exc})") from None
        if not fieldnames or not any(c in fieldnames for c in columns.texts):
            raise ReadError(path, "line 1", f"{kind} header must have columns {columns.id}, {columns.title}, "
                                            f"{'/'.join(columns.texts)}")
        numbered = columns.id not in fieldnames
        if numbered:
            report.repair(path, "line 1", f"no {columns.id} column: ids are {path.stem}:<row>")
        row = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                report.skip(path, f"line {reader.line_num}", f"malformed {kind} ({exc})")
                continue
            row += 1
            where = f"line {reader.line_num}"
            fallback = f"{path.stem}:{row}" if numbered else ""
            paper = _guard(path, where, report, partial(_record_to_paper, record, path, where, columns, fallback))
            if paper:
                yield paper
    finally:
        csv.field_size_limit(limit)


def read_tsv(path: Path, report: ReadReport, columns: Columns = Columns()) -> Iterator[Paper]:
    return read_csv(path, report, columns, delimiter="\t")


# ------------------------------------------------------------------ reference managers


def read_bibtex(path: Path, report: ReadReport) -> Iterator[Paper]:
    """BibTeX (Zotero, Mendeley, JabRef exports): id = entry key; LaTeX accents decoded.
    Entries that do not parse and later entries with a key already used are skipped."""
    import bibtexparser
    from bibtexparser import middlewares

    text = read_text(path, report)
    try:
        library = bibtexparser.parse_string(
            text, append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()])
    except Exception as exc:  # bibtexparser has no single error type for broken files
        raise ReadError(path, "", f"cannot parse BibTeX ({type(exc).__name__})") from None
    for block in sorted(library.failed_blocks, key=lambda b: b.start_line):
        duplicate = type(block).__name__ == "DuplicateBlockKeyBlock"
        reason = f"duplicate entry key {getattr(block, 'key', '')!r}" if duplicate else "cannot parse entry"
        report.skip(path, f"line {block.start_line + 1}", reason)
    for entry in library.entries:
        where = f"entry {entry.key} (line {entry.start_line + 1})"
        paper = _guard(path, where, report, partial(_bibtex_paper, entry, path, where))
        if paper:
            yield paper


def _bibtex_paper(entry, path: Path, where: str) -> Paper:
    fields = {k.lower(): v for k, v in entry.fields_dict.items()}
    value = lambda name: fields[name].value if name in fields else ""
    text = value("abstract")
    if not str(text).strip():
        raise _no_abstract(path, where)
    keywords = [k.strip() for k in re.split(r"[;,]", str(value("keywords"))) if k.strip()]
    arxiv = value("eprint") if str(value("archiveprefix")).lower() == "arxiv" else ""
    meta = _meta(authors=value("author"), year=value("year") or _year(value("date")),
                 venue=value("journal") or value("journaltitle") or value("booktitle") or value("publisher"),
                 doi=_bare_doi(value("doi")), arxiv_id=arxiv, keywords=keywords, url=value("url"))
    return make_paper(entry.key, str(text), str(path), str(value("title")), meta)


def read_ris(path: Path, report: ReadReport) -> Iterator[Paper]:
    """RIS (EndNote, Zotero, Mendeley exports): id = `ID` tag, else the DOI, else `{stem}:{n}`.
    A last record not closed by `ER` is skipped."""
    import rispy

    text = read_text(path, report)
    starts = [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*TY  - ", line)]
    try:
        records = rispy.loads(text)
    except Exception as exc:  # rispy reports malformed files with assorted exceptions
        raise ReadError(path, "", f"cannot parse RIS ({' '.join(str(exc).split())[:100]})") from None
    if len(records) > len(starts):
        raise ReadError(path, "", f"{len(starts)} records start with TY but {len(records)} end with ER")
    for n, line in enumerate(starts[len(records):], len(records) + 1):
        report.skip(path, f"record {n} (line {line})", "record not closed by ER")
    for n, (record, line) in enumerate(zip(records, starts), 1):
        where = f"record {n} (line {line})"
        paper = _guard(path, where, report, partial(_ris_paper, record, path, where, n))
        if paper:
            yield paper


def _ris_paper(record: dict, path: Path, where: str, n: int) -> Paper:
    get = lambda *names: next((record[k] for k in names if record.get(k)), "")
    abstract = get("abstract", "notes_abstract")
    if not str(abstract).strip():
        raise _no_abstract(path, where)
    doi = _bare_doi(get("doi"))
    pid = str(get("id")).strip() or doi or f"{path.stem}:{n}"
    urls = get("urls")
    meta = _meta(authors=[*record.get("first_authors", []), *record.get("authors", [])],
                 year=_year(get("year", "publication_year", "date")),
                 venue=get("secondary_title", "journal_name", "alternate_title3", "alternate_title1"),
                 doi=doi, keywords=get("keywords"), url=urls[0] if isinstance(urls, list) and urls else urls)
    return make_paper(pid, str(abstract), str(path), str(get("title", "primary_title")), meta)


# ------------------------------------------------------------------ arXiv and OpenAlex


def _arxiv_id(value: str) -> str:
    """`http://arxiv.org/abs/2101.00001v2` → `2101.00001` (the version is not part of the id)."""
    return _ARXIV_VERSION.sub("", value.strip().split("/abs/", 1)[-1])


def read_atom(path: Path, report: ReadReport) -> Iterator[Paper]:
    """A saved arXiv API response (Atom); parsed without DTDs or external entities, so an XXE
    or billion-laughs file is refused, never expanded."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    data = path.read_bytes()
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ReadError(path, "", f"refused XML with DTD or entities ({type(exc).__name__})") from None
    except ParseError as exc:
        if not data.lstrip().startswith(b"<?xml"):
            try:  # no declaration, so expat assumed UTF-8: decode it ourselves (reported), retry
                root = SafeET.fromstring(read_text(path, report).encode("utf-8"))
            except (ParseError, DefusedXmlException, ValueError):
                raise ReadError(path, f"line {exc.position[0]}", "invalid XML") from None
        else:
            raise ReadError(path, f"line {exc.position[0]}", "invalid XML") from None
    except ValueError as exc:  # e.g. an unknown encoding named in the declaration
        raise ReadError(path, "", f"invalid XML ({exc})") from None
    if root.tag != f"{ATOM}feed":
        raise ReadError(path, "", f"not an Atom feed (root element {clean(str(root.tag))[:60]})")
    for n, entry in enumerate(root.iter(f"{ATOM}entry"), 1):
        paper = _guard(path, f"entry {n}", report, partial(_atom_paper, entry, path, n))
        if paper:
            yield paper


def _atom_paper(entry, path: Path, n: int) -> Paper:
    text = lambda tag: " ".join((entry.findtext(tag) or "").split())
    arxiv_id = _arxiv_id(text(f"{ATOM}id"))
    where = f"entry {n} ({arxiv_id or 'no id'})"
    if not arxiv_id:
        raise ReadError(path, where, "no id")
    if not text(f"{ATOM}summary"):
        raise _no_abstract(path, where)
    url = next((link.get("href", "") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"),
               text(f"{ATOM}id"))
    primary = entry.find(f"{ARXIV}primary_category")
    meta = _meta(authors=[a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")],
                 year=_year(text(f"{ATOM}published")), venue=text(f"{ARXIV}journal_ref"),
                 doi=_bare_doi(text(f"{ARXIV}doi")), arxiv_id=arxiv_id, url=url,
                 primary_category="" if primary is None else primary.get("term", ""),
                 categories=" ".join(c.get("term", "") for c in entry.findall(f"{ATOM}category")))
    return make_paper(arxiv_id, text(f"{ATOM}summary"), str(path), text(f"{ATOM}title"), meta)


def _arxiv_snapshot_paper(record: dict, path: Path, where: str) -> Paper:
    """A record of the arXiv metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`)."""
    arxiv_id = _arxiv_id(str(record.get("id") or ""))
    if not arxiv_id:
        raise ReadError(path, where, "no id")
    if not str(record.get("abstract") or "").strip():
        raise _no_abstract(path, f"{where} ({arxiv_id})")
    versions = record.get("versions") or []
    created = versions[0].get("created", "") if versions and isinstance(versions[0], dict) else ""
    meta = _meta(authors=_snapshot_authors(record), year=_year(created) or _year(record.get("update_date")),
                 venue=record.get("journal-ref"), doi=_bare_doi(record.get("doi")), arxiv_id=arxiv_id,
                 url=f"https://arxiv.org/abs/{arxiv_id}", categories=record.get("categories"),
                 update_date=record.get("update_date"))
    return make_paper(arxiv_id, str(record["abstract"]), str(path), str(record.get("title") or ""), meta)


def _snapshot_authors(record: dict) -> list[str]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:  # [last, first, suffix]
        return [", ".join(p for p in (part[0], " ".join(part[1:])) if p.strip()) for part in parsed if part]
    return [a.strip() for a in re.split(r",\s*|\s+and\s+", str(record.get("authors") or "")) if a.strip()]


def openalex_abstract(index: dict[str, list[int]]) -> str:
    """OpenAlex's `abstract_inverted_index` (word → positions) back to the text."""
    positions = {pos: word for word, places in index.items() for pos in places}
    return " ".join(positions[p] for p in sorted(positions))


def _openalex_paper(record: dict, path: Path, where: str) -> Paper:
    """An OpenAlex work: id = the OpenAlex id (`W…`), else the DOI."""
    doi = _bare_doi(record.get("doi"))
    pid = str(record.get("id") or "").rstrip("/").rsplit("/", 1)[-1] or doi
    if not pid:
        raise ReadError(path, where, "no id")
    index = record.get("abstract_inverted_index")
    if not isinstance(index, dict) or not index:
        raise _no_abstract(path, f"{where} ({pid})")
    source = ((record.get("primary_location") or {}).get("source") or {})
    authors = [((a or {}).get("author") or {}).get("display_name") for a in record.get("authorships") or []]
    keywords = [k.get("display_name") if isinstance(k, dict) else k for k in record.get("keywords") or []]
    meta = _meta(authors=authors, year=record.get("publication_year"), venue=source.get("display_name"),
                 doi=doi, arxiv_id="", keywords=keywords, url=record.get("id"))
    title = record.get("title") or record.get("display_name") or ""
    return make_paper(pid, openalex_abstract(index), str(path), str(title), meta)


def read_openalex_json(path: Path, report: ReadReport) -> Iterator[Paper]:
    """OpenAlex works as JSON: one work, a list of works, or an API page `{"results": [...]}`."""
    try:
        data = json.loads(read_text(path, report))
    except json.JSONDecodeError as exc:
        raise ReadError(path, f"line {exc.lineno}", f"invalid JSON ({exc.msg})") from None
    except ValueError:  # Python refuses integers of over 4,300 digits
        raise ReadError(path, "", "invalid JSON (number too long)") from None
    except RecursionError:
        raise ReadError(path, "", "invalid JSON (nested too deeply)") from None
    works = data.get("results") if isinstance(data, dict) and "results" in data else data
    works = [works] if isinstance(works, dict) else works
    if not isinstance(works, list) or not any(isinstance(w, dict) and "abstract_inverted_index" in w for w in works):
        raise ReadError(path, "", "not OpenAlex works (JSON objects with abstract_inverted_index)")
    for n, work in enumerate(works, 1):
        where = f"work {n}"
        if not isinstance(work, dict) or "abstract_inverted_index" not in work:
            report.skip(path, where, "not an OpenAlex work (no abstract_inverted_index)")
            continue
        paper = _guard(path, where, report, partial(_openalex_paper, work, path, where))
        if paper:
            yield paper


READERS: dict[str, Callable[..., Iterator[Paper]]] = {
    ".txt": read_seed_file, ".jsonl": read_jsonl, ".csv": read_csv, ".tsv": read_tsv, ".bib": read_bibtex,
    ".ris": read_ris, ".xml": read_atom, ".atom": read_atom, ".json": read_openalex_json,
}
COLUMN_READERS = (".jsonl", ".csv", ".tsv")  # the readers that take `Columns`


def input_files(inputs: Iterable[str | Path], report: ReadReport | None = None) -> list[Path]:
    """Files named on the command line, directories expanded to their supported files (sorted).

    A named file that is missing or of an unsupported type is a `ReadError` (a typo should not
    pass as a skip); a subdirectory that cannot be listed is reported and passed over."""
    report = report if report is not None else ReadReport(fail_fast=True)
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found: list[Path] = []
            failed = lambda exc: report.skip(exc.filename or path, "", f"cannot list directory ({exc.strerror})")
            for folder, _dirs, names in os.walk(path, onerror=failed):
                found.extend(Path(folder, name) for name in names if Path(name).suffix.lower() in READERS)
            files.extend(sorted(p for p in found if p.is_file()))
        elif path.is_file():
            if path.suffix.lower() not in READERS:
                raise ReadError(path, "", f"unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
            files.append(path)
        else:
            raise ReadError(path, "", "no such file or directory")
    return files


def _reader(suffix: str, columns: Columns) -> Callable[[Path, ReadReport], Iterator[Paper]]:
    return partial(READERS[suffix], columns=columns) if suffix in COLUMN_READERS else READERS[suffix]


def read_papers(inputs: Iterable[str | Path], columns: Columns = Columns(),
                report: ReadReport | None = None) -> Iterator[Paper]:
    """Every usable paper of every input, in order; problems go to `report` (see the module
    docstring for what is skipped and what repaired). Without a report the first skip raises."""
    report = report if report is not None else ReadReport(fail_fast=True)
    ids: dict[str, str] = {}
    abstracts: dict[bytes, str] = {}  # digest of the case-folded text → id of the paper that had it first
    for path in input_files(inputs, report):
        suffix = path.suffix.lower()
        reader = _reader(suffix, columns)
        found = len(report.problems)
        papers = 0
        try:
            if path.stat().st_size == 0:
                raise ReadError(path, "", "empty file")
            for paper in reader(path, report):
                paper = _checked(paper, path, report, ids, abstracts)
                if paper:
                    papers += 1
                    yield paper
        except ReadError as exc:
            if report.fail_fast:
                raise
            report.skip_error(exc)
        except OSError as exc:
            report.skip(path, "", f"cannot read ({exc.strerror or exc})")
        except RecursionError:
            report.skip(path, "", "cannot read (nested too deeply)")
        if not papers and len(report.problems) == found:
            report.skip(path, "", "no abstracts in this file")


def count_records(inputs: Iterable[str | Path], columns: Columns = Columns()) -> int:
    """About how many papers `read_papers` will yield, for a progress bar's total, without its
    costly checks: the non-blank lines of a JSONL file (not even parsed), the records the other
    readers find (those formats come from reference managers, not in millions). Duplicates,
    skips and unreadable files are counted as they come; the bar's total is a forecast."""
    total = 0
    quiet = ReadReport()  # the build's own reading reports every problem once
    for path in input_files(inputs, quiet):
        suffix = path.suffix.lower()
        try:
            if suffix == ".jsonl":
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            else:
                reader = _reader(suffix, columns)
                total += sum(1 for _ in reader(path, quiet))
        except (ReadError, OSError, RecursionError):
            continue
    return total


def _checked(paper: Paper, path: Path, report: ReadReport, ids: dict[str, str],
             abstracts: dict[bytes, str]) -> Paper | None:
    """The paper, truncated if too long; None (reported) for a duplicate or unsupported language."""
    where = f"paper {paper.id}"
    if paper.id in ids:
        report.skip(path, where, f"paper id {paper.id!r} already used in {ids[paper.id]} (first kept)")
        return None
    plain = strip_html(paper.text)
    if plain != paper.text:
        report.repair(path, where, "HTML markup removed")
        paper = replace(paper, text=plain)
    collapsed = _RUN.sub(lambda m: m.group(1) * MAX_RUN, paper.text)
    if collapsed != paper.text:
        report.repair(path, where, f"runs of one character repeated over {MAX_RUN} times cut to {MAX_RUN}")
        paper = replace(paper, text=collapsed)
    if len(paper.text) > MAX_ABSTRACT_CHARS:
        report.repair(path, where, f"abstract of {len(paper.text)} characters cut to {MAX_ABSTRACT_CHARS}")
        paper = replace(paper, text=truncate_text(paper.text))
    reason = unsupported_language(paper.text)
    if reason:
        report.skip(path, where, reason)
        return None
    digest = abstract_digest(paper.text)
    if digest in abstracts:
        report.skip(path, where, f"same abstract as paper {abstracts[digest]!r} (first kept)")
        return None
    ids[paper.id] = str(path)
    abstracts[digest] = paper.id
    return replace(paper, digest=digest)


def abstract_digest(text: str) -> bytes:
    """What makes two abstracts the same one, case aside. A digest, not the text: a streamed
    corpus must not keep every abstract to find repeats, nor a workspace to refuse them later."""
    return hashlib.blake2b(text.casefold().encode("utf-8"), digest_size=16).digest()
