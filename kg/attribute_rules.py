"""The attribute ruler's rules, applied through a lookup table instead of spaCy's Matcher.

en_core_web_sm's `attribute_ruler` turns fine-grained tags into the coarse POS that noun chunks
and kg's chunk cleaning read (NN → NOUN, plus ~120 exceptions: "something" is a PRON, a DT
that is not a determiner is a PRON …). It runs its 179 rules, nearly all of one token,
through the general Matcher, which tries every rule at every token: a quarter to a third of
kg's English extraction time (bench/scale.py: the ratio to a bare full pipeline went from
1.49× to 2.02× without it). The rules only test a token's tag, lower-case form, dependency
label and whether it is a space, so indexing them by tag and word finds the same matches for a
fraction of the cost. The rules are read from the loaded model, not copied: when a model brings rules
this table cannot express, `compile_rules` returns None and the model's own component runs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs  # what AttributeRuler itself sets attributes with

# token attribute name in a Matcher pattern → how to read it off a token
_READERS: dict[str, Callable[[Token], object]] = {
    "TAG": lambda t: t.tag_,
    "LOWER": lambda t: t.lower_,
    "DEP": lambda t: t.dep_,
    "IS_SPACE": lambda t: t.is_space,
    "ORTH": lambda t: t.text,
    "POS": lambda t: t.pos_,
}
_TEXT_ATTRS = ("TAG", "LOWER", "DEP", "ORTH", "POS")
_ANY = None  # index slot of a rule that does not fix the tag or the word


@dataclass(frozen=True)
class _Rule:
    order: int  # later rules win, as in spaCy (matches are applied by rule number)
    tokens: tuple[tuple[tuple[str, str, object], ...], ...]  # per token: (attribute, op, value)
    index: int  # which token of the match gets the attributes
    attrs: dict

    def matches(self, columns: dict[str, list], start: int, length: int) -> bool:
        if start + len(self.tokens) > length:
            return False
        for offset, checks in enumerate(self.tokens):
            for attr, op, value in checks:
                found = columns[attr][start + offset]
                if op == "==" and found != value or op == "in" and found not in value \
                        or op == "not in" and found in value or op == "regex" and not value.search(found):
                    return False
        return True


def _compile_token(pattern: dict) -> tuple[tuple[str, str, object], ...] | None:
    checks = []
    for attr, value in sorted(pattern.items()):
        if attr not in _READERS:
            return None
        if isinstance(value, (str, bool)):
            checks.append((attr, "==", value))
        elif isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("IN", "NOT_IN"):
            op, values = next(iter(value.items()))
            checks.append((attr, "in" if op == "IN" else "not in", frozenset(values)))
        elif isinstance(value, dict) and list(value) == ["REGEX"] and attr in _TEXT_ATTRS:
            checks.append((attr, "regex", re.compile(value["REGEX"])))  # the Matcher searches too
        else:
            return None  # quantifiers, other operators …: leave it to the Matcher
    return tuple(checks)


def _first_token_key(checks: tuple[tuple[str, str, object], ...]) -> tuple[object, object]:
    fixed = {attr: value for attr, op, value in checks if op == "=="}
    return fixed.get("TAG", _ANY), fixed.get("LOWER", _ANY)


@dataclass(frozen=True)
class AttributeRules:
    """The rules of one attribute ruler, indexed by (tag, lower-case word) of a match's first token."""

    by_key: dict[tuple[object, object], tuple[_Rule, ...]]
    attributes: frozenset[str]  # the token attributes the rules read (TAG and LOWER always)

    def __call__(self, doc: Doc) -> Doc:
        tokens = list(doc)  # each Token object made once, not once per attribute
        columns = {attr: [read(token) for token in tokens] for attr, read in _READERS.items()
                   if attr in self.attributes}
        tags, lowers, length = columns["TAG"], columns["LOWER"], len(doc)
        found: list[tuple[int, int, _Rule]] = []
        for i in range(length):
            for key in ((tags[i], lowers[i]), (tags[i], _ANY), (_ANY, lowers[i]), (_ANY, _ANY)):
                for rule in self.by_key.get(key, ()):
                    if rule.matches(columns, i, length):
                        found.append((rule.order, i, rule))
        # every rule matches the tagged, parsed doc before any of them changes it, as in spaCy
        found.sort(key=lambda match: (match[0], match[1]))
        for _, start, rule in found:
            set_token_attrs(doc[start + rule.index], rule.attrs)
        return doc


def compile_rules(nlp: Language, name: str = "attribute_ruler") -> AttributeRules | None:
    """The model's attribute ruler as an `AttributeRules`, or None when there is none or it uses
    a pattern this table cannot express (then keep the component)."""
    if name not in nlp.component_names:
        return None
    ruler = nlp.get_pipe(name)
    by_key: dict[tuple[object, object], list[_Rule]] = defaultdict(list)
    for order, (rule, attrs) in enumerate(zip(ruler.patterns, ruler.attrs)):
        for pattern in rule["patterns"]:
            tokens = tuple(_compile_token(token) for token in pattern)
            if not tokens or any(checks is None for checks in tokens):
                return None
            index = rule["index"] + len(tokens) if rule["index"] < 0 else rule["index"]  # -1: the last
            if not 0 <= index < len(tokens):
                return None
            by_key[_first_token_key(tokens[0])].append(_Rule(order, tokens, index, attrs))
    attributes = {"TAG", "LOWER"} | {attr for rules in by_key.values() for rule in rules
                                     for checks in rule.tokens for attr, _, _ in checks}
    return AttributeRules({key: tuple(rules) for key, rules in by_key.items()}, frozenset(attributes))
