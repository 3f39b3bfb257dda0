"""Chinese clause spans read as English terms of the corpus, in this process or in worker processes.

Reading every word span of every Chinese clause against the corpus's English keys (see
`kg.link.clause_spans`) is most of a big build's linking: 88% of the link stage at 72,000
twins, by py-spy. A span's reading depends only on the span and on the English keys, never on
the paper or on what was read before (the linker's caches remember, they do not decide), so
the papers can be shared out among processes that fork with the linker, and any number of
workers gives the same readings (tested).
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from sys import intern

from kg.crosslingual import ZhEnLinker
from kg.engine import EngineError, batches, leave_interrupts_to_parent
from kg.link import ZhHit, clause_spans, is_span_term

#: Chinese papers per task: small enough for a steady progress bar, big enough to pay the pickling.
SPAN_BATCH = 64
#: With workers, this process reads 1/WARM_SHARE of the batches alone before it forks them.
WARM_SHARE = 20


def read_span(linker: ZhEnLinker, cache: dict[str, ZhHit | None], words: Sequence[str]) -> ZhHit | None:
    """A span of a Chinese clause: the linker's reading after its quick test (and, unlike a noun
    phrase, no whole-phrase glossary term becomes a concept the English papers do not use).
    Only the spans that pass the test are cached: a corpus has millions of the others."""
    if not linker.may_link(words):
        return None
    phrase = " ".join(words)
    if phrase not in cache:
        hit = linker.link(words)
        cache[phrase] = (hit.en_key, hit.layer, hit.detail) if hit is not None else None
    return cache[phrase]


def readings(linker: ZhEnLinker, segments: Sequence[str], cache: dict[str, ZhHit | None]) -> dict[str, ZhHit]:
    """Span (words joined by spaces) → its reading, for the spans of these papers' clauses that
    read as terms; the strings are interned, as the same keys and layers recur in every batch."""
    found: dict[str, ZhHit] = {}
    for clauses in segments:
        for span in clause_spans(clauses):
            if span not in found and is_span_term(hit := read_span(linker, cache, span.split())):
                found[span] = (intern(hit[0]), intern(hit[1]), hit[2])
    return found


def read_clause_spans(linker: ZhEnLinker, segments: Sequence[str], workers: int = 1,
                      on_progress: Callable[[int, int], None] | None = None,
                      batch_size: int = SPAN_BATCH) -> dict[str, ZhHit]:
    """The readings of every span of the Chinese papers' clauses (`Extraction.segments`, one
    string a paper) that reads as a term. `on_progress(n, total)`: n more papers read, of total
    (first called with 0 before any is read).

    With `workers` > 1 (on Linux, where processes fork safely), this process first reads a share of the
    papers, which fills the linker's caches of word readings, then forks `workers` - 1 more
    processes that inherit the linker, caches and all (a linker of their own would have to be
    built, and its caches filled again: at 20,000 twins that made two processes barely faster
    than one); each reads whatever batch comes next when it is free, this one included."""
    found: dict[str, ZhHit] = {}
    cache: dict[str, ZhHit | None] = {}
    work = list(batches(segments, batch_size))
    parallel = workers > 1 and sys.platform == "linux"  # fork is unsafe on macOS and absent on Windows
    warm = max(1, len(work) // WARM_SHARE) if parallel else len(work)

    def done(batch: list[str], batch_readings: dict[str, ZhHit]) -> None:
        found.update(batch_readings)
        if on_progress:
            on_progress(len(batch), len(segments))

    if on_progress:
        on_progress(0, len(segments))

    for batch in work[:warm]:
        done(batch, readings(linker, batch, cache))
    if warm == len(work):
        return found
    gc.freeze()  # else a collection in a worker would touch, and so copy, every object of this process
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_worker, initargs=(linker, cache)) as pool:
            try:
                in_flight: list[tuple[list[str], Future]] = []
                for batch in work[warm:]:
                    for item in [item for item in in_flight if item[1].done()]:
                        in_flight.remove(item)
                        done(item[0], item[1].result())
                    if len(in_flight) < 2 * (workers - 1):  # the workers' queue: a batch in hand, one waiting
                        in_flight.append((batch, pool.submit(_read_batch, batch)))
                    else:
                        done(batch, readings(linker, batch, cache))
                for batch, future in in_flight:
                    done(batch, future.result())
            except BrokenProcessPool:
                raise EngineError("a process reading Chinese clauses died (out of memory?); "
                                  "--workers 1 reads them in the build's own process") from None
            except BaseException:  # Ctrl-C: drop the queued batches, not read them first
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        gc.unfreeze()
    return found


# A forked worker's linker and span cache, inherited from the process that forked it and kept
# here by `_start_worker` for the batches it is given.
_worker: tuple[ZhEnLinker, dict[str, ZhHit | None]] | None = None


def _start_worker(linker: ZhEnLinker, cache: dict[str, ZhHit | None]) -> None:
    global _worker
    leave_interrupts_to_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler, inherited by the fork
    _worker = (linker, cache)


def _read_batch(segments: list[str]) -> dict[str, ZhHit]:
    assert _worker is not None, "a span-reading worker starts with _start_worker"
    linker, cache = _worker
    return readings(linker, segments, cache)
