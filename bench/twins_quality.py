"""Cross-language linking at scale: how far the Chinese twin of each paper lands on its English
original's concepts when N papers (English abstracts and their Google Chinese, as
`bench/scale.py --both` builds them) are linked as `kg build` links them.

`bench/crosslingual.py` measures 500 cs.CL/cs.AI pairs; in a big corpus the English side holds
hundreds of thousands of keys, and a Chinese phrase finds more of them to be read as. This
prints, over the pairs whose both versions are among the N, the mean concept recall, precision
and Jaccard of the Chinese version against the English one, where the Chinese versions' ties
go (the twin's concepts, concepts no English paper has, other English concepts), and the
English concepts tied to the most Chinese papers outside their twins.

    python bench/twins_quality.py --n 20000 --cache /tmp/kg-link-cache.sqlite
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter, defaultdict

from scale import linked_twins, parse_twins, twins_parser

TWIN_SUFFIX = ":zh"  # `scale.load_records(both=True)` ids the Chinese version "<arXiv id>:zh"


def main() -> int:
    parser = twins_parser(__doc__)
    parser.add_argument("--show", type=int, default=15, help="English concepts listed by ties outside the twin")
    args = parse_twins(parser)
    if args is None:
        return 1
    corpus = linked_twins(args)
    concepts_of: dict[str, set[str]] = defaultdict(set)
    for paper_id, key in corpus.occurrences:
        concepts_of[paper_id].add(key)
    recalls, precisions, jaccards = [], [], []
    ties: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for paper_id, zh in concepts_of.items():
        english_id = paper_id.removesuffix(TWIN_SUFFIX)
        if not paper_id.endswith(TWIN_SUFFIX) or english_id not in concepts_of:
            continue
        en = concepts_of[english_id]
        both = en & zh
        recalls.append(len(both) / len(en))
        precisions.append(len(both) / len(zh))
        jaccards.append(len(both) / len(en | zh))
        for key in zh - en:
            if "en" in corpus.concepts[key].langs:
                elsewhere[key] += 1
        ties.update({"in the twin": len(both), "another paper's English": sum(
            "en" in corpus.concepts[k].langs for k in zh - en), "Chinese only": sum(
            "en" not in corpus.concepts[k].langs for k in zh - en)})
    if not recalls:
        print("no pair has both versions among the papers: raise --n", file=sys.stderr)
        return 1
    print(f"{len(corpus.papers):,} papers, {len(recalls):,} with both versions: recall {statistics.mean(recalls):.3f}, "
          f"precision {statistics.mean(precisions):.3f}, Jaccard {statistics.mean(jaccards):.3f}")
    print("the Chinese versions' ties: " + ", ".join(f"{n:,} {kind}" for kind, n in ties.most_common()))
    print("English concepts tied to the most Chinese versions outside their twins:")
    for key, n in elsewhere.most_common(args.show):
        print(f"  {n:6,}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
