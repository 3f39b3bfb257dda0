"""Peak memory of `kg build` itself, process by process, as a user runs it.

`bench/scale.py` builds the graphs in its own process, which also holds the benchmark's
records, so its "build process" is not quite kg's. This script runs the real command and
samples every process of it (the build, the extract-and-link process of
`kg.apart`, the extraction and clause-reading workers) every 0.1 s: each one's highest RSS
(and its high-water mark from /proc, which sampling cannot miss), and the highest sum of the
tree's PSS, which counts pages that forked workers share once (read when it can be higher,
taking at most 5% of a core: `scale.PeakPSS`).

    python bench/cli_memory.py -- /tmp/k72/in72000.jsonl -o /tmp/k72/out72000 --workers 2 --quiet
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

from scale import PeakPSS, vm_hwm_mib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_args", nargs="+", help="the arguments of `kg build` (after --)")
    args = parser.parse_args()
    kg = shutil.which("kg") or str(Path(sys.executable).with_name("kg"))
    start = time.perf_counter()
    build = subprocess.Popen([kg, "build", *args.build_args])
    root = psutil.Process(build.pid)
    peaks: dict[int, tuple[str, float, float]] = {}  # pid → (role, highest sampled RSS, VmHWM)
    tree_pss = PeakPSS()
    while build.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        rss_sum, pids = 0, []
        for proc in procs:
            try:
                rss = proc.memory_info().rss
                if proc.pid not in peaks:  # the build, then what it started: the extract-and-link process, its workers
                    role = "kg build" if proc.pid == build.pid else f"{'child' if proc.ppid() == build.pid else 'worker'} of {proc.ppid()}"
                    peaks[proc.pid] = (role, 0.0, 0.0)
            except psutil.Error:  # it ended since it was listed
                continue
            rss_sum += rss
            pids.append(proc.pid)
            role, highest, hwm = peaks[proc.pid]
            peaks[proc.pid] = (role, max(highest, rss / 2**20), max(hwm, vm_hwm_mib(proc.pid)))
        tree_pss.sample(pids, rss_sum)
        time.sleep(0.1)
    wall = time.perf_counter() - start
    print(f"kg build exited {build.returncode} after {wall:.0f} s; highest PSS of the tree {tree_pss.peak / 2**20:,.0f} MiB")
    for pid, (role, rss, hwm) in sorted(peaks.items(), key=lambda item: -item[1][2]):
        if hwm >= 200:  # the short-lived helpers are not worth a line
            print(f"  pid {pid:>7}  {role:16s}  highest RSS sampled {rss:7,.0f} MiB  high-water {hwm:7,.0f} MiB")
    return build.returncode


if __name__ == "__main__":
    sys.exit(main())
