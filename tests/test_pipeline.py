"""End to end on the seeds: the acceptance criteria, the GraphML contract, the files of a build."""

from __future__ import annotations

import csv
import gc
import json
import shutil
from pathlib import Path
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from kg.engine import EngineOptions
from kg import pipeline
from kg.graph import paper_node
from kg.index import INDEX_FILE
from kg.read import SEED_SEPARATOR, ReadError

A, B = "000_66c4bdcf0f56642e:4", "004_4d7fe5d77dd9d4ee:9"
GENERIC = {"model", "method", "approach", "task", "work", "result", "paper", "problem", "system",
           "data", "performance", "framework"}
SAVED_FILES = {"graph.graphml", "graph.gexf", "graph.json", "graph.nodes.csv", "graph.edges.csv",
               "concepts.graphml", "papers.graphml", "rankings.csv", "concept_map.html",
               "paper_concept_map.html", "paper_similarity_map.html", "summary.json", "skipped.jsonl", "graph.sqlite",
               "manifest.json"}
NS = "{http://graphml.graphdrawing.org/xmlns}"


def expected_seed_ids(seeds_dir):
    ids = []
    for f in sorted(seeds_dir.glob("*.txt")):
        n = sum(1 for line in f.read_text("utf-8").splitlines() if line.strip() == SEED_SEPARATOR)
        ids += [f"{f.stem}:{i}" for i in range(1, n + 1)]
    return ids


def kind(g, node):
    return g.nodes[node]["kind"]


# ------------------------------------------------------------------ acceptance criteria


def test_twenty_paper_nodes_with_seed_ids(seed_graph, seeds_dir):
    g = seed_graph.bipartite
    papers = sorted(n for n in g if kind(g, n) == "paper")
    assert len(papers) == 20
    assert sorted(g.nodes[n]["paper_id"] for n in papers) == sorted(expected_seed_ids(seeds_dir))
    assert [p.id for p in seed_graph.corpus.papers] == expected_seed_ids(seeds_dir)
    assert {g.nodes[n]["lang"] for n in papers} == {"en", "zh"}


def test_every_paper_has_at_least_five_concepts(seed_graph):
    g = seed_graph.bipartite
    for p in seed_graph.corpus.papers:
        concepts = [c for c in g[paper_node(p.id)] if kind(g, c) == "concept"]
        assert len(concepts) >= 5, p.id


def test_no_generic_word_in_the_top_ten(seed_graph):
    top = seed_graph.top("pagerank", 10)
    assert len(top) == 10
    for row in top:
        assert row["key"].lower() not in GENERIC, row
        assert row["label"].lower() not in GENERIC, row
    assert [r["key"] for r in top] == [r.key for r in seed_graph.rankings[:10]]


def test_shared_between_the_two_named_papers_lists_language_model(seed_graph):
    labels = [s.label for s in seed_graph.shared(A, B)]
    assert "language model" in labels


def test_concepts_are_linked_across_languages(seed_graph):
    g = seed_graph.bipartite
    multilingual = [n for n, d in g.nodes(data=True) if d["kind"] == "concept" and d["langs"] == "en zh"]
    assert multilingual
    for n in multilingual:
        langs = {g.nodes[p]["lang"] for p in g[n]}
        assert langs <= {"en", "zh"}


# ------------------------------------------------------------------ the GraphML contract


def test_graphml_contract(seed_out, seed_graph):
    root = ET.parse(seed_out / "graph.graphml").getroot()
    keys = {k.get("id"): k for k in root.iter(f"{NS}key")}
    by_name = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in keys.values()}
    for name in ("papers", "degree", "cluster"):
        assert by_name[("node", name)] in ("int", "long"), name
    for name in ("pagerank", "betweenness", "eigenvector", "weighted_degree", "termhood"):
        assert by_name[("node", name)] == "double", name
    for name in ("kind", "paper_id", "title", "lang", "key", "label", "aliases", "links", "langs"):
        assert by_name[("node", name)] == "string", name
    assert by_name[("edge", "weight")] in ("int", "long")
    assert by_name[("edge", "surfaces")] == "string"

    nodes = list(root.iter(f"{NS}node"))
    assert len(nodes) == seed_graph.bipartite.number_of_nodes()
    kinds = {"paper": 0, "concept": 0}
    for node in nodes:
        data = {keys[d.get("key")].get("attr.name"): d.text for d in node.findall(f"{NS}data")}
        assert data.get("kind") in kinds, node.get("id")
        kinds[data["kind"]] += 1
        if data["kind"] == "paper":
            assert node.get("id") == "paper:" + data["paper_id"]
            for name in ("paper_id", "title", "lang"):
                assert data.get(name), (node.get("id"), name)
            assert data["lang"] in ("en", "zh")
        else:
            for name in ("label", "aliases", "papers", "degree", "pagerank", "betweenness", "eigenvector", "cluster"):
                assert data.get(name) not in (None, ""), (node.get("id"), name)
            assert int(data["papers"]) >= 1 and int(data["cluster"]) >= 0
            assert 0.0 <= float(data["pagerank"]) <= 1.0
    assert kinds["paper"] == 20 and kinds["concept"] > 0


@pytest.mark.parametrize("drop", [None, "graph.sqlite"])
def test_a_workspace_loads_with_numbers(seed_out, seed_graph, tmp_path, drop):
    if drop:  # a workspace of a kg before graph.sqlite: graph.graphml is read
        shutil.copytree(seed_out, tmp_path / "ws")
        (tmp_path / "ws" / drop).unlink()
    g = pipeline.load(tmp_path / "ws" if drop else seed_out)
    assert set(g) == set(seed_graph.bipartite)
    concept = next(n for n, d in g.nodes(data=True) if d["kind"] == "concept")
    attrs = g.nodes[concept]
    assert isinstance(attrs["papers"], int) and isinstance(attrs["degree"], int)
    assert isinstance(attrs["pagerank"], float) and isinstance(attrs["eigenvector"], float)
    assert attrs == seed_graph.bipartite.nodes[concept]


def test_load_without_a_graph_is_a_build_error(tmp_path):
    with pytest.raises(pipeline.BuildError, match="graph.graphml"):
        pipeline.load(tmp_path)


# ------------------------------------------------------------------ files written by save()


def test_save_writes_every_output(seed_out):
    assert {p.name for p in seed_out.iterdir() if not p.name.startswith(".")} == SAVED_FILES
    assert {p.name for p in seed_out.iterdir() if p.name.startswith(".")} == {".kg.lock"}  # no staging left
    for name in SAVED_FILES - {"skipped.jsonl"}:
        assert (seed_out / name).stat().st_size > 0, name
    assert (seed_out / "skipped.jsonl").read_text("utf-8") == ""  # the seeds are clean
    from kg import workspace
    assert workspace.verify(seed_out) == []


def test_projections_and_exports_are_readable(seed_out, seed_graph):
    concepts = nx.read_graphml(seed_out / "concepts.graphml")
    assert set(concepts) == set(seed_graph.concepts)
    assert all(isinstance(d["weight"], int) for _, _, d in concepts.edges(data=True))
    papers = nx.read_graphml(seed_out / "papers.graphml")
    assert set(papers) == {p.id for p in seed_graph.corpus.papers}
    assert all(d["weight"] > 0 and d["shared"] for _, _, d in papers.edges(data=True))
    gexf = nx.read_gexf(seed_out / "graph.gexf")
    assert gexf.number_of_nodes() == seed_graph.bipartite.number_of_nodes()
    node_link = nx.node_link_graph(json.loads((seed_out / "graph.json").read_text("utf-8")), edges="edges")
    assert node_link.number_of_edges() == seed_graph.bipartite.number_of_edges()
    with (seed_out / "graph.nodes.csv").open(encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == seed_graph.bipartite.number_of_nodes()
    with (seed_out / "graph.edges.csv").open(encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == seed_graph.bipartite.number_of_edges()


def test_rankings_csv(seed_out, seed_graph):
    with (seed_out / "rankings.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == seed_graph.concepts.number_of_nodes()
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    pr = [float(r["pagerank"]) for r in rows]
    assert pr == sorted(pr, reverse=True)
    assert {"key", "label", "papers", "degree", "pagerank", "betweenness", "eigenvector", "cluster"} <= set(rows[0])


def test_summary_json(seed_out, seed_graph):
    summary = json.loads((seed_out / "summary.json").read_text("utf-8"))
    assert summary["papers"] == 20
    assert sum(summary["papers_by_language"].values()) == 20
    assert set(summary["papers_by_language"]) == {"en", "zh"}
    assert summary["concepts"] == seed_graph.concepts.number_of_nodes()
    assert summary["paper_concept_edges"] == seed_graph.bipartite.number_of_edges()
    assert summary["top10_pagerank"] == [r.label for r in seed_graph.rankings[:10]]


def test_html_views_are_offline_pages(seed_out):
    for name in ("concept_map.html", "paper_concept_map.html", "paper_similarity_map.html"):
        html = (seed_out / name).read_text("utf-8")
        assert html.lstrip().lower().startswith("<!doctype html") or "<html" in html[:500].lower(), name
        assert "<script src=\"http" not in html and "<link href=\"http" not in html, name


def test_building_twice_gives_byte_identical_files(seed_out, extractor, seeds_dir, tmp_path):
    again = pipeline.build([seeds_dir], extractor=extractor)
    written = again.save(tmp_path)
    assert {p.name for p in written} == SAVED_FILES
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == SAVED_FILES
    for name in sorted(SAVED_FILES):
        assert (tmp_path / name).read_bytes() == (seed_out / name).read_bytes(), name


@pytest.fixture(scope="module")
def seed_extractions(extractor, seeds_dir):
    """The seeds read and extracted, not yet linked: (papers, extractions)."""
    from kg.engine import extract_stream
    from kg.read import read_papers

    return tuple(zip(*extract_stream(read_papers([seeds_dir]), extractor=extractor)))


def test_clauses_read_by_forked_workers_give_byte_identical_files(seed_out, seed_extractions, tmp_path, monkeypatch):
    from kg import spans

    used = []

    def one_paper_a_batch(*args, **kwargs):  # so that the seeds' 9 Chinese papers are shared out
        used.append(args[2])
        return spans.read_clause_spans(*args, **kwargs, batch_size=1)

    monkeypatch.setattr(pipeline, "SPAN_WORKERS_FROM", 1)
    monkeypatch.setattr(pipeline, "read_clause_spans", one_paper_a_batch)
    papers, extractions = seed_extractions
    corpus = pipeline.link_papers(papers, extractions, workers=2)
    assert used == [2]
    pipeline.graph_corpus(corpus).save(tmp_path)
    for name in sorted(SAVED_FILES):
        assert (tmp_path / name).read_bytes() == (seed_out / name).read_bytes(), name


def test_released_mentions_link_the_same_corpus_and_are_gone(seed_extractions):
    import copy

    papers, extractions = seed_extractions
    own = copy.deepcopy(list(extractions))
    released = pipeline.link_papers(papers, own, release_mentions=True)
    kept = pipeline.link_papers(papers, extractions)
    assert (released.concepts, released.occurrences) == (kept.concepts, kept.occurrences)
    assert not any(ex.mentions or ex.segments for ex in own)
    assert [ex.acronyms for ex in own] == [ex.acronyms for ex in extractions]  # still read after linking
    assert any(ex.segments for ex in extractions) and all(ex.mentions for ex in extractions)


def test_linking_pauses_the_cycle_collector_and_makes_no_cycles(seed_extractions, monkeypatch):
    """The pause (`cyclic_gc_paused`) is safe only while linking leaves no reference cycles:
    their garbage would stay until the collector is back."""
    papers, extractions = seed_extractions
    seen = []
    link_corpus = pipeline.link_corpus
    monkeypatch.setattr(pipeline, "link_corpus", lambda *a, **k: seen.append(gc.isenabled()) or link_corpus(*a, **k))
    monkeypatch.setattr(pipeline, "SPAN_WORKERS_FROM", 1)  # the forked span readers too
    for workers in (1, 2):
        gc.collect()
        gc.disable()
        try:
            pipeline.link_papers(papers, extractions, workers=workers)
            assert gc.collect() == 0  # unreachable objects found: none
        finally:
            gc.enable()
    assert seen == [False, False]
    pipeline.link_papers(papers[:2], extractions[:2])
    assert gc.isenabled()


# ------------------------------------------------------------------ small builds


def test_build_small_bilingual_jsonl(tmp_path, extractor):
    f = tmp_path / "mini.jsonl"
    f.write_text(
        json.dumps({"id": "m1", "abstract": "Graph neural networks (GNNs) learn on molecular graphs. "
                                             "We train a GNN on protein structures."}) + "\n"
        + json.dumps({"id": "m2", "abstract": "Message passing in a graph neural network predicts "
                                             "molecular properties of protein structures."}) + "\n",
        encoding="utf-8")
    kg_graph = pipeline.build([f], extractor=extractor)
    assert [p.id for p in kg_graph.corpus.papers] == ["m1", "m2"]
    report = kg_graph.concept("GNN")
    assert report.key == "graph neural network"
    assert {p["paper_id"] for p in report.papers} == {"m1", "m2"}


def test_empty_input_is_a_build_error(tmp_path, extractor):
    f = tmp_path / "empty.txt"
    f.write_text("\n\n", encoding="utf-8")
    with pytest.raises(pipeline.BuildError, match="no usable abstracts"):
        pipeline.build([f], extractor=extractor)


def test_read_problems_are_kept_in_the_graph_and_saved(tmp_path, extractor):
    f = tmp_path / "broken.jsonl"
    f.write_text(json.dumps({"id": "ok", "abstract": "Graph neural networks learn molecules."}) + "\n{oops\n",
                 encoding="utf-8")
    graph = pipeline.build([f], extractor=extractor)
    assert [p.id for p in graph.corpus.papers] == ["ok"]
    assert [str(p) for p in graph.report.skipped] == [f"{f}: line 2: invalid JSON (Expecting property name "
                                                      "enclosed in double quotes)"]
    graph.save(tmp_path / "out")
    saved = [json.loads(line) for line in (tmp_path / "out" / "skipped.jsonl").read_text("utf-8").splitlines()]
    assert saved == [p.to_dict() for p in graph.report.problems]
    f.write_text("{oops\n", encoding="utf-8")
    with pytest.raises(pipeline.BuildError, match="broken.jsonl: line 1"):
        pipeline.build([f], extractor=extractor)


def test_thesaurus_renames_and_drops(tmp_path, extractor):
    f = tmp_path / "t.jsonl"
    f.write_text(json.dumps({"id": "t1", "abstract": "Federated learning protects privacy of hospitals. "
                                                     "Differential privacy bounds leakage."}) + "\n",
                 encoding="utf-8")
    thesaurus = tmp_path / "thesaurus.txt"
    thesaurus.write_text("label\treplace by\nFederated-Learning\tcollaborative training\nLeakage\t\n",
                         encoding="utf-8")
    assert pipeline.read_thesaurus(thesaurus) == {"federated learning": "collaborative training", "leakage": ""}
    plain = pipeline.build([f], extractor=extractor)
    assert {"federated learning", "leakage"} <= set(plain.corpus.concepts)
    renamed = pipeline.build([f], pipeline.BuildOptions(thesaurus=thesaurus), extractor=extractor)
    keys = set(renamed.corpus.concepts)
    assert "collaborative training" in keys and "federated learning" not in keys
    assert "leakage" not in keys
    assert "thesaurus" in renamed.concept("collaborative training").links


def test_bad_thesaurus_is_a_read_error(tmp_path):
    bad = tmp_path / "th.txt"
    bad.write_text("a\tb\tc\n", encoding="utf-8")
    with pytest.raises(ReadError, match="th.txt: line 1"):
        pipeline.read_thesaurus(bad)


def test_paper_ids_never_build_paths(tmp_path, extractor):
    """Ids are data: `../../etc/x` or `/abs` must not place a file outside the output directory."""
    from kg.export import FORMATS, export

    hostile = ["../../etc/x", "/abs/olute", "..", "a/../../b", "C:\\\\win\\\\x", "nul", ".kg.lock", "graph.graphml"]
    src = tmp_path / "in" / "hostile.jsonl"
    src.parent.mkdir()
    src.write_text("".join(json.dumps({"id": pid, "abstract": f"Graph neural networks study case {n} of molecules."})
                           + "\n" for n, pid in enumerate(hostile)), encoding="utf-8")
    work = tmp_path / "work" / "deep"
    out = work / "out"
    graph = pipeline.build([src], extractor=extractor)
    assert [p.id for p in graph.corpus.papers] == hostile
    graph.save(out)
    for fmt in FORMATS:
        export(pipeline.load(out), fmt, out / f"export.{fmt}")
    everything = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    outside = {p for p in everything if not str(p).startswith("work/deep/out")}
    assert outside == {Path("in"), Path("in/hostile.jsonl"), Path("work"), Path("work/deep")}
    assert all(p.parent == Path("work/deep/out") for p in everything - outside - {Path("work/deep/out")})
    assert not Path("/abs/olute").exists()
    ids = {d["paper_id"] for _, d in pipeline.load(out).nodes(data=True) if d["kind"] == "paper"}
    assert ids == set(hostile)


def test_big_corpora_leave_out_concepts_of_one_paper_unless_asked():
    from kg.pipeline import BIG_CORPUS, BuildOptions, min_concept_papers

    assert min_concept_papers(BuildOptions(), 20) == 1
    assert min_concept_papers(BuildOptions(), BIG_CORPUS) == 2
    assert min_concept_papers(BuildOptions(min_concept_papers=1), 10 * BIG_CORPUS) == 1
    assert min_concept_papers(BuildOptions(min_concept_papers=5), 20) == 5


def test_big_corpora_write_only_graphml_unless_asked():
    from kg.pipeline import BIG_CORPUS, EXTRA_FORMATS, BuildOptions, extra_formats

    assert extra_formats(BuildOptions(), 20) == EXTRA_FORMATS
    assert extra_formats(BuildOptions(), BIG_CORPUS) == ()
    assert extra_formats(BuildOptions(formats=("gexf",)), 10 * BIG_CORPUS) == ("gexf",)
    assert extra_formats(BuildOptions(formats=()), 20) == ()


def test_concept_nodes_list_their_first_papers_and_count_the_rest():
    titles = {f"p{i:03d}": f"Title {i}" for i in range(120)}
    text = pipeline.paper_titles(sorted(titles), titles, limit=50)
    lines = text.splitlines()
    assert len(lines) == 51 and lines[0] == "p000 — Title 0" and lines[49] == "p049 — Title 49"
    assert lines[-1] == "… and 70 more"
    assert pipeline.paper_titles(["p001", "p002"], titles, limit=50) == "p001 — Title 1\np002 — Title 2"


def test_graphs_of_a_build_are_in_the_order_writers_need(seed_graph):
    """save() writes the graphs as they are (no sorted copy at 72,000 papers), so metrics,
    clusters and paper lists added after the builders must keep the sorted order."""
    from kg.export import sorted_graph

    def order(g):
        return (list(g.graph.items()), [(n, list(d)) for n, d in g.nodes(data=True)],
                [(u, v, list(d)) for u, v, d in g.edges(data=True)])
    for g in (seed_graph.bipartite, seed_graph.concepts, seed_graph.papers):
        assert order(g) == order(sorted_graph(g))


def test_graphs_and_writes_announce_each_step_before_taking_it(small_corpus, tmp_path):
    """The CLI's spinner names what a long build is doing: each step is told before it starts,
    and every output file has its step (graph.sqlite one per part, as each graph is written)."""
    steps: list[str] = []
    graph = pipeline.graph_corpus(small_corpus, steps.append)
    assert steps == ["co-occurrence graph", "rankings", "paper–concept graph", "paper similarity graph"]

    announced: list[tuple[str, set[str]]] = []
    def on_step(step: str) -> None:  # and which files the staging directory holds by then (not temporary ones)
        announced.append((step, {p.name for p in tmp_path.glob(".kg-staging-*/*") if not p.name.startswith(".")}))

    published = graph.save(tmp_path, pipeline.BuildOptions(formats=("csv", "gexf")), on_step)
    assert all(step.startswith("writing ") for step, _ in announced)
    names = [step.removeprefix("writing ").split(" (")[0] for step, _ in announced]
    files_of = lambda name: {"graph.nodes.csv", "graph.edges.csv"} if name == "graph.csv" else {name}
    for i, (step, staged) in enumerate(announced):
        assert staged <= {f for name in names[:i] for f in files_of(name)}, step
    assert {p.name for p in published} - {"manifest.json"} == {f for name in names for f in files_of(name)}
    assert names.count(INDEX_FILE) == 3 and len(set(names)) == len(names) - 2


def test_save_corpus_writes_what_graph_corpus_and_save_write(seed_graph, tmp_path):
    """`kg build`'s way of saving makes each graph from the corpus as it writes it; the files
    are the same bytes as those of the three graphs made first and saved together."""
    held = seed_graph.save(tmp_path / "held")
    made, info = pipeline.save_corpus(seed_graph.corpus, tmp_path / "made", report=seed_graph.report)
    assert [p.name for p in made] == [p.name for p in held]
    for a, b in zip(held, made):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert info == pipeline.summary(seed_graph)


def test_save_corpus_lets_each_graph_go_before_making_the_next(small_corpus, tmp_path, monkeypatch):
    """One graph in memory at a time: the paper similarity graph is gone when the co-occurrence
    graph is made, and that one when the paper–concept graph is. The cyclic collector is off,
    as its full collections are rare under a big corpus: a graph in a reference cycle (networkx's
    views make one) must be freed by the saving code itself."""
    import weakref

    made: dict[str, weakref.ref] = {}
    alive_at: dict[str, list[str]] = {}

    def watched(name, make):
        def wrapper(*args, **kwargs):
            alive_at[name] = sorted(n for n, ref in made.items() if ref() is not None)
            g = make(*args, **kwargs)
            made[name] = weakref.ref(g)
            return g
        return wrapper
    for name in ("concept_graph", "paper_graph", "bipartite_graph"):
        monkeypatch.setattr(pipeline, name, watched(name, getattr(pipeline, name)))
    with pipeline.cyclic_gc_paused():
        pipeline.save_corpus(small_corpus, tmp_path)
    # the concept map's own small paper–concept graph is made while the co-occurrence graph is drawn
    assert alive_at == {"concept_graph": [], "paper_graph": [], "bipartite_graph": []}
    assert set(made) == {"concept_graph", "paper_graph", "bipartite_graph"}


def test_gathering_extractions_from_workers_pauses_the_cycle_collector(seeds_dir):
    """Extractions from worker processes make no cycles here, so the collector is paused while
    they are gathered; extracting in this process (spaCy's documents make cycles) keeps it on."""
    for workers, paused in ((2, True), (1, False)):
        seen = []
        gc.collect()
        pipeline.extract_corpus([seeds_dir], engine=EngineOptions(workers=workers, batch_size=4),
                                on_progress=lambda n: seen.append(gc.isenabled()))
        assert seen and all(enabled is not paused for enabled in seen) and gc.isenabled()
    gc.collect()  # the documents of the extraction here
    with pipeline.cyclic_gc_paused():
        pipeline.extract_corpus([seeds_dir], engine=EngineOptions(workers=2, batch_size=4))
        assert gc.collect() == 0  # unreachable objects found: none


def test_making_graphs_pauses_the_cycle_collector_and_makes_no_cycles(small_corpus, monkeypatch):
    """Each graph is made and ranked with the collector paused (`cyclic_gc_paused`), which is
    safe only while that leaves no garbage in reference cycles."""
    seen = []
    for name in ("concept_graph", "analyse_concepts", "paper_graph", "clusters", "bipartite_graph"):
        monkeypatch.setattr(pipeline, name, lambda *a, _make=getattr(pipeline, name), **k:
                            seen.append(gc.isenabled()) or _make(*a, **k))

    def make_all():
        concepts, _ = pipeline.ranked_concept_graph(small_corpus)
        return [concepts, pipeline.clustered_paper_graph(small_corpus),
                pipeline.ranked_bipartite_graph(small_corpus, pipeline.concept_metrics(concepts))]
    gc.collect()
    with pipeline.cyclic_gc_paused():
        graphs = make_all()
        assert gc.collect() == 0  # unreachable objects found: none
    seen.clear()
    assert [g.number_of_nodes() for g in make_all()] == [g.number_of_nodes() for g in graphs]
    assert seen == [False] * 5 and gc.isenabled()


def test_saving_pauses_the_cycle_collector_and_makes_no_cycles(small_corpus, tmp_path, monkeypatch):
    """Files are written with the collector paused, every copy of a graph let go (GEXF's too)."""
    options = pipeline.BuildOptions(formats=pipeline.EXTRA_FORMATS)
    pipeline.save_corpus(small_corpus, tmp_path / "warm", options)  # templates and such, loaded once
    seen = []
    write_graphml = pipeline.write_graphml
    monkeypatch.setattr(pipeline, "write_graphml", lambda *a, **k: seen.append(gc.isenabled()) or write_graphml(*a, **k))
    pipeline.save_corpus(small_corpus, tmp_path / "out", options)
    assert seen == [False] * 3 and gc.isenabled()
    assert (tmp_path / "out" / "graph.gexf").is_file()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage
    try:
        pipeline.save_corpus(small_corpus, tmp_path / "again", options)
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    # no graph nor copy of one; json's indenting encoder makes a few closures a file
    assert not any(isinstance(o, nx.Graph) for o in garbage) and len(garbage) < 200


def test_linking_announces_its_steps_around_the_clause_bar():
    """The two long link steps with no papers to count are told before they start; the index of
    English concepts is built only when there are Chinese papers to link."""
    from kg.model import Extraction, Mention, Paper

    papers = [Paper("e", "", "text", "en"), Paper("z", "", "text", "zh")]
    extractions = [Extraction("e", "en", [Mention("graph neural network", "graph neural networks", "en")]),
                   Extraction("z", "zh", [Mention("图 神经网络", "图神经网络", "zh")], segments="图 神经网络")]
    steps: list[str] = []
    corpus = pipeline.link_papers(papers, extractions, on_step=steps.append)
    assert steps == ["indexing English concepts", "linking concepts"]
    assert ("z", "graph neural network") in corpus.occurrences  # the steps are those of a real link
    steps.clear()
    pipeline.link_papers(papers[:1], extractions[:1], on_step=steps.append)
    assert steps == ["linking concepts"]
