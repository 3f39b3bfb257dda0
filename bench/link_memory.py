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

import sys
import tempfile
from pathlib import Path

from scale import in_fresh_interpreter, load_records, parse_twins, twins_parser, write_jsonl

#: Run in the fresh interpreter: argv = input JSONL, extraction cache, workers, corpus file.
CHILD = """
import sys
from pathlib import Path
from kg import pipeline
from kg.apart import write_corpus
from kg.engine import EngineOptions
from kg.read import ReadReport
from scale import StepPeaks

if __name__ == "__main__":  # the span readers are started by spawn
    peaks = StepPeaks("reading and extracting")
    engine = EngineOptions(workers=int(sys.argv[3]), cache=Path(sys.argv[2]))
    corpus = pipeline.extract_corpus([sys.argv[1]], pipeline.BuildOptions(), report=ReadReport(), engine=engine,
                                     on_step=peaks.step)
    peaks.step("pickling the corpus")
    with open(sys.argv[4], "wb") as file:
        write_corpus(file, corpus, [])  # as kg.apart hands it to the build process
    print(f"{len(corpus.papers):,} papers, {len(corpus.concepts):,} concepts, "
          f"{len(corpus.occurrences):,} paper–concept ties")
    peaks.report()
"""


def main() -> int:
    args = parse_twins(twins_parser(__doc__))
    if args is None:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        rows = load_records(args.data, args.n, mixed=False, both=True, splice=args.splice)
        path = write_jsonl(rows, Path(tmp) / "in.jsonl")
        return in_fresh_interpreter(CHILD, str(path), str(args.cache), str(args.workers), str(Path(tmp) / "corpus.pickle"))


if __name__ == "__main__":
    sys.exit(main())
