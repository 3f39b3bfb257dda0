"""Where the build process's memory goes: the peak resident memory of each step of
`kg.pipeline.save_corpus` (each graph, the rankings, each file written), in a fresh process
that starts from the linked corpus alone, as `kg build`'s build process does (`kg.apart`).

N papers of the twins corpus (English abstracts and their Chinese translations) are
extracted through an extraction cache kept between runs (`--cache`) and linked here, as `kg
build` links them; the corpus is written to a temporary file as `kg.apart` hands it over
(`write_corpus`), and a new interpreter reads it (`read_corpus`)
and saves its graphs while a thread samples its RSS every 0.2 s. Printed: the RSS once the
corpus is read, the highest RSS seen during each step, and the process's high-water mark.

    python bench/build_memory.py --n 4000
    python bench/build_memory.py --n 72000 --cache /tmp/k72/out72000/extractions.sqlite
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from kg.apart import write_corpus
from scale import linked_twins, parse_twins, twins_parser

#: Run in the fresh interpreter: argv = corpus pickle, output folder.
CHILD = """
import sys, threading, time
from pathlib import Path
import psutil
from kg import pipeline
from kg.apart import read_corpus

process, step, peaks, done = psutil.Process(), ["reading the corpus"], {}, threading.Event()

def sample():
    while not done.is_set():
        rss = process.memory_info().rss >> 20
        peaks[step[0]] = max(peaks.get(step[0], 0), rss)
        time.sleep(0.2)

threading.Thread(target=sample, daemon=True).start()
with open(sys.argv[1], "rb") as file:
    corpus, _ = read_corpus(file)
print(f"corpus read: {process.memory_info().rss >> 20:,} MiB", flush=True)

def on_step(name):
    step[0] = name

pipeline.save_corpus(corpus, Path(sys.argv[2]), pipeline.BuildOptions(), on_step=on_step)
done.set()
for name, mib in peaks.items():
    print(f"{mib:7,} MiB  {name}")
# VmHWM, not getrusage's ru_maxrss: that one outlives exec, so it would be this benchmark's
# own peak at the moment it started this interpreter
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"high-water mark {hwm >> 10:,} MiB")
"""


def main() -> int:
    args = parse_twins(twins_parser(__doc__))
    if args is None:
        return 1
    corpus = linked_twins(args)
    print(f"{len(corpus.papers):,} papers, {len(corpus.concepts):,} concepts, "
          f"{len(corpus.occurrences):,} paper–concept ties", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "corpus.pickle"
        with saved.open("wb") as file:
            write_corpus(file, corpus, [])
        del corpus
        (Path(tmp) / "out").mkdir()
        return subprocess.run([sys.executable, "-c", CHILD, str(saved), str(Path(tmp) / "out")]).returncode


if __name__ == "__main__":
    sys.exit(main())
