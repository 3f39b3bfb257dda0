"""Screenshot an HTML view with headless Chromium, to check by eye that the map is drawn.

    python bench/screenshot.py HTML PNG [--chromium PATH] [--budget MS]

DNS is mapped to nowhere, so the picture also shows the page works without a network.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path


def screenshot(html: Path, png: Path, *, chromium: str = "/usr/bin/chromium", budget_ms: int = 8000,
               size: str = "1400,900", timeout: float = 120) -> None:
    png = png.resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)  # so a stale picture is never mistaken for a new one
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",
               f"--user-data-dir={profile}",
               f"--virtual-time-budget={budget_ms}", f"--window-size={size}", f"--screenshot={png}",
               html.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png.exists():
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"chromium failed (exit {done.returncode}); no {png}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--budget", type=int, default=8000, help="virtual time budget, ms")
    args = parser.parse_args()
    if not args.html.is_file():
        raise SystemExit(f"no such file: {args.html}")
    screenshot(args.html, args.png, chromium=args.chromium, budget_ms=args.budget)
    print(args.png)


if __name__ == "__main__":
    main()
