"""How well do the Chinese and English versions of the same papers land on the same concepts?

Builds one graph from N arXiv abstracts (cs.CL and cs.AI) in English and in their Google
Chinese translation (../shared/data/arxiv-zh-en), then per paper compares the concept set of the
Chinese version with that of the English version (recall, precision, Jaccard) and checks whether
the English twin is the Chinese version's most similar paper (accuracy@1). Runs three settings
in the same process: no cross-language linking (the baseline), dictionary + acronyms only, and
the full linker with kg's glossary.

    python bench/crosslingual.py [--n 500] [--data ../shared/data/arxiv-zh-en/abstracts.jsonl.gz]
    python bench/crosslingual.py --min-concept-papers 2 --min-termhood 0.65   # the README's second table
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from kg import query
from kg.crosslingual import _tokens, stem
from kg.extract import Extractor
from kg.graph import PAPER_PREFIX
from kg.link import MIN_TERMHOOD
from kg.pipeline import BuildOptions, build

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-zh-en" / "abstracts.jsonl.gz"
CATEGORIES = ("arXiv_CL", "arXiv_AI")


def load_pairs(path: Path, n: int, split: str = "test") -> list[dict]:
    """n papers of cs.CL/cs.AI with a Chinese translation, drawn with a fixed seed (the first ids
    alone would be a few old physics papers filed under these categories). The "dev" split draws
    from the papers outside the test sample of the same n: error analysis and tuning use it."""
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            if r.get("category") in CATEGORIES and r.get("abstract_zh_google") and r.get("abstract_en"):
                records.append(r)
    records.sort(key=lambda r: r["arxiv_id"])
    test = random.Random(0).sample(records, min(n, len(records)))
    if split == "dev":
        taken = {r["arxiv_id"] for r in test}
        rest = [r for r in records if r["arxiv_id"] not in taken]
        test = random.Random(1).sample(rest, min(n, len(rest)))
    return sorted(test, key=lambda r: r["arxiv_id"])


def write_input(pairs: list[dict], folder: Path) -> Path:
    path = folder / "pairs.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for r in pairs:
            for lang, field in (("en", "abstract_en"), ("zh", "abstract_zh_google")):
                handle.write(json.dumps({"id": f"{lang}:{r['arxiv_id']}", "abstract": r[field]}, ensure_ascii=False) + "\n")
    return path


def measure(graph, pairs: list[dict]) -> dict[str, float]:
    g = graph.bipartite
    recalls, precisions, jaccards, hits = [], [], [], 0
    for r in pairs:
        en = set(g[PAPER_PREFIX + "en:" + r["arxiv_id"]])
        zh = set(g[PAPER_PREFIX + "zh:" + r["arxiv_id"]])
        both = en & zh
        recalls.append(len(both) / len(en) if en else 0.0)
        precisions.append(len(both) / len(zh) if zh else 0.0)
        jaccards.append(len(both) / len(en | zh) if en | zh else 0.0)
        best = query.similar_papers(g, "zh:" + r["arxiv_id"], 1)
        hits += bool(best) and best[0].paper_id == "en:" + r["arxiv_id"]
    return {
        "recall": statistics.mean(recalls),
        "precision": statistics.mean(precisions),
        "jaccard": statistics.mean(jaccards),
        "twin_acc@1": hits / len(pairs),
    }


def breakdown(graph, pairs: list[dict]) -> Counter[str]:
    """Where the Chinese versions' concepts go: to their English twin's, to concepts no English
    paper has (unread phrases, which keep their own nodes), or to other English concepts."""
    g, found = graph.bipartite, Counter()
    for r in pairs:
        en = set(g[PAPER_PREFIX + "en:" + r["arxiv_id"]])
        for c in g[PAPER_PREFIX + "zh:" + r["arxiv_id"]]:
            found["in the twin" if c in en else "another paper's English" if "en" in g.nodes[c]["langs"].split()
                  else "Chinese only"] += 1
    return found


def gloss_agreement(graph, pairs: list[dict]) -> tuple[float, int]:
    """How good the English labels of unread Chinese phrases are (item 6): per Chinese-only
    concept of a Chinese version, the share of its gloss's words (the label before " (中文)")
    whose stem is among the English twin's words; the mean, and over how many ties."""
    g, shares = graph.bipartite, []
    for r in pairs:
        twin = {stem(w) for w in _tokens(re.sub(r"[^\w\s-]", " ", r["abstract_en"]))}
        for c in g[PAPER_PREFIX + "zh:" + r["arxiv_id"]]:
            node = g.nodes[c]
            if "en" in node["langs"].split() or node["key"].isascii():
                continue
            words = _tokens(node["label"].rsplit(" (", 1)[0])
            shares.append(sum(stem(w) in twin for w in words) / len(words) if words else 0.0)
    return (statistics.mean(shares) if shares else 0.0), len(shares)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=("test", "dev"), default="test",
                        help="test: the reported sample; dev: other papers, for error analysis and tuning")
    parser.add_argument("--min-concept-papers", type=int, default=0,
                        help="as kg build's (0: kg's default, which keeps every concept below 5,000 papers)")
    parser.add_argument("--min-termhood", type=float, default=MIN_TERMHOOD, help="as kg build's")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"{args.data}: not found (the shared evaluation data is not beside this clone)", file=sys.stderr)
        return 1
    pairs = load_pairs(args.data, args.n, args.split)
    print(f"{len(pairs)} {args.split} papers of {', '.join(CATEGORIES)}, each in English and Google Chinese")
    plain, tuned = Extractor.create(zh_user_words=[]), Extractor.create()  # without / with glossary terms in jieba
    settings = {
        "no cross-language linking (baseline)": BuildOptions(crosslingual=False, glossary=False),
        "dictionary + acronyms (no glossary)": BuildOptions(glossary=False),
        "dictionary + acronyms + glossary": BuildOptions(),
    }
    settings = {name: replace(options, min_concept_papers=args.min_concept_papers, min_termhood=args.min_termhood)
                for name, options in settings.items()}
    print(f"{'setting':40} {'recall':>7} {'precision':>9} {'jaccard':>7} {'twin@1':>7} {'time s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        source = write_input(pairs, Path(tmp))
        for name, options in settings.items():
            start = time.perf_counter()
            graph = build([source], options, tuned if options.glossary else plain)
            seconds = time.perf_counter() - start
            m = measure(graph, pairs)
            print(f"{name:40} {m['recall']:7.3f} {m['precision']:9.3f} {m['jaccard']:7.3f} "
                  f"{m['twin_acc@1']:7.3f} {seconds:7.1f}")
    found = breakdown(graph, pairs)
    total, elsewhere = sum(found.values()), found["another paper's English"]
    print(f"\nthe Chinese versions' {total:,} paper–concept ties (last setting): "
          + ", ".join(f"{n:,} {kind}" for kind, n in found.most_common())
          + "; with no tie to another paper's concept, pooled precision could reach "
          + f"{1 - found['Chinese only'] / (total - elsewhere):.2f}")
    agreement, glossed = gloss_agreement(graph, pairs)
    print(f"English labels of the {glossed:,} ties to Chinese-only concepts: {agreement:.3f} of their words "
          "are in the English twin")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
