"""Ranked concepts per paper (kg.keyphrases) on abstracts written for these tests, and the
keyphrase scorer on hand-computed examples."""

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.extract import Extractor
from kg.keyphrases import evaluate, f1_at_k, normalise, partial_f1_at_k, rank_concepts
from kg.model import Paper

PAPERS = [
    Paper("t:1", "Graph neural networks for molecules",
          "Graph neural networks for molecules. We propose graph neural networks (GNNs) that predict "
          "molecular properties. Our method uses message passing between atoms, and the GNN improves "
          "the results of previous methods on standard data.", "en"),
    Paper("t:2", "Federated learning on phones",
          "Federated learning on phones. Federated learning trains a shared model across mobile phones "
          "without collecting their data. We study the communication cost of federated learning and "
          "show that gradient compression reduces it.", "en"),
    Paper("t:3", "Contrastive pretraining",
          "Contrastive pretraining. Contrastive learning of visual representations needs large batches; "
          "our method uses a memory bank instead and matches the results of previous methods.", "en"),
    Paper("t:4", "强化学习",
          "本文提出一种基于深度强化学习的机器人路径规划方法。该方法利用深度强化学习训练智能体，"
          "实验结果表明路径规划的成功率显著提高。", "zh"),
]


@pytest.fixture(scope="module")
def extractor():
    return Extractor.create()


@pytest.fixture(scope="module")
def ranked(extractor):
    return rank_concepts(PAPERS, extractor, top_n=8)


def keys(row):
    return [c.key for c in row]


def test_one_ranked_list_per_paper_in_input_order(ranked):
    assert len(ranked) == len(PAPERS)
    assert all(0 < len(row) <= 8 for row in ranked)
    assert all(row[i].score >= row[i + 1].score for row in ranked for i in range(len(row) - 1))


def test_the_specific_multiword_term_leads_and_generic_words_trail(ranked):
    gnn = keys(ranked[0])
    assert gnn[0] == "graph neural network"
    for generic in ("method", "result", "data"):  # generic academic words rank last or not at all
        assert generic not in gnn[:3]
    assert keys(ranked[1])[0] == "federated learning"


def test_acronyms_count_for_their_long_form(ranked):
    top = ranked[0][0]
    assert top.label == "graph neural network"
    assert "GNN" in top.surfaces


def test_chinese_papers_are_ranked_too(ranked):
    assert "deep reinforcement learning" in keys(ranked[3])  # 深度强化学习, linked to English
    assert any("路径规划" in c.label for c in ranked[3][:3])


def test_ranking_is_deterministic_and_independent_of_input_order(extractor, ranked):
    again = rank_concepts(PAPERS, extractor, top_n=8)
    assert again == ranked
    reversed_run = rank_concepts(PAPERS[::-1], extractor, top_n=8)[::-1]
    assert reversed_run == ranked


def test_cli_concepts_json(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.text}, ensure_ascii=False)
                              for p in PAPERS[:2]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["concepts", str(path), "--json", "-n", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["paper_id"] for d in data] == ["t:1", "t:2"]
    assert data[0]["concepts"][0]["key"] == "graph neural network"
    assert len(data[1]["concepts"]) <= 3


# ---------------------------------------------------------------- the scorer


def plural(word: str) -> str:
    """A stand-in stemmer for hand-checkable examples: drops a plural s."""
    return word[:-1] if word.endswith("s") else word


def test_normalise_lowercases_splits_hyphens_and_stems():
    assert normalise("Graph-Neural Networks", plural) == ("graph", "neural", "network")
    assert normalise("数据 中心", plural) == ("数据中心",)


def test_f1_at_k_by_hand():
    pred = [("graph", "neural", "network"), ("node", "classification"), ("transformer",)]
    gold = [("graph", "neural", "network"), ("node", "classification"), ("message", "passing")]
    assert f1_at_k(pred, gold, 2) == pytest.approx(0.8)  # P 2/2, R 2/3
    assert f1_at_k(pred, gold, 5) == pytest.approx(2 / 3)  # P 2/3 (3 predicted), R 2/3
    assert f1_at_k([], gold, 5) == 0.0


def test_partial_f1_counts_shared_words():
    pred = [("graph", "network")]
    gold = [("graph", "neural", "network"), ("message", "passing")]
    # predicted words {graph, network}: P 2/2; gold words 5: R 2/5
    assert partial_f1_at_k(pred, gold, 10) == pytest.approx(2 * 1 * 0.4 / 1.4)


def test_evaluate_dedupes_after_stemming_and_macro_averages():
    preds = [["Graph neural networks", "graph neural network", "transformers"], ["cats"]]
    golds = [["graph neural network", "node classification"], ["dogs"]]
    scores = evaluate(preds, golds, plural, ks=(1, 5))
    # doc 1: the two graph phrases are one prediction; F1@1 = 2·1·0.5/1.5, F1@5: P 1/2 R 1/2
    # doc 2: no hit. Macro average over the two documents, in %.
    assert scores["F1@1"] == pytest.approx(100 * (2 / 3) / 2, abs=0.01)
    assert scores["F1@5"] == pytest.approx(100 * 0.5 / 2, abs=0.01)


def test_porter_stemming_when_nltk_is_installed():
    nltk_stem = pytest.importorskip("nltk.stem")
    stem = nltk_stem.PorterStemmer().stem
    assert normalise("learning rates", stem) == normalise("learned rate", stem)


def test_latex_markup_moves_no_concept_in_the_ranking(extractor):
    """Mentions are found in the typeset text, so their place in the abstract (an evidence of
    importance) is measured against the typeset text too, title included."""
    plain = Paper("t:1", "Fréchet inception distance for graph generators",
                  "Fréchet inception distance for graph generators. We score graph generators with the "
                  "Fréchet inception distance, a widely used metric, on many benchmarks of molecules, "
                  "social networks and citation graphs, and we study the variance of the score.", "en")
    latex = Paper("t:1", "Fr\\'echet inception distance for graph generators",
                  "Fr\\'echet inception distance for graph generators. We score graph generators with the "
                  "Fr\\'echet inception distance, a \\emph{widely used} metric, on many benchmarks of molecules, "
                  "\\textit{social networks} and citation graphs, and we study the variance of the score.", "en")
    [ranked_plain] = rank_concepts([plain], extractor)
    [ranked_latex] = rank_concepts([latex], extractor)
    assert [(c.key, round(c.score, 9)) for c in ranked_latex] == [(c.key, round(c.score, 9)) for c in ranked_plain]
