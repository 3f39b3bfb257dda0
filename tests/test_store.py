"""The extraction cache: what it keys on, that it round-trips, that a version bump empties it and
that a process killed between batches leaves a readable store holding exactly the finished ones."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from kg.model import AcronymDef, Extraction, Mention, Paper
from kg.store import ExtractionStore, StoreError, extraction_key


def _extraction() -> Extraction:
    return Extraction("a:1", "en",
                      [Mention("graph neural network", "Graph Neural Networks", "en", 4, "network", "graph neural network"),
                       Mention("gnn", "GNNs", "en", 27, "gnn", "GNN")],
                      [AcronymDef("GNN", "graph neural network", "graph neural networks", "en")],
                      "图 神经 网络 | 模型")


def test_key_depends_on_text_language_variant_and_version_not_on_id():
    paper = Paper("a:1", "t", "Graph neural networks.", "en")
    assert extraction_key(paper) == extraction_key(Paper("b:7", "other title", paper.text, "en"))
    others = {extraction_key(Paper("a:1", "t", paper.text + " ", "en")),
              extraction_key(Paper("a:1", "t", paper.text, "zh")),
              extraction_key(paper, variant="zh-plain"),
              extraction_key(paper, version="999")}
    assert extraction_key(paper) not in others and len(others) == 4


def test_round_trip_keeps_every_field(tmp_path):
    with ExtractionStore(tmp_path / "x.sqlite") as store:
        store.put_many({"k1": _extraction()})
    with ExtractionStore(tmp_path / "x.sqlite") as store:
        found = store.get_many(["k1", "missing"])
    assert list(found) == ["k1"]
    got, want = found["k1"], _extraction()
    assert (got.lang, got.mentions, got.acronyms, got.segments) == (want.lang, want.mentions, want.acronyms, want.segments)
    assert got.paper_id == ""  # the caller names the paper: one text can be several papers


def test_other_extractor_version_empties_the_store(tmp_path):
    with ExtractionStore(tmp_path / "x.sqlite", version="1") as store:
        store.put_many({"k1": _extraction()})
        assert len(store) == 1
    with ExtractionStore(tmp_path / "x.sqlite", version="1") as store:
        assert len(store) == 1
    with ExtractionStore(tmp_path / "x.sqlite", version="2") as store:
        assert len(store) == 0 and store.get_many(["k1"]) == {}


def test_a_store_of_the_old_layout_is_emptied_and_works(tmp_path):
    """Stores written before `segments` had its column (the layout had no format stamp)."""
    path = tmp_path / "x.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE extractions (key TEXT PRIMARY KEY, lang TEXT NOT NULL, mentions TEXT NOT NULL, "
                   "acronyms TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('extractor_version', '4')")
        db.execute("INSERT INTO extractions VALUES ('k0', 'en', '[]', '[]')")
    db.close()
    with ExtractionStore(path, version="4") as store:
        assert len(store) == 0
        store.put_many({"k1": _extraction()})
        assert store.get_many(["k1"])["k1"].segments == _extraction().segments


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path):
    path = tmp_path / "x.sqlite"
    path.write_text("not a database at all, just some text " * 20)
    with pytest.raises(StoreError, match="x.sqlite"):
        ExtractionStore(path)


def test_killed_writer_leaves_the_finished_batches(tmp_path):
    """A child process commits two batches, starts a third and is SIGKILLed inside its
    transaction: the store opens and holds exactly the two committed batches."""
    path = tmp_path / "x.sqlite"
    child = textwrap.dedent(f"""
        import os, signal, sys
        from kg.store import ExtractionStore
        from kg.model import Extraction, Mention
        store = ExtractionStore({str(path)!r})
        def batch(n):
            return {{f"{{n}}-{{i}}": Extraction("", "en", [Mention("k", "s", "en")] * 50) for i in range(200)}}
        store.put_many(batch(1))
        store.put_many(batch(2))
        db = store._db
        db.execute("BEGIN")
        db.executemany("INSERT INTO extractions VALUES (?, 'en', '[]', '[]', '')", [(f"3-{{i}}",) for i in range(200)])
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", child], env=env)
    assert result.returncode == -signal.SIGKILL
    with ExtractionStore(path) as store:
        assert len(store) == 400
        assert set(store.get_many(["1-0", "2-199", "3-0"])) == {"1-0", "2-199"}
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
