"""The `kg` command line: queries on a saved workspace, exports, and how bad input is reported."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import signal
import sys
import time
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg import pipeline
from kg.cli import app
from kg.store import STORE_FILE

A, B = "000_66c4bdcf0f56642e:4", "004_4d7fe5d77dd9d4ee:9"
COMMANDS = ("build", "top", "shared", "concept", "paper", "export")


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def run(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_failure(result, *fragments):
    """Exit 1, one line on stderr naming what went wrong, no traceback anywhere."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


@pytest.fixture
def fast_extractor(monkeypatch, extractor):
    """`kg build` creates its own extractor; hand it the session's instead of loading spaCy again."""
    monkeypatch.setattr(pipeline.Extractor, "create", classmethod(lambda cls, zh_user_words=None: extractor))


# ------------------------------------------------------------------ help


def test_help_lists_every_command(runner):
    result = run(runner, "--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.skipif(shutil.which("kg") is None and not (Path(sys.executable).parent / "kg").exists(),
                    reason="kg entry point not installed")
def test_installed_entry_point_help():
    exe = shutil.which("kg") or str(Path(sys.executable).parent / "kg")
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    for command in COMMANDS:
        assert command in proc.stdout


def test_usage_error_is_exit_2(runner):
    assert run(runner, "top").exit_code == 2  # --graph is required
    assert run(runner, "top", "-g", ".", "--by", "fame").exit_code == 2


# ------------------------------------------------------------------ queries on the seeds


def test_shared_json(runner, seed_out):
    result = run(runner, "shared", A, B, "-g", seed_out, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)  # exactly one JSON document
    assert doc["paper_a"] == A and doc["paper_b"] == B
    assert "language model" in [row["label"] for row in doc["shared"]]
    assert all({"key", "label", "score", "surfaces_a", "surfaces_b"} <= set(row) for row in doc["shared"])


def test_shared_table(runner, seed_out):
    result = run(runner, "shared", A, B, "-g", seed_out)
    assert result.exit_code == 0, result.stderr
    assert "language model" in result.stdout


def test_top_json(runner, seed_out, seed_graph):
    result = run(runner, "top", "--json", "-n", "5", "-g", seed_out)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 5
    assert [r["key"] for r in rows] == [r.key for r in seed_graph.rankings[:5]]


def test_top_by_papers(runner, seed_out):
    result = run(runner, "top", "--json", "-n", "3", "--by", "papers", "-g", seed_out)
    assert result.exit_code == 0, result.stderr
    counts = [r["papers"] for r in json.loads(result.stdout)]
    assert len(counts) == 3 and counts == sorted(counts, reverse=True)


def test_top_table(runner, seed_out, seed_graph):
    result = run(runner, "top", "-n", "3", "-g", seed_out)
    assert result.exit_code == 0, result.stderr
    assert seed_graph.rankings[0].label in result.stdout


def test_the_workspace_can_be_named_once_in_kg_graph(runner, seed_out, seed_graph):
    result = runner.invoke(app, ["top", "--json", "-n", "2"], env={"KG_GRAPH": str(seed_out)})
    assert result.exit_code == 0, result.stderr
    assert [r["key"] for r in json.loads(result.stdout)] == [r.key for r in seed_graph.rankings[:2]]
    missing = runner.invoke(app, ["top"], env={"KG_GRAPH": None})
    assert missing.exit_code == 2 and "--graph" in missing.stderr


def test_concept_json(runner, seed_out):
    result = run(runner, "concept", "GNN", "-g", seed_out, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert "GNN" in report["aliases"]
    assert report["papers"] and report["metrics"]["papers"] == len(report["papers"])
    assert {"paper_id", "title", "mentions", "surfaces"} <= set(report["papers"][0])


def test_paper_json(runner, seed_out, seed_graph):
    result = run(runner, "paper", B, "-g", seed_out, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["paper_id"] == B and report["lang"] == "en"
    assert len(report["concepts"]) >= 5
    assert report["similar"] and all(s["paper_id"] != B for s in report["similar"])


def test_paper_table(runner, seed_out):
    result = run(runner, "paper", A, "-g", seed_out)
    assert result.exit_code == 0, result.stderr
    assert A in result.stdout


# ------------------------------------------------------------------ export


@pytest.mark.parametrize("fmt, read", [
    ("graphml", nx.read_graphml),
    ("gexf", nx.read_gexf),
    ("json", lambda p: nx.node_link_graph(json.loads(Path(p).read_text("utf-8")), edges="edges")),
    ("cytoscape", lambda p: nx.cytoscape_graph(json.loads(Path(p).read_text("utf-8")))),
])
def test_export_each_format(runner, seed_out, seed_graph, tmp_path, fmt, read):
    target = tmp_path / "sub" / f"kg.{fmt}"
    result = run(runner, "export", "-g", seed_out, "--format", fmt, "-o", target)
    assert result.exit_code == 0, result.stderr
    assert str(target) in result.stderr
    g = read(target)
    assert g.number_of_nodes() == seed_graph.bipartite.number_of_nodes()
    assert g.number_of_edges() == seed_graph.bipartite.number_of_edges()


def test_export_csv(runner, seed_out, seed_graph, tmp_path):
    result = run(runner, "export", "-g", seed_out, "-f", "csv", "-o", tmp_path / "kg.csv")
    assert result.exit_code == 0, result.stderr
    with (tmp_path / "kg.nodes.csv").open(encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == seed_graph.bipartite.number_of_nodes()
    with (tmp_path / "kg.edges.csv").open(encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == seed_graph.bipartite.number_of_edges()


def test_export_neo4j(runner, seed_out, seed_graph, tmp_path):
    result = run(runner, "export", "-g", seed_out, "-f", "neo4j", "-o", tmp_path / "kg")
    assert result.exit_code == 0, result.stderr
    counts = {}
    for part in ("papers", "concepts", "mentions"):
        path = tmp_path / f"kg.{part}.neo4j.csv"
        assert str(path) in result.stderr
        with path.open(encoding="utf-8", newline="") as f:
            counts[part] = len(list(csv.DictReader(f)))
    kinds = [d["kind"] for _, d in seed_graph.bipartite.nodes(data=True)]
    assert counts == {"papers": kinds.count("paper"), "concepts": kinds.count("concept"),
                      "mentions": seed_graph.bipartite.number_of_edges()}


def test_export_graphml_matches_the_build(runner, seed_out, tmp_path):
    run(runner, "export", "-g", seed_out, "-f", "graphml", "-o", tmp_path / "g.graphml")
    assert (tmp_path / "g.graphml").read_bytes() == (seed_out / "graph.graphml").read_bytes()


# ------------------------------------------------------------------ build


def test_build_then_query(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a1", "abstract": "Federated learning (FL) trains models on phones. "
                                             "FL keeps raw data on the device."}) + "\n"
        + json.dumps({"id": "a2", "abstract": "联邦学习在医院之间训练模型，保护病人隐私。"}, ensure_ascii=False) + "\n"
        + json.dumps({"id": "a3", "abstract": "We attack federated learning with gradient inversion."}) + "\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "build", src, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "built" in result.stderr and "3 papers" in result.stderr
    assert (out / "graph.graphml").is_file() and (out / "summary.json").is_file()
    result = run(runner, "concept", "fl", "-g", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert {p["paper_id"] for p in json.loads(result.stdout)["papers"]} >= {"a1", "a3"}


def test_build_formats_choose_the_copies_of_the_graph(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.txt"
    src.write_text("Graph neural networks learn molecular properties.\ntranslated by 谷歌翻译\n", encoding="utf-8")
    result = run(runner, "build", src, "-o", tmp_path / "none", "-q", "--formats", "none")
    assert result.exit_code == 0, result.stderr
    names = {p.name for p in (tmp_path / "none").iterdir()}
    assert {"graph.graphml", "concepts.graphml", "papers.graphml", "concept_map.html"} <= names
    assert not names & {"graph.gexf", "graph.json", "graph.nodes.csv"}
    result = run(runner, "build", src, "-o", tmp_path / "gexf", "-q", "--formats", "GEXF")
    assert result.exit_code == 0 and (tmp_path / "gexf" / "graph.gexf").is_file()
    assert not (tmp_path / "gexf" / "graph.json").exists()
    result = run(runner, "build", src, "-o", tmp_path / "gexf", "-q", "--formats", "none")  # rebuilt without it
    assert result.exit_code == 0 and not (tmp_path / "gexf" / "graph.gexf").exists()
    result = run(runner, "build", src, "-o", tmp_path / "auto", "-q", "--formats", "auto")  # a small corpus: all
    assert result.exit_code == 0 and {"graph.gexf", "graph.json", "graph.nodes.csv"} <= {
        p.name for p in (tmp_path / "auto").iterdir()}
    result = run(runner, "build", src, "-o", tmp_path / "bad", "--formats", "gexf,pdf")
    assert result.exit_code == 2 and "pdf" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "bad").exists()


def test_build_min_concept_papers_leaves_rare_concepts_out(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"a{i}", "abstract": text}) + "\n" for i, text in enumerate([
        "Graph neural networks predict molecular toxicity.",
        "Graph neural networks classify protein folds.",
        "Federated learning protects hospital records."])), encoding="utf-8")
    result = run(runner, "build", src, "-o", tmp_path / "out", "--min-concept-papers", "2", "--json")
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["papers"] == 3 and info["concepts"] == 1 and info["rare_concepts_dropped"] >= 4
    assert info["top10_pagerank"] == ["graph neural network"]
    assert run(runner, "build", src, "-o", tmp_path / "bad", "--min-concept-papers", "-1").exit_code == 2
    result = run(runner, "build", src, "-o", tmp_path / "all", "--json")  # few papers: every concept kept
    assert "rare_concepts_dropped" not in json.loads(result.stdout) and json.loads(result.stdout)["concepts"] >= 5


def test_build_quiet_prints_nothing(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.txt"
    src.write_text("Graph neural networks learn molecular properties.\ntranslated by 谷歌翻译\n", encoding="utf-8")
    result = run(runner, "build", src, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


# ------------------------------------------------------------------ bad input


def test_build_missing_file(runner, tmp_path):
    assert_clean_failure(run(runner, "build", tmp_path / "absent.jsonl", "-o", tmp_path / "out"), "absent.jsonl")
    assert not (tmp_path / "out" / "graph.graphml").exists()


def test_build_skips_bad_records_reports_them_and_exits_0(runner, tmp_path, fast_extractor):
    src = tmp_path / "broken.jsonl"
    src.write_text('{"id": "a", "abstract": "Graph neural networks learn molecular properties."}\n'
                   '{"id": "b", "abstract": \n', encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "build", src, "-o", out)
    assert result.exit_code == 0, result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("input problems:")]
    assert len(problems) == 1 and "1 skipped" in problems[0] and "broken.jsonl: line 2" in problems[0]
    assert "skipped.jsonl" in problems[0]
    rows = [json.loads(line) for line in (out / "skipped.jsonl").read_text("utf-8").splitlines()]
    assert rows == [{"file": str(src), "record": "line 2", "kind": "skipped",
                     "reason": "invalid JSON (Expecting value)"}]
    assert "Traceback" not in result.stderr


def test_build_strict_exits_3_and_writes_nothing(runner, tmp_path, fast_extractor):
    src = tmp_path / "broken.jsonl"
    src.write_text('{"id": "a", "abstract": "Graph neural networks learn molecular properties."}\n{oops\n',
                   encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "build", src, "-o", out, "--strict")
    assert result.exit_code == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and "━" not in line]  # not the bars
    assert len(lines) == 1 and lines[0].startswith("error: --strict:") and "broken.jsonl: line 2" in lines[0]
    assert not (out / "graph.graphml").exists() and not (out / "skipped.jsonl").exists()
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"id": "a", "abstract": "Graph neural networks learn molecular properties."}\n', encoding="utf-8")
    assert run(runner, "build", clean, "-o", out, "--strict", "-q").exit_code == 0


def test_build_json_summary(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "abstract": "Graph neural networks learn molecular properties."}\n'
                   '{"id": "a", "abstract": "Federated learning keeps data on phones."}\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "build", src, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["papers"] == 1
    assert [(p["record"], p["kind"]) for p in data["skipped"]] == [("paper a", "skipped")]
    assert "already used" in data["skipped"][0]["reason"] and data["repaired"] == []
    assert {Path(p).name for p in data["outputs"]} >= {"graph.graphml", "skipped.jsonl", "manifest.json"}
    assert all(Path(p).is_file() for p in data["outputs"])


def test_build_non_utf8_is_decoded_and_reported(runner, tmp_path, fast_extractor):
    src = tmp_path / "latin.csv"
    src.write_bytes("id,abstract\na,The café culture of Vienna shapes graph neural network research.\n"
                    .encode("latin-1"))
    out = tmp_path / "out"
    result = run(runner, "build", src, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["papers"] == 1 and data["skipped"] == []
    assert [p["kind"] for p in data["repaired"]] == ["repaired"] and "not UTF-8" in data["repaired"][0]["reason"]


def test_build_with_nothing_usable_exits_1_naming_the_first_problem(runner, tmp_path):
    src = tmp_path / "junk.jsonl"
    src.write_text("{oops\n[1, 2]\n", encoding="utf-8")
    line = assert_clean_failure(run(runner, "build", src, "-o", tmp_path / "out"), "junk.jsonl", "line 1",
                                "no usable abstracts", "2 skipped")
    assert not (tmp_path / "out" / "graph.graphml").exists()


def test_build_unsupported_and_empty(runner, tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert_clean_failure(run(runner, "build", pdf, "-o", tmp_path / "out"), "paper.pdf")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert_clean_failure(run(runner, "build", empty, "-o", tmp_path / "out"), "empty.txt")


def test_unknown_paper(runner, seed_out):
    line = assert_clean_failure(run(runner, "paper", "000_66c4bdcf0f56642e:99", "-g", seed_out),
                                "000_66c4bdcf0f56642e:99")
    assert "did you mean" in line
    assert_clean_failure(run(runner, "shared", A, "nope", "-g", seed_out, "--json"), "nope")


def test_unknown_concept(runner, seed_out):
    assert_clean_failure(run(runner, "concept", "zzz unheard of", "-g", seed_out), "zzz unheard of")


def test_markup_like_input_is_printed_literally(runner, seed_out):
    line = assert_clean_failure(run(runner, "paper", "[/bold]x[red]", "-g", seed_out), "[/bold]x[red]")
    assert "no paper" in line


def test_missing_workspace(runner, tmp_path):
    assert_clean_failure(run(runner, "top", "-g", tmp_path / "nowhere"), "graph.graphml")


def test_damaged_graphml(runner, tmp_path):
    (tmp_path / "graph.graphml").write_text("<graphml><graph>", encoding="utf-8")
    assert_clean_failure(run(runner, "top", "-g", tmp_path, "--json"), "graph.graphml")


def test_damaged_index(runner, seed_out, tmp_path):
    shutil.copytree(seed_out, tmp_path / "ws")
    (tmp_path / "ws" / "graph.sqlite").write_bytes(b"not sqlite at all " * 100)
    assert_clean_failure(run(runner, "concept", "GNN", "-g", tmp_path / "ws"), "graph.sqlite")
    assert_clean_failure(run(runner, "view", "concept", "GNN", "-g", tmp_path / "ws"), "graph.sqlite")
    assert_clean_failure(run(runner, "view", "paper", A, "-g", tmp_path / "ws"), "graph.sqlite")


def test_workspace_of_an_older_build_without_index_is_read_whole(runner, seed_out, tmp_path):
    shutil.copytree(seed_out, tmp_path / "ws")
    (tmp_path / "ws" / "graph.sqlite").unlink()
    for args in (("shared", A, B), ("concept", "GNN"), ("paper", A), ("top",)):
        old, new = run(runner, *args, "-g", tmp_path / "ws", "--json"), run(runner, *args, "-g", seed_out, "--json")
        assert old.exit_code == 0 and old.stdout == new.stdout, args


def test_build_with_column_mapping_and_reference_inputs(runner, tmp_path, fast_extractor):
    src = tmp_path / "scopus.tsv"
    src.write_text("EID\tArticle Title\tSummary\n"
                   "S1\tFederated learning on phones\tFederated learning (FL) trains models on phones.\n"
                   "S2\tAttacks\tWe attack federated learning with gradient inversion.\n", encoding="utf-8")
    bib = Path(__file__).parent / "data" / "inputs" / "zotero.bib"
    out = tmp_path / "out"
    result = run(runner, "build", src, bib, "-o", out, "-q",
                 "--id-col", "EID", "--title-col", "Article Title", "--text-col", "Summary")
    assert result.exit_code == 0, result.stderr
    g = nx.read_graphml(out / "graph.graphml")
    titles = {d["paper_id"]: d["title"] for _, d in g.nodes(data=True) if d["kind"] == "paper"}
    assert titles["S1"] == "Federated learning on phones"
    assert titles["nguyen_federated_2020"] == "Federated Learning with Differential Privacy at Scale"
    result = run(runner, "build", src, "-o", tmp_path / "out2", "--id-col", "nope")
    assert_clean_failure(result, "scopus.tsv", "line 1", "nope")


def test_build_of_the_bad_input_battery_keeps_the_good_records(runner, tmp_path, fast_extractor):
    bad = Path(__file__).parent / "data" / "bad"
    out = tmp_path / "out"
    result = run(runner, "build", bad, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    rows = [json.loads(line) for line in (out / "skipped.jsonl").read_text("utf-8").splitlines()]
    key = lambda r: (r["file"], r["record"], r["kind"], r["reason"])
    assert sorted(map(key, rows)) == sorted(map(key, data["skipped"] + data["repaired"]))
    files_with_problems = {Path(r["file"]).name for r in rows}
    inputs = {p.name for p in bad.iterdir() if p.suffix != ".md"}
    assert files_with_problems == inputs - {"utf8_bom.jsonl"}  # every bad file is named, the clean one not
    assert all(r["kind"] in {"skipped", "repaired"} for r in rows)
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith("input problems:")]
    assert len(problem_lines) == 1 and f"{len(data['skipped'])} skipped" in problem_lines[0]
    g = nx.read_graphml(out / "graph.graphml")
    ids = {d["paper_id"] for _, d in g.nodes(data=True) if d["kind"] == "paper"}
    assert len(ids) == data["papers"]
    assert {"d1", "d2", "en", "b1"} <= ids and not ids & {"fr", "de", "es", "ru", "ja", "ko", "ar", "s2"}


def test_builds_are_byte_identical_and_ids_ignore_input_order(runner, tmp_path, fast_extractor):
    bad = Path(__file__).parent / "data" / "bad"
    inputs = [bad / "missing_columns.csv", bad / "gb18030.txt", bad / "utf8_bom.jsonl"]  # no abstract in two
    outs = [tmp_path / "one", tmp_path / "two", tmp_path / "reversed"]
    for out, order in zip(outs, (inputs, inputs, inputs[::-1])):
        assert run(runner, "build", *order, "-o", out, "-q").exit_code == 0
    one, two = ({p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".") and p.name != STORE_FILE}
                for out in outs[:2])
    assert one == two and len(one) == 15
    ids = [{d["paper_id"] for _, d in nx.read_graphml(out / "graph.graphml").nodes(data=True) if d["kind"] == "paper"}
           for out in outs]
    assert ids[0] == ids[2] == {"c1", "c5", "gb18030:1", "gb18030:2", "b1"}


def test_unparsable_bibtex_entry_is_one_reported_line_not_library_logs(runner, tmp_path, fast_extractor):
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{good, title={T}, abstract={Graph neural networks learn on molecules.}}\n"
                   "@article{broken, title = {unclosed\n@article{later, abstract={Federated learning on phones.}}\n",
                   encoding="utf-8")
    result = run(runner, "build", bib, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and "━" not in line]  # not the bars
    assert lines[0].startswith("input problems: 1 skipped") and "refs.bib: line 2: cannot parse entry" in lines[0]
    assert lines[1].startswith("built")  # the build line (rich wraps it); no bibtexparser log text
    assert "aborted" not in result.stderr and "Parsing of" not in result.stderr


# ------------------------------------------------------------------ scale: progress, cache, ego views


def test_build_shows_progress_and_keeps_a_cache(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.txt"
    src.write_text("Graph neural networks learn molecular properties.\ntranslated by 谷歌翻译\n", encoding="utf-8")
    result = run(runner, "build", src, "-o", tmp_path / "out", "--batch-size", "1")
    assert result.exit_code == 0, result.stderr
    assert "extracting" in result.stderr and "1/1" in result.stderr and "papers/s" in result.stderr
    src.write_text("Graph neural networks learn molecular properties.\ntranslated by 谷歌翻译\n"
                   "Graph neural networks learn molecular properties.\ntranslated by 谷歌翻译\n", encoding="utf-8")
    result = run(runner, "build", src, "-o", tmp_path / "out", "--batch-size", "1")
    assert result.exit_code == 0 and "1/1" in result.stderr  # forecast 2, a duplicate skipped: the bar ends at 1
    assert (tmp_path / "out" / "extractions.sqlite").is_file()
    result = run(runner, "build", src, "-o", tmp_path / "out2", "-q", "--no-cache")
    assert result.exit_code == 0 and not (tmp_path / "out2" / "extractions.sqlite").exists()


def test_build_with_a_damaged_cache_is_a_clean_failure(runner, tmp_path, fast_extractor):
    src = tmp_path / "in.txt"
    src.write_text("Graph neural networks learn molecular properties.\ntranslated by 谷歌翻译\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "extractions.sqlite").write_text("garbage " * 100)
    assert_clean_failure(run(runner, "build", src, "-o", tmp_path / "out", "-q"), "extractions.sqlite")


def test_view_concept_and_paper(runner, seed_out, tmp_path):
    result = run(runner, "view", "concept", "GNN", "-g", seed_out, "-o", tmp_path / "c.html")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "c.html").stat().st_size < 5_000_000 and "wrote" in result.stderr
    result = run(runner, "view", "paper", B, "-g", seed_out, "-o", tmp_path / "p.html")
    assert result.exit_code == 0, result.stderr
    assert B in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_view_unknown_names_fail_cleanly(runner, seed_out, tmp_path):
    assert_clean_failure(run(runner, "view", "concept", "zzz qqq", "-g", seed_out, "-o", tmp_path / "c.html"), "zzz qqq")
    assert_clean_failure(run(runner, "view", "paper", "nope:1", "-g", seed_out, "-o", tmp_path / "p.html"), "nope:1")
    assert_clean_failure(run(runner, "view", "concept", "GNN", "-g", tmp_path / "empty"), "graph.graphml")


def test_paper_shows_author_keywords_beside_concepts(runner, small_corpus, tmp_path):
    from dataclasses import replace

    from kg.export import write_graphml
    from kg.pipeline import graph_corpus
    small_corpus.papers[0] = replace(small_corpus.papers[0], meta={
        "keywords": "[bold]message passing[/bold]; molecules", "year": "2022", "authors": "Ada Lovelace"})
    write_graphml(graph_corpus(small_corpus).bipartite, tmp_path / "graph.graphml")
    result = run(runner, "paper", "p:1", "-g", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "author keywords: [bold]message passing[/bold], molecules" in result.stdout  # as written
    assert "Ada Lovelace · 2022" in result.stdout
    assert "concepts: graph neural network×3" in result.stdout


def test_quiet_build_prints_nothing(tmp_path):
    """A real process, so the libraries' own log handlers (jieba's) would show too."""
    seeds = Path(__file__).parent.parent / "seeds"
    proc = subprocess.run([sys.executable, "-m", "kg", "build", str(seeds), "-o", str(tmp_path / "out"), "-q"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr


def _descendants(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):  # a child belongs to the thread that started it
        try:
            children.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return children.union(*(_descendants(c) for c in children))


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to see worker processes")
def test_killed_build_stops_its_workers_and_resumes(tmp_path):
    """`kill` during extraction: a one-line error, exit 130, no output, no worker left behind;
    the same command then finishes the build."""
    seeds = Path(__file__).parent.parent / "seeds"
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kg", "build", str(seeds), "-o", str(out), "--workers", "2", "--batch-size", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 300
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers = {pid for pid in _descendants(proc.pid) if b"spawn_main" in _cmdline(pid)}
        time.sleep(0.2)
    assert len(workers) >= 2, "the build never started its worker processes"
    seen = _descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert "interrupted, no output changed" in lines[-1] and "Traceback" not in stderr, stderr
    assert not (out / "graph.graphml").exists()
    time.sleep(1)
    assert not [pid for pid in seen if _running(pid)], "worker processes outlived the build"
    rerun = subprocess.run(command + ["-q"], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and (out / "graph.graphml").exists(), rerun.stderr


def test_the_cli_starts_without_the_build_only_libraries():
    """The query commands read a built workspace: spaCy, igraph, wordfreq and jieba (two
    seconds of imports together) are loaded only by the commands that extract, link or rank."""
    code = "import sys, kg.cli; print(' '.join(m for m in ('spacy', 'igraph', 'wordfreq', 'jieba') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
