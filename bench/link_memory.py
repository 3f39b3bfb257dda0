"""Where the linking process's memory goes: the peak resident memory of each step of the
process `kg build` extracts and links in (`kg.apart`), in a fresh interpreter that does what
that process does: read the input, extract it through the extraction cache, link it, and
pickle the corpus to a temporary file for the build process.

N papers of the twins corpus (English abstracts and their Chinese translations) go through an
extraction cache kept between runs (`--cache`), so after the first run nothing is extracted
again. A thread samples the RSS every 0.2 s. Printed: the highest RSS seen during each step
(the steps `kg build` shows: reading and extracting, indexing English concepts, linking
concepts; then pickling), and the process's high-water mark (VmHWM).

    python bench/link_memory.py --n 4000
    python bench/link_memory.py --n 72000 --cache /tmp/k72/out72000/extractions.sqlite
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from scale import load_records, parse_twins, twins_parser, write_jsonl

#: Run in the fresh interpreter: argv = input JSONL, extraction cache, workers, pickle path.
CHILD = """
import sys, threading, time
from pathlib import Path
import psutil
from kg import pipeline
from kg.apart import write_corpus
from kg.engine import EngineOptions
from kg.read import ReadReport

process, step, peaks, done = psutil.Process(), ["reading and extracting"], {}, threading.Event()

def sample():
    while not done.is_set():
        rss = process.memory_info().rss >> 20
        peaks[step[0]] = max(peaks.get(step[0], 0), rss)
        time.sleep(0.2)

def on_step(name):
    step[0] = name

if __name__ == "__main__":  # the span readers are started by spawn
    threading.Thread(target=sample, daemon=True).start()
    engine = EngineOptions(workers=int(sys.argv[3]), cache=Path(sys.argv[2]))
    corpus = pipeline.extract_corpus([sys.argv[1]], pipeline.BuildOptions(), report=ReadReport(), engine=engine,
                                     on_step=on_step)
    on_step("pickling the corpus")
    with open(sys.argv[4], "wb") as file:
        write_corpus(file, corpus, [])  # as kg.apart hands it to the build process
    done.set()
    print(f"{len(corpus.papers):,} papers, {len(corpus.concepts):,} concepts, "
          f"{len(corpus.occurrences):,} paper–concept ties")
    for name, mib in peaks.items():
        print(f"{mib:7,} MiB  {name}")
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(f"high-water mark {hwm >> 10:,} MiB")
"""


def main() -> int:
    args = parse_twins(twins_parser(__doc__))
    if args is None:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        rows = load_records(args.data, args.n, mixed=False, both=True)
        path = write_jsonl(rows, Path(tmp) / "in.jsonl")
        script = Path(tmp) / "link_child.py"
        script.write_text(CHILD, encoding="utf-8")
        command = [sys.executable, str(script), str(path), str(args.cache), str(args.workers), str(Path(tmp) / "corpus.pickle")]
        return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
