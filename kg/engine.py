"""Streamed, batched extraction: in this process, in a pool of worker processes, or on Dask.

Papers flow through in batches; only a bounded window of batches (texts included) is in
memory at once, and what comes out is the paper without its text plus its extraction, which is
small. Each batch is first looked up in the extraction cache (`kg.store`); only the misses are
extracted, and the batch's results are committed before the next one, so an interrupted build
resumes where it stopped. Results come back in input order whatever the engine, which keeps
builds byte-for-byte identical.
"""

from __future__ import annotations

import dataclasses
import functools
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from sys import intern
from typing import Any, Protocol, TypeVar

from kg.extract import Extractor
from kg.model import Extraction, Mention, Paper
from kg.store import ExtractionStore, extraction_key

ENGINES = ("local", "dask")


class EngineError(RuntimeError):
    """The chosen engine cannot run (Dask missing, scheduler unreachable)."""


@dataclass(frozen=True)
class EngineOptions:
    engine: str = "local"  # "local" (this machine) or "dask"
    workers: int = 1  # extraction processes (local) or LocalCluster workers (dask without scheduler)
    batch_size: int = 256  # papers per batch: the unit of work, of caching and of resuming
    scheduler: str | None = None  # address of a running Dask scheduler
    cache: Path | None = None  # extraction store file (None: no cache)


@dataclass(frozen=True)
class ExtractorConfig:
    """What a worker process needs to build the same extractor as the caller (picklable)."""

    glossary: bool = True  # the glossary's Chinese terms are given to jieba as words

    def create(self) -> Extractor:
        return Extractor.create(zh_user_words=None if self.glossary else [])

    def variant(self, lang: str) -> str:
        """The part of the cache key that the config changes for this language."""
        return ("zh-glossary" if self.glossary else "zh-plain") if lang == "zh" else ""


@functools.lru_cache(maxsize=2)
def worker_extractor(config: ExtractorConfig) -> Extractor:
    """One model load per worker process (pool or Dask worker), reused for every batch."""
    return config.create()


def extract_batch(config: ExtractorConfig, papers: list[Paper]) -> list[Extraction]:
    """The task a worker runs: extract one batch with the worker's own extractor."""
    return worker_extractor(config).extract(papers)


class _Runner(Protocol):
    depth: int  # batches in flight before the oldest is waited for

    def submit(self, papers: list[Paper]) -> Any: ...  # something with .result()


class _InProcess:
    """Extract when the result is asked for, so progress follows the work."""

    depth = 0

    def __init__(self, make_extractor: Callable[[], Extractor]):
        self._make = make_extractor
        self._extractor: Extractor | None = None

    def submit(self, papers: list[Paper]) -> Any:
        runner = self

        class Deferred:
            def result(self) -> list[Extraction]:
                if runner._extractor is None:
                    runner._extractor = runner._make()
                return runner._extractor.extract(papers)

        return Deferred()


def leave_interrupts_to_parent() -> None:
    """Ctrl-C reaches the whole process group: workers ignore it and let the build shut them
    down, so none prints a traceback or outlives it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Pool:
    def __init__(self, config: ExtractorConfig, workers: int, stack: ExitStack):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn: workers load their own models and inherit no threads or open files
        self._pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                             initializer=leave_interrupts_to_parent))
        # on the way out (an interrupt too) the queued batches are dropped, not extracted first;
        # the workers finish the batch in hand and exit with the build
        stack.callback(self._pool.shutdown, wait=True, cancel_futures=True)
        self._config = config
        self.depth = 2 * workers

    def submit(self, papers: list[Paper]) -> Future:
        return self._pool.submit(extract_batch, self._config, papers)


class _Dask:
    def __init__(self, config: ExtractorConfig, workers: int, scheduler: str | None, stack: ExitStack):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise EngineError("--engine dask needs dask and distributed: pip install 'kg[dask]'") from None
        if scheduler:
            try:
                self._client = stack.enter_context(Client(scheduler, timeout="10s"))
            except (OSError, ValueError) as exc:
                raise EngineError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from None
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            self._client = stack.enter_context(Client(cluster))
        self._config = config
        self.depth = 2 * max(1, len(self._client.scheduler_info().get("workers", {})) or workers)

    def submit(self, papers: list[Paper]) -> Any:
        return self._client.submit(extract_batch, self._config, papers, pure=False)


def _shared(mentions: list[Mention]) -> list[Mention]:
    """The mentions with their words as one string object per distinct word (sys.intern): the
    same keys recur in thousands of papers, and each came out of a worker or the cache as a
    copy of its own (at 10,000 papers a build holds ~600,000 mentions until the graph is made)."""
    return [Mention(intern(m.key), intern(m.surface), intern(m.lang), m.position, intern(m.head), intern(m.label))
            for m in mentions]


T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _runner(config: ExtractorConfig, engine: EngineOptions, extractor: Extractor | None,
            stack: ExitStack) -> _Runner:
    if engine.engine == "dask":
        return _Dask(config, engine.workers, engine.scheduler, stack)
    if engine.engine != "local":
        raise EngineError(f"unknown engine {engine.engine!r} (use {' or '.join(ENGINES)})")
    if engine.workers > 1:
        return _Pool(config, engine.workers, stack)
    return _InProcess((lambda: extractor) if extractor else config.create)


def extract_stream(papers: Iterable[Paper], config: ExtractorConfig = ExtractorConfig(),
                   engine: EngineOptions = EngineOptions(), extractor: Extractor | None = None,
                   on_progress: Callable[[int], None] | None = None) -> Iterator[tuple[Paper, Extraction]]:
    """(paper without its text, its extraction) for every paper, in input order.

    `extractor` is used in this process when given (and `workers` is 1); otherwise one is made
    from `config` where the work runs, and only when something is not in the cache.
    """
    with ExitStack() as stack:
        store = stack.enter_context(ExtractionStore(engine.cache)) if engine.cache else None
        runner = _runner(config, engine, extractor, stack)
        window: deque[tuple[list[Paper], list[str], dict[str, Extraction], Any]] = deque()

        def finish() -> Iterator[tuple[Paper, Extraction]]:
            batch, keys, found, pending = window.popleft()
            if pending is not None:
                misses, future = pending
                try:
                    fresh = dict(zip(misses, future.result()))
                except BrokenProcessPool:
                    raise EngineError("an extraction worker process died (out of memory?); fewer --workers "
                                      "or a smaller --batch-size need less memory") from None
                if store is not None:
                    store.put_many(fresh)
                found.update(fresh)
            for paper, key in zip(batch, keys):
                ex = found[key]
                yield dataclasses.replace(paper, text=""), Extraction(paper.id, ex.lang, _shared(ex.mentions),
                                                                      list(ex.acronyms), ex.segments)
            if on_progress:
                on_progress(len(batch))

        for batch in batches(papers, engine.batch_size):
            keys = [extraction_key(p, config.variant(p.lang)) for p in batch]
            found = store.get_many(keys) if store is not None else {}
            todo = {k: p for k, p in zip(keys, batch) if k not in found}  # one per distinct text
            pending = (list(todo), runner.submit(list(todo.values()))) if todo else None
            window.append((batch, keys, found, pending))
            while len(window) > runner.depth:
                yield from finish()
        while window:
            yield from finish()

