"""kg.attribute_rules must give every token exactly what spaCy's attribute ruler gives it."""

from __future__ import annotations

import pytest
import spacy

from kg.attribute_rules import compile_rules
from kg.extract import EXTRACTION_SKIPS, EnglishExtractor, load_english
from kg.model import Paper
from kg.read import read_papers

# the rule kinds of en_core_web_sm: tag map, word exceptions, dependency-conditioned POS,
# multi-token ("there is"), regular expressions ("n't", "nothin'"), spaces
SENTENCES = [
    "There is something we don't know, but it isn't nothin' y' know.",
    "That model, which we trained ourselves, does what those do; these are better.",
    "I gave it to you because she said so, whereas he didn't.",
    "Graph neural networks (GNNs) have been applied to federated learning since 2019.",
    "We  propose   a novel method:\tit gets 3.5% better BLEU than all of them.",
    "Either way, nobody could have done everything that everyone wanted.",
]


def _annotations(doc):
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]


@pytest.fixture(scope="module")
def models():
    reference = load_english(disable=("ner", "lemmatizer"))
    fast = load_english(disable=("ner", "lemmatizer", "attribute_ruler"))
    rules = compile_rules(fast)
    assert rules is not None, "en_core_web_sm's rules must be expressible"
    return reference, fast, rules


def test_same_annotations_as_the_attribute_ruler(models, seeds_dir):
    reference, fast, rules = models
    seeds = [p.text for p in read_papers([seeds_dir]) if p.lang == "en"]
    texts = SENTENCES + seeds
    for expected, doc in zip(reference.pipe(texts), fast.pipe(texts)):
        before = [t.pos_ for t in doc]
        assert not any(before), "the fast pipeline must not set POS itself"
        rules(doc)
        assert _annotations(doc) == _annotations(expected)
        assert [c.text for c in doc.noun_chunks] == [c.text for c in expected.noun_chunks]


def test_the_extractor_uses_the_table_not_the_component():
    english = EnglishExtractor.create()
    assert "attribute_ruler" in EXTRACTION_SKIPS
    assert "attribute_ruler" not in english.nlp.pipe_names
    assert english.attribute_rules is not None
    ex = next(english.extract([Paper("p", "", "We study something about graph neural networks.", "en")]))
    assert [m.key for m in ex.mentions] == ["graph neural network"]  # "something" is a PRON


def _blank_with_ruler(patterns):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add_patterns(patterns)
    return nlp


def test_later_rules_win_and_index_picks_the_token():
    patterns = [
        {"patterns": [[{"LOWER": "bank"}]], "attrs": {"POS": "NOUN"}},
        {"patterns": [[{"LOWER": "river"}, {"LOWER": "bank"}]], "attrs": {"POS": "PROPN"}, "index": -1},
        {"patterns": [[{"LOWER": {"IN": ["a", "the"]}}]], "attrs": {"POS": "DET"}},
        {"patterns": [[{"LOWER": {"NOT_IN": ["a", "the", "bank", "river"]}}]], "attrs": {"POS": "VERB"}},
        {"patterns": [[{"ORTH": {"REGEX": "^[A-Z]{2,}$"}}]], "attrs": {"POS": "X"}},
    ]
    reference = _blank_with_ruler(patterns)
    fast = _blank_with_ruler(patterns)
    rules = compile_rules(fast)
    text = "the river bank and a bank near NASA"
    doc = rules(fast.make_doc(text))
    assert _annotations(doc) == _annotations(reference(text))
    assert [t.pos_ for t in doc] == ["DET", "", "PROPN", "VERB", "DET", "NOUN", "VERB", "X"]


def test_rules_it_cannot_express_keep_the_component():
    nlp = _blank_with_ruler([{"patterns": [[{"LOWER": "very", "OP": "+"}]], "attrs": {"POS": "ADV"}}])
    assert compile_rules(nlp) is None
    nlp.disable_pipe("attribute_ruler")
    english = EnglishExtractor.create(nlp)
    assert english.attribute_rules is None
    assert "attribute_ruler" in english.nlp.pipe_names  # switched back on, so POS is still set
