import dataclasses
import pickle

from kg.model import AcronymDef, Concept, Corpus, Link, Mention, Paper


def corpus() -> Corpus:
    papers = [Paper("b", "B", "", "en"), Paper("a", "A", "", "zh")]
    concepts = {"federated learning": Concept("federated learning", "federated learning", {"FL": 2, "联邦学习": 1},
                                              [Link("acronym", "FL", "FL = federated learning")]),
                "model": Concept("model", "model")}
    # not in sorted order, with a surface written twice in one tie and a tie with none: all must survive
    occurrences = {("b", "model"): ("models", "model"), ("a", "federated learning"): ("联邦学习",),
                   ("b", "federated learning"): ("FL", "FL", "federated learning"), ("a", "model"): ()}
    return Corpus(papers, concepts, occurrences, dropped={"thing": 0.1}, rare=3)


def test_a_pickled_corpus_comes_back_equal_with_its_ties_in_order():
    original = corpus()
    copy = pickle.loads(pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == original
    assert list(copy.occurrences.items()) == list(original.occurrences.items())
    assert copy.rare == 3 and copy.dropped == {"thing": 0.1}


def test_a_pickled_corpus_holds_no_tuple_per_tie():
    # the pickler's memo would hold every one of them (see Corpus.__getstate__)
    state = corpus().__getstate__()
    assert not any(isinstance(item, tuple) for item in state["occurrences"])


def test_mentions_and_acronyms_give_their_fields_in_order_and_pickle_whole():
    mention = Mention("graph neural network", "Graph Neural Networks", "en", 7, "network", "GNN-style network")
    acronym = AcronymDef("GNN", "graph neural network", "graph neural networks", "en")
    for record in (mention, acronym):
        assert record.as_tuple() == dataclasses.astuple(record)
        assert pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)) == record
