"""The build's progress bar."""

import io
import re
import time

from rich.console import Console

from kg.progress import stage_bars


def test_the_rate_counts_from_the_start_not_from_the_first_papers_done():
    out = io.StringIO()
    with stage_bars(Console(file=out, width=120)) as bars:
        bars.advance("extracting", 0, 20)  # the clock starts
        time.sleep(0.2)  # a model load: nothing done yet
        bars.advance("extracting", 20)  # then everything in one batch
    rate = float(re.search(r"([\d,.]+) papers/s", out.getvalue()).group(1).replace(",", ""))
    assert 0 < rate <= 20 / 0.2


def test_nothing_is_shown_when_nothing_was_done():
    out = io.StringIO()
    with stage_bars(Console(file=out, width=120)) as bars:
        bars.advance("extracting", 0, 20)
    assert out.getvalue() == ""


def test_the_stages_share_one_display_and_each_bar_ends_at_what_was_done():
    out = io.StringIO()
    with stage_bars(Console(file=out, width=120)) as bars:
        bars.advance("extracting", 0, 20)  # forecast 20, two records skipped
        bars.advance("extracting", 18)
        bars.advance("linking Chinese", 0, 9)
        bars.advance("linking Chinese", 9, 9)
    text = out.getvalue()
    assert "extracting" in text and "18/18" in text
    assert "linking Chinese" in text and "9/9" in text


def test_a_step_shows_its_name_and_time_but_no_paper_counts():
    out = io.StringIO()
    with stage_bars(Console(file=out, width=120)) as bars:
        bars.advance("extracting", 0, 3)
        bars.advance("extracting", 3)
        bars.step("indexing English concepts")
        bars.step("linking concepts")
    rows = {line.split("━")[0].strip(): line for line in out.getvalue().splitlines() if "━" in line}
    assert set(rows) >= {"extracting", "indexing English concepts", "linking concepts"}
    assert "3/3" in rows["extracting"] and "papers/s" in rows["extracting"]
    for name in ("indexing English concepts", "linking concepts"):
        assert re.search(r"\d:\d\d:\d\d", rows[name])  # its time
        assert "papers/s" not in rows[name] and "/" not in rows[name] and "ETA" not in rows[name]
