"""How long the corpus-wide link takes, apart from extraction, and what it produced.

The link stage (acronym table, Chinese → English span reading, nested phrases, minimum papers)
is the largest part of a big build after extraction. This script extracts N papers of the
twins corpus once, through an extraction cache kept between runs (`--cache`), then times
`kg.pipeline.link_papers` on them with `--link-workers` processes reading the Chinese clause
spans (wall seconds, and CPU seconds of this process and of the workers, so a busy machine
shifts the figure less) and prints the number of concepts and a hash of every occurrence,
concept label, alias and link: two commits, or two worker counts, that print the same hash
link the corpus the same way.

    python bench/link_time.py --n 4000            # about a minute after the first extraction
    python bench/link_time.py --n 4000 --link-workers 2
    python bench/link_time.py --n 20000 --cache /tmp/kg-link-cache.sqlite
"""

from __future__ import annotations

import hashlib
import resource
import sys
import time

from scale import extract_twins, parse_twins, twins_parser

from kg import pipeline


def corpus_hash(corpus) -> str:
    concepts = sorted((k, c.label, sorted(c.aliases.items()), c.links) for k, c in corpus.concepts.items())
    data = repr(sorted(corpus.occurrences.items())) + repr(concepts)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers that have exited
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = twins_parser(__doc__)
    parser.add_argument("--link-workers", type=int, default=1, help="processes reading the Chinese clause spans")
    args = parse_twins(parser)
    if args is None:
        return 1
    start = time.perf_counter()
    papers, extractions = extract_twins(args.data, args.n, args.cache, args.workers, args.splice)
    print(f"{len(papers):,} papers read and extracted (cache {args.cache}) in {time.perf_counter() - start:.1f} s")
    options = pipeline.BuildOptions()
    start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    corpus = pipeline.link_papers(papers, extractions, options, pipeline.min_concept_papers(options, len(papers)),
                                  workers=args.link_workers)
    wall, cpu, children = time.perf_counter() - start, time.process_time() - cpu, _children_cpu() - children
    print(f"link with {args.link_workers} span-reading process(es): {wall:.1f} s wall, {cpu:.1f} s of CPU here"
          f"{f' and {children:.1f} s in the workers' if children else ''}, {len(corpus.concepts):,} concepts, "
          f"{len(corpus.occurrences):,} paper–concept ties, hash {corpus_hash(corpus)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
