"""Extraction on abstracts written for these tests (not the seeds)."""

import pytest

from kg.extract import ChineseExtractor, EnglishExtractor, singular_acronym, typeset
from kg.model import Paper


@pytest.fixture(scope="module")
def english():
    return EnglishExtractor.create()


@pytest.fixture(scope="module")
def chinese():
    return ChineseExtractor.create([])  # jieba's own dictionary only: no glossary terms


def en(extractor, text):
    return next(extractor.extract([Paper("t:1", "", text, "en")]))


def keys(extraction):
    return {m.key for m in extraction.mentions}


def test_noun_chunks_are_lemmatised_and_case_folded(english):
    ex = en(english, "Graph Neural Networks are popular. We study a graph neural network for molecules.")
    assert "graph neural network" in keys(ex)
    assert "graph neural networks" not in keys(ex)


def test_determiners_pronouns_and_vague_modifiers_are_trimmed(english):
    ex = en(english, "This paper proposes a novel contrastive objective. Our results improve the existing baselines.")
    found = keys(ex)
    assert "contrastive objective" in found
    assert not any(k.startswith(("this ", "our ", "a ", "the ", "novel ")) for k in found)


def test_hyphen_variants_merge(english):
    a = en(english, "We train a decoder-only transformer on text.")
    b = en(english, "Multi-Agent Systems cooperate.")
    assert "decoder only transformer" in keys(a)
    assert "multi agent system" in keys(b)


def test_bare_numbers_and_pronouns_are_not_concepts(english):
    ex = en(english, "It uses 42 of them and they report 3.5 on it.")
    assert not keys(ex) & {"it", "42", "they", "them", "3.5"}


def test_acronym_definition_is_found_with_plural_short_form(english):
    ex = en(english, "We survey convolutional neural networks (CNNs) for vision. CNNs are fast.")
    defs = {(d.short, d.long_key) for d in ex.acronyms}
    assert ("CNN", "convolutional neural network") in defs
    assert "cnn" in keys(ex)  # the later bare use, resolved corpus-wide by kg.link


def test_a_definition_glued_to_its_long_form_is_found(english):
    ex = en(english, "We cluster topics with Latent Dirichlet Allocation(LDA) and f(x) terms.")
    assert "latent dirichlet allocation" in keys(ex)
    assert not any("(" in k for k in keys(ex))
    assert [(d.short, d.long_key) for d in ex.acronyms] == [("LDA", "latent dirichlet allocation")]


def test_acronym_with_letters_inside_words(english):
    ex = en(english, "We apply conditional generative adversarial networks (cGANs) to spectra.")
    assert ("cGAN", "conditional generative adversarial network") in {(d.short, d.long_key) for d in ex.acronyms}


def test_parenthesis_that_does_not_spell_the_words_is_no_acronym(english):
    ex = en(english, "We evaluate the speech recognizer (XYZ) on two corpora.")
    assert ex.acronyms == []


def test_coordination_keeps_the_last_conjunct(english):
    ex = en(english, "It replaces the forward and backward passes of the network.")
    assert "backward pass" in keys(ex)


def test_an_adverb_hyphenated_into_the_modifier_stays(english):
    ex = en(english, "We study robust and differentially-private algorithms with fully-connected layers "
                     "and highly efficient models.")
    assert {"differentially private algorithm", "fully connected layer", "efficient model"} <= set(keys(ex))


def test_the_last_conjunct_loses_its_own_numbers_and_determiners(english):
    ex = en(english, "The corpus covers 46 natural and 13 programming languages. "
                     "We compare the forward and the backward passes of two large and three small models.")
    assert {"programming language", "backward pass", "small model"} <= set(keys(ex))
    assert not any(k.split()[0] in {"13", "the", "three"} for k in keys(ex)), keys(ex)


def test_singular_acronym():
    assert singular_acronym("GNNs") == "GNN"
    assert singular_acronym("OTA-FL") == "OTA-FL"
    assert singular_acronym("cGANs") == "cGAN"


def test_chinese_noun_runs(chinese):
    ex = next(chinese.extract([Paper("z:1", "", "卷积神经网络在图像分类任务上取得了很好的效果。", "zh")]))
    assert "卷积 神经网络" in keys(ex)
    assert "我们" not in keys(ex)


def test_chinese_acronym_definition(chinese):
    ex = next(chinese.extract([Paper("z:1", "", "图神经网络(GNN)在各种任务上非常有效。但是GNN缺乏解释性。", "zh")]))
    assert any(d.short == "GNN" and d.long_key == "图 神经网络" for d in ex.acronyms)
    assert "gnn" in keys(ex)


def test_urls_and_comma_lists_are_no_concepts(english):
    text = "Code is at https://github.com/acme/toolkit. We ran a deep, convolutional network."
    found = keys(en(english, text))
    assert not any("github" in k or "http" in k for k in found)
    assert "convolutional network" in found and not any("," in k for k in found)


def test_chinese_predicates_end_a_noun_phrase(chinese):
    text = "实验结果表明这种表示与语义角色有关。"  # "the experimental results show … is related to …"
    found = keys(next(chinese.extract([Paper("z:1", "", text, "zh")])))
    assert "实验 结果" in found
    assert not any("表明" in k or "有关" in k for k in found)


def test_chinese_segments_carry_the_clauses_for_span_reading(chinese):
    ex = next(chinese.extract([Paper("z:1", "", "我们评估语义框架识别，以及GPT-3模型。", "zh")]))
    assert ex.segments.split(" | ") == ["我们 评估 语义 框架 识别", "以及 gpt 3 模型"]  # "-" ends no clause
    assert not any("|" in m.key for m in ex.mentions)  # the words are no mention
    assert "评估 语义 框架" in keys(ex)  # the noun phrase itself stops before 识别 (a verb to jieba)


def test_chinese_leading_modifiers_and_verbs_are_trimmed(chinese):
    # 新 "new", 所有 "all", 新型 "novel" qualify, 利用 "using" is a verb jieba tags as a noun
    found = keys(next(chinese.extract([Paper("z:1", "", "利用句法功能信息的改进。所有对象。新型垃圾邮件分类方法。", "zh")])))
    assert {"句法 功能 信息", "对象", "垃圾邮件 分类 方法"} <= found
    assert not any(k.startswith(("利用", "所有", "新型")) for k in found)
    alone = keys(next(chinese.extract([Paper("z:1", "", "我们讨论主要原因。", "zh")])))
    assert "原因" in alone and "主要 原因" not in alone


def test_chinese_url_pieces_are_not_concepts(chinese):
    text = "代码发布在https://github.com/example/graph-toolkit和gitlab.com/example上。"
    found = keys(next(chinese.extract([Paper("z:1", "", text, "zh")])))
    assert "代码" in found and not {"https", "github", "com"} & {w for k in found for w in k.split()}


def test_chinese_long_form_must_be_long_enough_for_the_letters(chinese):
    ex = next(chinese.extract([Paper("z:1", "", "我们使用增强信息(ESIM)模型和图神经网络(GNN)。", "zh")]))
    assert [d.short for d in ex.acronyms] == ["GNN"]  # 信息 (two characters) cannot spell E-S-I-M


def test_glossary_terms_are_segmented_by_default():
    ex = next(ChineseExtractor.create().extract([Paper("z:1", "", "我们研究联邦学习和强化学习。", "zh")]))
    assert {"联邦学习", "强化学习"} <= {m.surface for m in ex.mentions}


def test_multi_token_acronym_definition(english):
    ex = en(english, "This approach, known as over-the-air federated learning (OTA-FL), is proven.")
    assert ("OTA-FL", "over the air federated learning") in {(d.short, d.long_key) for d in ex.acronyms}


def test_chinese_user_words_become_nouns():
    plain = ChineseExtractor.create([])
    tuned = ChineseExtractor.create(["强化学习"])
    text = "我们研究强化学习。"
    assert "强化学习" not in {m.surface for m in next(plain.extract([Paper("z:1", "", text, "zh")])).mentions}
    assert "强化学习" in {m.surface for m in next(tuned.extract([Paper("z:1", "", text, "zh")])).mentions}


def test_irregular_latin_plurals_keep_their_form(english):
    ex = en(english, "We mine social media posts. Social media shape opinions about big data.")
    found = keys(ex)
    assert "social medium" not in found and "datum" not in {k.split()[-1] for k in found}


def defs(extractor, text):
    return {(d.short, d.long_key) for d in en(extractor, text).acronyms}


def test_initials_beat_a_shorter_schwartz_hearst_match(english):
    assert ("PPI", "proton pump inhibitor") in defs(english, "Patients took a proton pump inhibitor (PPI) daily.")


def test_square_brackets_and_trailing_comma(english):
    assert ("EEG", "electroencephalography") in defs(english, "We recorded electroencephalography [EEG] in sleep.")
    assert ("BMI", "body mass index") in defs(english, "We measured body mass index (BMI, in kg/m2) in adults.")


def test_lower_case_short_form_needs_initials(english):
    assert ("aa", "amino acid") in defs(english, "The protein has 120 amino acids (aa) in total.")
    assert defs(english, "The model was trained on the data (see below).") == set()


def test_a_lower_case_word_the_text_already_used_is_no_short_form(english):
    text = ("Re-identification is hard across datasets. We propose a framework that transfers "
            "representations from the labeled source domain (dataset) to the target domain (dataset).")
    assert defs(english, text) == set()
    # the same bracket with nothing before it is read as usual
    assert ("cod", "cyclooctadiene") in defs(english, "The hydrogenation of cyclooctadiene (cod) is slow; cod ligands help.")


def test_a_relative_clause_is_no_long_form(english):
    assert defs(english, "We build a framework which transfers (FWT) the features.") == set()
    assert ("DAF", "domain adaption framework") in defs(english, "We build a domain adaption framework (DAF) for transfer.")


def test_short_form_of_several_words_or_with_a_nested_bracket(english):
    assert ("TNF alpha", "tumour necrosis factor alpha") in defs(
        english, "Serum tumour necrosis factor alpha (TNF alpha) rose after surgery.")
    assert ("FEV(1)", "forced expiratory volume in 1 second") in defs(
        english, "Children with a low forced expiratory volume in 1 second (FEV(1)) were excluded.")
    assert ("GC/MS", "gas chromatography with mass spectrometry") in defs(
        english, "Extracts were analysed by gas chromatography with mass spectrometry (GC/MS) twice.")


def test_long_form_starts_where_the_written_name_starts(english):
    found = defs(english, "Cells were grown in 2,6-diaminopurine (DAP) for a week.")
    assert {short for short, _ in found} == {"DAP"} and next(iter(found))[1].startswith("2,6")
    assert ("ATRA", "all trans retinoic acid") in defs(english, "Cells respond to all-trans-retinoic acid (ATRA) quickly.")
    # a prefix that changes the meaning is another concept
    assert ("HIV", "human immunodeficiency virus") in defs(
        english, "Sera were tested for anti-human immunodeficiency virus (HIV) antibodies.")


def test_a_possessive_goes_with_its_possessor(english):
    # the letters of SURE begin at "'s"; the name, as the noun chunk keys it, begins at "Stein"
    found = defs(english, "We tune the threshold by Stein's unbiased risk estimator (SURE) on each image.")
    assert found == {("SURE", "stein's unbiased risk estimator")}
    assert "stein's unbiased risk estimator" in keys(en(english, "We minimise Stein's unbiased risk estimator."))
    assert ("FLDA", "fisher's linear discriminant analysis") in defs(
        english, "Fisher's linear discriminant analysis (FLDA) separates the classes.")


def test_numbers_the_short_form_carries_and_leading_stop_words(english):
    assert ("CCR7", "cc chemokine receptor 7") in defs(english, "Tumours express the CC chemokine receptor 7 (CCR7) strongly.")
    assert ("BBSA", "bovine serum albumin") in defs(english, "Proliferation was induced by bovine serum albumin (BBSA) alone.")


def test_window_counts_written_words_not_tokens(english):
    assert ("PMA", "phorbol 12 myristate 13 acetate") in defs(
        english, "Neutrophils were stimulated with phorbol 12-myristate 13-acetate (PMA) for an hour.")


def test_brackets_end_the_long_form(english):
    found = defs(english, "We recorded the (GABA)-induced chloride current (ICl) in slices.")
    assert not any("gaba" in long for _, long in found)


def test_measurements_list_labels_and_clauses_are_not_definitions(english):
    assert defs(english, "Samples were kept in phosphate buffer (pH 7.4) and dosed at a low concentration (2 microM).") == set()
    assert defs(english, "Mean partition coefficients (+/- SD) are shown.") == set()
    assert defs(english, "Groups were thrombosis of the artery (A), occlusion of the brain artery (B) and carotis stenosis (C).") == set()
    assert defs(english, "Finger pressure was monitored continuously (Finapres).") == set()
    assert defs(english, "Exosomes carry the GM1 ganglioside (GM1) to the membrane.") == set()
    assert defs(english, "We added calcium ions (Ca2+) and the bromophenylhydrazine (7b) to the broth.") == set()


def test_lower_case_short_form_of_three_letters_inside_a_word(english):
    assert ("cod", "cyclooctadiene") in defs(english, "The hydrogenation of cyclooctadiene (cod) is slow.")


def test_long_form_inside_the_bracket(english):
    assert ("PTLD", "posttransplant lymphoproliferative disorder") in defs(
        english, "Lesions were seen in many organs (posttransplant lymphoproliferative disorder, PTLD) after surgery.")
    assert ("SAS", "surface air system") in defs(english, "Air was sampled with the SAS (Surface Air System) sampler.")
    assert defs(english, "Two cell lines (C-HC-4, C-HC-20) were used.") == set()


def test_quoted_long_form(english):
    assert ("AIE", "astigmatic intensity equation") in defs(
        english, 'We derive an "astigmatic intensity equation" (AIE) for the phase.')
    assert ("RLAIF", "rl from ai feedback") in defs(english, "We then use 'RL from AI Feedback' (RLAIF) to train it.")


# ------------------------------------------------------------------ fuzz: random text never crashes extraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


_fragments = st.sampled_from([
    "Graph neural networks (GNNs)", "联邦学习（FL）", "图神经网络", "(", ")", "（", "）", "-", "—", ".", "。", " ",
    "\u00a0", "\u200b", "\u202e", "\x07", "\x1b[31m", "e.g.", "GPT-3.5", "α-β", "𝔊𝔑𝔑", "😀", "의", "の", "ру",
    "[SEP]", "<script>", "&amp;", "\\", "http://x.org/a?b=c", "1e-9", "%", "#"])
_huge = st.builds(lambda ch, n: ch * n, st.sampled_from("a中-(.é1"), st.integers(200, 20_000))
_texts = st.lists(st.one_of(_fragments, _huge, st.text(st.characters(codec="utf-8"), max_size=60)),
                  min_size=1, max_size=30).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))  # big inputs on purpose
@given(texts=st.lists(_texts, min_size=1, max_size=3))
def test_fuzz_extractors_never_raise(extractor, texts, tmp_path):
    """Random text through the reader (which cleans, caps and skips what is no language) and
    both extractors: papers with their mentions come out, nothing raises."""
    import json

    from kg.read import ReadReport, read_papers

    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps({"id": f"f:{n}", "abstract": t}) + "\n" for n, t in enumerate(texts)),
                    encoding="utf-8")
    papers = list(read_papers([path], report=ReadReport()))
    extractions = list(extractor.extract(papers))
    assert [e.paper_id for e in extractions] == [p.id for p in papers]
    for paper, extraction in zip(papers, extractions):
        assert extraction.lang == paper.lang
        for mention in extraction.mentions:
            assert mention.key.strip() and mention.key == " ".join(mention.key.split())
            assert mention.surface


def test_latex_markup_is_read_as_typeset(english):
    latex = en(english, "We train \\emph{Graph Neural Networks} (GNNs) and an $n$-gram language model, scored by "
                        "the Fr\\'echet Inception Distance of $\\gamma$-ray maps with $\\sim 10^3$ samples.")
    plain = en(english, "We train Graph Neural Networks (GNNs) and an n-gram language model, scored by "
                        "the Fréchet Inception Distance of γ-ray maps with ∼ 10^3 samples.")
    assert keys(latex) == keys(plain)
    assert {"graph neural network", "fréchet inception distance"} <= keys(latex)
    assert latex.acronyms == plain.acronyms
    assert ("GNN", "graph neural network") in {(d.short, d.long_key) for d in latex.acronyms}


def test_a_percent_sign_is_no_part_of_a_concept_nor_a_latex_comment(english):
    ex = en(english, "We reach 95% accuracy and a 12\\% relative improvement with an $\\ell_2$ loss.")
    found = keys(ex)
    assert {"accuracy", "relative improvement"} <= found
    assert any(k.endswith(" loss") and "$" not in k for k in found), found  # after the "%", still typeset


def test_latex_the_parser_cannot_read_is_left_as_written(english):
    text = "A link \\href and $x$ values for graph embeddings."
    assert typeset(text) == text
    assert "graph embedding" in keys(en(english, text))
    assert typeset("Plain text, 5% of it, costs $5.") == "Plain text, 5% of it, costs $5."


def test_chinese_latex_markup_is_read_as_typeset(chinese):
    latex = next(chinese.extract([Paper("t:1", "", "我们提出$n$-gram语言模型和\\emph{图神经网络}。", "zh")]))
    plain = next(chinese.extract([Paper("t:1", "", "我们提出n-gram语言模型和图神经网络。", "zh")]))
    assert keys(latex) == keys(plain)
    assert not any("$" in k or "\\" in k for k in keys(latex))


def test_a_chinese_verb_after_de_or_a_demonstrative_is_a_noun(chinese):
    # "learn useful representations." / "these explanations and …" / "this estimate is …" /
    # "the results show …": jieba tags 表示, 解释 and 估计 verbs
    text = "我们学习有用的表示。这些解释和句子有关。该估计是准确的。结果表示模型更好。"
    found = keys(next(chinese.extract([Paper("z:1", "", text, "zh")])))
    assert {"表示", "解释", "估计"} <= found
    assert "结果" in found and "结果 表示" not in found  # a verb between nouns stays a verb


def test_based_after_a_compound_modifier_starts_no_concept(english):
    found = keys(en(english, "We compare machine learning based approaches with rule-based approaches."))
    assert not any(k.startswith("based") for k in found)
    assert "rule based approach" in found  # written as one word, the modifier stays


def test_latex_spacing_commands_are_spaces(english):
    assert typeset("a model, i.e.\\ a network of 5\\,ms delay") == "a model, i.e. a network of 5 ms delay"
    found = keys(en(english, "We train a network, i.e.\\ a graph neural network."))
    assert "graph neural network" in found and not any("\\" in k for k in found)


def test_citations_and_arxiv_link_stand_ins_are_no_concepts(english):
    ex = en(english, "We extend the topic model of \\citet{mnih2007} (see \\cite[p.~3]{x}). "
                     "Our code is at this https URL and the data at this http URL.")
    assert "topic model" in keys(ex)
    assert not {"cit", "url", "https url", "http url"} & set(keys(ex)), keys(ex)


def test_google_chinese_latex_with_a_space_after_the_backslash_is_typeset(chinese):
    from kg.extract import concept_text

    text = "一个动态的\\ citet {mnih2007}主题模型，我们称之为\\ textsc {DeNSe}的模型。代码在这个https URL上，数据在此https网址获得。"
    assert concept_text(text, "zh") == "一个动态的主题模型，我们称之为DeNSe的模型。代码在上，数据在获得。"
    # English keeps TeX's control space: "i.e.\\ the" is a space, not a command
    assert concept_text("i.e.\\ the model", "en") == "i.e. the model"
    ex = next(chinese.extract([Paper("t:2", "", text, "zh")]))
    assert not any(w in k for k in keys(ex) for w in ("citet", "textsc", "https", "url")), keys(ex)
    assert "主题模型" in keys(ex) or "主题 模型" in keys(ex), keys(ex)


ABSTRACT = ("We propose a graph neural network (GNN) for molecular property prediction. Unlike prior "
            "message-passing models, our architecture learns edge features with a lightweight attention "
            "mechanism. Experiments on three public benchmarks show state-of-the-art accuracy with fewer "
            "parameters, and an ablation study isolates the contribution of each component.")


def test_the_english_model_multiplies_with_numpys_blas_and_extracts_as_with_blis(english):
    from kg.extract import EXTRACTION_SKIPS, load_english

    assert english.nlp.get_pipe("tok2vec").model.ops.use_blis is False
    with_blis = EnglishExtractor.create(load_english(EXTRACTION_SKIPS, blis=True))
    assert with_blis.nlp.get_pipe("tok2vec").model.ops.use_blis is True
    papers = [Paper(f"t:{i}", "", text, "en") for i, text in enumerate([ABSTRACT, ABSTRACT.upper()])]
    assert list(english.extract(papers)) == list(with_blis.extract(papers))


def test_english_extraction_runs_one_blas_thread_and_gives_the_rest_back(english):
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> list[int]:
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        extractions = english.extract([Paper("t:1", "", ABSTRACT, "en"), Paper("t:2", "", ABSTRACT, "en")])
        next(extractions)
        assert blas_threads() and set(blas_threads()) == {1}
        list(extractions)
        assert blas_threads() == before
