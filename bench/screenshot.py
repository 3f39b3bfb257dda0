"""Screenshots of the HTML views with headless Chromium: the README's pictures, made from the
real pages.

    python bench/screenshot.py HTML PNG [--year] [--chromium PATH] [--budget MS]
    python bench/screenshot.py --views graphs --docs docs     # the three views of a workspace
    python bench/screenshot.py --overlay 300 --docs docs      # year overlay of 300 arXiv papers

`--year` opens the page at `#colour=year` (the year overlay). `--overlay N` builds N dated
cs.CL/cs.AI arXiv abstracts (drawn with seed 0 from ../shared/data/arxiv-zh-en, with their
titles, authors, years and arXiv ids) into a temporary workspace and screenshots its concept map
in the overlay: the seeds carry no years. DNS is mapped to nowhere, so the pictures also show the
pages work without a network.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

VIEWS = ("concept_map", "paper_concept_map", "paper_similarity_map")
ARXIV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-zh-en" / "abstracts.jsonl.gz"


def screenshot(html: Path, png: Path, *, chromium: str = "/usr/bin/chromium", budget_ms: int = 8000,
               size: str = "1400,900", timeout: float = 120, year: bool = False) -> None:
    png = png.resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)  # so a stale picture is never mistaken for a new one
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
               f"--user-data-dir={profile}",
               f"--virtual-time-budget={budget_ms}", f"--window-size={size}", f"--screenshot={png}",
               html.resolve().as_uri() + ("#colour=year" if year else "")]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png.exists():
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"chromium failed (exit {done.returncode}); no {png}")


def dated_arxiv_sample(path: Path, n: int, out: Path) -> Path:
    """n cs.CL/cs.AI abstracts with their metadata as a JSONL input for `kg build`."""
    if not path.is_file():
        raise SystemExit(f"{path}: not found (the year overlay needs ../shared/data)")
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            if r.get("category") in ("arXiv_CL", "arXiv_AI") and r.get("abstract_en") and r.get("date"):
                records.append(r)
    records.sort(key=lambda r: r["arxiv_id"])
    sample = sorted(random.Random(0).sample(records, min(n, len(records))), key=lambda r: r["arxiv_id"])
    target = out / "arxiv_sample.jsonl"
    with target.open("w", encoding="utf-8") as handle:
        for r in sample:
            handle.write(json.dumps({"id": r["arxiv_id"], "title": r["title"], "abstract": r["abstract_en"],
                                     "year": r["date"][:4], "authors": r["authors"],
                                     "arxiv_id": r["arxiv_id"]}, ensure_ascii=False) + "\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, nargs="?")
    parser.add_argument("png", type=Path, nargs="?")
    parser.add_argument("--year", action="store_true", help="open the page in the year overlay")
    parser.add_argument("--views", type=Path, help="a workspace: screenshot its three views")
    parser.add_argument("--overlay", type=int, metavar="N", help="year overlay of N arXiv papers")
    parser.add_argument("--data", type=Path, default=ARXIV)
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where --views/--overlay write")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--budget", type=int, default=8000, help="virtual time budget, ms")
    args = parser.parse_args()
    shots: list[tuple[Path, Path, bool]] = []
    if args.html or args.png:
        if not (args.html and args.png):
            parser.error("give both HTML and PNG")
        shots.append((args.html, args.png, args.year))
    if args.views:
        shots += [(args.views / f"{v}.html", args.docs / f"{v}.png", False) for v in VIEWS]
    if not shots and not args.overlay:
        parser.error("nothing to do: give HTML PNG, --views or --overlay")
    with tempfile.TemporaryDirectory(prefix="kg-overlay-") as tmp:
        if args.overlay:
            from kg.pipeline import build
            build([dated_arxiv_sample(args.data, args.overlay, Path(tmp))]).save(Path(tmp) / "out")
            shots.append((Path(tmp) / "out" / "concept_map.html", args.docs / "year_overlay.png", True))
        for html, png, year in shots:
            if not html.is_file():
                raise SystemExit(f"no such file: {html}")
            screenshot(html, png, chromium=args.chromium, budget_ms=args.budget, year=year)
            print(png)


if __name__ == "__main__":
    main()
