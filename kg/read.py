"""Readers: files of abstracts → `Paper` records, one at a time.

Supported: the seed text format (abstracts each followed by a line `translated by 谷歌翻译`),
JSONL, CSV and TSV with `id`, `title`, `abstract` columns (names configurable with `Columns`),
reference-manager exports (BibTeX, RIS), arXiv API Atom feeds, the arXiv metadata snapshot
(JSONL) and OpenAlex works (JSON/JSONL). Bibliographic metadata is kept in `Paper.meta` as
strings: authors and keywords joined with "; ", year, venue, doi, arxiv_id, url. Every problem
is reported as a `ReadError` naming the file and the record, never as a traceback.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kg.model import Paper

SEED_SEPARATOR = "translated by 谷歌翻译"
SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".csv", ".tsv", ".bib", ".ris", ".xml", ".atom", ".json")
TEXT_COLUMNS = ("abstract", "text", "abstract_en")
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ARXIV_VERSION = re.compile(r"v\d+$")


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
_LATIN = re.compile(r"[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")  # "GPT-3.5" is no sentence end


class ReadError(ValueError):
    """Input that cannot be used; the message names the file and record."""


def detect_language(text: str) -> str:
    """"zh" when Chinese characters outnumber a third of the letters, else "en"."""
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk > 0 and cjk >= latin_words else "en"


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
    text = " ".join(text.split())
    lang = detect_language(text)
    return Paper(pid, " ".join(title.split()) or derive_title(text, lang), text, lang, source, meta or {})


def read_seed_file(path: Path) -> Iterator[Paper]:
    """Abstracts separated by `translated by 谷歌翻译` lines; ids `{stem}:{n}` from 1."""
    lines: list[str] = []
    n = 0
    for line in _read_text(path).splitlines():
        if line.strip() == SEED_SEPARATOR:
            if any(part.strip() for part in lines):
                n += 1
                yield make_paper(f"{path.stem}:{n}", " ".join(lines), str(path))
            lines = []
        else:
            lines.append(line)
    if any(part.strip() for part in lines):
        n += 1
        yield make_paper(f"{path.stem}:{n}", " ".join(lines), str(path))


def _record_to_paper(record: dict, path: Path, where: str, columns: Columns = Columns()) -> Paper:
    texts = columns.texts
    text = next((record[c] for c in texts if isinstance(record.get(c), str) and record[c].strip()), "")
    if not text:
        raise ReadError(f"{path}: {where}: no abstract (expected one of the columns {', '.join(texts)})")
    pid = "" if record.get(columns.id) is None else str(record[columns.id]).strip()  # id 0 is an id
    if not pid:
        raise ReadError(f"{path}: {where}: no id (column {columns.id})")
    used = (columns.id, columns.title, *texts)
    meta = {k: str(v) for k, v in sorted(record.items()) if k not in used and v not in (None, "")}
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
    return ReadError(f"{path}: {where}: no abstract")


def _bare_doi(doi: object) -> str:
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", str(doi or "").strip(), flags=re.I)


def _year(value: object) -> str:
    match = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", str(value or ""))
    return match.group(1) if match else ""


def read_jsonl(path: Path, columns: Columns = Columns()) -> Iterator[Paper]:
    """One JSON object per line: OpenAlex works, arXiv snapshot records or plain records."""
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReadError(f"{path}: line {lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise ReadError(f"{path}: line {lineno}: expected a JSON object")
            yield _json_record_to_paper(record, path, f"line {lineno}", columns)


def _json_record_to_paper(record: dict, path: Path, where: str, columns: Columns) -> Paper:
    if "abstract_inverted_index" in record:
        return _openalex_paper(record, path, where)
    if "categories" in record and ("update_date" in record or "versions" in record):
        return _arxiv_snapshot_paper(record, path, where)
    return _record_to_paper(record, path, where, columns)


def read_csv(path: Path, columns: Columns = Columns(), delimiter: str = ",") -> Iterator[Paper]:
    kind = "TSV" if delimiter == "\t" else "CSV"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        if reader.fieldnames is None or columns.id not in reader.fieldnames:
            raise ReadError(f"{path}: line 1: {kind} header must have columns {columns.id}, {columns.title}, "
                            f"{'/'.join(columns.texts)}")
        for record in reader:
            yield _record_to_paper(record, path, f"line {reader.line_num}", columns)


def read_tsv(path: Path, columns: Columns = Columns()) -> Iterator[Paper]:
    return read_csv(path, columns, delimiter="\t")


# ------------------------------------------------------------------ reference managers


def read_bibtex(path: Path) -> Iterator[Paper]:
    """BibTeX (Zotero, Mendeley, JabRef exports): id = entry key; LaTeX accents decoded."""
    import bibtexparser
    from bibtexparser import middlewares

    library = bibtexparser.parse_string(
        _read_text(path),
        append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()])
    if library.failed_blocks:
        block = min(library.failed_blocks, key=lambda b: b.start_line)
        reason = "duplicate entry key" if type(block).__name__ == "DuplicateBlockKeyBlock" else "cannot parse entry"
        raise ReadError(f"{path}: line {block.start_line + 1}: {reason}")
    for entry in library.entries:
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        value = lambda name: fields[name].value if name in fields else ""
        where = f"entry {entry.key} (line {entry.start_line + 1})"
        text = value("abstract")
        if not str(text).strip():
            raise _no_abstract(path, where)
        keywords = [k.strip() for k in re.split(r"[;,]", str(value("keywords"))) if k.strip()]
        arxiv = value("eprint") if str(value("archiveprefix")).lower() == "arxiv" else ""
        meta = _meta(authors=value("author"), year=value("year") or _year(value("date")),
                     venue=value("journal") or value("journaltitle") or value("booktitle") or value("publisher"),
                     doi=_bare_doi(value("doi")), arxiv_id=arxiv, keywords=keywords, url=value("url"))
        yield make_paper(entry.key, str(text), str(path), str(value("title")), meta)


def read_ris(path: Path) -> Iterator[Paper]:
    """RIS (EndNote, Zotero, Mendeley exports): id = `ID` tag, else the DOI, else `{stem}:{n}`."""
    import rispy

    text = _read_text(path)
    starts = [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*TY  - ", line)]
    try:
        records = rispy.loads(text)
    except Exception as exc:  # rispy reports malformed files with assorted exceptions
        raise ReadError(f"{path}: cannot parse RIS ({exc})") from None
    if len(records) != len(starts):
        raise ReadError(f"{path}: {len(starts)} records start with TY but {len(records)} end with ER")
    for n, (record, line) in enumerate(zip(records, starts), 1):
        get = lambda *names: next((record[k] for k in names if record.get(k)), "")
        where = f"record {n} (line {line})"
        abstract = get("abstract", "notes_abstract")
        if not str(abstract).strip():
            raise _no_abstract(path, where)
        doi = _bare_doi(get("doi"))
        pid = str(get("id")).strip() or doi or f"{path.stem}:{n}"
        urls = get("urls")
        meta = _meta(authors=[*record.get("first_authors", []), *record.get("authors", [])],
                     year=_year(get("year", "publication_year", "date")),
                     venue=get("secondary_title", "journal_name", "alternate_title3", "alternate_title1"),
                     doi=doi, keywords=get("keywords"), url=urls[0] if isinstance(urls, list) else urls)
        yield make_paper(pid, str(abstract), str(path), str(get("title", "primary_title")), meta)


# ------------------------------------------------------------------ arXiv and OpenAlex


def _arxiv_id(value: str) -> str:
    """`http://arxiv.org/abs/2101.00001v2` → `2101.00001` (the version is not part of the id)."""
    return _ARXIV_VERSION.sub("", value.strip().split("/abs/", 1)[-1])


def read_atom(path: Path) -> Iterator[Paper]:
    """A saved arXiv API response (Atom); parsed without DTDs or external entities."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(_read_text(path).encode("utf-8"))
    except ParseError as exc:
        raise ReadError(f"{path}: line {exc.position[0]}: invalid XML") from None
    except DefusedXmlException as exc:
        raise ReadError(f"{path}: refused XML with DTD or entities ({type(exc).__name__})") from None
    if root.tag != f"{ATOM}feed":
        raise ReadError(f"{path}: not an Atom feed (root element {root.tag})")
    for n, entry in enumerate(root.iter(f"{ATOM}entry"), 1):
        text = lambda tag: " ".join((entry.findtext(tag) or "").split())
        arxiv_id = _arxiv_id(text(f"{ATOM}id"))
        where = f"entry {n} ({arxiv_id or 'no id'})"
        if not arxiv_id:
            raise ReadError(f"{path}: {where}: no id")
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
        yield make_paper(arxiv_id, text(f"{ATOM}summary"), str(path), text(f"{ATOM}title"), meta)


def _arxiv_snapshot_paper(record: dict, path: Path, where: str) -> Paper:
    """A record of the arXiv metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`)."""
    arxiv_id = _arxiv_id(str(record.get("id") or ""))
    if not arxiv_id:
        raise ReadError(f"{path}: {where}: no id")
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
        raise ReadError(f"{path}: {where}: no id")
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


def read_openalex_json(path: Path) -> Iterator[Paper]:
    """OpenAlex works as JSON: one work, a list of works, or an API page `{"results": [...]}`."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ReadError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
    works = data.get("results") if isinstance(data, dict) and "results" in data else data
    works = [works] if isinstance(works, dict) else works
    if not isinstance(works, list) or not all(isinstance(w, dict) and "abstract_inverted_index" in w for w in works):
        raise ReadError(f"{path}: not OpenAlex works (JSON objects with abstract_inverted_index)")
    for n, work in enumerate(works, 1):
        yield _openalex_paper(work, path, f"work {n}")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path}: byte {exc.start}: not UTF-8 text") from None


READERS: dict[str, Callable[..., Iterator[Paper]]] = {
    ".txt": read_seed_file, ".jsonl": read_jsonl, ".csv": read_csv, ".tsv": read_tsv, ".bib": read_bibtex,
    ".ris": read_ris, ".xml": read_atom, ".atom": read_atom, ".json": read_openalex_json,
}
COLUMN_READERS = (".jsonl", ".csv", ".tsv")  # the readers that take `Columns`


def input_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line, directories expanded to their supported files (sorted)."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READERS))
        elif path.is_file():
            if path.suffix.lower() not in READERS:
                raise ReadError(f"{path}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
            files.append(path)
        else:
            raise ReadError(f"{path}: no such file or directory")
    return files


def read_papers(inputs: Iterable[str | Path], columns: Columns = Columns()) -> Iterator[Paper]:
    """Every paper of every input, in order; duplicate ids are an error naming both places."""
    seen: dict[str, str] = {}
    for path in input_files(inputs):
        suffix = path.suffix.lower()
        reader = partial(READERS[suffix], columns=columns) if suffix in COLUMN_READERS else READERS[suffix]
        try:
            for paper in reader(path):
                if paper.id in seen:
                    raise ReadError(f"{path}: paper id {paper.id!r} already used in {seen[paper.id]}")
                seen[paper.id] = str(path)
                yield paper
        except OSError as exc:
            raise ReadError(f"{path}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ReadError(f"{path}: not UTF-8 text") from None
