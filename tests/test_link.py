"""Corpus-wide linking on small hand-made extractions."""

from collections import Counter

import pytest

from kg.link import (LinkOptions, Vocabulary, aliases_and_displays, clause_spans, ics_nouns, link_corpus, nested_parts, termhood,
                     word_specificity)
from kg.model import AcronymDef, Extraction, LinkDecisions, Mention, Paper

GENERIC = {"en": frozenset({"model", "method", "result"}), "zh": frozenset({"方法"})}


def paper(pid, lang="en"):
    return Paper(pid, pid, "text", lang)


def mention(key, surface=None, lang="en"):
    return Mention(key, surface or key, lang)


def test_generic_single_words_score_low_and_are_dropped():
    assert termhood("model", "en", GENERIC["en"]) == 0
    assert termhood("transformer", "en", GENERIC["en"]) > 0.6
    assert termhood("approach", "en", frozenset()) < 0.4  # common English word, no list needed
    corpus = link_corpus([paper("a")], [Extraction("a", "en", [mention("model"), mention("transformer")])],
                         generic=GENERIC)
    assert "model" in corpus.dropped and "transformer" in corpus.concepts


def test_multiword_terms_beat_their_generic_words():
    assert termhood("language model", "en", GENERIC["en"]) > termhood("model", "en", GENERIC["en"])
    assert termhood("new method", "en", GENERIC["en"], frozenset({"new"})) < 0.4


def test_acronym_defined_in_one_paper_resolves_in_another():
    a = Extraction("a", "en", [mention("federated learning")], [AcronymDef("FL", "federated learning", "federated learning", "en")])
    b = Extraction("b", "en", [mention("fl", "FL"), mention("fl", "FL")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert corpus.occurrences[("b", "federated learning")] == ("FL", "FL")
    concept = corpus.concepts["federated learning"]
    assert concept.label == "federated learning"
    assert "FL" in concept.aliases
    assert any(link.layer == "acronym" for link in concept.links)


def test_ambiguous_acronym_stays_apart_outside_its_papers():
    a = Extraction("a", "en", [mention("rl", "RL")], [AcronymDef("RL", "reinforcement learning", "reinforcement learning", "en")])
    b = Extraction("b", "en", [mention("rl", "RL")], [AcronymDef("RL", "representation learning", "representation learning", "en")])
    c = Extraction("c", "en", [mention("rl", "RL")])
    corpus = link_corpus([paper("a"), paper("b"), paper("c")], [a, b, c], generic=GENERIC)
    assert ("a", "reinforcement learning") in corpus.occurrences
    assert ("b", "representation learning") in corpus.occurrences
    assert ("c", "rl") in corpus.occurrences


def test_an_acronym_with_a_dominant_long_form_resolves_as_its_definitions_write_it():
    gan = AcronymDef("GAN", "generative adversarial network", "generative adversarial networks", "en")
    gallium = AcronymDef("GaN", "gallium nitride", "gallium nitride", "en")
    defining = [Extraction(f"d{i}", "en", [mention("gan", "GAN")], [gan]) for i in range(9)]
    physics = Extraction("p", "en", [mention("gan", "GaN")], [gallium])
    users = [Extraction("u", "en", [mention("gan", "GANs")]), Extraction("v", "en", [mention("gan", "GaN")])]
    extractions = [*defining, physics, *users]
    corpus = link_corpus([paper(ex.paper_id) for ex in extractions], extractions, generic=GENERIC)
    assert corpus.occurrences[("u", "generative adversarial network")] == ("GANs",)  # 9 of 10 definitions…
    assert ("p", "gallium nitride") in corpus.occurrences
    assert ("v", "gan") in corpus.occurrences  # …but "GaN" is not how they write it
    # two definitions of each: no long form dominates, and GAN stays apart outside its papers
    even = [*defining[:2], Extraction("q", "en", [], [AcronymDef("GAN", "graph attention network", "", "en")]),
            Extraction("r", "en", [], [AcronymDef("GAN", "graph attention network", "", "en")]), users[0]]
    apart = link_corpus([paper(ex.paper_id) for ex in even], even, generic=GENERIC)
    assert ("u", "gan") in apart.occurrences


def test_an_acronym_ending_a_phrase_counts_for_its_long_form():
    gan = AcronymDef("GAN", "generative adversarial network", "generative adversarial networks", "en")
    a = Extraction("a", "en", [mention("generative adversarial network")], [gan])
    b = Extraction("b", "en", [mention("wasserstein gan", "Wasserstein GANs")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert corpus.occurrences[("b", "generative adversarial network")] == ("Wasserstein GANs (nested)",)
    assert "wasserstein gan" in corpus.concepts["generative adversarial network"].links[-1].surface


def test_lower_case_acronym_resolves_only_in_its_own_paper():
    a = Extraction("a", "en", [mention("cod")], [AcronymDef("cod", "cyclooctadiene", "cyclooctadiene", "en")])
    b = Extraction("b", "en", [mention("cod")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert ("a", "cyclooctadiene") in corpus.occurrences and ("a", "cod") not in corpus.occurrences
    assert ("b", "cod") in corpus.occurrences and ("b", "cyclooctadiene") not in corpus.occurrences


def test_an_acronym_resolves_only_where_it_is_written_as_one():
    # "sparse evolutionary training (SET)": the word "set" is no use of it, here or elsewhere
    set_def = AcronymDef("SET", "sparse evolutionary training", "sparse evolutionary training", "en")
    a = Extraction("a", "en", [mention("set", "set"), mention("set", "SET")], [set_def])
    b = Extraction("b", "en", [mention("set", "Set"), mention("set", "sets")])
    c = Extraction("c", "en", [mention("set", "SETs")])
    corpus = link_corpus([paper("a"), paper("b"), paper("c")], [a, b, c], generic=GENERIC)
    assert corpus.occurrences[("a", "sparse evolutionary training")] == ("SET",)  # "set" is the word
    assert ("b", "sparse evolutionary training") not in corpus.occurrences
    assert corpus.occurrences[("c", "sparse evolutionary training")] == ("SETs",)


def test_nested_phrase_counts_for_the_standalone_concept_it_ends_with():
    a = Extraction("a", "en", [mention("multi agent deep reinforcement learning")])
    b = Extraction("b", "en", [mention("reinforcement learning")])
    c = Extraction("c", "en", [mention("deep transformer stack")])  # "transformer stack" stands nowhere alone
    corpus = link_corpus([paper("a"), paper("b"), paper("c")], [a, b, c], generic=GENERIC)
    assert ("a", "reinforcement learning") in corpus.occurrences
    assert ("c", "transformer stack") not in corpus.occurrences


def test_nested_evidence_lists_the_first_phrases_and_counts_the_rest():
    heads = ["sparse", "deep", "robust", "causal", "noisy"]
    papers = [paper(f"p{i}") for i in range(len(heads) + 1)]
    extractions = [Extraction(f"p{i}", "en", [mention(f"{head} reinforcement learning")]) for i, head in enumerate(heads)]
    extractions.append(Extraction(f"p{len(heads)}", "en", [mention("reinforcement learning")]))
    thesaurus = LinkOptions(thesaurus={"reinforcement learning": "reinforcement learning"})
    corpus = link_corpus(papers, extractions, generic=GENERIC, options=thesaurus)
    links = corpus.concepts["reinforcement learning"].links
    assert [(l.layer, l.surface) for l in links] == [("nested", f"{h} reinforcement learning") for h in sorted(heads)] \
        + [("thesaurus", "reinforcement learning")]  # every layer in its place
    capped = link_corpus(papers, extractions, generic=GENERIC, options=LinkOptions(max_nested_links=2))
    links = capped.concepts["reinforcement learning"].links
    assert [l.surface for l in links] == ["causal reinforcement learning", "deep reinforcement learning", "…"]
    assert links[-1].detail == "and 3 more phrases containing reinforcement learning"
    # the count caps the evidence only: every paper still mentions the concept
    assert all((p.id, "reinforcement learning") in capped.occurrences for p in papers)


def test_thesaurus_merges_and_drops():
    a = Extraction("a", "en", [mention("convnet"), mention("cnn architecture"), mention("junk phrase")])
    options = LinkOptions(thesaurus={"convnet": "convolutional network", "junk phrase": ""})
    corpus = link_corpus([paper("a")], [a], generic=GENERIC, options=options)
    assert "convolutional network" in corpus.concepts
    assert "junk phrase" not in corpus.concepts and "" not in corpus.concepts
    assert corpus.concepts["convolutional network"].links[0].layer == "thesaurus"


def test_chinese_linker_maps_onto_the_english_node():
    a = Extraction("a", "en", [mention("graph neural network")])
    b = Extraction("b", "zh", [mention("图 神经网络", "图神经网络", "zh")])

    def linker(words):
        return ("graph neural network", "glossary", "图神经网络 = graph neural network") if "".join(words) == "图神经网络" else None

    corpus = link_corpus([paper("a"), paper("b", "zh")], [a, b], generic=GENERIC, zh_linker=linker)
    concept = corpus.concepts["graph neural network"]
    assert concept.label == "graph neural network"
    assert "图神经网络" in concept.aliases and concept.langs == {"en", "zh"}
    assert ("b", "graph neural network") in corpus.occurrences


def test_clause_spans_skip_particles_at_their_edges_and_latin_only_spans():
    spans = clause_spans("我们 的 语义 框架 识别 | gpt 模型 | bert roberta")
    assert "语义 框架 识别" in spans and "的 语义 框架" not in spans and "我们 的" not in spans
    assert "gpt 模型" in spans and "bert roberta" not in spans
    assert not any("|" in s for s in spans) and all(len(s.split()) >= 2 for s in spans)
    joined = clause_spans("语义 和 框架 的 识别")  # 的 may stand inside a span, 和 ends it
    assert "框架 的 识别" in joined and not any("和" in s for s in joined)
    pronouns = clause_spans("我们 发现 语义 框架 | 本文 提出 模型")  # "we find", "this paper proposes"
    assert "发现 语义 框架" in pronouns and not any("我们" in s or "本文" in s for s in pronouns)


def test_a_clause_span_that_reads_as_an_english_term_is_a_mention():
    a = Extraction("a", "en", [mention("semantic frame identification")])
    b = Extraction("b", "zh", [mention("语义 框架", "语义框架", "zh")], segments="我们 评估 语义 框架 识别 | 语义 框架")
    readings = {"语义 框架 识别": ("semantic frame identification", "dictionary", "语义=semantic …"),
                "评估 语义": ("evaluation", "dictionary", "one English word"),
                "我们 评估": ("我们 评估", "dictionary", "not English")}

    def linker(words):
        return readings.get(" ".join(words))

    corpus = link_corpus([paper("a"), paper("b", "zh")], [a, b], generic=GENERIC, zh_linker=linker)
    assert corpus.occurrences[("b", "semantic frame identification")] == ("语义框架识别",)
    assert ("dictionary", "语义框架识别") in {(l.layer, l.surface) for l in corpus.concepts["semantic frame identification"].links}
    assert ("b", "evaluation") not in corpus.occurrences  # a span stands for terms of two words or more
    assert not any("|" in k or "我们 评估" == k for k in corpus.concepts)
    assert ("b", "语义 框架") in corpus.occurrences  # the noun phrase keeps its own node
    # without a linker the segments are ignored
    plain = link_corpus([paper("a"), paper("b", "zh")], [a, b], generic=GENERIC)
    assert ("b", "semantic frame identification") not in plain.occurrences
    assert not any("|" in k for k in plain.concepts)


def test_a_reading_far_more_common_in_chinese_than_its_english_is_dropped():
    # 12 Chinese papers of 12 write 解决方案 (solution), which the dictionary reads "solved plan",
    # a phrase of 1 English paper of 30 (30 times as common); 提升 实验 is a span read "up experiment"
    def corpus_with(english_users: int):
        english = [Extraction(f"e{i}", "en", [mention("solved plan" if i < english_users else "image model"),
                                              mention("up experiment" if i < english_users else "image model")])
                   for i in range(30)]
        chinese = [Extraction(f"z{i}", "zh", [mention("解决 方案", "解决方案", "zh"), mention("图像 模型", "图像模型", "zh")],
                              segments="提升 实验") for i in range(12)]
        readings = {"解决 方案": ("solved plan", "dictionary", "解决=solve + 方案=plan"),
                    "提升 实验": ("up experiment", "dictionary", "提升=up + 实验=experiment"),
                    "图像 模型": ("image model", "dictionary", "图像=image + 模型=model")}
        extractions = english + chinese
        return link_corpus([paper(ex.paper_id, ex.lang) for ex in extractions], extractions, generic=GENERIC,
                           zh_linker=lambda words: readings.get(" ".join(words)))

    rare = corpus_with(english_users=1)
    assert ("z0", "solved plan") not in rare.occurrences and ("z0", "解决 方案") in rare.occurrences
    assert ("z0", "up experiment") not in rare.occurrences
    assert ("z0", "image model") in rare.occurrences  # as common in both languages: kept
    common = corpus_with(english_users=2)  # 12/12 of the Chinese against 2/30 of the English: 15 times
    assert ("z0", "solved plan") in common.occurrences and ("z0", "up experiment") in common.occurrences


def test_specific_modifier_is_mentioned_but_generic_one_is_not():
    a = Extraction("a", "en", [mention("transformer language model"), mention("language model")])
    b = Extraction("b", "en", [mention("transformer"), mention("language")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert ("a", "transformer") in corpus.occurrences  # a specific term used as a modifier
    assert ("a", "language") not in corpus.occurrences  # a common word is not


def test_a_word_that_rarely_stands_alone_is_no_concept_of_the_phrases_it_modifies():
    # "convolutional" parsed alone once, modifying in forty papers: an adjective, not a hub
    papers = [paper(f"p{i}") for i in range(40)] + [paper("alone")]
    exs = [Extraction(f"p{i}", "en", [mention("convolutional transformer network")]) for i in range(40)]
    exs.append(Extraction("alone", "en", [mention("convolutional"), mention("transformer")]))
    exs += [Extraction(f"t{i}", "en", [mention("transformer")]) for i in range(5)]
    papers += [paper(f"t{i}") for i in range(5)]
    corpus = link_corpus(papers, exs, generic=GENERIC)
    assert ("p0", "convolutional") not in corpus.occurrences  # 1 paper alone against 40 modified
    assert ("alone", "convolutional") in corpus.occurrences  # where it was written alone it stays
    assert ("p0", "transformer") in corpus.occurrences  # 6 alone against 40: a concept of its own


def test_an_acronym_used_as_a_modifier_mentions_its_long_form_and_what_that_contains():
    gan = "generative adversarial network"
    a = Extraction("a", "en", [mention("conditional " + gan), mention(gan)],
                   [AcronymDef("cGAN", "conditional " + gan, "conditional " + gan, "en")])
    b = Extraction("b", "en", [mention("cgan technique", "cGAN technique")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert corpus.occurrences[("b", "conditional " + gan)] == ("cGAN technique (nested)",)
    # once, from what the paper wrote: not again through the long form's own occurrence
    assert corpus.occurrences[("b", gan)] == ("cGAN technique (nested)",)


def test_a_modifier_counts_for_an_acronym_only_when_written_as_one():
    # someone in a big corpus defines MAP: "map construction" elsewhere is about maps
    a = Extraction("a", "en", [mention("mean average precision")],
                   [AcronymDef("MAP", "mean average precision", "mean average precision", "en")])
    b = Extraction("b", "en", [mention("map construction"), mention("map score", "MAP scores")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert corpus.occurrences[("b", "mean average precision")] == ("MAP scores (nested)",)


def test_an_unlinked_chinese_phrase_mentions_its_specific_english_modifier_too():
    a = Extraction("a", "en", [mention("transformer"), mention("language")])
    b = Extraction("b", "zh", [mention("变压器 语言 框架", "变压器语言框架", "zh")])
    readings = {"变压器": ("transformer", "glossary", "变压器=transformer"), "语言": ("language", "dictionary", "语言=language")}

    def linker(words):
        return readings.get(" ".join(words))

    corpus = link_corpus([paper("a"), paper("b", "zh")], [a, b], generic=GENERIC, zh_linker=linker)
    assert ("b", "变压器 语言 框架") in corpus.occurrences  # no English counterpart: its own node
    assert corpus.occurrences[("b", "transformer")] == ("变压器语言框架 (nested)",)  # a specific modifier
    assert ("b", "language") not in corpus.occurrences  # a common word is not (as in English)


def test_defining_paper_mentions_a_long_form_written_only_inside_a_longer_phrase():
    # "distributed-training-and-execution (DTE) algorithms": the chunk is the longer phrase
    dte = AcronymDef("DTE", "distributed training and execution", "distributed training and execution", "en")
    a = Extraction("a", "en", [mention("dte algorithm", "DTE algorithms")], [dte])
    corpus = link_corpus([paper("a")], [a], generic=GENERIC)
    assert corpus.occurrences[("a", "distributed training and execution")] == (
        "distributed training and execution (DTE)", "DTE algorithms (nested)")
    fl = AcronymDef("FL", "federated learning", "federated learning", "en")
    b = Extraction("b", "en", [mention("federated learning")], [fl])
    assert link_corpus([paper("b")], [b], generic=GENERIC).occurrences[("b", "federated learning")] == ("federated learning",)


def test_concepts_of_too_few_papers_are_left_out():
    found = {"a": ["shared core", "graph neural network", "message passing"],
             "b": ["shared core", "graph neural network", "molecule"],
             "c": ["shared core", "molecule", "federated learning"],
             "d": ["shared core", "federated learning", "privacy", "deep federated learning"]}
    papers = [paper(pid) for pid in found]
    extractions = [Extraction(pid, "en", [mention(k) for k in keys]) for pid, keys in found.items()]

    def linked(min_papers):
        return link_corpus(papers, extractions, generic=GENERIC, options=LinkOptions(min_papers=min_papers))

    assert linked(1).rare == 0 and len(linked(1).concepts) == 7
    two = linked(2)
    assert sorted(two.concepts) == ["federated learning", "graph neural network", "molecule", "shared core"]
    assert {key for _, key in two.occurrences} == set(two.concepts)
    # message passing, privacy, deep federated learning (its nesting still counts for its paper)
    assert two.rare == 3 and two.papers == papers
    assert two.occurrences[("d", "federated learning")] == ("federated learning", "deep federated learning (nested)")
    assert sorted(linked(4).concepts) == ["shared core"]


def test_a_defined_acronym_does_not_make_a_generic_word_a_term():
    from kg.model import AcronymDef, Extraction, LinkDecisions, Mention, Paper

    papers = [Paper("a:1", "", "x", "en"), Paper("a:2", "", "x", "en")]
    extractions = [
        Extraction("a:1", "en", [Mention("model", "model", "en"), Mention("graph neural network", "GNN", "en")],
                   [AcronymDef("M", "model", "model", "en"), AcronymDef("GNN", "graph neural network", "graph neural networks", "en")]),
        Extraction("a:2", "en", [Mention("model", "model", "en")]),
    ]
    corpus = link_corpus(papers, extractions, generic={"en": frozenset({"model"})})
    assert "model" not in corpus.concepts and "model" in corpus.dropped
    assert corpus.concepts["graph neural network"].termhood == 1.0


def test_no_nested_part_begins_with_based():
    assert nested_parts("dictionary based approach") == ["approach"]
    assert nested_parts("deep graph based model") == ["graph based model", "model"]


def test_a_chinese_long_form_cut_short_takes_the_english_long_form_it_ends():
    # 长短期记忆(LSTM): the noun run before the bracket was 短期记忆, "short term memory"
    readings = {"短期 记忆": "short term memory", "网络": "network"}

    def linker(words):
        english = readings.get(" ".join(words))
        return (english, "dictionary", "") if english else None

    en = [Extraction(f"e{i}", "en", [mention("long short term memory")],
                     [AcronymDef("LSTM", "long short term memory", "long short-term memory", "en")]) for i in range(3)]
    zh = Extraction("z", "zh", [mention("lstm", "LSTM", "zh")], [AcronymDef("LSTM", "短期 记忆", "短期记忆", "zh")])
    # 网络(CNN): nothing ends with "network" among CNN's English long forms here: no definition
    bad = Extraction("y", "zh", [mention("cnn", "CNN", "zh"), mention("网络", "网络", "zh")],
                     [AcronymDef("CNN", "网络", "网络", "zh")])
    papers = [paper(e.paper_id) for e in en] + [paper("z", "zh"), paper("y", "zh")]
    corpus = link_corpus(papers, [*en, zh, bad], generic={"en": frozenset({"network"}), "zh": frozenset()},
                         zh_linker=linker)
    assert ("z", "long short term memory") in corpus.occurrences
    assert "short term memory" not in corpus.concepts
    assert ("y", "cnn") in corpus.occurrences
    # a definition it is not makes no term of a generic word, nor an alias of CNN
    assert "network" in corpus.dropped
    assert not any("CNN" in c.aliases for c in corpus.concepts.values() if c.key != "cnn")


@pytest.mark.parametrize("tail_mentioned", [True, False])
def test_the_linkers_are_not_asked_again_once_on_linked_is_called(tail_mentioned):
    """on_linked comes before the nested ties are added (the linker's index goes first, and its
    memory with it), so the readings the nested step needs are read before it: without the
    mention 图神经网络, that phrase is read only as the tail of 动态图神经网络."""
    calls = {"linked": 0}

    def linker(words):
        assert not calls["linked"], "asked after on_linked"
        return ("graph neural network", "dictionary", "") if "".join(words) == "图神经网络" else None

    def on_linked():
        calls["linked"] += 1

    a = Extraction("a", "en", [mention("graph neural network"), mention("neural network")])
    tail = [mention("图 神经网络", "图神经网络", "zh")] if tail_mentioned else []
    b = Extraction("b", "zh", [mention("动态 图 神经网络", "动态图神经网络", "zh"), *tail],
                   segments="提出 动态 图 神经网络 模型" if tail_mentioned else "")
    corpus = link_corpus([paper("a"), paper("b", "zh")], [a, b], generic=GENERIC, zh_linker=linker,
                         zh_gloss=lambda words: "dynamic graph neural network", on_linked=on_linked)
    assert calls["linked"] == 1
    assert ("b", "graph neural network") in corpus.occurrences
    assert corpus.concepts["动态 图 神经网络"].label.startswith("dynamic graph neural network")


def test_a_single_word_defined_as_a_long_form_is_still_judged_by_its_termhood():
    # "image (I)" in one paper made "image" (termhood 0.29) a term of 20,573 papers at 72,000
    common = [mention("image"), mention("video")]
    a = Extraction("a", "en", common + [mention("open vocabulary detection")],
                   [AcronymDef("I", "image", "image", "en"),
                    AcronymDef("OVD", "open vocabulary detection", "open-vocabulary detection", "en")])
    b = Extraction("b", "en", [mention("image"), mention("video")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic={"en": frozenset(), "zh": frozenset()})
    assert termhood("image", "en", frozenset()) < 0.4
    assert "image" in corpus.dropped and "video" in corpus.dropped
    assert corpus.concepts["open vocabulary detection"].termhood == 1.0


def test_a_plural_key_left_by_a_proper_noun_tag_joins_its_singular():
    # "Convolutional Neural Networks (CNNs)": the tagger took "Networks" for a proper noun
    a = Extraction("a", "en", [mention("convolutional neural networks", "Convolutional Neural Networks")],
                   [AcronymDef("CNN", "convolutional neural networks", "Convolutional Neural Networks", "en")])
    b = Extraction("b", "en", [mention("convolutional neural network"), mention("cnn", "CNN"), mention("loss"),
                               mention("los", "LOS")])
    c = Extraction("c", "en", [mention("deep convolutional neural networks", "Deep Convolutional Neural Networks")])
    corpus = link_corpus([paper("a"), paper("b"), paper("c")], [a, b, c], generic=GENERIC)
    assert "convolutional neural networks" not in corpus.concepts
    assert ("a", "convolutional neural network") in corpus.occurrences
    assert ("b", "convolutional neural network") in corpus.occurrences  # CNN, defined in a
    assert any(l.layer == "lemma" for l in corpus.concepts["convolutional neural network"].links)
    assert ("c", "convolutional neural network") in corpus.occurrences  # nested in the plural phrase
    from kg.link import plural_singulars

    assert plural_singulars(["loss", "los", "corpus", "corpu", "analysis", "analysi", "bias", "bia", "physics",
                             "physic", "k means", "k mean", "deep robotics", "deep robotic"]) == {}
    assert plural_singulars(["neural networks", "neural network", "graphs"]) == {"neural networks": "neural network"}


def test_ics_nouns_are_keys_the_papers_write_with_ics():
    mentions = [("semantic", "semantics")] * 9 + [("semantic", "semantic"), ("lexical semantic", "Lexical Semantics"),
                                                  ("metric", "metrics"), ("metric", "metric"), ("ic", "ICs"),
                                                  ("characteristic", "characteristics")]
    assert ics_nouns(mentions, frozenset({"characteristic"})) == {"semantic": "semantics",
                                                                   "lexical semantic": "lexical semantics"}


def test_an_adjective_is_no_mention_of_the_ics_noun_its_lemma_shares():
    # spaCy lemmatises "semantics" to "semantic": at 72,000 twins every "semantic segmentation"
    # made a mention of it, 7,421 papers
    a = Extraction("a", "en", [mention("semantic segmentation", "semantic segmentation")])
    b = Extraction("b", "en", [mention("semantic", "semantics"), mention("semantic segmentation")])
    corpus = link_corpus([paper("a"), paper("b")], [a, b], generic=GENERIC)
    assert "semantic" not in corpus.concepts and corpus.concepts["semantics"].label == "semantics"
    assert ("b", "semantics") in corpus.occurrences and ("a", "semantics") not in corpus.occurrences


# ------------------------------------------------------------------ appending to a linked corpus


def test_appended_papers_keep_to_the_vocabulary_of_the_corpus_they_join():
    earlier = Vocabulary(papers={"graph neural network": 40, "message passing": 1},
                         decisions=LinkDecisions(acronyms={"GNN": "graph neural network"}))
    new = Extraction("n", "en", [mention("gnn", "GNNs"), mention("message passing"), mention("citation graph")])
    corpus = link_corpus([paper("n")], [new], generic=GENERIC, options=LinkOptions(min_papers=2), vocabulary=earlier)
    assert corpus.occurrences[("n", "graph neural network")] == ("GNNs",)
    assert [link.layer for link in corpus.concepts["graph neural network"].links] == ["acronym"]
    # a concept of the corpus is kept whatever min_papers; a new one of one paper is not
    assert ("n", "message passing") in corpus.occurrences and "citation graph" not in corpus.concepts
    alone = link_corpus([paper("n")], [new], generic=GENERIC, options=LinkOptions(min_papers=2))
    assert "graph neural network" not in alone.concepts and "message passing" not in alone.concepts


def test_a_definition_in_the_new_papers_beats_the_vocabulary():
    earlier = Vocabulary(papers={"graph neural network": 40},
                         decisions=LinkDecisions(acronyms={"GNN": "graph neural network"}))
    new = Extraction("n", "en", [mention("gnn", "GNN"), mention("gated neural network")],
                     [AcronymDef("GNN", "gated neural network", "gated neural network", "en")])
    corpus = link_corpus([paper("n")], [new], generic=GENERIC, vocabulary=earlier)
    assert ("n", "gated neural network") in corpus.occurrences
    assert ("n", "graph neural network") not in corpus.occurrences
    assert corpus.decisions.acronyms == {"GNN": "gated neural network"}


def test_a_nested_part_lands_on_a_concept_of_the_vocabulary():
    earlier = Vocabulary(papers={"language model": 100})
    new = Extraction("n", "en", [mention("large language model")])
    corpus = link_corpus([paper("n")], [new], generic=GENERIC, vocabulary=earlier)
    assert ("n", "language model") in corpus.occurrences
    assert corpus.occurrences[("n", "language model")] == ("large language model (nested)",)


def test_appended_papers_keep_the_corpus_judgement_of_its_modifiers():
    new = [Extraction(f"n{i}", "en", [mention("neural network"), mention("transformer model")]) for i in range(40)]
    new.append(Extraction("alone", "en", [mention("neural"), mention("transformer")]))
    papers = [paper(ex.paper_id) for ex in new]
    corpus = link_corpus(papers, new, generic=GENERIC, vocabulary=Vocabulary(
        papers={"neural": 30, "transformer": 5000, "neural network": 9000, "transformer model": 800},
        decisions=LinkDecisions(dependent=frozenset({"neural"}))))
    # "neural" rarely stands alone in the corpus; "transformer" often does, though one paper in 41 here
    assert ("n0", "neural") not in corpus.occurrences and ("n0", "transformer") in corpus.occurrences
    assert corpus.decisions.dependent >= {"neural"} and "transformer" not in corpus.decisions.dependent


def test_a_keys_forms_split_into_surfaces_and_label_candidates():
    forms = Counter({"GNNs": 2, ("graph neural networks", "Graph Neural Networks"): 1, "GNN": 0})
    aliases, displays = aliases_and_displays(forms)
    assert aliases == {"GNNs": 2, "graph neural networks": 1, "GNN": 0}
    # every surface is a candidate label, at 0 where it was displayed otherwise or never
    assert displays == {"GNNs": 2, "Graph Neural Networks": 1, "GNN": 0, "graph neural networks": 0}


def test_a_possessive_is_as_specific_as_its_word():
    # wordfreq finds "agent's" rare where "agent" is common: the possessive is no sign of a term
    assert termhood("agent's policy", "en", frozenset()) == termhood("agent policy", "en", frozenset()) < 0.9
    assert word_specificity("models'", "en", frozenset()) == word_specificity("models", "en", frozenset())
