"""The output directory of a build: one writer at a time, and all of a build's files or none.

A build killed at any point must leave the previous outputs intact, and two builds into one
directory must not interleave their files. So a build holds an advisory lock on
`DIR/.kg.lock` (flock: the kernel drops it when the holder dies, so a killed build never
leaves the workspace locked), writes every output into `DIR/.kg-staging-<pid>/`, and only
when all are complete moves them into `DIR` one `os.replace` each, then writes
`manifest.json` (each file's SHA-256) last. Killed before the moves, the previous outputs
are untouched; the staging directory it leaves is removed by the next build.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".kg.lock"
STAGING_PREFIX = ".kg-staging-"
MANIFEST = "manifest.json"


class WorkspaceBusy(RuntimeError):
    """Another process holds the workspace lock."""


@contextmanager
def locked(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the workspace lock of `out_dir` (created if missing) or raise `WorkspaceBusy`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lock_path = out / LOCK_FILE
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkspaceBusy(f"{out}: another kg build is writing here (lock {lock_path} is held); "
                                "try again when it has finished") from None
        yield out
    finally:
        os.close(fd)  # closing releases the flock


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Staging directories left by killed builds (call with the lock held)."""
    stale = sorted(p for p in out_dir.glob(f"{STAGING_PREFIX}*") if p.is_dir())
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(out_dir: str | os.PathLike[str], write: Callable[[Path], list[Path]],
            keep_others: bool = False) -> list[Path]:
    """Run `write(staging_dir)` (it returns the files it wrote there), then move those files
    into `out_dir` and write the manifest; return the published paths, manifest last.

    Call with the lock held (`locked`). Files must be written directly in the staging
    directory: their names are the output names. Files the previous manifest listed that this
    build did not write (`--formats none` after a build with every format) are removed last, so
    no export is left disagreeing with graph.graphml; nothing else in `out_dir` is touched.
    With `keep_others` they stay, listed as they were (an append rewrites a few files only)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    previous = set(_manifest_files(out))
    staging = out / f"{STAGING_PREFIX}{os.getpid()}"
    staging.mkdir()
    try:
        names = sorted({Path(p).name for p in write(staging)})
        for name in names:
            _fsync(staging / name)
        files = {name: {"sha256": _sha256(staging / name), "bytes": (staging / name).stat().st_size}
                 for name in names}
        if keep_others:
            files = {**_manifest_files(out), **files}
        manifest = {"files": dict(sorted(files.items()))}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        _fsync(staging / MANIFEST)
        with _interrupts_deferred():  # Ctrl-C or kill lands before or after the moves, not among them
            for name in names:
                os.replace(staging / name, out / name)
            os.replace(staging / MANIFEST, out / MANIFEST)
            for name in sorted(previous - set(names)) if not keep_others else ():
                (out / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in names] + [out / MANIFEST]


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (then they are delivered)."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _manifest_files(out: Path) -> dict[str, dict]:
    """The files the workspace's manifest lists, with what it says of each: plain names only,
    so a damaged or hostile manifest can never point outside the workspace."""
    try:
        files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {name: info for name, info in files.items() if name == Path(name).name
            and not name.startswith(".") and name != MANIFEST} if isinstance(files, dict) else {}



def verify(out_dir: str | os.PathLike[str]) -> list[str]:
    """Files of `out_dir` that do not match its manifest (empty when the workspace is whole)."""
    out = Path(out_dir)
    try:
        files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError) as exc:
        return [f"{MANIFEST} ({exc})"]
    return [name for name, info in sorted(files.items())
            if not (out / name).is_file() or _sha256(out / name) != info["sha256"]]
