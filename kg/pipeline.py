"""The whole job as a Python API: read → extract → link → graph → analyse → render/export.

    >>> import kg
    >>> graph = kg.build(["seeds"])
    >>> graph.shared("000_66c4bdcf0f56642e:4", "004_4d7fe5d77dd9d4ee:9")[0].label
    >>> graph.save("out")
"""

from __future__ import annotations

import csv
import gc
import logging
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from dataclasses import astuple, dataclass, field
from pathlib import Path

import networkx as nx

from kg import query, workspace
from kg.analyse import Ranking, analyse_concepts, clusters, ranking_dicts
from kg.atomic import write_text
from kg.export import export, write_graphml
from kg.index import INDEX_FILE, write_index
from kg.engine import EngineOptions, ExtractorConfig, extract_stream
from kg.crosslingual import ZH_FUNCTION_WORDS, Dictionary, ZhEnLinker, forget_words, load_glossary
from kg.extract import Extractor, generic_words, plain_english_key, stop_modifiers
from kg.graph import bipartite_graph, concept_graph, concept_node, paper_graph, papers_of, sort_attributes
from kg.link import MIN_TERMHOOD, LinkOptions, ZhHit, english_key_papers, link_corpus
from kg.model import Corpus, Extraction, Paper
from kg.spans import read_clause_spans
from kg.read import Columns, ReadError, ReadReport, read_papers

GRAPH_FILE = "graph.graphml"
SKIPPED_FILE = "skipped.jsonl"
#: From this many papers on, concepts of a single paper are left out unless asked for.
BIG_CORPUS = 5_000
#: Copies of graph.graphml a build can add for other tools (`BuildOptions.formats`).
EXTRA_FORMATS = ("gexf", "json", "csv")
#: Chinese papers from which their clause spans are read by the build's workers (see kg.spans)
SPAN_WORKERS_FROM = 2_000
#: Papers a concept node of concepts.graphml lists by id and title (the others are counted).
PAPER_TITLES_MAX = 50
#: Told the name of each step of `graph_corpus` and `write_outputs` as it starts: on a big corpus
#: they take minutes with nothing else to show (the CLI puts the name on its spinner).
OnStep = Callable[[str], None]


def no_step(step: str) -> None:
    """An `OnStep` for callers with no one to tell."""


class BuildError(RuntimeError):
    """Nothing usable came out of the input."""


@dataclass(frozen=True)
class BuildOptions:
    min_termhood: float = MIN_TERMHOOD
    thesaurus: Path | None = None
    max_nodes: int = 150  # drawn in the concept map
    min_papers: int = 1  # a concept must be in this many papers to be drawn
    crosslingual: bool = True  # link Chinese concepts to English ones
    glossary: bool = True  # use kg's bilingual glossary (else only the dictionary and acronyms)
    columns: Columns = Columns()  # CSV/TSV/JSONL field names of id, title and abstract
    # copies of the paper–concept graph besides graph.graphml (Gephi GEXF, node-link JSON, CSV
    # tables); None: all of them below BIG_CORPUS papers, none from there (at 72,000 papers they
    # are 1.5 GB and a quarter of the build, and Gephi, Cytoscape and igraph read GraphML)
    formats: tuple[str, ...] | None = None
    # concepts in fewer papers are left out of the graph altogether; 0: 1 (keep all) below
    # BIG_CORPUS papers, 2 from there (most concepts of a big corpus occur once, and they would
    # take most of the memory and time: at 10,000 papers 126k concepts, of which 29k recur)
    min_concept_papers: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.formats or ()) - set(EXTRA_FORMATS))
        if unknown:
            raise ValueError(f"unknown export format {', '.join(unknown)} (use {', '.join(EXTRA_FORMATS)} or none)")


def read_thesaurus(path: Path) -> dict[str, str]:
    """VOSviewer thesaurus: tab-separated `label` / `replace by`, header first; empty = drop."""
    mapping: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path}: cannot read thesaurus ({exc})") from None
    for lineno, row in enumerate(csv.reader(io.StringIO(text), delimiter="\t"), 1):
        if lineno == 1 and row and row[0].strip().lower() == "label":
            continue
        if not row or not row[0].strip():
            continue
        if len(row) > 2:
            raise ReadError(f"{path}: line {lineno}: expected 2 tab-separated columns, got {len(row)}")
        norm = lambda s: " ".join(s.replace("-", " ").lower().split())
        mapping[norm(row[0])] = norm(row[1]) if len(row) > 1 else ""
    return mapping


@dataclass
class KnowledgeGraph:
    corpus: Corpus
    bipartite: nx.Graph
    concepts: nx.Graph
    papers: nx.Graph
    rankings: list[Ranking] = field(default_factory=list)
    report: ReadReport = field(default_factory=ReadReport)  # what reading skipped or repaired

    def top(self, by: str = "pagerank", n: int = 10) -> list[dict]:
        return query.top(self.bipartite, by, n)

    def shared(self, paper_a: str, paper_b: str) -> list[query.SharedConcept]:
        return query.shared(self.bipartite, paper_a, paper_b)

    def concept(self, term: str) -> query.ConceptReport:
        return query.concept(self.bipartite, term)

    def paper(self, paper_id: str) -> query.PaperReport:
        return query.paper(self.bipartite, paper_id)

    def save(self, out_dir: str | Path, options: BuildOptions = BuildOptions(), on_step: OnStep = no_step) -> list[Path]:
        """Write every output into `out_dir`, holding its lock (`workspace.WorkspaceBusy` if taken)."""
        with workspace.locked(out_dir) as out:
            return write_outputs(self, out, options, on_step)


def extract_corpus(inputs: Iterable[str | Path], options: BuildOptions = BuildOptions(),
                   extractor: Extractor | None = None, report: ReadReport | None = None,
                   engine: EngineOptions = EngineOptions(),
                   on_progress: Callable[[int], None] | None = None,
                   on_link_progress: Callable[[int, int], None] | None = None,
                   on_step: OnStep = no_step) -> Corpus:
    """Read (problems go to `report`; without one the first skip raises) and extract in streamed
    batches (see `kg.engine`), then link the whole corpus (the local engine's workers read the
    Chinese clause spans too). The papers kept for the graph are without their text: only the
    extractions are held. `on_progress(n)`: n more papers extracted; `on_link_progress(n, total)`:
    n more Chinese papers whose clauses were read, of total; `on_step`: see `link_papers`."""
    inputs = [str(i) for i in inputs]
    report = report if report is not None else ReadReport(fail_fast=True)
    papers: list[Paper] = []
    extractions: list[Extraction] = []
    stream = extract_stream(read_papers(inputs, options.columns, report), ExtractorConfig(glossary=options.glossary),
                            engine, extractor, on_progress)
    for paper, extraction in stream:
        papers.append(paper)
        extractions.append(extraction)
    if not papers:
        skipped = f" ({report.summary_line()})" if report.problems else ""
        raise BuildError(f"{', '.join(inputs)}: no usable abstracts found{skipped}")
    workers = engine.workers if engine.engine == "local" else 1
    return link_papers(papers, extractions, options, min_concept_papers(options, len(papers)), workers,
                       on_link_progress, on_step)


def min_concept_papers(options: BuildOptions, papers: int) -> int:
    """The threshold a build applies: the option's, or the automatic one (see BuildOptions)."""
    if options.min_concept_papers:
        return options.min_concept_papers
    return 1 if papers < BIG_CORPUS else 2


def extra_formats(options: BuildOptions, papers: int) -> tuple[str, ...]:
    """The copies of graph.graphml a build writes: the option's, or the automatic ones (see BuildOptions)."""
    if options.formats is not None:
        return options.formats
    return EXTRA_FORMATS if papers < BIG_CORPUS else ()


def link_papers(papers: Sequence[Paper], extractions: Sequence[Extraction],
                options: BuildOptions = BuildOptions(), min_papers: int = 1, workers: int = 1,
                on_progress: Callable[[int, int], None] | None = None, on_step: OnStep = no_step) -> Corpus:
    """Corpus-wide linking of papers already read and extracted (what `kg build` does next,
    with `min_concept_papers`). The Chinese papers' clause spans are read by `workers`
    processes (see `kg.spans`; `on_progress(n, total)` as they go). `on_step` is told the two
    steps around them, a minute each at 72,000 papers: "indexing English concepts" (for the
    Chinese linker, only with Chinese papers) and "linking concepts"."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # wordfreq's termhood loads jieba, which logs at INFO
    thesaurus = read_thesaurus(options.thesaurus) if options.thesaurus else {}
    crosslingual = options.crosslingual and any(ex.lang == "zh" for ex in extractions)
    if crosslingual:
        on_step("indexing English concepts")
    with cyclic_gc_paused():
        linker = zh_linker(extractions, options) if crosslingual else None
        spans: dict[str, ZhHit] = {}
        if linker is not None:
            segments = [ex.segments for ex in extractions if ex.segments]
            spans = read_clause_spans(linker, segments, workers if len(segments) >= SPAN_WORKERS_FROM else 1, on_progress)
        on_step("linking concepts")
        corpus = link_corpus(
            papers, extractions,
            generic={"en": generic_words("en"), "zh": generic_words("zh")},
            modifiers=stop_modifiers(),
            zh_linker=(lambda words: link_chinese(linker, words)) if linker else None,
            zh_gloss=linker.gloss if linker else None,
            zh_span_linker=(lambda words: spans.get(" ".join(words))) if linker else None,
            known_acronyms=known_acronyms() if options.glossary else {},
            options=LinkOptions(min_termhood=options.min_termhood, thesaurus=thesaurus, min_papers=min_papers),
            on_linked=(lambda: (linker.forget_index(), spans.clear())) if linker else None,
        )
    forget_words()  # the graphs come next, and they are the build's peak
    return corpus


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic collector off while linking, which makes tens of millions of objects and
    no reference cycles (tested): its collections rescanned the whole corpus again and again and
    found nothing, 15% of the link stage at 20,000 twins. Reference counting still frees
    everything; the collector is restored afterwards, also on an error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def known_acronyms() -> dict[str, str]:
    """kg's reviewed table of well-known acronyms (kg/data/acronyms_en.tsv): short → long key."""
    text = resources.files("kg.data").joinpath("acronyms_en.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {short: plain_english_key(long) for short, long in rows if short != "short"}


def link_chinese(linker: ZhEnLinker, words: Sequence[str]) -> ZhHit | None:
    """The linker's decision; failing that, a whole-phrase glossary term with one reading gives
    an English concept of its own (the glossary is reviewed, so its English is a fair name)."""
    hit = linker.link(words)
    if hit is not None:
        return astuple(hit)
    phrase = "".join(w for w in words if w not in ZH_FUNCTION_WORDS)
    english = linker.glossary.get(phrase, "")
    if english and "|" not in english:
        return plain_english_key(english), "glossary", f"{phrase}={english} (glossary)"
    return None


def zh_linker(extractions: Sequence[Extraction], options: BuildOptions) -> ZhEnLinker | None:
    """A Chinese → English linker over the English concepts of this corpus (None if it has none).
    `link_papers` asks for one only when there are Chinese papers to link."""
    # key → English papers using it (decides ambiguous readings); the shorter concepts inside
    # English phrases are targets too: 图像灵敏度 finds "image sensitivity" inside "resulting
    # image sensitivity", and the nested rule then joins them
    english = english_key_papers(extractions, long_forms=True)
    if not english:
        return None
    glossary = load_glossary() if options.glossary else {}
    return ZhEnLinker(english, plain_english_key, Dictionary.load(), glossary)


def graph_corpus(corpus: Corpus, on_step: OnStep = no_step) -> KnowledgeGraph:
    on_step("paper–concept graph")
    bipartite = bipartite_graph(corpus)
    on_step("co-occurrence graph")
    concepts = concept_graph(corpus)
    on_step("rankings")
    rankings = analyse_concepts(concepts)
    docs = papers_of(corpus)
    titles = {p.id: p.title for p in corpus.papers}
    for key in concepts:
        node = concept_node(key)
        metrics = {m: concepts.nodes[key][m] for m in
                   ("degree", "weighted_degree", "pagerank", "betweenness", "eigenvector", "cluster")}
        bipartite.nodes[node].update(metrics)
        concepts.nodes[key]["links"] = bipartite.nodes[node]["links"]
        concepts.nodes[key]["paper_titles"] = paper_titles(sorted(docs[key]), titles)
    del docs, titles  # the paper graph comes next, with the build's peak of memory
    on_step("paper similarity graph")
    papers = paper_graph(corpus)
    for node, cluster in clusters(papers).items():
        papers.nodes[node]["cluster"] = cluster
    for g in (bipartite, concepts, papers):  # in sorted order for the writers (see sort_attributes)
        sort_attributes(g)
    return KnowledgeGraph(corpus, bipartite, concepts, papers, rankings)


def paper_titles(paper_ids: Sequence[str], titles: dict[str, str], limit: int = PAPER_TITLES_MAX) -> str:
    """"id — title" lines of a concept's papers, the first `limit` and how many more: concepts.graphml
    is read alone by ego views, and at 20,000 papers listing every paper made it 176 MB."""
    lines = [f"{p} — {titles[p]}" for p in paper_ids[:limit]]
    if len(paper_ids) > limit:
        lines.append(f"… and {len(paper_ids) - limit:,} more")
    return "\n".join(lines)


def build(inputs: Iterable[str | Path], options: BuildOptions = BuildOptions(),
          extractor: Extractor | None = None, report: ReadReport | None = None,
          engine: EngineOptions = EngineOptions(),
          on_progress: Callable[[int], None] | None = None) -> KnowledgeGraph:
    """The graph of every usable paper; what was skipped or repaired is in `graph.report`
    (and in `skipped.jsonl` when saved)."""
    report = report if report is not None else ReadReport()
    graph = graph_corpus(extract_corpus(inputs, options, extractor, report, engine, on_progress))
    graph.report = report
    return graph


def _rankings_csv(rows: list[Ranking]) -> str:
    dicts = ranking_dicts(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["rank", *dicts[0]] if dicts else ["rank"], lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(dicts, 1):
        writer.writerow({"rank": i, **row})
    return buffer.getvalue()


def write_outputs(graph: KnowledgeGraph, out_dir: Path, options: BuildOptions = BuildOptions(),
                  on_step: OnStep = no_step) -> list[Path]:
    """Every output of a build, all published together (`workspace.publish`): a build killed
    while writing leaves the previous outputs as they were. The caller holds the lock."""
    return workspace.publish(out_dir, lambda staging: _write_files(graph, staging, options, on_step))


def skipped_jsonl(report: ReadReport) -> str:
    return "".join(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for p in report.problems)


def _write_files(graph: KnowledgeGraph, out_dir: Path, options: BuildOptions, on_step: OnStep) -> list[Path]:
    from kg.render import ViewLimits, render_concept_map, render_paper_concept_map, render_paper_similarity_map

    bipartite = graph.bipartite  # graph_corpus leaves the graphs in sorted order
    limits = ViewLimits(max_nodes=options.max_nodes, min_papers=options.min_papers)
    writers: dict[str, Callable[[Path], object]] = {  # file name → what writes it
        GRAPH_FILE: lambda p: write_graphml(bipartite, p, presorted=True),
        "concepts.graphml": lambda p: write_graphml(graph.concepts, p, presorted=True),
        "papers.graphml": lambda p: write_graphml(graph.papers, p, presorted=True),
        # what the query commands and ego views read
        INDEX_FILE: lambda p: write_index(bipartite, p, {"concepts": graph.concepts, "papers": graph.papers}),
        "rankings.csv": lambda p: write_text(p, _rankings_csv(graph.rankings)),
        "summary.json": lambda p: write_text(p, json.dumps(summary(graph), ensure_ascii=False, indent=1,
                                                           sort_keys=True) + "\n"),
        "concept_map.html": lambda p: render_concept_map(graph.concepts, p, bipartite=bipartite, limits=limits),
        "paper_concept_map.html": lambda p: render_paper_concept_map(bipartite, p, limits=limits),
        "paper_similarity_map.html": lambda p: render_paper_similarity_map(graph.papers, p, limits=limits),
        SKIPPED_FILE: lambda p: write_text(p, skipped_jsonl(graph.report)),
    }
    for name, write in writers.items():
        on_step(f"writing {name}")
        write(out_dir / name)
    written = [out_dir / name for name in writers]
    for fmt in extra_formats(options, len(graph.corpus.papers)):
        on_step(f"writing graph.{fmt}")
        written += export(bipartite, fmt, out_dir / f"graph.{fmt}", presorted=True)  # csv: two files
    return written


def summary(graph: KnowledgeGraph) -> dict:
    corpus = graph.corpus
    langs: dict[str, int] = {}
    for p in corpus.papers:
        langs[p.lang] = langs.get(p.lang, 0) + 1
    return {
        "papers": len(corpus.papers),
        "papers_by_language": langs,
        "concepts": len(corpus.concepts),
        "generic_concepts_dropped": len(corpus.dropped),
        **({"rare_concepts_dropped": corpus.rare} if corpus.rare else {}),
        "paper_concept_edges": sum(1 for _ in corpus.occurrences),
        "concept_cooccurrence_edges": graph.concepts.number_of_edges(),
        "paper_similarity_edges": graph.papers.number_of_edges(),
        "components": nx.number_connected_components(graph.bipartite),
        "top10_pagerank": [r.label for r in graph.rankings[:10]],
        # only when sampled (above 1,000 concepts), so the seeds' summary stays as it was
        **({"betweenness_sample_k": graph.concepts.graph["betweenness_k"]} if "betweenness_k" in graph.concepts.graph else {}),
    }


def load(out_dir: str | Path) -> nx.Graph:
    """The bipartite graph of a workspace, for queries."""
    path = Path(out_dir) / GRAPH_FILE
    if not path.is_file():
        raise BuildError(f"{path}: no graph here (run `kg build INPUT -o {out_dir}` first)")
    return nx.read_graphml(path)
