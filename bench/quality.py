"""Concept quality, measured: kg's ranked concepts against gold keyphrases, next to the usual
unsupervised keyphrase extractors run on the same texts.

    python bench/quality.py                        # Inspec test, SemEval-2017, CSL test
    python bench/quality.py --limit 50 --datasets inspec
    python bench/quality.py --markdown             # tables for the README

Protocol: each method returns its top 15 phrases per document; gold and predictions are
lower-cased, split into words (hyphens split) and Porter-stemmed (nltk); predictions that stem
alike are merged; exact-match F1@5/10/15 and partial (word-overlap) F1@10, macro-averaged
over documents, in %. Chinese: exact match of the phrase as written (spaces removed), partial
match over characters. Seconds = processing the documents, after each method's models load.

Every method sees the same texts (Inspec: title, then abstract; CSL: title, then abstract)
and returns 15 phrases. kg ranks the whole dataset as one batch (its idf is measured across
the batch; so is the tf-idf baseline's). Peers run with their defaults except: pytextrank's
phrases lose leading determiners/pronouns/numbers (as pke's candidates do), textacy returns
lower-cased surface forms rather than lemmas ("datum" never matches "data"). KeyBERT is not
run: its model would be downloaded from the Hugging Face hub at run time.

Tuning (kg.keyphrases.WEIGHTS) used only `inspec-dev`, `semeval-tune` and `csl-dev`. The
stored SemEval-2017 set merges its train, dev and test parts, so `semeval-heldout` reports
the paragraphs that tuning never saw next to the full 493.

Data: ../shared/data relative to the repository root (never copied into the repo). Peers:
`pip install -r requirements-bench.txt`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.keyphrases import evaluate, rank_concepts
from kg.model import Paper

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TOP_N = 15
Run = Callable[[list[Paper]], list[list[str]]]


@dataclass
class Dataset:
    name: str
    lang: str
    papers: list[Paper]
    gold: list[list[str]]


def need_data() -> Path:
    if not DATA.is_dir():
        sys.exit(f"benchmark data not found at {DATA} (expected ../shared/data beside the repository); "
                 "nothing to measure")
    return DATA


def _join(title: str, body: str, stop: str = ".") -> str:
    return f"{title}{'' if title.endswith(('.', '?', '!', '。')) else stop}\n{body}" if title else body


def load_inspec(split: str = "test") -> Dataset:
    """Hulth (2003) abstracts: first paragraph the title, then the abstract; `.uncontr` keys."""
    folder = need_data() / "keyphrase" / "inspec" / split
    papers, gold = [], []
    for path in sorted(folder.glob("*.abstr"), key=lambda p: int(p.stem)):
        blocks, current = [], []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line and not line[0].isspace() and current:
                blocks.append(" ".join(current))
                current = []
            if line.strip():
                current.append(line.strip())
        blocks.append(" ".join(current))
        title, body = blocks[0], " ".join(blocks[1:])
        papers.append(Paper(f"inspec-{split}:{path.stem}", title, _join(title, body), "en"))
        keys = path.with_suffix(".uncontr").read_text(encoding="utf-8", errors="replace")
        gold.append([" ".join(k.split()) for k in keys.split(";") if k.strip()])
    return Dataset(f"Inspec {split}", "en", papers, gold)


def semeval_part(doc_id: str) -> str:
    """The stored SemEval-2017 set merges train, dev and test (493 paragraphs) without saying
    which is which; a fixed hash puts a third in a tuning part and keeps the rest held out."""
    return "tune" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 3 == 0 else "heldout"


def load_semeval(part: str = "all") -> Dataset:
    folder = need_data() / "keyphrase" / "semeval2017"
    papers, gold = [], []
    for path in sorted((folder / "docsutf8").glob("*.txt")):
        if part != "all" and semeval_part(path.stem) != part:
            continue
        papers.append(Paper(f"semeval2017:{path.stem}", "", " ".join(path.read_text(encoding="utf-8").split()), "en"))
        keys = (folder / "keys" / f"{path.stem}.key").read_text(encoding="utf-8")
        gold.append([" ".join(k.split()) for k in keys.splitlines() if k.strip()])
    name = "SemEval-2017" + ("" if part == "all" else f" ({part} part)")
    return Dataset(name, "en", papers, gold)


def load_csl(split: str = "test") -> Dataset:
    """CSL keyword generation: `prompt \\t abstract + " " + title \\t keywords joined by _`."""
    path = need_data() / "csl-keywords" / f"kg_{split}.tsv"
    papers, gold = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        _, text, keys = line.split("\t")
        abstract, _, title = text.rpartition(" ")
        papers.append(Paper(f"csl-{split}:{n}", title, _join(title, abstract, "。"), "zh"))
        gold.append([k.strip() for k in keys.split("_") if k.strip()])
    return Dataset(f"CSL {split}", "zh", papers, gold)


DATASETS: dict[str, Callable[[], Dataset]] = {
    "inspec": load_inspec,
    "semeval": load_semeval,
    "csl": load_csl,
}


# ---------------------------------------------------------------- methods: setup() → run(papers)


def kg_method() -> Run:
    from kg.extract import Extractor

    extractor = Extractor.create()
    return lambda papers: [[c.label for c in row] for row in rank_concepts(papers, extractor, top_n=TOP_N)]


_LEADING_JUNK = {"DET", "PRON", "NUM", "PUNCT", "CCONJ", "ADP", "PART", "SYM", "SPACE"}


def _english_nlp(pipe: str | None = None):
    from kg.extract import load_english

    nlp = load_english()
    if pipe:
        with contextlib.redirect_stdout(io.StringIO()):  # pytextrank prints a git error on import
            import pytextrank  # noqa: F401  (registers the spaCy components)

        nlp.add_pipe(pipe)
    return nlp


def yake_method() -> Run:
    import yake

    extractor = yake.KeywordExtractor(lan="en", n=3, top=TOP_N)
    return lambda papers: [[k for k, _ in extractor.extract_keywords(p.text)] for p in papers]


def pytextrank_method(pipe: str) -> Callable[[], Run]:
    """pytextrank's phrases are spaCy noun chunks as written ("a new credit facility"); their
    leading determiners, pronouns and numbers are cut off, as pke's candidate selection does
    (without it TextRank loses about 5 points F1@10 on Inspec dev)."""
    def setup() -> Run:
        nlp = _english_nlp(pipe)

        def phrase(ph) -> str:
            tokens = list(ph.chunks[0])
            while tokens and tokens[0].pos_ in _LEADING_JUNK:
                tokens = tokens[1:]
            return " ".join(t.text for t in tokens)

        return lambda papers: [[t for t in map(phrase, doc._.phrases[: 2 * TOP_N]) if t][:TOP_N]
                               for doc in nlp.pipe(p.text for p in papers)]
    return setup


def textacy_method(name: str) -> Callable[[], Run]:
    def setup() -> Run:
        from textacy.extract import keyterms

        nlp = _english_nlp()
        fn = getattr(keyterms, name)
        return lambda papers: [[t for t, _ in fn(doc, topn=TOP_N, normalize="lower")]
                               for doc in nlp.pipe(p.text for p in papers)]
    return setup


def tfidf_np_method() -> Run:
    """The textbook baseline: spaCy noun chunks (leading determiners, pronouns, numbers off),
    scored by frequency in the document × log(N / document frequency) across the batch."""
    nlp = _english_nlp()

    def candidates(doc) -> Counter[str]:
        counts: Counter[str] = Counter()
        for chunk in doc.noun_chunks:
            tokens = list(chunk)
            while tokens and (tokens[0].pos_ in _LEADING_JUNK or tokens[0].is_stop):
                tokens = tokens[1:]
            if tokens and any(t.is_alpha for t in tokens):
                counts[" ".join(t.lower_ for t in tokens)] += 1
        return counts

    def run(papers: list[Paper]) -> list[list[str]]:
        counts = [candidates(doc) for doc in nlp.pipe(p.text for p in papers)]
        df = Counter(term for c in counts for term in c)
        n = len(counts)
        return [[t for t, _ in sorted(c.items(), key=lambda tc: (-tc[1] * math.log((n + 1) / df[tc[0]]), tc[0]))[:TOP_N]]
                for c in counts]
    return run


def jieba_method(kind: str) -> Callable[[], Run]:
    def setup() -> Run:
        import logging

        import jieba
        import jieba.analyse

        jieba.setLogLevel(logging.WARNING)
        extract = jieba.analyse.TFIDF() if kind == "tfidf" else jieba.analyse.TextRank()
        fn = extract.extract_tags if kind == "tfidf" else extract.textrank
        return lambda papers: [fn(p.text, topK=TOP_N) for p in papers]
    return setup


METHODS: dict[str, dict[str, Callable[[], Run]]] = {
    "en": {
        "kg": kg_method,
        "YAKE": yake_method,
        "TextRank (pytextrank)": pytextrank_method("textrank"),
        "PositionRank (pytextrank)": pytextrank_method("positionrank"),
        "sCAKE (textacy)": textacy_method("scake"),
        "SGRank (textacy)": textacy_method("sgrank"),
        "TF-IDF noun phrases": tfidf_np_method,
    },
    "zh": {
        "kg": kg_method,
        "jieba TF-IDF": jieba_method("tfidf"),
        "jieba TextRank": jieba_method("textrank"),
    },
}
NOT_RUN = ("KeyBERT: not run — it needs a sentence-transformers model downloaded from the "
           "Hugging Face hub at run time, which this machine cannot reach.")


# ---------------------------------------------------------------- running and printing


def stemmer() -> Callable[[str], str]:
    try:
        from nltk.stem import PorterStemmer
    except ImportError:
        sys.exit("nltk is missing: pip install -r requirements-bench.txt")
    return PorterStemmer().stem


def run_dataset(data: Dataset, methods: Sequence[str] | None, stem: Callable[[str], str]) -> list[dict]:
    rows = []
    for name, setup in METHODS[data.lang].items():
        if methods and name not in methods:
            continue
        try:
            run = setup()
        except ImportError as exc:
            rows.append({"method": name, "error": f"not installed ({exc.name}): pip install -r requirements-bench.txt"})
            continue
        start = time.perf_counter()
        predictions = run(data.papers)
        seconds = time.perf_counter() - start
        rows.append({"method": name, **evaluate(predictions, data.gold, stem), "seconds": round(seconds, 1)})
        print(f"  {data.name}: {name} done in {seconds:.1f}s", file=sys.stderr)
    return rows


COLUMNS = ("F1@5", "F1@10", "F1@15", "pF1@10", "seconds")


def print_table(data: Dataset, rows: list[dict], markdown: bool) -> None:
    title = f"{data.name} ({len(data.papers)} documents, {data.lang})"
    if markdown:
        print(f"\n**{title}**\n\n| method | {' | '.join(COLUMNS)} |\n|---|{'---:|' * len(COLUMNS)}")
        for r in rows:
            cells = [f"{r[c]:.1f}" if c == "seconds" else f"{r[c]:.2f}" for c in COLUMNS] if "error" not in r \
                else [r["error"]] + [""] * 4
            print(f"| {r['method']} | {' | '.join(cells)} |")
        return
    print(f"\n{title}")
    print(f"{'method':28}" + "".join(f"{c:>9}" for c in COLUMNS))
    for r in rows:
        if "error" in r:
            print(f"{r['method']:28} {r['error']}")
        else:
            print(f"{r['method']:28}" + "".join(f"{r[c]:9.2f}" if c != "seconds" else f"{r[c]:9.1f}" for c in COLUMNS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=[*DATASETS, "inspec-dev", "semeval-tune", "semeval-heldout", "csl-dev"],
                        default=list(DATASETS), help="test sets by default; the dev/tune parts for tuning")
    parser.add_argument("--methods", nargs="+", help="only these methods (names as printed)")
    parser.add_argument("--limit", type=int, help="first N documents of each dataset (a quick run)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()
    loaders = {**DATASETS, "inspec-dev": lambda: load_inspec("dev"),
               "semeval-tune": lambda: load_semeval("tune"), "semeval-heldout": lambda: load_semeval("heldout"),
               "csl-dev": lambda: load_csl("dev")}
    stem = stemmer()
    results = {}
    for name in args.datasets:
        data = loaders[name]()
        if args.limit:
            data = Dataset(data.name, data.lang, data.papers[: args.limit], data.gold[: args.limit])
        rows = run_dataset(data, args.methods, stem)
        results[data.name] = rows
        print_table(data, rows, args.markdown)
    print(f"\n{NOT_RUN}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
