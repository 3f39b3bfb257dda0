"""kg: concept knowledge graphs from research abstracts, in English and Chinese."""

from kg.pipeline import BuildOptions, KnowledgeGraph, build, load

__all__ = ["BuildOptions", "KnowledgeGraph", "build", "load"]
