"""extract_corpus in a process of its own: the same corpus, progress and errors as in this one."""

from __future__ import annotations

import gc
import pickle
from dataclasses import replace

import pytest

from kg import apart, pipeline
from kg.apart import extract_corpus_apart
from kg.read import Problem, ReadError, ReadReport


def test_the_same_corpus_as_extracting_here(seed_graph, seeds_dir):
    steps: list[str] = []
    extracted: list[int] = []
    corpus = extract_corpus_apart([seeds_dir], on_progress=extracted.append, on_step=steps.append)
    here = seed_graph.corpus
    assert [p.id for p in corpus.papers] == [p.id for p in here.papers]
    assert corpus.concepts == here.concepts
    assert corpus.occurrences == here.occurrences
    assert corpus.dropped == here.dropped
    assert sum(extracted) == len(here.papers)
    assert steps[-1] == "linking concepts"


def test_the_read_report_comes_back(tmp_path):
    (tmp_path / "in.jsonl").write_text('{"id": "a", "abstract": "Graph neural networks learn node embeddings."}\n'
                                       '{"id": "b", "abstract": ""}\n', encoding="utf-8")
    report = ReadReport()
    corpus = extract_corpus_apart([tmp_path / "in.jsonl"], report=report)
    assert [p.id for p in corpus.papers] == ["a"]
    assert [(p.record, p.kind) for p in report.problems] == [("line 2", "skipped")]


@pytest.mark.parametrize("fail_fast, error", [(False, pipeline.BuildError), (True, ReadError)])
def test_errors_are_raised_here_with_their_messages(tmp_path, fail_fast, error, capfd):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "b", "abstract": ""}\n', encoding="utf-8")
    with pytest.raises(error) as here:
        pipeline.extract_corpus([path], report=ReadReport(fail_fast=fail_fast))
    with pytest.raises(error) as apart:
        extract_corpus_apart([path], report=ReadReport(fail_fast=fail_fast))
    assert str(apart.value) == str(here.value) and str(path) in str(apart.value)
    assert "Traceback" not in capfd.readouterr().err  # the process that raised it ended by itself


def test_a_read_error_pickles_whole():
    error = pickle.loads(pickle.dumps(ReadError("in.csv", "row 3", "no abstract")))
    assert (error.file, error.record, error.reason, str(error)) == ("in.csv", "row 3", "no abstract",
                                                                      "in.csv: row 3: no abstract")


def test_a_killed_process_is_a_build_error(seeds_dir, kill_worker_processes):
    with pytest.raises(pipeline.BuildError, match="ended early"):
        extract_corpus_apart([seeds_dir], on_step=kill_worker_processes)


def test_a_corpus_written_in_chunks_reads_back_equal(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(apart, "TIES_PER_CHUNK", 2)  # several chunks out of a few ties
    problems = [Problem("in.csv", "row 3", "skipped", "no abstract")]
    path = tmp_path / "corpus.pickle"
    with path.open("wb") as file:
        apart.write_corpus(file, small_corpus, problems)
    with path.open("rb") as file:
        corpus, read_problems = apart.read_corpus(file)
    assert read_problems == problems
    assert replace(corpus, occurrences={}) == replace(small_corpus, occurrences={})
    assert list(corpus.occurrences.items()) == [(pk, tuple(s)) for pk, s in small_corpus.occurrences.items()]
    # one string object for each key, shared with the concepts, as one pickle would share it
    assert all(key is next(k for k in corpus.concepts if k == key) for _, key in corpus.occurrences)


def test_reading_a_corpus_pauses_the_cycle_collector_and_makes_no_cycles(small_corpus, tmp_path, monkeypatch):
    """Millions of objects at 100,000 papers, which the collector's full collections went over
    again and again: reading them with it paused is safe as long as they make no cycles."""
    path = tmp_path / "corpus.pickle"
    with path.open("wb") as file:
        apart.write_corpus(file, small_corpus, [])
    seen = []
    add_flat_ties = apart.add_flat_ties
    monkeypatch.setattr(apart, "add_flat_ties", lambda *a: seen.append(gc.isenabled()) or add_flat_ties(*a))
    gc.collect()
    with pipeline.cyclic_gc_paused():
        with path.open("rb") as file:
            corpus, _ = apart.read_corpus(file)
        assert gc.collect() == 0  # unreachable objects found: none
    with path.open("rb") as file:
        assert apart.read_corpus(file)[0] == corpus
    assert seen and not any(seen) and gc.isenabled()
