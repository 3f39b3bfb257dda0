"""New papers added to a built workspace without rebuilding it (`kg build --append`).

A full build relinks, re-ranks and rewrites every paper: twelve minutes at 72,000 papers, for
a daily feed of a hundred new abstracts. Appending extracts and links only the new papers,
against what the last full build decided corpus-wide (its concepts, acronyms, refused
dictionary readings and modifiers that rarely stand alone: `kg.link.Vocabulary`, kept in
graph.sqlite), and adds them to graph.sqlite, the file the query commands, the ego views,
`kg export` and `kg.load` read:

- the papers, their ties to concepts, and the concepts new to the workspace that are in
  `min_concept_papers` of the new papers;
- the concepts' paper counts, aliases, languages, evidence, paper lists and mean years, grown;
- in the co-occurrence projection, the papers-together count and association strength of
  every pair of concepts a new paper has, counted over all papers (a pair the full build had
  thinned out comes back as the full build keeps a link: seen together in `min_cooccurrence`
  papers and among the `links_per_concept` strongest of one of its ends);
- in the similarity projection, each new paper's most similar papers, weighted by the rarity
  of their shared concepts in the grown corpus.

What only the whole graph can say stays as the last full build left it: centralities, clusters,
the association strength of pairs no new paper has, the other papers' most similar papers,
and the whole-graph files (graph.graphml, concepts.graphml, papers.graphml, the
maps, rankings.csv). summary.json counts the appended papers. `kg build` of every input
recomputes all of it, as if the papers had come at once.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from kg import workspace
from kg.atomic import write_text
from kg.engine import EngineOptions, ExtractorConfig, extract_stream
from kg.extract import Extractor
from kg.graph import (CONCEPT_PREFIX, PAPER_PREFIX, ProjectionLimits, association, concept_attributes, concept_node,
                      mean_year, mention_attributes, paper_attributes, paper_node, paper_year, papers_of, rarity)
from kg.index import BY_B, INDEX_FILE, abstract_rows, dump_attributes
from kg.link import Vocabulary
from kg.model import Concept, Corpus, Extraction, LinkDecisions, Paper
from kg.pipeline import (PAPER_TITLES_MAX, SKIPPED_FILE, SUMMARY_FILE, BuildError, BuildOptions, OnStep, link_papers,
                         min_concept_papers, no_step, paper_titles, skipped_jsonl)
from kg.query import concept_names
from kg.read import ReadReport, read_papers


class AppendError(BuildError):
    """The workspace cannot take appended papers."""


class NothingNew(BuildError):
    """Every paper of the inputs is in the workspace already: nothing to do, and nothing wrong."""


@dataclass(frozen=True)
class NewPapers:
    """The papers of an append, linked, and what they are appended to."""

    workspace: Workspace
    corpus: Corpus
    present: int  # papers of the inputs that the workspace has already (not appended, not problems)


@dataclass(frozen=True)
class Workspace:
    """What appending needs to know of a built workspace."""

    vocabulary: Vocabulary
    paper_ids: frozenset[str]
    abstracts: Mapping[bytes, str]  # `kg.read.abstract_digest` → the id of the paper with that abstract
    thinned_cooccurrence: bool  # pairs seen together in fewer papers than `min_cooccurrence` left out
    search_max_papers: int | None  # similar papers are searched through concepts this rare (None: all)


def read_workspace(out_dir: Path) -> Workspace:
    """The vocabulary and papers of `out_dir`'s graph.sqlite; `AppendError` when it has none
    (no full build yet, or one by a kg that kept no vocabulary)."""
    path = out_dir / INDEX_FILE
    if not path.is_file():
        raise AppendError(f"{path}: no graph to append to (run `kg build INPUT -o {out_dir}` first)")
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        meta = dict(db.execute("SELECT name, value FROM meta"))
        tables = {name for name, in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "thinned_cooccurrence" not in meta or "abstracts" not in tables:
            raise AppendError(f"{path}: built by an older kg, which kept no vocabulary to append to "
                              f"(run `kg build` without --append once)")
        papers = {node[len(CONCEPT_PREFIX):]: int(n) for node, n in
                  db.execute("SELECT id, attrs ->> '$.papers' FROM nodes WHERE kind = 'concept'")}
        rows = db.execute("SELECT kind, name, value FROM vocabulary").fetchall()
        ids = frozenset(node[len(PAPER_PREFIX):] for node, in db.execute("SELECT id FROM nodes WHERE kind = 'paper'"))
        abstracts = dict(db.execute("SELECT digest, paper FROM abstracts"))
    except sqlite3.Error as exc:
        raise AppendError(f"{path}: cannot read the workspace ({exc})") from None
    finally:
        db.close()
    decisions = LinkDecisions(acronyms={name: value for kind, name, value in rows if kind == "acronym"},
                              implausible=frozenset(name for kind, name, _ in rows if kind == "implausible"),
                              dependent=frozenset(name for kind, name, _ in rows if kind == "dependent"))
    vocabulary = Vocabulary(papers=papers, decisions=decisions)
    search = meta.get("similarity_search_papers", "")
    return Workspace(vocabulary, ids, abstracts, meta["thinned_cooccurrence"] == "1", int(search) if search else None)


def append(inputs: Iterable[str | Path], out_dir: str | Path, options: BuildOptions = BuildOptions(),
           report: ReadReport | None = None, engine: EngineOptions = EngineOptions(),
           on_progress: Callable[[int], None] | None = None, on_step: OnStep = no_step,
           limits: ProjectionLimits = ProjectionLimits(), extractor: Extractor | None = None) -> tuple[list[Path], dict]:
    """Add the papers of `inputs` that `out_dir` does not have yet (those it has are counted:
    `link_new_papers`); returns the files rewritten and the new summary. Holds the workspace lock."""
    with workspace.locked(out_dir) as out:
        new = link_new_papers(inputs, out, options, report, engine, on_progress, on_step, extractor)
        return save_appended(new, out, report or ReadReport(), on_step, limits)


def link_new_papers(inputs: Iterable[str | Path], out: Path, options: BuildOptions = BuildOptions(),
                    report: ReadReport | None = None, engine: EngineOptions = EngineOptions(),
                    on_progress: Callable[[int], None] | None = None,
                    on_step: OnStep = no_step, extractor: Extractor | None = None) -> NewPapers:
    """The papers of `inputs` that the workspace `out` does not have, read, extracted and linked
    against it (the first half of `append`; the caller holds the lock). `NothingNew` when it
    has them all. Those it has are counted, not reported: a daily feed read again is no error.
    A paper whose abstract the workspace has under another id is skipped, as a full build does."""
    inputs = [str(i) for i in inputs]
    report = report if report is not None else ReadReport(fail_fast=True)
    known = read_workspace(out)
    present = 0

    def new_papers(papers: Iterable[Paper]) -> Iterable[Paper]:
        nonlocal present
        for paper in papers:
            if paper.id in known.paper_ids:
                present += 1
            elif paper.digest in known.abstracts:
                report.skip(paper.source, f"paper {paper.id}",
                            f"same abstract as paper {known.abstracts[paper.digest]!r} of {out} (first kept)")
            else:
                yield paper

    papers: list[Paper] = []
    extractions: list[Extraction] = []
    stream = extract_stream(new_papers(read_papers(inputs, options.columns, report)),
                            ExtractorConfig(glossary=options.glossary), engine, extractor, on_progress)
    for paper, extraction in stream:
        papers.append(paper)
        extractions.append(extraction)
    if not papers and present and not report.skipped:
        raise NothingNew(f"{out}: every paper of {', '.join(inputs)} ({present:,}) is there already; nothing appended")
    if not papers:
        skipped = f" ({report.summary_line()})" if report.problems else ""
        raise BuildError(f"{', '.join(inputs)}: no new abstracts to append{skipped}")
    total = len(known.paper_ids) + len(papers)
    corpus = link_papers(papers, extractions, options, min_concept_papers(options, total), on_step=on_step,
                         release_mentions=True, vocabulary=known.vocabulary)
    return NewPapers(known, corpus, present)


def save_appended(new: NewPapers, out: Path, report: ReadReport, on_step: OnStep = no_step,
                  limits: ProjectionLimits = ProjectionLimits()) -> tuple[list[Path], dict]:
    """graph.sqlite, summary.json and skipped.jsonl of `out` with the `new` papers added, published
    together (`kg.workspace.publish`; the second half of `append`, the lock held): a failed
    append changes nothing. The other files stay as the last full build wrote them."""
    info: dict = {}

    def write(staging: Path) -> list[Path]:
        on_step(f"writing {INDEX_FILE}")
        shutil.copyfile(out / INDEX_FILE, staging / INDEX_FILE)
        db = sqlite3.connect(staging / INDEX_FILE)
        try:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")  # published whole
            with db:
                added = add_to_index(db, new.corpus, new.workspace, limits)
        finally:
            db.close()
        info.update(grown_summary(out / SUMMARY_FILE, new.corpus, added))
        write_text(staging / SUMMARY_FILE, json.dumps(info, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        previous = (out / SKIPPED_FILE).read_text(encoding="utf-8") if (out / SKIPPED_FILE).is_file() else ""
        write_text(staging / SKIPPED_FILE, previous + skipped_jsonl(report))
        return [staging / INDEX_FILE, staging / SUMMARY_FILE, staging / SKIPPED_FILE]

    return workspace.publish(out, write, keep_others=True), info


@dataclass(frozen=True)
class Added:
    """What `add_to_index` added, for summary.json."""

    concepts: int
    cooccurrence_edges: int
    similarity_edges: int


def add_to_index(db: sqlite3.Connection, corpus: Corpus, known: Workspace,
                 limits: ProjectionLimits = ProjectionLimits()) -> Added:
    """Write the appended `corpus` into an open graph.sqlite (see the module docstring)."""
    papers_before = int(db.execute("SELECT value FROM meta WHERE name = 'papers'").fetchone()[0])
    n_papers = papers_before + len(corpus.papers)
    db.execute("UPDATE meta SET value = ? WHERE name = 'papers'", (str(n_papers),))
    concepts_of: dict[str, list[str]] = defaultdict(list)  # new paper → its concept keys, sorted
    for paper_id, key in sorted(corpus.occurrences):
        concepts_of[paper_id].append(key)
    # every paper of every concept a new paper has, the new ones included (sorted lists)
    every_paper_of = {key: sorted(ids + [row[0][len(PAPER_PREFIX):] for row in db.execute(
                          "SELECT paper FROM edges WHERE concept = ?", (concept_node(key),))])
                      for key, ids in sorted(papers_of(corpus).items())}
    frequency = {key: len(ids) for key, ids in every_paper_of.items()}

    _add_papers(db, corpus)
    titles = _titles(db, {p for ids in every_paper_of.values() for p in ids[:PAPER_TITLES_MAX]})
    labels = _add_concepts(db, corpus, known.vocabulary, frequency, every_paper_of, titles)
    cooccurrence = _add_cooccurrences(db, concepts_of, every_paper_of, frequency, n_papers,
                                      limits if known.thinned_cooccurrence else None)
    similarity = _add_similar_papers(db, concepts_of, every_paper_of, frequency, n_papers, labels,
                                     limits.similar_per_paper, known.search_max_papers)
    return Added(sum(key not in known.vocabulary.papers for key in corpus.concepts), cooccurrence, similarity)


def _titles(db: sqlite3.Connection, paper_ids: Iterable[str]) -> dict[str, str]:
    """Paper id → title, for the concepts' `paper_titles`."""
    titles = {}
    for paper_id in sorted(paper_ids):
        row = db.execute("SELECT attrs ->> '$.title' FROM nodes WHERE id = ?", (paper_node(paper_id),)).fetchone()
        titles[paper_id] = row[0] if row else ""
    return titles


def _add_papers(db: sqlite3.Connection, corpus: Corpus) -> None:
    """The new paper nodes in the paper–concept graph and the similarity projection, their ties
    and their abstracts' digests."""
    db.executemany("INSERT INTO abstracts VALUES (?, ?)", abstract_rows(corpus.papers))
    for paper in sorted(corpus.papers, key=lambda p: p.id):
        attrs = paper_attributes(paper)
        db.execute("INSERT INTO nodes VALUES (?, 'paper', ?)", (paper_node(paper.id), dump_attributes({"kind": "paper", **attrs})))
        del attrs["paper_id"]
        db.execute("INSERT INTO projection_nodes VALUES ('papers', ?, ?)", (paper.id, dump_attributes(attrs)))
    for (paper_id, key), surfaces in sorted(corpus.occurrences.items()):
        db.execute("INSERT INTO edges VALUES (?, ?, ?)",
                   (concept_node(key), paper_node(paper_id), dump_attributes(mention_attributes(surfaces))))


def _merged(joined: str, more: Iterable[str], sep: str) -> str:
    return sep.join(sorted({*filter(None, joined.split(sep)), *more}))


def _add_concepts(db: sqlite3.Connection, corpus: Corpus, vocabulary: Vocabulary, frequency: Mapping[str, int],
                  every_paper_of: Mapping[str, list[str]], titles: Mapping[str, str]) -> dict[str, str]:
    """New concept nodes, and the workspace's grown; returns every touched concept's label."""
    years = _mean_years(db, corpus, every_paper_of)
    labels = {}
    for key, concept in sorted(corpus.concepts.items()):
        node = concept_node(key)
        shown = paper_titles(every_paper_of[key], titles)
        if key in vocabulary.papers:
            attrs = json.loads(db.execute("SELECT attrs FROM nodes WHERE id = ?", (node,)).fetchone()[0])
            grown = {"papers": frequency[key], "aliases": _merged(attrs.get("aliases", ""), concept.aliases, " | "),
                     "langs": _merged(attrs.get("langs", ""), concept.langs, " "),
                     "links": _more_links(str(attrs.get("links", "")), concept),
                     **({"mean_year": years[key]} if key in years else {})}
            attrs.update(grown)
            db.execute("UPDATE nodes SET attrs = ? WHERE id = ?", (dump_attributes(attrs), node))
            row = db.execute("SELECT attrs FROM projection_nodes WHERE graph = 'concepts' AND id = ?", (key,)).fetchone()
            if row is not None:
                projected = json.loads(row[0])
                projected.update({name: value for name, value in grown.items() if name != "langs"},
                                 paper_titles=shown)
                db.execute("UPDATE projection_nodes SET attrs = ? WHERE graph = 'concepts' AND id = ?",
                           (dump_attributes(projected), key))
        else:
            attrs = concept_attributes(concept, frequency[key])
            if key in years:
                attrs["mean_year"] = years[key]
            db.execute("INSERT INTO nodes VALUES (?, 'concept', ?)", (node, dump_attributes(attrs)))
            projected = {name: value for name, value in attrs.items() if name not in ("kind", "key", "langs")}
            db.execute("INSERT INTO projection_nodes VALUES ('concepts', ?, ?)",
                       (key, dump_attributes({**projected, "paper_titles": shown})))
        db.executemany("INSERT OR IGNORE INTO names VALUES (?, ?)", ((name, node) for name in sorted(concept_names(attrs))))
        labels[key] = str(attrs.get("label", key))
    return labels


def _more_links(text: str, concept: Concept) -> str:
    """A concept's evidence (`kg.graph.links_text`) with what linked the new papers to it added
    at the end: the layer, surface and detail of each new link not listed yet. The new papers'
    nested phrases are not added: the full build lists only the first few of those."""
    listed = text.split(" | ") if text else []
    new = [f"{l.layer}: {l.surface} ({l.detail})" for l in concept.links if l.layer != "nested"]
    return " | ".join([*listed, *(entry for entry in new if entry not in listed)])


def _mean_years(db: sqlite3.Connection, corpus: Corpus, every_paper_of: Mapping[str, list[str]]) -> dict[str, float]:
    """Each touched concept's mean publication year over all its papers that have one, as
    `kg.graph.mean_years` gives it. Only when a new paper has a year: else the means stand."""
    years = {p.id: y for p in corpus.papers if (y := paper_year(p)) is not None}
    if not years:
        return {}
    for paper_id in sorted({p for ids in every_paper_of.values() for p in ids} - years.keys()):
        row = db.execute("SELECT attrs ->> '$.year' FROM nodes WHERE id = ?", (paper_node(paper_id),)).fetchone()
        if row is not None and row[0] is not None:
            years[paper_id] = int(row[0])
    return {key: mean_year(known) for key, ids in sorted(every_paper_of.items())
            if (known := [years[p] for p in ids if p in years])}


def _add_cooccurrences(db: sqlite3.Connection, concepts_of: Mapping[str, list[str]],
                       every_paper_of: Mapping[str, list[str]], frequency: Mapping[str, int], n_papers: int,
                       thinned: ProjectionLimits | None) -> int:
    """Every pair of concepts a new paper has, counted over all papers; returns the links added.
    On a `thinned` graph a new link is added as the full build keeps one: seen together in
    `min_cooccurrence` papers, and stronger than the `links_per_concept`-th strongest link of
    either end (papers together, then association strength, as the workspace has them)."""
    pairs = sorted({pair for keys in concepts_of.values() for pair in combinations(keys, 2)})
    bars = {key: _weakest_kept(db, key, thinned.links_per_concept) for key in sorted({k for pair in pairs for k in pair})} \
        if thinned is not None else {}
    paper_sets: dict[str, set[str]] = {}
    added = 0
    for a, b in pairs:
        for key in (a, b):
            if key not in paper_sets:
                paper_sets[key] = set(every_paper_of[key])
        together = len(paper_sets[a] & paper_sets[b])
        attrs = {"association": association(together, n_papers, frequency[a], frequency[b]), "weight": together}
        updated = db.execute("UPDATE projection_edges SET weight = ?, attrs = ? WHERE graph = 'concepts' AND a = ? AND b = ?",
                             (float(together), dump_attributes(attrs), a, b)).rowcount
        if updated:
            continue
        strength = (float(together), attrs["association"])
        if thinned is None or (together >= thinned.min_cooccurrence
                               and any(bars[key] is None or strength > bars[key] for key in (a, b))):
            db.execute("INSERT INTO projection_edges VALUES ('concepts', ?, ?, ?, ?)",
                       (a, b, float(together), dump_attributes(attrs)))
            added += 1
    return added


def _weakest_kept(db: sqlite3.Connection, key: str, kept: int) -> tuple[float, float] | None:
    """(papers together, association) of `key`'s `kept`-th strongest co-occurrence link, or None
    when it has fewer links: what a new link must beat to be among the strongest of `key`.

    The weights first, the `kept` highest of each end (the second end's from its index alone),
    then the associations of the links at the bar only: reading every link's attributes took
    7 of an append's 50 s at 72,000 papers, where hubs have thousands of links."""
    top = sorted((w for (w,) in db.execute(
        "SELECT * FROM (SELECT weight FROM projection_edges WHERE graph = 'concepts' AND a = ?1 "
        "ORDER BY weight DESC LIMIT ?2) "
        f"UNION ALL SELECT * FROM (SELECT weight FROM projection_edges {BY_B} WHERE graph = 'concepts' AND b = ?1 "
        "ORDER BY weight DESC LIMIT ?2)", (key, kept))), reverse=True)
    if len(top) < kept:
        return None
    weight = top[kept - 1]  # a weight above it is among the `kept` highest of its end
    above = sum(1 for w in top if w > weight)
    associations = sorted((s for (s,) in db.execute(
        "SELECT attrs ->> '$.association' FROM projection_edges WHERE graph = 'concepts' AND a = ?1 AND weight = ?2 "
        f"UNION ALL SELECT attrs ->> '$.association' FROM projection_edges {BY_B} "
        "WHERE graph = 'concepts' AND b = ?1 AND weight = ?2", (key, weight))), reverse=True)
    return weight, associations[kept - 1 - above]


def _add_similar_papers(db: sqlite3.Connection, concepts_of: Mapping[str, list[str]],
                        every_paper_of: Mapping[str, list[str]], frequency: Mapping[str, int], n_papers: int,
                        labels: Mapping[str, str], similar_per_paper: int, search_max_papers: int | None) -> int:
    """Each new paper's similar papers as `kg.graph.paper_graph` finds them: every paper sharing a
    concept, or on a thinned graph the `similar_per_paper` best found through the concepts rare
    enough for the full build to search (`search_max_papers`). Returns the links added."""
    idf = {key: rarity(n, n_papers) for key, n in frequency.items()}
    thinned = search_max_papers is not None
    added = 0
    for paper_id, keys in sorted(concepts_of.items()):
        scores: Counter[str] = Counter()
        for key in keys:
            if search_max_papers is None or frequency[key] <= search_max_papers:
                for other in every_paper_of[key]:
                    if other != paper_id:
                        scores[other] += idf[key]
        ranked = sorted(scores, key=lambda other: (-scores[other], other))
        for other in ranked[:similar_per_paper] if thinned else sorted(scores):
            a, b = min(paper_id, other), max(paper_id, other)
            if db.execute("SELECT 1 FROM projection_edges WHERE graph = 'papers' AND a = ? AND b = ?", (a, b)).fetchone():
                continue  # two new papers, found from both ends
            theirs = concepts_of.get(other) or [row[0][len(CONCEPT_PREFIX):] for row in
                                                db.execute("SELECT concept FROM edges WHERE paper = ?", (paper_node(other),))]
            shared = sorted(set(keys).intersection(theirs), key=lambda k: (-idf[k], k))
            attrs = {"shared": " | ".join(labels[k] for k in shared), "weight": round(sum(idf[k] for k in shared), 6)}
            db.execute("INSERT INTO projection_edges VALUES ('papers', ?, ?, ?, ?)",
                       (a, b, attrs["weight"], dump_attributes(attrs)))
            added += 1
    return added


def grown_summary(path: Path, corpus: Corpus, added: Added) -> dict:
    """The workspace's summary.json with the appended papers counted in."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    langs = dict(info.get("papers_by_language", {}))
    for paper in corpus.papers:
        langs[paper.lang] = langs.get(paper.lang, 0) + 1
    info.update(
        papers=info.get("papers", 0) + len(corpus.papers),
        papers_by_language=langs,
        concepts=info.get("concepts", 0) + added.concepts,
        paper_concept_edges=info.get("paper_concept_edges", 0) + len(corpus.occurrences),
        concept_cooccurrence_edges=info.get("concept_cooccurrence_edges", 0) + added.cooccurrence_edges,
        paper_similarity_edges=info.get("paper_similarity_edges", 0) + added.similarity_edges,
        appended_papers=info.get("appended_papers", 0) + len(corpus.papers),
    )
    return info
