"""Shared fixtures: one spaCy/jieba extractor and one build of the seeds per test session,
plus a factory for small hand-built corpora (no NLP involved) for the graph-level unit tests."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from kg import pipeline
from kg.extract import Extractor
from kg.model import Concept, Corpus, Paper

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """spaCy + jieba, loaded once (about a second)."""
    return Extractor.create()


@pytest.fixture(scope="session")
def seed_graph(extractor) -> pipeline.KnowledgeGraph:
    return pipeline.build([SEEDS], extractor=extractor)


@pytest.fixture(scope="session")
def seed_out(seed_graph, tmp_path_factory) -> Path:
    """A workspace as `kg build seeds -o DIR` writes it."""
    out = tmp_path_factory.mktemp("seed_out")
    seed_graph.save(out)
    return out


CorpusSpec = Mapping[str, Mapping[str, int]]


def build_corpus(spec: CorpusSpec, *, labels: Mapping[str, str] | None = None,
                 aliases: Mapping[str, Mapping[str, int]] | None = None,
                 termhood: Mapping[str, float] | None = None,
                 langs: Mapping[str, str] | None = None) -> Corpus:
    """`{paper id: {concept key: mentions}}` → a linked `Corpus`, papers in the given order.

    Each mention's surface is the concept's label unless `aliases` gives the surface forms
    (surface → count) used for that concept; those are then cycled through per paper.
    """
    labels = dict(labels or {})
    aliases = dict(aliases or {})
    termhood = dict(termhood or {})
    langs = dict(langs or {})
    papers = [Paper(pid, f"Title of {pid}", f"Abstract of {pid}.", langs.get(pid, "en"), "hand")
              for pid in spec]
    keys = sorted({k for concepts in spec.values() for k in concepts})
    concepts = {}
    for key in keys:
        label = labels.get(key, key)
        concepts[key] = Concept(key=key, label=label, aliases=dict(sorted(aliases.get(key, {label: 1}).items())),
                                termhood=termhood.get(key, 1.0), langs={"en"})
    occurrences: dict[tuple[str, str], list[str]] = {}
    for pid, mentions in spec.items():
        for key, count in mentions.items():
            forms = sorted(aliases.get(key, {labels.get(key, key): 1}))
            occurrences[(pid, key)] = [forms[i % len(forms)] for i in range(count)]
    return Corpus(papers, concepts, occurrences)


@pytest.fixture
def make_corpus() -> Callable[..., Corpus]:
    return build_corpus


@pytest.fixture
def small_corpus() -> Corpus:
    """Four papers: `shared core` is everywhere, `graph neural network` (alias GNN) in two,
    the rest in one or two papers each."""
    return build_corpus(
        {
            "p:1": {"graph neural network": 3, "shared core": 1, "message passing": 2},
            "p:2": {"graph neural network": 1, "shared core": 2, "molecule": 1},
            "p:3": {"shared core": 1, "molecule": 2, "federated learning": 1},
            "p:4": {"shared core": 1, "federated learning": 4, "privacy": 1},
        },
        aliases={"graph neural network": {"GNN": 1, "graph neural network": 2},
                 "federated learning": {"FL": 1, "federated learning": 3, "联邦学习": 1}},
        termhood={"shared core": 0.6, "molecule": 0.9, "privacy": 0.8},
        langs={"p:4": "zh"},
    )


@pytest.fixture
def small_kg(small_corpus) -> pipeline.KnowledgeGraph:
    """The small corpus through the real graph + analysis stages (no NLP)."""
    return pipeline.graph_corpus(small_corpus)


def _kill_worker_processes(*_progress: int) -> None:
    for child in multiprocessing.active_children():
        # a worker killed at an earlier call may be reaped between the listing and the kill
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)  # as the out-of-memory killer would


@pytest.fixture
def kill_worker_processes() -> Callable[..., None]:
    """A progress callback that kills this process's worker processes each time it is called."""
    return _kill_worker_processes
