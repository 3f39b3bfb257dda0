"""Extraction cache: an embedded SQLite file in the workspace, so a rebuild only extracts new text.

An entry is keyed by the sha256 of what decides the extraction's output: the extractor version
(`kg.extract.EXTRACTOR_VERSION`), the extractor's variant (Chinese with or without the glossary
words given to jieba), the language and the text. The paper id is not part of the key: the same
abstract under two ids is extracted once. Every `put` is one transaction, so a build killed
halfway leaves the batches it finished and nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from kg.extract import EXTRACTOR_VERSION
from kg.model import AcronymDef, Extraction, Mention, Paper

STORE_FILE = "extractions.sqlite"

#: The layout of the extractions table; a store of another layout is emptied like one of
#: another extractor version (entries are only ever a cache).
STORE_FORMAT = "2"

_META = "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
_EXTRACTIONS = """
CREATE TABLE IF NOT EXISTS extractions (
    key TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    mentions TEXT NOT NULL,
    acronyms TEXT NOT NULL,
    segments TEXT NOT NULL
)
"""


class StoreError(RuntimeError):
    """The cache file cannot be opened or is not kg's."""


def extraction_key(paper: Paper, variant: str = "", version: str = EXTRACTOR_VERSION) -> str:
    data = "\0".join((version, variant, paper.lang, paper.text)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _encode(extraction: Extraction) -> tuple[str, str, str]:
    mentions = [m.as_tuple() for m in extraction.mentions]
    acronyms = [a.as_tuple() for a in extraction.acronyms]
    dump = lambda rows: json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return dump(mentions), dump(acronyms), extraction.segments


def _decode(paper_id: str, lang: str, mentions: str, acronyms: str, segments: str) -> Extraction:
    return Extraction(paper_id, lang, [Mention(*row) for row in json.loads(mentions)],
                      [AcronymDef(*row) for row in json.loads(acronyms)], segments)


class ExtractionStore:
    """Cached extractions by content key. Opening a store written by another extractor version
    empties it: its entries could never be hit again and would only take space."""

    def __init__(self, path: str | Path, version: str = EXTRACTOR_VERSION):
        self.path = Path(path)
        self.version = version
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.execute(_META)
            stamp = dict(self._db.execute(
                "SELECT name, value FROM meta WHERE name IN ('extractor_version', 'store_format')").fetchall())
            if stamp != {"extractor_version": version, "store_format": STORE_FORMAT}:
                with self._db:
                    self._db.execute("DROP TABLE IF EXISTS extractions")
                    self._db.execute("INSERT OR REPLACE INTO meta VALUES ('extractor_version', ?)", (version,))
                    self._db.execute("INSERT OR REPLACE INTO meta VALUES ('store_format', ?)", (STORE_FORMAT,))
            self._db.execute(_EXTRACTIONS)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a kg extraction cache ({exc})") from None

    def get_many(self, keys: Iterable[str]) -> dict[str, Extraction]:
        """Cached extractions of `keys` (the ones present), with an empty paper id."""
        found: dict[str, Extraction] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):  # SQLite's bound-parameter limit
            chunk = unique[start:start + 500]
            rows = self._db.execute(
                f"SELECT key, lang, mentions, acronyms, segments FROM extractions WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for key, lang, mentions, acronyms, segments in rows:
                found[key] = _decode("", lang, mentions, acronyms, segments)
        return found

    def put_many(self, entries: Mapping[str, Extraction]) -> None:
        """Store a batch in one transaction (all or nothing, even under kill -9)."""
        rows = [(key, ex.lang, *_encode(ex)) for key, ex in entries.items()]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ExtractionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
