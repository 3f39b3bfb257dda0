"""The records that flow through the pipeline: read → extract → link → graph.

Kept in one small module so every stage (and a notebook user) speaks the same types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paper:
    """One abstract. `id` is stable across runs so graphs and queries can name papers."""

    id: str
    title: str
    text: str
    lang: str  # "en" or "zh"
    source: str = ""  # file the record came from, for error messages
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # `kg.read.abstract_digest` of the text as read: it outlives the text, which goes once
    # extracted, so that a later append can tell an abstract the workspace has under another id
    digest: bytes = field(default=b"", compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)  # millions of them in a big corpus
class Mention:
    """One occurrence of a candidate concept in one paper.

    `key` is the language-specific canonical key (English: lemmatised lower case words;
    Chinese: the segmented words joined by spaces); `surface` is the text as written, kept as
    evidence for `kg shared` and the aliases.
    """

    key: str
    surface: str
    lang: str
    position: int = 0  # character offset, for first-occurrence features
    head: str = ""  # the phrase's last word (head noun) in key form
    label: str = ""  # display form: the key with acronyms' case kept ("GNN explainer")

    def as_tuple(self) -> tuple[str, str, str, int, str, str]:
        """`dataclasses.astuple`, without its deep copy of every field: the extraction cache
        encodes every mention so."""
        return self.key, self.surface, self.lang, self.position, self.head, self.label

    def __reduce__(self) -> tuple[type[Mention], tuple[str, str, str, int, str, str]]:
        # pickled as the constructor's arguments: a slotted dataclass's own state setter calls
        # `fields()` for every object, which was a fifth of the extraction parent's time
        # unpickling the workers' batches (py-spy)
        return Mention, self.as_tuple()


@dataclass(frozen=True, slots=True)
class AcronymDef:
    """An acronym defined in a text: "graph neural networks (GNNs)" → short "GNN"."""

    short: str  # normalised short form (singular, as written otherwise: "GNN", "OTA-FL")
    long_key: str  # canonical key of the long form
    long_surface: str
    lang: str

    def as_tuple(self) -> tuple[str, str, str, str]:
        """`dataclasses.astuple` without its deep copy (see `Mention.as_tuple`)."""
        return self.short, self.long_key, self.long_surface, self.lang

    def __reduce__(self) -> tuple[type[AcronymDef], tuple[str, str, str, str]]:
        return AcronymDef, self.as_tuple()  # see Mention.__reduce__


@dataclass
class Extraction:
    """What the extractor found in one paper, before corpus-wide linking."""

    paper_id: str
    lang: str
    mentions: list[Mention] = field(default_factory=list)
    acronyms: list[AcronymDef] = field(default_factory=list)
    # a Chinese paper's jieba words, clauses separated by " | ": `kg.link` reads English concepts
    # in word spans that cross the noun-phrase grammar's bounds ("语义 框架 识别", where jieba
    # tags 识别 a verb, is "semantic frame identification")
    segments: str = ""


@dataclass(frozen=True)
class Link:
    """Why a surface form was merged into a concept: the layer that decided and what it saw."""

    layer: str  # "lemma", "acronym", "nested", "dictionary", "glossary", "thesaurus"
    surface: str
    detail: str = ""


@dataclass
class Concept:
    """A node of the concept graph, after linking. `key` is its canonical (English when known) key."""

    key: str
    label: str
    aliases: dict[str, int] = field(default_factory=dict)  # surface form → count
    links: list[Link] = field(default_factory=list)
    termhood: float = 0.0
    langs: frozenset[str] = frozenset()


def flat_ties(ties: Iterable[tuple[tuple[str, str], Sequence[str]]]) -> list[object]:
    """Paper–concept ties as one flat list: paper id, key, number of surfaces, surfaces, and so
    on. Pickled, it holds only strings and small ints for the pickler to remember, where 2.5
    million (paper, key) tuples and tuples of surfaces cost +337 MiB at 72,000 papers."""
    flat: list[object] = []
    for (paper_id, key), surfaces in ties:
        flat += (paper_id, key, len(surfaces), *surfaces)
    return flat


def add_flat_ties(flat: list[object], into: dict[tuple[str, str], tuple[str, ...]], same: dict[str, str]) -> None:
    """The ties of a `flat_ties` list added to `into`, each string replaced by the equal one in
    `same` (added there when new), so that equal strings of different pickles are one object."""
    i = 0
    while i < len(flat):
        paper_id, key, n = same.setdefault(flat[i], flat[i]), same.setdefault(flat[i + 1], flat[i + 1]), flat[i + 2]
        into[(paper_id, key)] = tuple(same.setdefault(s, s) for s in flat[i + 3:i + 3 + n])
        i += 3 + n


@dataclass(frozen=True)
class LinkDecisions:
    """What linking decided over the whole corpus, kept with its graph so that papers appended
    later are linked the same way without relinking the rest (`kg.append`)."""

    acronyms: Mapping[str, str] = field(default_factory=dict)  # resolved everywhere: as written → long key
    implausible: frozenset[str] = frozenset()  # English keys whose dictionary readings are refused
    # modifiers that rarely stand alone ("neural"), so no mention of the phrases they modify
    dependent: frozenset[str] = frozenset()


@dataclass
class Corpus:
    """The linked corpus: papers, their concepts and the evidence for every paper–concept tie."""

    papers: list[Paper]
    concepts: dict[str, Concept]
    # (paper id, concept key) → surface forms used in that paper (one entry per mention)
    occurrences: dict[tuple[str, str], Sequence[str]]
    dropped: dict[str, float] = field(default_factory=dict)  # generic concept key → termhood
    rare: int = 0  # concepts left out for being in too few papers (`LinkOptions.min_papers`)
    decisions: LinkDecisions = field(default_factory=LinkDecisions)

    def __getstate__(self) -> dict[str, object]:
        """For pickle: the ties as one flat list (`flat_ties`). `kg build` hands the corpus over
        in chunks of them instead (`kg.apart.write_corpus`)."""
        return {**self.__dict__, "occurrences": flat_ties(self.occurrences.items())}

    def __setstate__(self, state: dict[str, object]) -> None:
        flat = state["occurrences"]
        self.__dict__.update(decisions=LinkDecisions())  # pickled by a kg without them
        if isinstance(flat, dict):  # pickled by a kg from before this encoding
            self.__dict__.update(state)
            return
        assert isinstance(flat, list)
        occurrences: dict[tuple[str, str], tuple[str, ...]] = {}
        add_flat_ties(flat, occurrences, {})
        self.__dict__.update(state, occurrences=occurrences)
