"""`pipeline.extract_corpus` in a process of its own, which `kg build` uses so that the memory
linking leaves behind goes back to the system before the graphs are made.

Linking a big corpus makes tens of millions of short-lived objects among a few that live on.
CPython keeps every arena (1 MiB) in which one object still lives, and never hands back the
empty pools inside it: after linking 72,000 papers the build stayed at 3.1 GB resident with a
few hundred MB of it alive (`sys._debugmallocstats`), and the graphs, the build's peak, were made
on top of that. A process that ends returns everything. The corpus comes back pickled (192 MB at
72,000 papers, 20 s there and back, through a temporary file) and is rebuilt compactly here.

Progress, steps and the read report come back too, so the caller sees what it would see from
`extract_corpus`; so do its errors (`ReadError`, `BuildError`, …), with the same messages.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO

from kg.engine import EngineOptions, batches
from kg.model import Corpus, add_flat_ties, flat_ties
from kg.pipeline import BuildError, BuildOptions, OnStep, cyclic_gc_paused, extract_corpus, no_step
from kg.read import Problem, ReadReport


def extract_corpus_apart(inputs: Iterable[str | Path], options: BuildOptions = BuildOptions(),
                         report: ReadReport | None = None, engine: EngineOptions = EngineOptions(),
                         on_progress: Callable[[int], None] | None = None,
                         on_link_progress: Callable[[int, int], None] | None = None,
                         on_step: OnStep = no_step) -> Corpus:
    """`extract_corpus(inputs, options, None, report, engine, …)`, run in a spawned process;
    `report` gets the problems it met. Stopping this process (Ctrl-C, or SIGTERM made into
    KeyboardInterrupt as `kg build` does) stops that one as cleanly: it finishes the batch in
    hand, as a build does, and the extractions done so far stay in the cache."""
    report = report if report is not None else ReadReport(fail_fast=True)
    context = multiprocessing.get_context("spawn")  # no threads (progress bars) or locks inherited
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_extract_and_send, name="kg-extract-link",
                            args=(sender, [str(i) for i in inputs], options, report, engine,
                                  on_progress is not None, on_link_progress is not None))
    child.start()
    sender.close()  # so that the child's end closing is seen here as EOF
    saved: Path | None = None  # the pickled corpus and problems, in a temporary file
    try:
        while True:
            try:
                kind, *payload = receiver.recv()
            except EOFError:
                child.join()
                raise BuildError(f"the extraction process ended early (exit code {child.exitcode})") from None
            if kind == "progress" and on_progress:
                on_progress(*payload)
            elif kind == "link progress" and on_link_progress:
                on_link_progress(*payload)
            elif kind == "step":
                on_step(*payload)
            elif kind == "error":  # the child ends next: stopped while it does, it would print a traceback
                child.join()
                raise payload[0]
            elif kind == "done":  # read once the child has ended: the two never hold it together
                saved = Path(payload[0])
                child.join()
                with saved.open("rb") as file:
                    corpus, report.problems[:] = read_corpus(file)
                return corpus
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()  # SIGTERM: a KeyboardInterrupt there (see _extract_and_send)
        child.join()
        if saved is not None:
            saved.unlink(missing_ok=True)


#: Paper–concept ties a pickle of `write_corpus` holds (a million pickled at once held 300 MiB of
#: the pickler's memo and flat list at 72,000 twins, the linking process's peak).
TIES_PER_CHUNK = 50_000


def write_corpus(file: BinaryIO, corpus: Corpus, problems: list[Problem]) -> None:
    """`corpus` and the read `problems` as a series of pickles: the rest of the corpus first,
    then its ties a chunk at a time (paper, key, number of surfaces, surfaces, …), then None.
    One pickle of the whole remembered every string it wrote until it was done."""
    rest = dataclasses.replace(corpus, occurrences={})
    pickle.dump((rest, problems), file, protocol=pickle.HIGHEST_PROTOCOL)
    for chunk in batches(corpus.occurrences.items(), TIES_PER_CHUNK):
        pickle.dump(flat_ties(chunk), file, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.dump(None, file, protocol=pickle.HIGHEST_PROTOCOL)


def read_corpus(file: BinaryIO) -> tuple[Corpus, list[Problem]]:
    """What `write_corpus` wrote. Equal strings of different chunks become one object again
    (a pickle shares only within itself), through a table let go once the corpus is read."""
    with cyclic_gc_paused():
        corpus, problems = pickle.load(file)
        same = {s: s for s in (*(p.id for p in corpus.papers), *corpus.concepts)}  # the objects the rest holds
        occurrences: dict[tuple[str, str], tuple[str, ...]] = {}
        while (chunk := pickle.load(file)) is not None:
            add_flat_ties(chunk, occurrences, same)
    corpus.occurrences = occurrences
    return corpus, problems


def _extract_and_send(sender: Connection, inputs: list[str], options: BuildOptions, report: ReadReport,
                      engine: EngineOptions, with_progress: bool, with_link_progress: bool) -> None:
    """The child: Ctrl-C reaches the whole process group, and the parent stops this process with
    SIGTERM when it stops itself, so SIGINT is ignored here and SIGTERM alone interrupts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, interrupt)
    send = sender.send
    try:
        corpus = extract_corpus(
            inputs, options, report=report, engine=engine,
            on_progress=(lambda n: send(("progress", n))) if with_progress else None,
            on_link_progress=(lambda n, total: send(("link progress", n, total))) if with_link_progress else None,
            on_step=lambda step: send(("step", step)))
        # a file, not the pipe: the child's memory is gone before this process rebuilds the
        # corpus (through the pipe both held it at once: +200 MiB of PSS at 72,000 twins)
        with tempfile.NamedTemporaryFile(prefix="kg-corpus-", suffix=".pickle", delete=False) as file:
            write_corpus(file, corpus, report.problems)
        send(("done", file.name))
    except KeyboardInterrupt:
        pass  # the parent is stopping
    except Exception as exc:  # noqa: BLE001 - every error goes to the parent, which raises it
        try:
            send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text then
            send(("error", RuntimeError("".join(traceback.format_exception(exc)))))
    finally:
        sender.close()


def interrupt(signum: int, frame: object) -> None:
    """A signal handler that stops work as Ctrl-C does (`kg build` and this module's child use it for SIGTERM)."""
    raise KeyboardInterrupt
