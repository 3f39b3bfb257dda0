"""Readers: files of abstracts → `Paper` records, one at a time.

Supported: the seed text format (abstracts each followed by a line `translated by 谷歌翻译`),
JSONL and CSV with `id`, `title`, `abstract` columns. Every problem is reported as a
`ReadError` naming the file and the record, never as a traceback.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.model import Paper

SEED_SEPARATOR = "translated by 谷歌翻译"
SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".csv")
TEXT_COLUMNS = ("abstract", "text", "abstract_en")

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
    return Paper(pid, title.strip() or derive_title(text, lang), text, lang, source, meta or {})


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


def _record_to_paper(record: dict, path: Path, where: str) -> Paper:
    text = next((record[c] for c in TEXT_COLUMNS if isinstance(record.get(c), str) and record[c].strip()), "")
    if not text:
        raise ReadError(f"{path}: {where}: no abstract (expected one of the columns {', '.join(TEXT_COLUMNS)})")
    pid = "" if record.get("id") is None else str(record["id"]).strip()  # id 0 is an id
    if not pid:
        raise ReadError(f"{path}: {where}: no id")
    meta = {k: str(v) for k, v in sorted(record.items()) if k not in ("id", "title", *TEXT_COLUMNS) and v not in (None, "")}
    return make_paper(pid, text, str(path), str(record.get("title") or ""), meta)


def read_jsonl(path: Path) -> Iterator[Paper]:
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
            yield _record_to_paper(record, path, f"line {lineno}")


def read_csv(path: Path) -> Iterator[Paper]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "id" not in reader.fieldnames:
            raise ReadError(f"{path}: line 1: CSV header must have columns id, title, abstract")
        for record in reader:
            yield _record_to_paper(record, path, f"line {reader.line_num}")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path}: byte {exc.start}: not UTF-8 text") from None


READERS = {".txt": read_seed_file, ".jsonl": read_jsonl, ".csv": read_csv}


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


def read_papers(inputs: Iterable[str | Path]) -> Iterator[Paper]:
    """Every paper of every input, in order; duplicate ids are an error naming both places."""
    seen: dict[str, str] = {}
    for path in input_files(inputs):
        try:
            for paper in READERS[path.suffix.lower()](path):
                if paper.id in seen:
                    raise ReadError(f"{path}: paper id {paper.id!r} already used in {seen[paper.id]}")
                seen[paper.id] = str(path)
                yield paper
        except OSError as exc:
            raise ReadError(f"{path}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ReadError(f"{path}: not UTF-8 text") from None
