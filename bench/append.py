"""A daily feed into a big workspace: `kg build NEW -o DIR --append` against a full rebuild.

Corpus as bench/scale.py's (../shared/data/arxiv-zh-en): the first N records (with --both each
English abstract and its Chinese translation as papers of their own) and the 100 after them
as the new papers. In order:

1. a full build of the N into ROOT/outN, as `kg build` does it (skipped when ROOT/outN holds a
   build by this kg: keep one with --keep);
2. its graph.sqlite, summary.json, skipped.jsonl and manifest.json copied to ROOT/appendN
   (not the extraction cache: the new papers are extracted as new papers are), and `kg build
   NEW -o ROOT/appendN --append` run as a user runs it: a new interpreter, so its start-up,
   model loads and CC-CEDICT are timed too; peak memory of that process tree (RSS summed,
   sampled every 0.1 s);
3. the baseline, in this process: a full rebuild of the N + 100 into ROOT/outN (extraction cache
   in place, so the N are not extracted again), as bench/scale.py's rebuild, timed;
4. agreement of the two on the new papers: each one's concepts in the appended workspace
   against the rebuilt one's (mean Jaccard, and the share of ties both have).

    python bench/append.py --n 1000
    python bench/append.py --n 72000 --both --keep /tmp/k72   # the README's run
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from kg import pipeline
from kg.index import INDEX_FILE
from scale import DEFAULT_DATA, add_splice_option, full_build, load_records, parse_twins, write_jsonl

COPIED = (INDEX_FILE, "summary.json", "skipped.jsonl", "manifest.json")


def built_by_this_kg(out: Path, new_ids: list[str]) -> bool:
    """A workspace whose graph.sqlite keeps what appending needs (see kg.append.read_workspace),
    without the new papers (a rebuild of an earlier run has them)."""
    if not (out / INDEX_FILE).is_file():
        return False
    db = sqlite3.connect(out / INDEX_FILE)
    try:
        has = lambda sql, *args: db.execute(sql, args).fetchone() is not None
        return has("SELECT 1 FROM meta WHERE name = 'thinned_cooccurrence'") and \
            not any(has("SELECT 1 FROM nodes WHERE id = ?", "paper:" + pid) for pid in new_ids)
    except sqlite3.Error:
        return False
    finally:
        db.close()


def run_sampled(command: list[str], interval: float = 0.1) -> int:
    """Run `command`; the peak of its process tree's summed RSS, in bytes, sampled every `interval` s."""
    child = psutil.Popen(command)
    peak = 0
    while child.poll() is None:
        rss = 0
        for proc in [child, *child.children(recursive=True)]:
            try:
                rss += proc.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, rss)
        time.sleep(interval)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    return peak


def ties_of(index: Path, paper_ids: list[str]) -> dict[str, set[str]]:
    db = sqlite3.connect(index)
    try:
        return {pid: {c for c, in db.execute("SELECT concept FROM edges WHERE paper = ?", ("paper:" + pid,))}
                for pid in paper_ids}
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="papers in the workspace before the 100 new ones")
    parser.add_argument("--new", type=int, default=100, help="papers appended")
    parser.add_argument("--both", action="store_true", help="English abstracts and their Chinese translations as papers")
    parser.add_argument("--workers", type=int, default=2, help="workers of the full builds")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="keep inputs and workspaces here (default: a temporary folder)")
    add_splice_option(parser)
    args = parse_twins(parser)
    if args is None:
        return 1
    rows = load_records(args.data, args.n + args.new, mixed=False, both=args.both, splice=args.splice)
    if len(rows) < args.n + args.new:
        print(f"only {len(rows):,} records available", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        base = write_jsonl(rows[:args.n], root / f"in{args.n}.jsonl")
        new = write_jsonl(rows[args.n:], root / f"new{args.n}.jsonl")
        out, grown = root / f"out{args.n}", root / f"append{args.n}"
        options = pipeline.BuildOptions()
        if not built_by_this_kg(out, [r["id"] for r in rows[args.n:]]):
            start = time.perf_counter()
            full_build([base], out, args.workers, options)
            print(f"full build of {args.n:,} papers: {time.perf_counter() - start:.1f} s", flush=True)
        shutil.rmtree(grown, ignore_errors=True)
        grown.mkdir()
        for name in COPIED:
            if (out / name).is_file():
                shutil.copyfile(out / name, grown / name)

        command = [sys.executable, "-m", "kg", "build", str(new), "-o", str(grown), "--append", "--quiet"]
        start = time.perf_counter()
        appended_peak = run_sampled(command)
        appended_s = time.perf_counter() - start
        start = time.perf_counter()
        full_build([base, new], out, args.workers, options)
        rebuilt_s = time.perf_counter() - start

        ids = [r["id"] for r in rows[args.n:]]
        mine, theirs = ties_of(grown / INDEX_FILE, ids), ties_of(out / INDEX_FILE, ids)
        jaccard = [len(mine[p] & theirs[p]) / len(mine[p] | theirs[p]) for p in ids if mine[p] | theirs[p]]
        both = sum(len(mine[p] & theirs[p]) for p in ids)
        print(f"\n{args.new} new papers into {args.n:,} ({'English and Chinese twins' if args.both else 'English'}):\n\n"
              "| | seconds | peak MiB |\n|---|---:|---:|\n"
              f"| `kg build NEW --append` (a new process) | {appended_s:.1f} | {appended_peak / 2**20:,.0f} |\n"
              f"| full rebuild of the N + {args.new} (extractions cached) | {rebuilt_s:.1f} | – |\n\n"
              f"append / rebuild = {appended_s / rebuilt_s:.3f} (the rebuild {rebuilt_s / appended_s:.1f}× as long)\n"
              f"the new papers' concepts, appended against rebuilt: mean Jaccard "
              f"{sum(jaccard) / max(len(jaccard), 1):.3f} over {len(jaccard)} papers; ties both have "
              f"{both:,} of {sum(map(len, mine.values())):,} appended and {sum(map(len, theirs.values())):,} rebuilt",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
