"""The seeds' HTML views open in headless Chromium, offline, and vis-network draws them.

Skipped when Debian's chromium is not installed (`make test` installs it when run as root).
"""

import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

VIEWS = ("concept_map.html", "paper_concept_map.html", "paper_similarity_map.html")


def dump_dom(html, profile):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
           "--virtual-time-budget=5000", "--dump-dom", html.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.parametrize("view", VIEWS)
def test_view_draws_offline(seed_out, tmp_path, view):
    dom = dump_dom(seed_out / view, tmp_path / "profile")
    assert "<canvas" in dom  # vis-network ran (it only creates its canvas once the script loaded)
    assert "Showing" in dom
