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

`--ranking` makes the co-occurrence graph and ranks it step by step instead of saving,
printing each step's RSS before it and its peak. The peak is VmHWM, reset before each step
(`clear_refs`): igraph's steps hold the GIL in C, where the sampler thread cannot see them.

    python bench/build_memory.py --n 4000
    python bench/build_memory.py --n 72000 --cache /tmp/k72/out72000/extractions.sqlite
    python bench/build_memory.py --n 100000 --splice --cache /tmp/k100/out100000/extractions.sqlite \
        --corpus /tmp/k100/corpus.pickle
    python bench/build_memory.py --n 100000 --splice --corpus /tmp/k100/corpus.pickle --ranking
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

#: Run in the fresh interpreter instead of CHILD with --ranking: argv = corpus file.
RANKING_CHILD = """
import os
import sys
import psutil
from kg import analyse
from kg.apart import read_corpus
from kg.graph import concept_graph
from scale import vm_hwm_mib

def step(name, make):
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # VmHWM back to the RSS now
    before = psutil.Process().memory_info().rss / 2**20
    made = make()
    print(f"{name:24} {before:7,.0f} MiB before, {vm_hwm_mib(os.getpid()):7,.0f} MiB at most", flush=True)
    return made

with open(sys.argv[1], "rb") as file:
    corpus, _ = step("reading the corpus", lambda: read_corpus(file))
g = step("co-occurrence graph", lambda: concept_graph(corpus))
h, nodes = step("igraph copy", lambda: analyse._igraph(g, "weight"))
step("pagerank", lambda: analyse._pagerank(h, nodes))
step("betweenness", lambda: analyse._betweenness(h, nodes, analyse.betweenness_sample(g)))
step("eigenvector", lambda: analyse._eigenvector(h, nodes))
step("clusters", lambda: analyse._clusters(h, nodes))
"""


def main() -> int:
    parser = twins_parser(__doc__)
    parser.add_argument("--corpus", type=Path, help="the linked corpus: kept here, read from here when it exists")
    parser.add_argument("--ranking", action="store_true", help="rank the co-occurrence graph step by step instead of saving")
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
        if args.ranking:
            return in_fresh_interpreter(RANKING_CHILD, str(saved))
        (Path(tmp) / "out").mkdir()
        return in_fresh_interpreter(CHILD, str(saved), str(Path(tmp) / "out"))


if __name__ == "__main__":
    sys.exit(main())
