"""The build's progress bar."""

import io
import re
import time

from rich.console import Console

from kg.progress import paper_progress


def test_the_rate_counts_from_the_start_not_from_the_first_papers_done():
    out = io.StringIO()
    with paper_progress(Console(file=out, width=120), total=20) as advance:
        time.sleep(0.2)  # a model load: nothing done yet
        advance(20)  # then everything in one batch
    rate = float(re.search(r"([\d,.]+) papers/s", out.getvalue()).group(1).replace(",", ""))
    assert 0 < rate <= 20 / 0.2


def test_nothing_is_shown_when_nothing_was_done():
    out = io.StringIO()
    with paper_progress(Console(file=out, width=120), total=20):
        pass
    assert out.getvalue() == ""
