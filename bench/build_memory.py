"""Where the build process's memory goes: the peak resident memory of each step of
`kg.pipeline.save_corpus` (each graph, the rankings, each file written), in a fresh process
that starts from the linked corpus alone, as `kg build`'s build process does (`kg.apart`).

N papers of the twins corpus (English abstracts and their Chinese translations) are
extracted through an extraction cache kept between runs (`--cache`) and linked here, as `kg
build` links them; the corpus is written to a temporary file as `kg.apart` hands it over
(`write_corpus`), and a new interpreter reads it (`read_corpus`)
and saves its graphs while a thread samples its RSS every 0.2 s. Printed: the RSS once the
corpus is read, the highest RSS seen during each step, and the process's high-water mark.

`--corpus FILE` keeps the linked corpus there and reads it from there when it exists (linking
100,000 papers takes minutes), so that two versions of the saving code can be compared on it.

    python bench/build_memory.py --n 4000
    python bench/build_memory.py --n 72000 --cache /tmp/k72/out72000/extractions.sqlite
    python bench/build_memory.py --n 100000 --splice --cache /tmp/k100/out100000/extractions.sqlite \
        --corpus /tmp/k100/corpus.pickle
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from kg.apart import write_corpus
from scale import in_fresh_interpreter, linked_twins, parse_twins, twins_parser

#: Run in the fresh interpreter: argv = corpus file, output folder.
CHILD = """
import sys
from pathlib import Path
from kg import pipeline
from kg.apart import read_corpus
from scale import StepPeaks

peaks = StepPeaks("reading the corpus")
with open(sys.argv[1], "rb") as file:
    corpus, _ = read_corpus(file)
print(f"corpus read: {peaks.rss():,} MiB", flush=True)
pipeline.save_corpus(corpus, Path(sys.argv[2]), pipeline.BuildOptions(), on_step=peaks.step)
peaks.report()
"""


def main() -> int:
    parser = twins_parser(__doc__)
    parser.add_argument("--corpus", type=Path, help="the linked corpus: kept here, read from here when it exists")
    args = parse_twins(parser)
    if args is None:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        saved = args.corpus or Path(tmp) / "corpus.pickle"
        if not saved.is_file():
            corpus = linked_twins(args)
            print(f"{len(corpus.papers):,} papers, {len(corpus.concepts):,} concepts, "
                  f"{len(corpus.occurrences):,} paper–concept ties", flush=True)
            with saved.open("wb") as file:
                write_corpus(file, corpus, [])
            del corpus
        (Path(tmp) / "out").mkdir()
        return in_fresh_interpreter(CHILD, str(saved), str(Path(tmp) / "out"))


if __name__ == "__main__":
    sys.exit(main())
