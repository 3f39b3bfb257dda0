"""Progress bars for long builds (rich, on stderr): papers done, rate, ETA."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TaskID, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Papers per second since the start (rich's own speed column counts bytes, over a short
    window that batches arriving together make meaningless)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time or task.elapsed
        speed = task.completed / elapsed if elapsed and task.completed else None
        return Text(f"{speed:,.1f} papers/s" if speed else "… papers/s", style="progress.data.speed")


class PapersOnly(ProgressColumn):
    """A column that counts papers, left blank on a step's row: a step counts none."""

    def __init__(self, column: ProgressColumn):
        super().__init__()
        self.column = column

    def render(self, task: Task) -> Text:
        return Text("") if task.fields.get("step") else self.column.render(task)  # type: ignore[return-value]


class StageBars:
    """A build's progress bars on one live display (rich shows one at a time), a bar a stage.

    A stage's bar is made at its first call, which starts its clock (call it with 0 papers
    before a model load, so the rate counts it); the display appears with the first papers
    done, so input where nothing is usable fails with its error line alone. Totals are
    forecasts: skipped records never arrive, so a bar closes at what was done."""

    def __init__(self, console: Console):
        columns = (TextColumn("{task.description}"), BarColumn(), PapersOnly(MofNCompleteColumn()),
                   PapersOnly(RateColumn()), TimeElapsedColumn(), PapersOnly(TextColumn("ETA")),
                   PapersOnly(TimeRemainingColumn()))
        self._progress = Progress(*columns, console=console, transient=False)
        self._tasks: dict[str, TaskID] = {}
        self._step: TaskID | None = None

    def advance(self, stage: str, n: int, total: int | None = None) -> None:
        """`n` more papers done in `stage`, of `total` when given."""
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        elif total is not None:
            self._progress.update(self._tasks[stage], total=total)
        if n and not self._started():
            self._progress.start()
        self._progress.advance(self._tasks[stage], n)

    def step(self, name: str) -> None:
        """A step with no papers to count (building an index, say) has begun: a pulsing bar and
        its time, until the next step or the end. Shown only once some papers are done."""
        self._end_step()
        self._step = self._progress.add_task(name, total=None, step=True)

    def _end_step(self) -> None:
        if self._step is not None:
            self._progress.update(self._step, total=1, completed=1)
            self._progress.stop_task(self._step)

    def close(self) -> None:
        """Every bar ends at what was done."""
        self._end_step()
        for task in self._progress.tasks:
            self._progress.update(task.id, total=task.completed)

    def stop(self) -> None:
        if self._started():
            self._progress.stop()

    def _started(self) -> bool:
        return any(task.completed for task in self._progress.tasks)


@contextmanager
def stage_bars(console: Console) -> Iterator[StageBars]:
    bars = StageBars(console)
    try:
        yield bars
        bars.close()
    finally:
        bars.stop()
