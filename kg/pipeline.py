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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from importlib import resources
from dataclasses import astuple, dataclass, field
from pathlib import Path

import networkx as nx

from kg import query, workspace
from kg.analyse import Ranking, analyse_concepts, clusters, ranking_dicts
from kg.atomic import write_text
from kg.export import export, write_graphml
from kg.index import INDEX_FILE, GraphIndex, IndexWriter, index_writer
from kg.engine import EngineOptions, ExtractorConfig, extract_stream
from kg.crosslingual import ZH_FUNCTION_WORDS, Dictionary, ZhEnLinker, forget_words, load_glossary
from kg.extract import Extractor, generic_words, plain_english_key, stop_modifiers
from kg.graph import (bipartite_graph, concept_graph, concept_node, let_go, links_text, paper_graph, papers_of,
                      sort_attributes, thinning)
from kg.link import MIN_TERMHOOD, LinkOptions, Vocabulary, ZhHit, english_key_papers, link_corpus
from kg.model import Corpus, Extraction, Paper
from kg.spans import read_clause_spans
from kg.read import Columns, ReadError, ReadReport, read_papers

GRAPH_FILE = "graph.graphml"
SKIPPED_FILE = "skipped.jsonl"
SUMMARY_FILE = "summary.json"
#: From this many papers on, concepts of a single paper are left out unless asked for.
BIG_CORPUS = 5_000
#: Copies of graph.graphml a build can add for other tools (`BuildOptions.formats`).
EXTRA_FORMATS = ("gexf", "json", "csv")
#: Chinese papers from which their clause spans are read by the build's workers (see kg.spans)
SPAN_WORKERS_FROM = 2_000
#: Papers a concept node of concepts.graphml lists by id and title (the others are counted).
PAPER_TITLES_MAX = 50
#: What a concept node of the paper–concept graph takes from the ranked co-occurrence graph.
CONCEPT_METRICS = ("degree", "weighted_degree", "pagerank", "betweenness", "eigenvector", "cluster")
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
    # with worker processes this one only gathers what they send: millions of objects and no
    # reference cycles (tested), which the collector's full collections went over again and
    # again. spaCy's documents do make cycles, so extracting in this process keeps it on.
    gathering = engine.engine == "local" and engine.workers > 1
    with cyclic_gc_paused() if gathering else nullcontext():
        for paper, extraction in stream:
            papers.append(paper)
            extractions.append(extraction)
    if not papers:
        skipped = f" ({report.summary_line()})" if report.problems else ""
        raise BuildError(f"{', '.join(inputs)}: no usable abstracts found{skipped}")
    workers = engine.workers if engine.engine == "local" else 1
    # the extractions are this function's own, so their mentions go as they are linked
    return link_papers(papers, extractions, options, min_concept_papers(options, len(papers)), workers,
                       on_link_progress, on_step, release_mentions=True)


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
                on_progress: Callable[[int, int], None] | None = None, on_step: OnStep = no_step,
                release_mentions: bool = False, vocabulary: Vocabulary = Vocabulary()) -> Corpus:
    """Corpus-wide linking of papers already read and extracted (what `kg build` does next,
    with `min_concept_papers`). The Chinese papers' clause spans are read by `workers`
    processes (see `kg.spans`; `on_progress(n, total)` as they go). `on_step` is told the two
    steps around them, a minute each at 72,000 papers: "indexing English concepts" (for the
    Chinese linker, only with Chinese papers) and "linking concepts". With `release_mentions`
    each extraction is emptied of its mentions and clause words once linked (`LinkOptions`).
    With a `vocabulary` the papers are appended to a workspace's corpus (see `kg.append`)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # wordfreq's termhood loads jieba, which logs at INFO
    thesaurus = read_thesaurus(options.thesaurus) if options.thesaurus else {}
    crosslingual = options.crosslingual and any(ex.lang == "zh" for ex in extractions)
    if crosslingual:
        on_step("indexing English concepts")
    with cyclic_gc_paused():
        linker = zh_linker(extractions, options, vocabulary) if crosslingual else None
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
            zh_span_linker=spans.get if linker else None,
            known_acronyms=known_acronyms() if options.glossary else {},
            options=LinkOptions(min_termhood=options.min_termhood, thesaurus=thesaurus, min_papers=min_papers,
                                release_mentions=release_mentions),
            on_linked=(lambda: (linker.forget_index(), spans.clear())) if linker else None,
            vocabulary=vocabulary,
        )
    forget_words()  # the graphs come next, and they are the build's peak
    return corpus


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic collector off while extractions are gathered from workers, linked, read
    back (`kg.apart`) or made into graphs and files, which make tens of millions of objects and no
    reference cycles but a graph's own views (tested): its collections rescanned the whole
    corpus again and again and found nothing. They were 15% of the link stage at 20,000
    twins, 8.6 of 40 s gathering 50,000 papers' extractions from the cache, a quarter of
    reading the 100,000 stand-in's linked corpus, and 10% of making and writing 30,000 twins'
    graphs. Reference counting still frees everything; the collector is restored afterwards,
    also on an error."""
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


def zh_linker(extractions: Sequence[Extraction], options: BuildOptions,
              vocabulary: Vocabulary = Vocabulary()) -> ZhEnLinker | None:
    """A Chinese → English linker over the English concepts of this corpus and the `vocabulary`
    it is appended to (None if there are none). `link_papers` asks for one only when there are
    Chinese papers to link."""
    # key → English papers using it (decides ambiguous readings); the shorter concepts inside
    # English phrases are targets too: 图像灵敏度 finds "image sensitivity" inside "resulting
    # image sensitivity", and the nested rule then joins them
    english = english_key_papers(extractions, long_forms=True)
    english.update({key: n for key, n in vocabulary.papers.items() if key.isascii()})
    if not english:
        return None
    glossary = load_glossary() if options.glossary else {}
    return ZhEnLinker(english, plain_english_key, Dictionary.load(), glossary)


def graph_corpus(corpus: Corpus, on_step: OnStep = no_step) -> KnowledgeGraph:
    """All three graphs of a corpus, held together (a notebook's `kg.build`; `save_corpus`
    writes a big corpus's graphs one at a time instead)."""
    concepts, rankings = ranked_concept_graph(corpus, on_step)
    bipartite = ranked_bipartite_graph(corpus, concept_metrics(concepts), on_step)
    papers = clustered_paper_graph(corpus, on_step)
    return KnowledgeGraph(corpus, bipartite, concepts, papers, rankings)


def ranked_concept_graph(corpus: Corpus, on_step: OnStep = no_step) -> tuple[nx.Graph, list[Ranking]]:
    """The co-occurrence graph with its concepts' centralities, clusters, evidence and papers
    (concepts.graphml is read alone by ego views), and the concepts by PageRank."""
    on_step("co-occurrence graph")
    with cyclic_gc_paused():
        concepts = concept_graph(corpus)
        on_step("rankings")
        rankings = analyse_concepts(concepts)
    docs = papers_of(corpus)
    titles = {p.id: p.title for p in corpus.papers}
    for key in concepts:
        concepts.nodes[key]["links"] = links_text(corpus.concepts[key])
        concepts.nodes[key]["paper_titles"] = paper_titles(docs[key], titles)
    return sort_attributes(concepts), rankings  # in sorted order for the writers (see sort_attributes)


def concept_metrics(concepts: nx.Graph) -> dict[str, dict[str, object]]:
    """Each concept's measures from the ranked co-occurrence graph, for its node in the
    paper–concept graph (a few floats a concept: the graph itself need not be kept for them)."""
    return {key: {m: concepts.nodes[key][m] for m in CONCEPT_METRICS} for key in concepts}


def ranked_bipartite_graph(corpus: Corpus, metrics: Mapping[str, Mapping[str, object]],
                           on_step: OnStep = no_step) -> nx.Graph:
    """The paper–concept graph, its concept nodes carrying `metrics` (see `concept_metrics`)."""
    on_step("paper–concept graph")
    with cyclic_gc_paused():
        bipartite = bipartite_graph(corpus)
    for key, values in metrics.items():
        bipartite.nodes[concept_node(key)].update(values)
    return sort_attributes(bipartite)


def clustered_paper_graph(corpus: Corpus, on_step: OnStep = no_step) -> nx.Graph:
    on_step("paper similarity graph")
    with cyclic_gc_paused():
        papers = paper_graph(corpus)
        for node, cluster in clusters(papers).items():
            papers.nodes[node]["cluster"] = cluster
    return sort_attributes(papers)


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
    source = GraphSource(concepts=lambda: (graph.concepts, graph.rankings),
                         concept_papers=lambda keys: graph.bipartite,
                         papers=lambda: graph.papers,
                         bipartite=lambda metrics: graph.bipartite)
    return workspace.publish(out_dir, lambda staging: _write_files(graph.corpus, graph.report, source, staging,
                                                                   options, on_step)[0])


def save_corpus(corpus: Corpus, out_dir: Path, options: BuildOptions = BuildOptions(),
                report: ReadReport | None = None, on_step: OnStep = no_step) -> tuple[list[Path], dict]:
    """What `graph_corpus(corpus)` then `write_outputs` write, byte for byte, with one graph in
    memory at a time: each is made, written and let go before the next (at 72,000 papers the
    three held together were 2,212 MiB, traced). Returns the published paths and the summary. The caller
    holds the lock; `kg build` saves so."""
    source = GraphSource(concepts=lambda: ranked_concept_graph(corpus, on_step),
                         concept_papers=lambda keys: bipartite_graph(_with_concepts(corpus, keys)),
                         papers=lambda: clustered_paper_graph(corpus, on_step),
                         bipartite=lambda metrics: ranked_bipartite_graph(corpus, metrics, on_step))
    info: dict = {}

    def write(staging: Path) -> list[Path]:
        written, figures = _write_files(corpus, report or ReadReport(), source, staging, options, on_step)
        info.update(figures)
        return written
    return workspace.publish(out_dir, write), info


def _with_concepts(corpus: Corpus, keys: Iterable[str]) -> Corpus:
    """The part of `corpus` about these concepts: their papers and ties."""
    wanted = set(keys)
    occurrences = {pk: surfaces for pk, surfaces in corpus.occurrences.items() if pk[1] in wanted}
    ids = {paper_id for paper_id, _ in occurrences}
    return Corpus([p for p in corpus.papers if p.id in ids], {k: corpus.concepts[k] for k in sorted(wanted)},
                  occurrences)


@dataclass(frozen=True)
class GraphSource:
    """Where `_write_files` gets each graph: held ones, or made from the corpus when asked."""

    concepts: Callable[[], tuple[nx.Graph, list[Ranking]]]  # ranked co-occurrence graph, rankings
    concept_papers: Callable[[list[str]], nx.Graph]  # a paper–concept graph holding these concepts
    papers: Callable[[], nx.Graph]  # clustered paper similarity graph
    bipartite: Callable[[dict[str, dict[str, object]]], nx.Graph]  # paper–concept graph with these metrics


def skipped_jsonl(report: ReadReport) -> str:
    return "".join(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for p in report.problems)


@cyclic_gc_paused()
def _write_files(corpus: Corpus, report: ReadReport, source: GraphSource, out_dir: Path, options: BuildOptions,
                 on_step: OnStep) -> tuple[list[Path], dict]:
    """Each graph's files, then the next graph's, and what summary.json says. A name is told to
    `on_step` as its file is started; graph.sqlite takes a part from each graph. With the cyclic
    collector paused: the full collections it still made while the files were written went
    over the corpus and the graph in hand and found nothing (at 100,000 papers 3 of them, 11 s)."""
    from kg.render import (ViewLimits, concept_map_nodes, render_concept_map, render_paper_concept_map,
                           render_paper_similarity_map)

    limits = ViewLimits(max_nodes=options.max_nodes, min_papers=options.min_papers)
    written: list[Path] = []

    def write(name: str, writer: Callable[[Path], object]) -> None:
        on_step(f"writing {name}")
        writer(out_dir / name)
        written.append(out_dir / name)

    # graph.sqlite is what the query commands and ego views read; its part of each graph is
    # written beside that graph's files (see `index_beside`)
    with index_writer(out_dir / INDEX_FILE) as index, index_beside(index) as beside:
        # the smallest graph first: the heap it leaves behind, the next ones reuse. Made after the
        # co-occurrence graph it set the build's peak on top of what that one left (72,000 twins,
        # a fresh process on one linked corpus: 2,822 MiB that way, 2,578 this way)
        papers = source.papers()
        part = beside(index.add_projection, "papers", papers)
        write("papers.graphml", lambda p: write_graphml(papers, p, presorted=True))
        write("paper_similarity_map.html", lambda p: render_paper_similarity_map(papers, p, limits=limits))
        on_step(f"writing {INDEX_FILE} (paper similarity)")
        part.result()
        figures: dict = {"paper_similarity_edges": papers.number_of_edges()}
        let_go(papers)
        del papers

        concepts, rankings = source.concepts()
        part = beside(index.add_projection, "concepts", concepts)
        write("concepts.graphml", lambda p: write_graphml(concepts, p, presorted=True))
        write("rankings.csv", lambda p: write_text(p, _rankings_csv(rankings)))
        drawn = source.concept_papers(concept_map_nodes(concepts, limits))
        write("concept_map.html", lambda p: render_concept_map(concepts, p, bipartite=drawn, limits=limits))
        on_step(f"writing {INDEX_FILE} (co-occurrence)")
        part.result()
        metrics = concept_metrics(concepts)
        figures.update(concept_cooccurrence_edges=concepts.number_of_edges(),
                       betweenness_k=concepts.graph.get("betweenness_k"))
        let_go(concepts, drawn)
        del concepts, drawn  # the paper–concept graph comes next

        bipartite = source.bipartite(metrics)
        del metrics
        part = beside(index.add_graph, bipartite)
        write(GRAPH_FILE, lambda p: write_graphml(bipartite, p, presorted=True))
        write("paper_concept_map.html", lambda p: render_paper_concept_map(bipartite, p, limits=limits))
        for fmt in extra_formats(options, len(corpus.papers)):
            on_step(f"writing graph.{fmt}")
            written += export(bipartite, fmt, out_dir / f"graph.{fmt}", presorted=True)  # csv: two files
        on_step(f"writing {INDEX_FILE} (paper–concept)")
        part.result()
        index.add_vocabulary(corpus.decisions, thinning(corpus))
        index.add_abstracts(corpus.papers)
        figures["components"] = nx.number_connected_components(bipartite)
        let_go(bipartite)
        del bipartite
    written.append(out_dir / INDEX_FILE)
    info = corpus_summary(corpus, rankings, **figures)
    write(SUMMARY_FILE, lambda p: write_text(p, json.dumps(info, ensure_ascii=False, indent=1, sort_keys=True) + "\n"))
    write(SKIPPED_FILE, lambda p: write_text(p, skipped_jsonl(report)))
    return written, info


@contextmanager
def index_beside(index: IndexWriter) -> Iterator[Callable[..., Future]]:
    """`submit(part, *args)`: graph.sqlite's part of a graph, written by a thread of its own while
    this one writes the graph's files. SQLite stores the rows without holding Python's lock,
    and at 100,000 papers that was about a minute of the build process's one thread. The
    caller waits for each part before it submits the next, so the file gets its writes in the
    same order and the same bytes. On an error here the part in hand is interrupted, not
    waited for."""
    with ThreadPoolExecutor(1, thread_name_prefix="kg-index") as pool:
        try:
            yield pool.submit
        except BaseException:
            index.interrupt()
            raise


def summary(graph: KnowledgeGraph) -> dict:
    return corpus_summary(graph.corpus, graph.rankings,
                          concept_cooccurrence_edges=graph.concepts.number_of_edges(),
                          paper_similarity_edges=graph.papers.number_of_edges(),
                          components=nx.number_connected_components(graph.bipartite),
                          betweenness_k=graph.concepts.graph.get("betweenness_k"))


def corpus_summary(corpus: Corpus, rankings: Sequence[Ranking], *, concept_cooccurrence_edges: int,
                   paper_similarity_edges: int, components: int, betweenness_k: int | None) -> dict:
    """summary.json from figures of the graphs, which need not be held any more."""
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
        "concept_cooccurrence_edges": concept_cooccurrence_edges,
        "paper_similarity_edges": paper_similarity_edges,
        "components": components,
        "top10_pagerank": [r.label for r in rankings[:10]],
        # only when sampled (above 1,000 concepts), so the seeds' summary stays as it was
        **({"betweenness_sample_k": betweenness_k} if betweenness_k is not None else {}),
    }


def load(out_dir: str | Path) -> nx.Graph:
    """The paper–concept graph of a workspace: from graph.sqlite, which has the papers appended
    since the last full build (`kg build --append`), else from graph.graphml (after a full build
    the two are the same graph, exported byte for byte alike)."""
    if (Path(out_dir) / INDEX_FILE).is_file():
        with GraphIndex(Path(out_dir) / INDEX_FILE) as index:
            return index.graph()
    path = Path(out_dir) / GRAPH_FILE
    if not path.is_file():
        raise BuildError(f"{path}: no graph here (run `kg build INPUT -o {out_dir}` first)")
    return nx.read_graphml(path)
