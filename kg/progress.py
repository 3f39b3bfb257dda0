"""Progress bars for long builds (rich, on stderr): papers done, rate, ETA."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Papers per second since the start (rich's own speed column counts bytes, over a short
    window that batches arriving together make meaningless)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time or task.elapsed
        speed = task.completed / elapsed if elapsed and task.completed else None
        return Text(f"{speed:,.1f} papers/s" if speed else "… papers/s", style="progress.data.speed")


@contextmanager
def paper_progress(console: Console, total: int | None, description: str = "extracting") -> Iterator[Callable[[int], None]]:
    """A bar over `total` papers (a forecast: skipped records never arrive, so the bar closes at
    what was done); yields the callback that advances it by n papers. The bar appears with the
    first papers done, so input where nothing is usable fails with its error line alone."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    progress = Progress(*columns, console=console, transient=False)
    # the clock starts now, the display with the first papers: 20 papers arriving in one batch
    # after a model load are no "2,065,902 papers/s"
    task = progress.add_task(description, total=total)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        if not done:
            progress.start()
        done += n
        progress.advance(task, n)

    try:
        yield advance
        progress.update(task, total=done)
    finally:
        if done:
            progress.stop()
