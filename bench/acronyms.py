"""kg's English acronym detector (`kg.extract.find_english_acronyms`) on public gold sets.

    python bench/acronyms.py [--limit N] [--errors]

- Ab3P MED1250 (1,250 MEDLINE abstracts, Sohn et al. 2008): (short form, long form) pairs per
  abstract, micro P/R/F1. Pairs compare normalised: lower case, a plural short form made
  singular ("GNNs" = "GNN"), the long form's last word singular and everything but letters and
  digits dropped ("Alzheimer's disease" = "alzheimer 's disease"). Next to kg: Ab3P's own
  shipped output and a Schwartz–Hearst implementation (PyPI `abbreviations`) scored the same
  way, and the figures Ab3P published. kg's rules were tuned on the even PMIDs only; the odd
  half is reported apart as held-out data.
- SciAD acronym identification test (1,750 sentences from arXiv/ACL papers, Veyseh et al.
  2020): the shared task's measure — exact token spans of short forms and of long forms, P and
  R per kind, macro-averaged, F1 of the averages. kg's detector reports definitions ("long
  form (SF)"): the first row labels those; half the gold short forms are later, undefined
  uses, so the second row also labels every token kg's keys keep as an acronym.

Data: ../shared/data relative to the repository root.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from spacy.tokens import Doc

from kg.extract import english_key, find_english_acronyms, load_english, plain_english_key, singular_acronym
from kg.extract import _is_acronym_token  # what kg's keys treat as an acronym (kept upper case)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "acronyms"
PUBLISHED_AB3P = (0.965, 0.832)  # Sohn et al. 2008, MED1250
PUBLISHED_SCIAD_RULES = (0.9322, 0.7890, 0.8546)  # the task's Schwartz–Hearst-style rule baseline


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark data not found at {path} (expected ../shared/data beside the repository)")
    return path


def norm_pair(short: str, long: str) -> tuple[str, str]:
    return singular_acronym(short.strip()).lower(), re.sub(r"[^0-9a-z]", "", plain_english_key(long))


def prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


# ---------------------------------------------------------------- Ab3P MED1250


def read_med1250(path: Path) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(PMID, title + abstract, pairs) records: a PMID line, text lines, `  SF|LF[|score]` lines."""
    pmid, text, pairs = None, [], []
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.strip().isdigit() and not line.startswith(" "):
            if pmid is not None:
                yield pmid, " ".join(text), pairs
            pmid, text, pairs = line.strip(), [], []
        elif line.startswith("  ") and "|" in line:
            short, long = line.strip().split("|")[:2]
            pairs.append((short, long))
        elif line.strip():
            text.append(line.strip())
    if pmid is not None:
        yield pmid, " ".join(text), pairs


def score_pairs(predicted: dict[str, set], gold: dict[str, set]) -> tuple[float, float, float]:
    correct = sum(len(predicted.get(k, set()) & g) for k, g in gold.items())
    return prf(correct, sum(map(len, predicted.values())), sum(map(len, gold.values())))


def ab3p(nlp, limit: int | None, errors: bool) -> list[tuple[str, tuple[float, float, float], float | None]]:
    folder = need(DATA / "ab3p-med1250")
    records = list(read_med1250(folder / "MED1250_labeled"))[:limit]
    gold = {pmid: {norm_pair(s, l) for s, l in pairs} for pmid, _, pairs in records}
    rows = []

    start = time.perf_counter()
    kg_pairs = {pmid: {norm_pair(d.short, d.long_surface) for d in find_english_acronyms(doc)}
                for (pmid, _, _), doc in zip(records, nlp.pipe(t for _, t, _ in records))}
    rows.append(("kg (find_english_acronyms)", score_pairs(kg_pairs, gold), time.perf_counter() - start))
    for name, parity in (("  even PMIDs (the half rules were tuned on)", 0), ("  odd PMIDs (held out)", 1)):
        half = {pmid: pairs for pmid, pairs in gold.items() if int(pmid) % 2 == parity}
        rows.append((name, score_pairs({k: kg_pairs[k] for k in half}, half), None))
    if errors:
        for pmid in gold:
            for kind, pairs in (("missed", gold[pmid] - kg_pairs[pmid]), ("wrong", kg_pairs[pmid] - gold[pmid])):
                for s, l in sorted(pairs):
                    print(f"  {pmid} {kind}: {s} | {l}")
    try:
        from abbreviations import schwartz_hearst
    except ImportError:
        rows.append(("Schwartz–Hearst (abbreviations): not installed, pip install -r requirements-bench.txt",
                     (0.0, 0.0, 0.0), None))
    else:
        start = time.perf_counter()
        sh = {pmid: {norm_pair(s, l) for s, l in schwartz_hearst.extract_abbreviation_definition_pairs(doc_text=t).items()}
              for pmid, t, _ in records}
        rows.append(("Schwartz–Hearst (PyPI abbreviations)", score_pairs(sh, gold), time.perf_counter() - start))
    shipped = {pmid: {norm_pair(s, l) for s, l in pairs} for pmid, _, pairs in read_med1250(folder / "identify_abbr-out")}
    rows.append(("Ab3P, its shipped output re-scored", score_pairs({k: shipped.get(k, set()) for k in gold}, gold), None))
    p, r = PUBLISHED_AB3P
    rows.append(("Ab3P, published (Sohn et al. 2008)", (p, r, 2 * p * r / (p + r)), None))
    return rows


# ---------------------------------------------------------------- SciAD acronym identification


def _spaces(tokens: list[str]) -> list[bool]:
    """Rebuild the sentence's spacing from its tokens, so "( PCA )" reads "(PCA)" as written."""
    spaces = []
    for tok, nxt in zip(tokens, tokens[1:] + [""]):
        spaces.append(not (tok in "([-/" or nxt in ("", ")", "]", ",", ".", ";", ":", "-", "/", "'s", "%")))
    return spaces


def label_definitions(doc: Doc, mentions: bool = False) -> list[str]:
    """BIO labels (B-short, I-long …) of the definitions kg finds in one tokenised sentence;
    with `mentions`, also every other token kg's keys treat as an acronym (GNN, BERT, cGAN)."""
    labels = ["O"] * len(doc)
    if mentions:
        labels = ["B-short" if _is_acronym_token(t.text) and len(t.text) > 1 else "O" for t in doc]
    found = {(d.short, d.long_key) for d in find_english_acronyms(doc)}
    for i, tok in enumerate(doc):
        if tok.text != "(":
            continue
        close = next((j for j in range(i + 2, min(i + 6, len(doc))) if doc[j].text == ")"), None)
        if close is None:
            continue
        short = singular_acronym(doc[i + 1 : close].text)
        for _, long_key in (f for f in found if f[0] == short):
            start = next((j for j in range(i - 1, max(-1, i - 16), -1) if english_key(doc[j:i])[0] == long_key), None)
            if start is None:
                continue
            labels[i + 1 : close] = ["B-short"] + ["I-short"] * (close - i - 2)
            labels[start:i] = ["B-long"] + ["I-long"] * (i - start - 1)
    return labels


def spans(sequences: list[list[str]]) -> tuple[set, set]:
    """(sentence, first, last) token spans of short and of long forms, as the task's scorer reads BIO."""
    shorts, longs = set(), set()
    for n, labels in enumerate(sequences):
        current: list[int] = []
        kind = ""
        for j, label in enumerate(labels + ["O"]):
            if (label.startswith(("B", "O")) or label[2:] != kind) and current:
                (shorts if kind == "short" else longs).add((n, current[0], current[-1]))
                current = []
            if label != "O":
                kind = label[2:]
                current.append(j)
    return shorts, longs


def sciad(nlp, limit: int | None, mentions: bool = False) -> tuple[tuple[float, float, float], float, dict]:
    gold_rows = json.loads(need(DATA / "sciad" / "AI" / "truth.json").read_text(encoding="utf-8"))[:limit]
    start = time.perf_counter()
    docs = (Doc(nlp.vocab, words=r["tokens"], spaces=_spaces(r["tokens"])) for r in gold_rows)
    predicted = [label_definitions(doc, mentions) for doc in nlp.pipe(docs)]
    seconds = time.perf_counter() - start
    gold_s, gold_l = spans([r["labels"] for r in gold_rows])
    pred_s, pred_l = spans(predicted)
    per_kind = {"short": prf(len(pred_s & gold_s), len(pred_s), len(gold_s)),
                "long": prf(len(pred_l & gold_l), len(pred_l), len(gold_l))}
    p = (per_kind["short"][0] + per_kind["long"][0]) / 2
    r = (per_kind["short"][1] + per_kind["long"][1]) / 2
    return (p, r, 2 * p * r / (p + r) if p + r else 0.0), seconds, per_kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="first N records of each set")
    parser.add_argument("--errors", action="store_true", help="list kg's missed and wrong MED1250 pairs")
    args = parser.parse_args()
    nlp = load_english()
    line = lambda name, prf_, secs: print(f"{name:48} {prf_[0]:7.3f} {prf_[1]:7.3f} {prf_[2]:7.3f}"
                                          + (f" {secs:8.1f}" if secs is not None else ""))
    print(f"Ab3P MED1250: (short, long) pairs\n{'method':48} {'P':>7} {'R':>7} {'F1':>7} {'seconds':>8}")
    for name, scores, secs in ab3p(nlp, args.limit, args.errors):
        line(name, scores, secs)
    print(f"\nSciAD acronym identification test: spans, macro over short/long forms\n"
          f"{'method':48} {'P':>7} {'R':>7} {'F1':>7} {'seconds':>8}")
    for name, mentions in (("kg, definitions", False), ("kg, definitions + acronym-cased tokens", True)):
        scores, secs, per_kind = sciad(nlp, args.limit, mentions)
        line(name, scores, secs)
        for kind, s in per_kind.items():
            line(f"  {kind} forms", s, None)
    line("rule baseline, published (character_match.py)", PUBLISHED_SCIAD_RULES, None)


if __name__ == "__main__":
    main()
