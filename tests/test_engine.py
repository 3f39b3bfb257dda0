"""Streamed extraction: same results in batches, in worker processes and on Dask as in one
call; the cache means a grown input extracts only its new papers; an interrupted run resumes."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterable
from pathlib import Path

import pytest

from kg import pipeline
from kg.engine import EngineError, EngineOptions, ExtractorConfig, extract_stream
from kg.extract import Extractor
from kg.model import Extraction, Paper
from kg.read import make_paper, read_papers

NEW_ABSTRACTS = [
    "We study contrastive pretraining of vision transformers for satellite image segmentation.",
    "A sparse mixture of experts reduces the inference cost of large language models.",
    "我们提出一种用于药物发现的图神经网络模型。",
]


class CountingExtractor(Extractor):
    """The real extractor, counting the papers it is asked to extract."""

    def __init__(self, inner: Extractor):
        super().__init__(inner.english, inner.chinese)
        self.extracted: list[str] = []

    def extract(self, papers: Iterable[Paper]) -> list[Extraction]:
        papers = list(papers)
        self.extracted += [p.id for p in papers]
        return super().extract(papers)


@pytest.fixture(scope="module")
def seed_papers(seeds_dir) -> list[Paper]:
    return list(read_papers([seeds_dir]))


@pytest.fixture(scope="module")
def reference(seed_papers, extractor) -> list[Extraction]:
    return extractor.extract(seed_papers)


def _as_tuples(extractions: Iterable[Extraction]) -> list[tuple]:
    return [(e.paper_id, e.lang, e.mentions, e.acronyms) for e in extractions]


def test_batches_give_the_one_call_result_and_drop_texts(seed_papers, reference, extractor):
    out = list(extract_stream(seed_papers, engine=EngineOptions(batch_size=3), extractor=extractor))
    assert [p.id for p, _ in out] == [p.id for p in seed_papers]
    assert all(p.text == "" and p.title for p, _ in out)
    assert _as_tuples(e for _, e in out) == _as_tuples(reference)


def test_two_worker_processes_give_the_same_extractions(seed_papers, reference):
    out = extract_stream(seed_papers, ExtractorConfig(), EngineOptions(workers=2, batch_size=4))
    assert _as_tuples(e for _, e in out) == _as_tuples(reference)


def _write_jsonl(path: Path, texts: list[str], prefix: str) -> None:
    rows = [{"id": f"{prefix}{i}", "title": f"T{i}", "abstract": t} for i, t in enumerate(texts)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_rebuild_with_grown_input_extracts_only_the_new_papers(tmp_path, seeds_dir, extractor, seed_papers):
    counting = CountingExtractor(extractor)
    engine = EngineOptions(batch_size=8, cache=tmp_path / "out" / "extractions.sqlite")
    first = pipeline.build([seeds_dir], extractor=counting, engine=engine)
    assert sorted(counting.extracted) == sorted(p.id for p in seed_papers)

    _write_jsonl(tmp_path / "new.jsonl", NEW_ABSTRACTS, "new:")
    counting.extracted.clear()
    grown = pipeline.build([seeds_dir, tmp_path / "new.jsonl"], extractor=counting, engine=engine)
    assert counting.extracted == ["new:0", "new:1", "new:2"]
    assert len(grown.corpus.papers) == len(first.corpus.papers) + 3

    counting.extracted.clear()
    again = pipeline.build([seeds_dir], extractor=counting, engine=engine)
    assert counting.extracted == []
    first.save(tmp_path / "a")
    again.save(tmp_path / "b")
    for name in ("graph.graphml", "concepts.graphml", "papers.graphml", "rankings.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_same_text_under_two_ids_is_extracted_once(tmp_path, extractor):
    counting = CountingExtractor(extractor)
    # the readers skip a repeated abstract; papers built in Python may still repeat one
    papers = [make_paper(f"d:{i}", NEW_ABSTRACTS[0], "dup") for i in range(2)]
    out = list(extract_stream(papers, engine=EngineOptions(), extractor=counting))
    assert len(counting.extracted) == 1
    assert [e.paper_id for _, e in out] == ["d:0", "d:1"] and out[0][1].mentions == out[1][1].mentions


def test_interrupted_run_resumes_without_redoing_finished_batches(tmp_path, seed_papers, extractor):
    counting = CountingExtractor(extractor)
    engine = EngineOptions(batch_size=5, cache=tmp_path / "extractions.sqlite")

    def interrupt_after_two_batches(done: list[int] = []) -> None:
        done.append(1)
        if len(done) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        for _ in extract_stream(seed_papers, engine=engine, extractor=counting,
                                on_progress=lambda n: interrupt_after_two_batches()):
            pass
    assert len(counting.extracted) == 10
    counting.extracted.clear()
    out = list(extract_stream(seed_papers, engine=engine, extractor=counting))
    assert counting.extracted == [p.id for p in seed_papers[10:]]
    assert len(out) == len(seed_papers)


def test_an_extraction_worker_that_dies_is_a_clear_error(seed_papers, kill_worker_processes):
    with pytest.raises(EngineError, match="an extraction worker process died"):
        list(extract_stream(seed_papers, engine=EngineOptions(workers=2, batch_size=2), on_progress=kill_worker_processes))
    assert not multiprocessing.active_children()


def test_unknown_engine_is_refused(seed_papers):
    with pytest.raises(EngineError, match="unknown engine"):
        list(extract_stream(seed_papers, engine=EngineOptions(engine="spark")))


def test_dask_local_cluster_builds_the_same_files_byte_for_byte(tmp_path, seeds_dir, seed_out):
    pytest.importorskip("dask.distributed")
    graph = pipeline.build([seeds_dir], engine=EngineOptions(engine="dask", workers=2, batch_size=6))
    graph.save(tmp_path)
    names = sorted(p.name for p in seed_out.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (seed_out / name).read_bytes(), name


def test_unreachable_scheduler_is_a_clear_error(seed_papers):
    pytest.importorskip("dask.distributed")
    with pytest.raises(EngineError, match="tcp://127.0.0.1:9"):
        list(extract_stream(seed_papers, engine=EngineOptions(engine="dask", scheduler="tcp://127.0.0.1:9")))
