"""The output directory: builds killed at any point lose nothing, concurrent builds are refused.

The kill tests run the real `python -m kg build` in a subprocess and kill it with SIGKILL at
moments found by watching the workspace (the lock taken, the staging directory filling), not
by hooks in the code.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import pipeline, workspace
from kg.store import STORE_FILE

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def snapshot(out: Path) -> dict[str, bytes]:
    """The outputs; the extraction cache is not one (a killed build keeps its finished batches)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if p.is_file() and not p.name.startswith(".") and p.name != STORE_FILE}


def start_build(inputs, out: Path, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", "build", *map(str, inputs), "-o", str(out), *extra],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lock_is_held(out: Path) -> bool:
    """True when another process holds the workspace lock (we take and drop it otherwise)."""
    path = out / workspace.LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases it if we got it
    return False


def wait_for(condition, proc: subprocess.Popen, timeout: float = 120.0, step: float = 0.002) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"build ended before the moment to kill it: {proc.communicate()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def staging_has_files(out: Path) -> bool:
    return any(any(d.iterdir()) for d in out.glob(f"{workspace.STAGING_PREFIX}*") if d.is_dir())


@pytest.fixture
def previous(tmp_path, extractor) -> Path:
    """A workspace holding a finished build of a small corpus."""
    src = tmp_path / "small.jsonl"
    src.write_text(json.dumps({"id": "p1", "abstract": "Federated learning keeps data on phones."}) + "\n"
                   + json.dumps({"id": "p2", "abstract": "Graph neural networks learn on molecules."}) + "\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    pipeline.build([src], extractor=extractor).save(out)
    return out


def test_killed_builds_leave_the_previous_outputs_intact(previous, seeds_dir):
    before = snapshot(previous)
    assert workspace.verify(previous) == []
    moments = {"reading and extracting": lambda: lock_is_held(previous),
               "writing outputs": lambda: staging_has_files(previous)}
    for moment, reached in moments.items():
        proc = start_build([seeds_dir], previous, "-q")
        wait_for(reached, proc)
        if moment == "reading and extracting":
            time.sleep(1.0)  # past the lock, into loading spaCy and extracting
            assert not staging_has_files(previous), "too slow to kill before writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, moment
        assert snapshot(previous) == before, moment
        assert workspace.verify(previous) == [], moment
    assert list(previous.glob(f"{workspace.STAGING_PREFIX}*")), "the writing-time kill left its staging directory"
    proc = start_build([seeds_dir], previous, "-q")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert not list(previous.glob(f"{workspace.STAGING_PREFIX}*"))  # the next build cleans up
    assert workspace.verify(previous) == []
    assert json.loads((previous / "summary.json").read_text("utf-8"))["papers"] == 20


def test_a_second_build_into_the_same_workspace_is_refused(tmp_path, seeds_dir):
    out = tmp_path / "out"
    first = start_build([seeds_dir], out, "-q")
    wait_for(lambda: lock_is_held(out), first)
    second = start_build([seeds_dir], out)
    _, stderr = second.communicate(timeout=120)
    assert second.returncode == 4, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "another kg build is writing here" in lines[0] and str(out) in lines[0]
    assert "Traceback" not in stderr
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert workspace.verify(out) == []


def test_a_killed_lock_holder_releases_the_workspace(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom kg import workspace\n"
                               "with workspace.locked(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(120)\n",
         str(out)], env=ENV, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(workspace.WorkspaceBusy, match="another kg build"):
        with workspace.locked(out):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with workspace.locked(out):  # the kernel dropped the dead holder's lock: no WorkspaceBusy
        pass


def test_publish_moves_complete_files_and_writes_the_manifest_last(tmp_path):
    out = tmp_path / "out"
    (out / ".kg-staging-999999").mkdir(parents=True)  # left by a killed build
    (out / ".kg-staging-999999" / "graph.graphml").write_text("half", encoding="utf-8")

    def write(staging: Path) -> list[Path]:
        assert staging.parent == out and not (out / "a.txt").exists()
        (staging / "a.txt").write_text("A", encoding="utf-8")
        (staging / "b.txt").write_text("B", encoding="utf-8")
        return [staging / "a.txt", staging / "b.txt"]

    with workspace.locked(out):
        written = workspace.publish(out, write)
    assert [p.name for p in written] == ["a.txt", "b.txt", "manifest.json"]
    assert sorted(p.name for p in out.iterdir()) == [".kg.lock", "a.txt", "b.txt", "manifest.json"]
    assert workspace.verify(out) == []
    (out / "b.txt").write_text("changed", encoding="utf-8")
    assert workspace.verify(out) == ["b.txt"]


def test_a_failing_writer_publishes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")

    def write(staging: Path) -> list[Path]:
        (staging / "a.txt").write_text("new", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        workspace.publish(out, write)
    assert (out / "a.txt").read_text("utf-8") == "old"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]


def test_files_the_previous_build_published_and_this_one_did_not_are_removed(tmp_path):
    out = tmp_path / "out"

    def writer(*names):
        def write(staging: Path) -> list[Path]:
            for name in names:
                (staging / name).write_text(name, encoding="utf-8")
            return [staging / name for name in names]
        return write

    with workspace.locked(out):
        workspace.publish(out, writer("graph.graphml", "graph.gexf"))
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # the user's file, in no manifest
    with workspace.locked(out):
        workspace.publish(out, writer("graph.graphml"))
    assert sorted(p.name for p in out.iterdir()) == [".kg.lock", "graph.graphml", "manifest.json", "notes.txt"]
    assert workspace.verify(out) == []
    # a manifest naming files outside the workspace removes nothing there
    (tmp_path / "outside.txt").write_text("keep", encoding="utf-8")
    (out / "manifest.json").write_text('{"files": {"../outside.txt": {}, "/etc/hostname": {}, "notes.txt": {}}}',
                                       encoding="utf-8")
    with workspace.locked(out):
        workspace.publish(out, writer("graph.graphml"))
    assert (tmp_path / "outside.txt").read_text("utf-8") == "keep"
    assert not (out / "notes.txt").exists()  # listed as published by kg: removed
