"""`kg` command line: a thin typer layer over `kg.pipeline` and `kg.query`.

Exit codes (every failure is one line on stderr naming the file and record, never a traceback):

- 0: success. `kg build` exits 0 even when it skipped or repaired records: it says so in one
  line on stderr and lists each in `DIR/skipped.jsonl`.
- 1: nothing usable (no abstract could be read), a named input missing or of an unsupported
  type, a bad option value, an unknown paper or concept, an unreadable workspace.
- 2: wrong usage (typer's own: unknown option, missing argument).
- 3: `kg build --strict` and some record was skipped; nothing is written.
- 4: another `kg build` holds the output directory's lock; nothing is written.
- 130: interrupted (Ctrl-C or SIGTERM); nothing is written, finished extractions stay cached.
"""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import rich.markup
import typer
from rich.console import Console
from rich.table import Table

from kg import pipeline, query, workspace
from kg.apart import extract_corpus_apart, interrupt
from kg.append import NothingNew, link_new_papers, save_appended
from kg.export import FORMATS, export as export_graph
from kg.index import INDEX_FILE, GraphIndex
from kg.engine import EngineError, EngineOptions
from kg.progress import stage_bars
from kg.read import Columns, ReadError, ReadReport, count_records, read_papers
from kg.store import STORE_FILE, StoreError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Concept knowledge graphs from research abstracts (English and Chinese).")
out = Console()
err = Console(stderr=True)

# a session of questions about one workspace names it once: `export KG_GRAPH=out`
GraphDir = Annotated[Path, typer.Option("--graph", "-g", envvar="KG_GRAPH", show_envvar=True,
                                        help="Directory written by `kg build`.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


class RankBy(str, Enum):
    pagerank = "pagerank"
    degree = "degree"
    weighted_degree = "weighted_degree"
    betweenness = "betweenness"
    eigenvector = "eigenvector"
    papers = "papers"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class Format(str, Enum):
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    cytoscape = "cytoscape"
    csv = "csv"
    neo4j = "neo4j"


# bibtexparser logs each unparsable entry as multi-line text; kg reports it in one line instead
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

EXIT_STRICT = 3
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {rich.markup.escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _report_line(report: ReadReport, where: str) -> None:
    if report.problems:
        err.print(f"[yellow]input problems:[/yellow] {rich.markup.escape(report.summary_line())}; {where}",
                  highlight=False, markup=True, soft_wrap=True)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(query.to_jsonable(data), ensure_ascii=False, indent=1) + "\n")


def _load(graph: Path):
    """The workspace's whole graph (`pipeline.load`: graph.sqlite, else graph.graphml)."""
    try:
        return pipeline.load(graph)
    except pipeline.BuildError as exc:
        _fail(str(exc))
    except Exception as exc:  # a damaged file: say which, no traceback
        read = INDEX_FILE if (graph / INDEX_FILE).is_file() else pipeline.GRAPH_FILE
        _fail(f"{graph / read}: cannot read graph ({exc})")


def _part(graph: Path, hops: int = 0, papers: tuple[str, ...] = (), term: str | None = None,
          far: tuple[str, ...] | None = None):
    """The part of a workspace's graph a question needs, `hops` around the named papers or
    concept (with only the `far` attributes at the last hop, see `GraphIndex.around`), read
    from graph.sqlite; a workspace of an older build has none, and all of graph.graphml is
    read. Unknown names raise `QueryError`."""
    if not (graph / INDEX_FILE).is_file():
        return _load(graph)
    with _index(graph) as index:
        start = [index.concept(term)] if term is not None else [index.paper(p) for p in papers]
        return index.around(start, hops, far)


@contextmanager
def _index(graph: Path) -> Iterator[GraphIndex]:
    """The workspace's graph.sqlite; a damaged one is a one-line error, as a damaged GraphML is."""
    path = graph / INDEX_FILE
    try:
        with GraphIndex(path) as index:
            yield index
    except sqlite3.DatabaseError as exc:
        _fail(f"{path}: cannot read graph index ({exc})")


@app.command()
def build(
    inputs: Annotated[list[Path], typer.Argument(help="Files or directories of abstracts (.txt seed format, .jsonl, .csv, .tsv, .bib, .ris, arXiv Atom .xml/.atom, OpenAlex .json).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write the graph, views and rankings into.")],
    thesaurus: Annotated[Path | None, typer.Option(help="VOSviewer thesaurus file (label<TAB>replace by) to merge, rename or drop concepts.")] = None,
    min_termhood: Annotated[float, typer.Option(help="Concepts scoring below this are generic words and left out.")] = pipeline.MIN_TERMHOOD,
    max_nodes: Annotated[int, typer.Option(help="Most concepts drawn in the concept map.")] = 150,
    min_papers: Annotated[int, typer.Option(help="Concepts in fewer papers are not drawn.")] = 1,
    min_concept_papers: Annotated[int, typer.Option(min=0, help="Concepts in fewer papers are left out of the graph "
                                                               "altogether (VOSviewer's minimum occurrences). "
                                                               f"0: keep all below {pipeline.BIG_CORPUS:,} papers, "
                                                               "2 from there.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    strict: Annotated[bool, typer.Option(help="Write nothing and exit 3 if any record is skipped.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the build summary (counts, skipped and "
                                                         "repaired records, outputs) as one JSON document.")] = False,
    id_col: Annotated[str, typer.Option(help="CSV/TSV/JSONL column holding the paper id.")] = "id",
    title_col: Annotated[str, typer.Option(help="CSV/TSV/JSONL column holding the title.")] = "title",
    text_col: Annotated[str | None, typer.Option(help="CSV/TSV/JSONL column holding the abstract "
                                                      "(default: abstract, text or abstract_en).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Extraction processes (local engine) or LocalCluster "
                                                      "workers (dask engine without --scheduler); the local "
                                                      "engine also reads Chinese clauses with them from "
                                                      f"{pipeline.SPAN_WORKERS_FROM:,} Chinese papers on.")] = 1,
    engine: Annotated[Engine, typer.Option(help="Where extraction runs: this machine or a Dask cluster.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (tcp://host:8786); default: "
                                                       "a LocalCluster of --workers processes.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Papers per batch: the unit of work, caching and resuming.")] = 256,
    cache: Annotated[bool, typer.Option(help=f"Reuse and keep extractions in DIR/{STORE_FILE}, so a rebuild "
                                             "with grown inputs extracts only new abstracts.")] = True,
    formats: Annotated[str, typer.Option(help="Copies of graph.graphml to write, comma-separated: "
                                              f"{','.join(pipeline.EXTRA_FORMATS)} (GEXF, node-link JSON, CSV "
                                              f"tables) or none; auto: all below {pipeline.BIG_CORPUS:,} papers, "
                                              "none from there.")] = "auto",
    append: Annotated[bool, typer.Option("--append", help="Add the inputs' new papers to DIR's graph.sqlite "
                                                          "(what the query commands read) in seconds, linked "
                                                          "against DIR's concepts; rankings, clusters and the "
                                                          "graph files stay those of the last full build.")] = False,
) -> None:
    """Build the paper–concept graph, its projections, rankings, HTML maps and exports into DIR.

    Re-running with the same DIR rebuilds the graph from the given inputs; abstracts already
    extracted into DIR's cache (same text, same extractor version) are not extracted again.
    With --append only the papers DIR does not have are added (see kg.append).
    """
    chosen = None if formats.strip().lower() == "auto" else tuple(
        f for f in (part.strip().lower() for part in formats.split(",")) if f and f != "none")
    try:
        options = pipeline.BuildOptions(min_termhood=min_termhood, thesaurus=thesaurus,
                                        max_nodes=max_nodes, min_papers=min_papers, formats=chosen,
                                        min_concept_papers=min_concept_papers,
                                        columns=Columns(id=id_col, title=title_col, text=text_col))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--formats") from None
    run = EngineOptions(engine=Engine(engine).value, workers=workers, batch_size=batch_size, scheduler=scheduler,
                        cache=output / STORE_FILE if cache else None)
    start = time.perf_counter()
    report = ReadReport()
    try:
        with workspace.locked(output):
            show = not (quiet or as_json)
            total = count_records(inputs, options.columns) if show else None
            with stage_bars(err) if total else nullcontext() as bars:
                if bars:
                    bars.advance("extracting", 0, total)  # the clock starts before the model load
                if append:
                    new = link_new_papers(
                        inputs, output, options, report, run,
                        on_progress=(lambda n: bars.advance("extracting", n)) if bars else None,
                        on_step=bars.step if bars else pipeline.no_step)
                else:
                    corpus = extract_corpus_apart(  # linking's leftover memory goes with its process
                        inputs, options, report=report, engine=run,
                        on_progress=(lambda n: bars.advance("extracting", n)) if bars else None,
                        on_link_progress=(lambda n, of: bars.advance("linking Chinese", n, of)) if bars else None,
                        on_step=bars.step if bars else pipeline.no_step)
            with err.status("graphs…", spinner="dots") if show else nullcontext() as status:
                on_step = (lambda step: status.update(f"{step}…")) if status else pipeline.no_step
                if strict and report.skipped:
                    _fail(f"--strict: {report.summary_line()}; nothing written", EXIT_STRICT)
                if append:
                    written, info = save_appended(new, output, report, on_step)
                else:
                    written, info = pipeline.save_corpus(corpus, output, options, report, on_step)
    except workspace.WorkspaceBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except NothingNew as exc:
        if as_json:
            _print_json({"appended": 0, "message": str(exc)})
        elif not quiet:
            err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(0) from None
    except (ReadError, pipeline.BuildError, StoreError, EngineError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.filename or output}: cannot write ({exc.strerror})")
    except sqlite3.Error as exc:
        _fail(f"{output / INDEX_FILE}: cannot append ({exc}); nothing changed")
    except KeyboardInterrupt:
        kept = f"; the extractions finished so far are kept in {run.cache}, so the same command resumes" if run.cache else ""
        _fail(f"{output}: interrupted, no output changed{kept}", EXIT_INTERRUPTED)
    if as_json:
        _print_json({**info, **({"appended": len(new.corpus.papers), "already_present": new.present} if append else {}),
                     "skipped": [p.to_dict() for p in report.skipped],
                     "repaired": [p.to_dict() for p in report.repaired], "outputs": [str(p) for p in written]})
    if not quiet:
        _report_line(report, f"see {output / pipeline.SKIPPED_FILE}")
    if not quiet and not as_json and append:
        present = f" ({new.present:,} it had already)" if new.present else ""
        err.print(f"[green]appended[/green] {len(new.corpus.papers)} papers to {rich.markup.escape(str(output))}"
                  f"{rich.markup.escape(present)}: now "
                  f"{info['papers']} papers, {info['concepts']} concepts, {info['paper_concept_edges']} paper–concept "
                  f"edges in {time.perf_counter() - start:.1f}s; rankings, clusters and the graph files are "
                  "those of the last full build (build without --append to refresh them)", highlight=False)
    elif not quiet and not as_json:
        err.print(
            f"[green]built[/green] {rich.markup.escape(str(output))}: {info['papers']} papers, {info['concepts']} concepts, "
            f"{info['paper_concept_edges']} paper–concept edges, {info['concept_cooccurrence_edges']} "
            f"co-occurrence edges ({info['generic_concepts_dropped']} generic terms"
            + (f", {info['rare_concepts_dropped']} rare concepts" if "rare_concepts_dropped" in info else "")
            + " left out) "
            f"in {time.perf_counter() - start:.1f}s",
            highlight=False,
        )


@app.command()
def top(
    graph: GraphDir,
    by: Annotated[RankBy, typer.Option(help="Centrality to rank by.")] = RankBy.pagerank,
    n: Annotated[int, typer.Option("-n", help="How many concepts.")] = 20,
    as_json: AsJson = False,
) -> None:
    """The most central concepts."""
    if (graph / INDEX_FILE).is_file():
        with _index(graph) as index:
            rows = index.top(by.value, n)
    else:
        rows = query.top(_load(graph), by.value, n)
    if as_json:
        return _print_json(rows)
    table = Table(title=f"Top {len(rows)} concepts by {by.value}")
    for col in ("#", "concept", "papers", by.value, "cluster", "aliases"):
        table.add_column(col)
    for i, r in enumerate(rows, 1):
        table.add_row(str(i), r["label"], str(r["papers"]), f"{float(r[by.value]):.4g}",
                      str(r.get("cluster", "")), _short(r.get("aliases", "")))
    out.print(table)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command()
def shared(
    paper_a: Annotated[str, typer.Argument(help="Paper id, e.g. 000_66c4bdcf0f56642e:4")],
    paper_b: Annotated[str, typer.Argument(help="Another paper id")],
    graph: GraphDir,
    as_json: AsJson = False,
) -> None:
    """The concepts two papers share, strongest first, with the words each paper used."""
    try:
        rows = query.shared(_part(graph, 1, papers=(paper_a, paper_b)), paper_a, paper_b)
    except query.QueryError as exc:
        return _fail(str(exc))
    if as_json:
        return _print_json({"paper_a": paper_a, "paper_b": paper_b, "shared": query.to_jsonable(rows)})
    table = Table(title=f"Concepts shared by {paper_a} and {paper_b}")
    for col in ("concept", "score", f"in {paper_a}", f"in {paper_b}", "linked by"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.label, f"{r.score:.3g}", _short("; ".join(r.surfaces_a)),
                      _short("; ".join(r.surfaces_b)), _short(r.links))
    out.print(table if rows else "These papers share no concept.")


@app.command()
def concept(
    term: Annotated[str, typer.Argument(help="Concept label or any alias (Chinese too).")],
    graph: GraphDir,
    as_json: AsJson = False,
) -> None:
    """One concept: its aliases, the evidence of its merges, its papers and neighbours."""
    try:
        report = query.concept(_part(graph, 2, term=term, far=query.CONCEPT_FAR), term)
    except query.QueryError as exc:
        return _fail(str(exc))
    if as_json:
        return _print_json(report)
    out.print(f"[bold]{report.label}[/bold]  (key: {report.key})", highlight=False)
    out.print(f"aliases: {' | '.join(report.aliases)}", highlight=False)
    if report.links:
        out.print(f"linked by: {report.links}", highlight=False)
    out.print(", ".join(f"{k}={v}" for k, v in report.metrics.items()), highlight=False)
    table = Table(title="Papers")
    for col in ("paper", "title", "mentions", "as written"):
        table.add_column(col)
    for p in report.papers:
        table.add_row(p["paper_id"], _short(p["title"]), str(p["mentions"]), _short("; ".join(p["surfaces"])))
    out.print(table)
    out.print("neighbours: " + ", ".join(f"{n['label']} ({n['papers_together']})" for n in report.neighbours),
              highlight=False)


@app.command()
def paper(
    paper_id: Annotated[str, typer.Argument(help="Paper id, e.g. 004_4d7fe5d77dd9d4ee:9")],
    graph: GraphDir,
    as_json: AsJson = False,
) -> None:
    """One paper: its concepts, and its most similar papers with the concepts that make them so."""
    try:
        report = query.paper(_part(graph, 2, papers=(paper_id,), far=query.PAPER_FAR), paper_id)
    except query.QueryError as exc:
        return _fail(str(exc))
    if as_json:
        return _print_json(report)
    out.print(f"[bold]{rich.markup.escape(report.paper_id)}[/bold] ({report.lang}): {rich.markup.escape(report.title)}", highlight=False)
    about = [str(x) for x in (report.authors, report.venue, report.year, report.url) if x]
    if about:
        out.print(rich.markup.escape(" · ".join(about)), highlight=False)
    if report.keywords:
        out.print("author keywords: " + rich.markup.escape(", ".join(report.keywords)), highlight=False)
    out.print("concepts: " + rich.markup.escape(", ".join(f"{c['label']}×{c['mentions']}" for c in report.concepts)), highlight=False)
    table = Table(title="Most similar papers")
    for col in ("paper", "title", "score", "because of"):
        table.add_column(col)
    for s in report.similar:
        table.add_row(s.paper_id, _short(s.title, 40), f"{s.score:.3g}", _short(", ".join(s.shared)))
    out.print(table)


@app.command()
def export(
    graph: GraphDir,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (csv: FILE.nodes.csv and FILE.edges.csv; neo4j: FILE.papers.neo4j.csv, FILE.concepts.neo4j.csv, FILE.mentions.neo4j.csv).")],
) -> None:
    """Export the paper–concept graph for Gephi, Cytoscape, igraph, Neo4j or a spreadsheet."""
    whole = _load(graph)  # from graph.sqlite, which has the papers appended since graph.graphml was written
    try:
        written = export_graph(whole, fmt.value, output)
    except OSError as exc:
        return _fail(f"{output}: cannot write ({exc.strerror})")
    for path in written:
        err.print(f"wrote {path}", highlight=False, markup=False)


@app.command()
def concepts(
    inputs: Annotated[list[Path], typer.Argument(help="Files or directories of abstracts (.txt seed format, .jsonl, .csv, .tsv, .bib, .ris, arXiv Atom .xml/.atom, OpenAlex .json).")],
    n: Annotated[int, typer.Option("-n", help="How many concepts per paper.")] = 15,
    as_json: AsJson = False,
) -> None:
    """Each paper's concepts, most important first (the graph's concepts, ranked per paper)."""
    from dataclasses import asdict

    from kg.keyphrases import rank_concepts
    from kg.read import read_papers

    report = ReadReport()
    try:
        papers = list(read_papers(inputs, report=report))
    except ReadError as exc:
        return _fail(str(exc))
    if not papers:
        skipped = f" ({report.summary_line()})" if report.problems else ""
        return _fail(f"{', '.join(map(str, inputs))}: no usable abstracts found{skipped}")
    _report_line(report, "they are left out")
    ranked = rank_concepts(papers, top_n=n)
    if as_json:
        return _print_json([{"paper_id": p.id, "title": p.title, "lang": p.lang, "concepts": [asdict(c) for c in row]}
                            for p, row in zip(papers, ranked)])
    for p, row in zip(papers, ranked):
        table = Table(title=f"{p.id} ({p.lang}): {_short(p.title)}", title_justify="left")
        for col in ("#", "concept", "score", "as written"):
            table.add_column(col)
        for i, c in enumerate(row, 1):
            table.add_row(str(i), c.label, f"{c.score:.3g}", _short("; ".join(c.surfaces)))
        out.print(table)


view_app = typer.Typer(no_args_is_help=True, help="Ego views: the neighbourhood of one concept or paper as an HTML map.")
app.add_typer(view_app, name="view")


def _render_ego(render, workspace: Path, what: str, output: Path) -> None:
    try:
        drawn = render(workspace, what, output)
    except (query.QueryError, pipeline.BuildError) as exc:
        return _fail(str(exc))
    except sqlite3.DatabaseError as exc:
        return _fail(f"{workspace / INDEX_FILE}: cannot read graph index ({exc})")
    except OSError as exc:
        return _fail(f"{output}: cannot write ({exc.strerror})")
    err.print(f"wrote {output} ({drawn.drawn_nodes} nodes, {drawn.drawn_edges} links)", highlight=False, markup=False)


@view_app.command("concept")
def view_concept(
    term: Annotated[str, typer.Argument(help="Concept label or any alias (Chinese too).")],
    graph: GraphDir,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML file (default: DIR/view_concept_TERM.html).")] = None,
) -> None:
    """The concept and the concepts it shares most papers with."""
    from kg.views import ego_file_name, render_concept_ego

    _render_ego(render_concept_ego, graph, term, output or graph / ego_file_name("concept", term))


@view_app.command("paper")
def view_paper(
    paper_id: Annotated[str, typer.Argument(help="Paper id, e.g. 004_4d7fe5d77dd9d4ee:9")],
    graph: GraphDir,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML file (default: DIR/view_paper_ID.html).")] = None,
) -> None:
    """The paper, its concepts and its most similar papers."""
    from kg.views import ego_file_name, render_paper_ego

    _render_ego(render_paper_ego, graph, paper_id, output or graph / ego_file_name("paper", paper_id))


def main() -> None:
    # `kill` (SIGTERM) stops a build as Ctrl-C does: cleanly, worker processes included
    signal.signal(signal.SIGTERM, interrupt)
    app()


assert set(FORMATS) == {f.value for f in Format}
