"""Chinese clause spans read as English terms, in one process or shared out among forked ones."""

from __future__ import annotations

import multiprocessing

import pytest

from kg.crosslingual import Dictionary, ZhEnLinker
from kg.engine import EngineError
from kg.spans import read_clause_spans, readings

KEYS = ["federated learning", "semantic frame identification", "language model", "graph neural network",
        "reinforcement learning", "image classification", "learning"]
CLAUSES = ["我们 提出 联邦 学习 方法", "语义 框架 识别 是 一项 任务", "大型 语言 模型 的 训练",
           "图 神经 网络 用于 分子", "深度 强化 学习 算法", "图像 分类 的 基准"]
FILLERS = ["本文", "实验 表明", "结果 显示", "此外", "最后"]


def en_key(text: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in text.lower().split())


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    return Dictionary.load()


def linker(dictionary: Dictionary) -> ZhEnLinker:
    return ZhEnLinker(KEYS, en_key, dictionary)


def papers(n: int) -> list[str]:
    """n papers' clauses (`Extraction.segments`), each mixing the clauses differently."""
    return [" | ".join(f"{FILLERS[i % len(FILLERS)]} {CLAUSES[(i + k) % len(CLAUSES)]}" for k in range(1 + i % 3))
            for i in range(n)]


def test_spans_read_as_english_terms_of_two_words_or_more(dictionary):
    found = readings(linker(dictionary), papers(6), {})
    assert found["联邦 学习"][0] == "federated learning"
    assert found["语义 框架 识别"][0] == "semantic frame identification"
    assert all(len(key.split()) >= 2 for key, _, _ in found.values())  # "learning" alone is no span's term


def test_forked_workers_read_the_same_as_one_process(dictionary):
    segments = papers(60)
    one = read_clause_spans(linker(dictionary), segments, workers=1, batch_size=2)
    calls: list[tuple[int, int]] = []
    two = read_clause_spans(linker(dictionary), segments, workers=2, batch_size=2,
                            on_progress=lambda n, total: calls.append((n, total)))
    assert one and two == one
    assert calls[0] == (0, 60) and sum(n for n, _ in calls) == 60 and {t for _, t in calls} == {60}
    assert not multiprocessing.active_children()


def test_an_interrupt_stops_the_workers_with_the_reading(dictionary):
    read = 0

    def interrupt_after_thirty_papers(n: int, total: int) -> None:
        nonlocal read
        read += n
        if read >= 30:  # past the 10 read before the workers are forked
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        read_clause_spans(linker(dictionary), papers(200), workers=2, batch_size=2,
                          on_progress=interrupt_after_thirty_papers)
    assert read < 200  # the queued batches were dropped, not read first
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_a_clear_error_not_a_traceback(dictionary, kill_worker_processes):
    with pytest.raises(EngineError, match="a process reading Chinese clauses died"):
        read_clause_spans(linker(dictionary), papers(200), workers=2, batch_size=2, on_progress=kill_worker_processes)
    assert not multiprocessing.active_children()
