"""kg.append: papers added to a built workspace's graph.sqlite without a rebuild."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import append, pipeline, workspace
from kg.cli import app
from kg.graph import ProjectionLimits
from kg.index import _SCHEMA, INDEX_FILE, GraphIndex
from kg.read import ReadReport

from conftest import build_corpus

OLD = {
    "p:1": {"graph neural network": 3, "shared core": 1, "message passing": 2},
    "p:2": {"graph neural network": 1, "shared core": 2, "molecule": 1},
    "p:3": {"shared core": 1, "molecule": 2, "federated learning": 1},
}
NEW = {
    "p:4": {"shared core": 1, "federated learning": 4, "privacy": 1},
    "p:5": {"graph neural network": 2, "molecule": 1, "privacy": 2},
}


def rows(path: Path, sql: str) -> dict:
    db = sqlite3.connect(path)
    try:
        return {tuple(row[:-1]): row[-1] for row in db.execute(sql)}
    finally:
        db.close()


YEARS = {"p:1": "2019", "p:2": "2021", "p:4": "2024", "p:5": "2023"}  # p:3 has none


def dated(corpus):
    """`corpus` with its papers' YEARS."""
    corpus.papers = [replace(p, meta={"year": YEARS[p.id]} if p.id in YEARS else {}) for p in corpus.papers]
    return corpus


def appended_and_whole(tmp_path: Path) -> tuple[Path, Path]:
    """OLD built, then NEW appended to it; and OLD and NEW built at once."""
    grown, whole = tmp_path / "grown", tmp_path / "whole"
    pipeline.save_corpus(dated(build_corpus(OLD)), grown)
    new = append.NewPapers(append.read_workspace(grown), dated(build_corpus(NEW)), 0)
    append.save_appended(new, grown, ReadReport())
    pipeline.save_corpus(dated(build_corpus({**OLD, **NEW})), whole)
    return grown / INDEX_FILE, whole / INDEX_FILE


def test_appended_ties_and_counts_are_those_of_a_whole_build(tmp_path):
    grown, whole = appended_and_whole(tmp_path)
    assert rows(grown, "SELECT concept, paper, attrs FROM edges") == rows(whole, "SELECT concept, paper, attrs FROM edges")
    for measure in ("papers", "mean_year", "aliases", "langs"):
        sql = f"SELECT id, attrs ->> '$.{measure}' FROM nodes WHERE kind = 'concept'"
        assert rows(grown, sql) == rows(whole, sql), measure
    mean_year = "SELECT id, attrs ->> '$.mean_year' FROM projection_nodes WHERE graph = 'concepts'"
    assert rows(grown, mean_year) == rows(whole, mean_year)
    assert rows(grown, mean_year)[("privacy",)] == 2023.5
    assert rows(grown, "SELECT name, node, 1 FROM names") == rows(whole, "SELECT name, node, 1 FROM names")
    assert rows(grown, "SELECT name, value FROM meta WHERE name = 'papers'") == {("papers",): "5"}


def test_cooccurrences_of_new_papers_are_counted_over_all_papers(tmp_path):
    grown, whole = appended_and_whole(tmp_path)
    edges = "SELECT a, b, attrs FROM projection_edges WHERE graph = 'concepts'"
    got, want = rows(grown, edges), rows(whole, edges)
    touched = {pair for pair in want if set(pair) <= {"shared core", "federated learning", "privacy"}
               or set(pair) <= {"graph neural network", "molecule", "privacy"}}
    assert touched and {pair: got.get(pair) for pair in touched} == {pair: want[pair] for pair in touched}
    assert set(got) == set(want)  # a small corpus counts every pair


@pytest.mark.parametrize("per_concept, added", [(1, set()), (2, {("a", "c"), ("b", "c")})])
def test_on_a_thinned_graph_a_new_link_must_be_among_the_strongest_of_an_end(tmp_path, per_concept, added):
    out = tmp_path / "ws"
    old = {"p:1": {"a": 1, "b": 1, "c": 1}, "p:2": {"a": 1, "b": 1}, "p:6": {"a": 1, "b": 1},
           "p:3": {"c": 1, "d": 1}, "p:5": {"c": 1, "d": 1}, "p:7": {"c": 1, "d": 1}}
    pipeline.save_corpus(build_corpus(old), out)
    with sqlite3.connect(out / INDEX_FILE) as db:  # as a full build thins a big corpus: a-b and c-d (3 papers) kept
        db.execute("DELETE FROM projection_edges WHERE graph = 'concepts' AND weight < 2")
        db.execute("UPDATE meta SET value = '1' WHERE name = 'thinned_cooccurrence'")
    db.close()
    edges = "SELECT a, b, weight FROM projection_edges WHERE graph = 'concepts'"
    assert rows(out / INDEX_FILE, edges) == {("a", "b"): 3.0, ("c", "d"): 3.0}
    new = append.NewPapers(append.read_workspace(out), build_corpus({"p:4": {"a": 1, "b": 1, "c": 1}}), 0)
    # a-c and b-c are seen together in 2 papers now, fewer than a-b and c-d
    append.save_appended(new, out, ReadReport(), limits=ProjectionLimits(links_per_concept=per_concept))
    got = rows(out / INDEX_FILE, edges)
    assert got[("a", "b")] == 4.0 and set(got) - {("a", "b"), ("c", "d")} == added


@pytest.mark.parametrize("index", ["(graph, b, weight)", "(graph, b)"])  # as this kg and an older one made it
def test_the_bar_of_an_end_is_its_kept_th_strongest_link_by_weight_then_association(index):
    db = sqlite3.connect(":memory:")
    db.executescript(_SCHEMA + f"CREATE INDEX projection_edges_by_b ON projection_edges {index};")
    rng = random.Random(7)
    links: dict[str, list[tuple[float, float]]] = {"hub": [], "few": []}
    for i in range(300):  # the hub as either end; weights of a few values, so that many tie at the bar
        other = f"{'a' if i % 2 else 'z'}{i:03d}"
        a, b = sorted(("hub", other))
        weight, association = float(rng.choice([2, 3, 3, 4, 9])), round(rng.random() * 50, 3)
        db.execute("INSERT INTO projection_edges VALUES ('concepts', ?, ?, ?, ?)",
                   (a, b, weight, json.dumps({"association": association, "weight": weight})))
        links["hub"].append((weight, association))
    for other, weight in (("a", 5.0), ("z", 2.0)):
        a, b = sorted(("few", other))
        db.execute("INSERT INTO projection_edges VALUES ('concepts', ?, ?, ?, ?)",
                   (a, b, weight, json.dumps({"association": 1.5, "weight": weight})))
        links["few"].append((weight, 1.5))
    db.execute("INSERT INTO projection_edges VALUES ('papers', 'hub', 'p', 99.0, '{\"association\": 99.0}')")
    for kept in (1, 2, 3, 25, 60, 150, 300, 301):
        for key, strengths in links.items():
            ranked = sorted(strengths, reverse=True)
            assert append._weakest_kept(db, key, kept) == (ranked[kept - 1] if len(ranked) >= kept else None)


def test_new_papers_find_their_similar_papers(tmp_path):
    grown, whole = appended_and_whole(tmp_path)
    edges = "SELECT a, b, attrs FROM projection_edges WHERE graph = 'papers'"
    got, want = rows(grown, edges), rows(whole, edges)
    new = {pair: attrs for pair, attrs in want.items() if {"p:4", "p:5"} & set(pair)}
    assert new and {pair: got.get(pair) for pair in new} == new


def test_queries_and_exports_see_the_appended_papers(tmp_path):
    grown, _ = appended_and_whole(tmp_path)
    with GraphIndex(grown) as index:
        assert index.papers == 5
        assert index.paper("p:5") == "paper:p:5"
        assert index.concept("privacy") == "concept:privacy"
    assert "paper:p:5" in pipeline.load(grown.parent)  # graph.graphml has not got it


def test_the_rest_of_the_workspace_is_left_as_it_was_and_listed(tmp_path):
    out = tmp_path / "ws"
    pipeline.save_corpus(build_corpus(OLD), out)
    before = (out / "graph.graphml").read_bytes()
    new = append.NewPapers(append.read_workspace(out), build_corpus(NEW), 0)
    _, info = append.save_appended(new, out, ReadReport())
    assert (out / "graph.graphml").read_bytes() == before
    assert workspace.verify(out) == []
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == info and summary["papers"] == 5 and summary["appended_papers"] == 2
    assert summary["concepts"] == 6  # privacy is new


def test_appending_is_deterministic(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        pipeline.save_corpus(build_corpus(OLD), out)
        append.save_appended(append.NewPapers(append.read_workspace(out), build_corpus(NEW), 0), out, ReadReport())
        outs.append((out / INDEX_FILE).read_bytes())
    assert outs[0] == outs[1]


def test_a_failed_append_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "ws"
    pipeline.save_corpus(build_corpus(OLD), out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(append, "add_to_index", broken)
    with pytest.raises(sqlite3.OperationalError):
        append.save_appended(append.NewPapers(append.read_workspace(out), build_corpus(NEW), 0), out, ReadReport())
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.is_dir()]


def test_a_workspace_without_a_vocabulary_is_refused(tmp_path):
    with pytest.raises(append.AppendError, match="no graph to append to"):
        append.read_workspace(tmp_path)
    out = tmp_path / "ws"
    pipeline.save_corpus(build_corpus(OLD), out)
    db = sqlite3.connect(out / INDEX_FILE)
    with db:
        db.execute("DELETE FROM meta WHERE name = 'thinned_cooccurrence'")  # as an older kg wrote it
    db.close()
    with pytest.raises(append.AppendError, match="older kg"):
        append.read_workspace(out)
    pipeline.save_corpus(build_corpus(OLD), out)
    with sqlite3.connect(out / INDEX_FILE) as db:
        db.execute("DROP TABLE abstracts")  # as the kg of the first appends wrote it
    db.close()
    with pytest.raises(append.AppendError, match="older kg"):
        append.read_workspace(out)


# ------------------------------------------------------------------ reading, extracting and linking


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def english_workspace(tmp_path, extractor) -> Path:
    src = write_jsonl(tmp_path / "old.jsonl", [
        {"id": "e1", "abstract": "Graph neural networks (GNNs) learn representations of molecules. "
                                 "We train GNNs with message passing."},
        {"id": "e2", "abstract": "Federated learning trains a shared model on phones without collecting raw data."},
    ])
    out = tmp_path / "ws"
    graph = pipeline.build([src], extractor=extractor)
    graph.save(out)
    return out


def test_new_papers_are_linked_against_the_workspace(tmp_path, extractor, english_workspace):
    src = write_jsonl(tmp_path / "new.jsonl", [
        {"id": "n1", "abstract": "We benchmark GNNs on citation graphs."},  # GNN defined only in e1
        {"id": "n2", "abstract": "联邦学习在医院之间训练模型，保护病人隐私。"},
    ])
    append.append([src], english_workspace, extractor=extractor)
    with GraphIndex(english_workspace / INDEX_FILE) as index:
        g = index.around(["paper:n1", "paper:n2"], hops=1)
    assert g.has_edge("paper:n1", "concept:graph neural network")
    assert "acronym" in g.nodes["concept:graph neural network"]["links"]
    assert g.has_edge("paper:n2", "concept:federated learning")
    assert g.nodes["concept:federated learning"]["papers"] == 2
    assert "联邦学习" in g.nodes["concept:federated learning"]["links"]  # the evidence of the new tie


def test_papers_already_there_are_counted_not_reported(tmp_path, extractor, english_workspace):
    src = write_jsonl(tmp_path / "again.jsonl", [
        {"id": "e1", "abstract": "Graph neural networks (GNNs) learn representations of molecules."},
        {"id": "n3", "abstract": "Message passing networks predict molecule properties."},
    ])
    report = ReadReport()
    new = append.link_new_papers([src], english_workspace, report=report, extractor=extractor)
    assert new.present == 1 and [p.id for p in new.corpus.papers] == ["n3"] and not report.problems
    with pytest.raises(append.NothingNew):
        append.link_new_papers([tmp_path / "old.jsonl"], english_workspace, extractor=extractor)


def test_an_abstract_the_workspace_has_under_another_id_is_skipped(tmp_path, extractor, english_workspace):
    e2 = "Federated learning trains a shared model on phones without collecting raw data."
    n5 = "Message passing networks predict molecule properties."
    src = write_jsonl(tmp_path / "new.jsonl", [{"id": "n4", "abstract": e2.upper()}, {"id": "n5", "abstract": n5}])
    report = ReadReport()
    append.append([src], english_workspace, report=report, extractor=extractor)
    assert [(p.file, p.record, p.kind) for p in report.problems] == [(str(src), "paper n4", "skipped")]
    assert "same abstract as paper 'e2'" in report.problems[0].reason
    with GraphIndex(english_workspace / INDEX_FILE) as index:
        assert index.has("paper:n5") and not index.has("paper:n4")
    # the appended paper's abstract is the workspace's now, as the built ones' are
    again = write_jsonl(tmp_path / "again.jsonl", [{"id": "n6", "abstract": n5}])
    report = ReadReport()
    with pytest.raises(pipeline.BuildError, match="no new abstracts"):
        append.link_new_papers([again], english_workspace, report=report, extractor=extractor)
    assert "same abstract as paper 'n5'" in report.problems[0].reason
    assert len(rows(english_workspace / INDEX_FILE, "SELECT paper, digest FROM abstracts")) == 3


def test_cli_append(tmp_path, monkeypatch, extractor, english_workspace):
    monkeypatch.setattr(pipeline.Extractor, "create", classmethod(lambda cls, zh_user_words=None: extractor))
    src = write_jsonl(tmp_path / "new.jsonl", [{"id": "n1", "abstract": "We benchmark GNNs on citation graphs."}])
    runner = CliRunner()
    result = runner.invoke(app, ["build", str(src), "-o", str(english_workspace), "--append", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["appended"] == 1 and info["papers"] == 3
    again = runner.invoke(app, ["build", str(src), "-o", str(english_workspace), "--append"])
    assert again.exit_code == 0 and "nothing appended" in " ".join(again.output.split())
    shutil.rmtree(english_workspace)
    missing = runner.invoke(app, ["build", str(src), "-o", str(english_workspace), "--append"])
    assert missing.exit_code == 1 and "no graph to append to" in " ".join(missing.output.split())
