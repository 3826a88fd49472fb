"""Translate genai-prices model match clauses into rows the warehouse can join on.

The warehouse only knows two kinds of rule, because they are cheap and portable in SQL:
`exact` (model == match) and `prefix` (model starts with match; the longest prefix wins).
genai-prices uses a richer boolean language, so each clause is mapped to the rules that are *sound*
for it: every model name such a rule matches is also matched by the original clause. Where no sound
rule exists the clause is skipped and counted, so gaps are visible rather than silently mispriced.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from genai_prices import types as gp

from orchestration.pricing.columns import MATCH_EXACT, MATCH_PREFIX


@dataclass(frozen=True, order=True)
class MatchRule:
    text: str  # lower-cased: genai-prices matches case-insensitively and the warehouse lower-cases names
    kind: str  # MATCH_EXACT | MATCH_PREFIX


@dataclass
class Expansion:
    rules: list[MatchRule] = field(default_factory=list)
    # clause kind -> how many clauses could not be expressed at all
    skipped: Counter[str] = field(default_factory=Counter)
    # clause kind -> how many clauses were expressed by a narrower rule (see module docstring)
    approximated: Counter[str] = field(default_factory=Counter)
    # texts of `contains` clauses, which may additionally be namespaced (see namespaced_prefixes)
    contains_texts: list[str] = field(default_factory=list)

    def merge(self, other: Expansion) -> None:
        self.rules.extend(other.rules)
        self.contains_texts.extend(other.contains_texts)
        self.skipped.update(other.skipped)
        self.approximated.update(other.approximated)


def expand_clause(clause: gp.MatchLogic) -> Expansion:
    out = Expansion()
    if isinstance(clause, gp.ClauseEquals):
        out.rules.append(MatchRule(clause.equals.lower(), MATCH_EXACT))
    elif isinstance(clause, gp.ClauseStartsWith):
        out.rules.append(MatchRule(clause.starts_with.lower(), MATCH_PREFIX))
    elif isinstance(clause, gp.ClauseContains):
        # Every name that *starts* with X contains X, so a prefix rule is a safe subset. It covers the
        # common case (bare model ids); names with X in the middle (e.g. "publishers/.../X") are missed.
        out.rules.append(MatchRule(clause.contains.lower(), MATCH_PREFIX))
        out.contains_texts.append(clause.contains.lower())
        out.approximated["contains"] += 1
    elif isinstance(clause, gp.ClauseEndsWith):
        # X itself ends with X: an exact rule is the only safe subset.
        out.rules.append(MatchRule(clause.ends_with.lower(), MATCH_EXACT))
        out.approximated["ends_with"] += 1
    elif isinstance(clause, gp.ClauseRegex):
        out.skipped["regex"] += 1
    elif isinstance(clause, gp.ClauseOr):
        for child in clause.or_:
            out.merge(expand_clause(child))
    elif isinstance(clause, gp.ClauseAnd):
        out.merge(_expand_and(clause))
    else:  # a clause kind newer than this module: count it rather than crash a refresh
        out.skipped[type(clause).__name__] += 1
    return out


def _expand_and(clause: gp.ClauseAnd) -> Expansion:
    """Keep the literal rules of the children whose own text satisfies the whole conjunction.

    In practice this is `starts_with("gemini-2.5-pro") AND regex(not a TTS model)`: the prefix is kept
    because "gemini-2.5-pro" passes the regex, and the excluded TTS variants have their own exact rows,
    which beat any prefix. This is the one deliberate over-approximation; tests check it against
    genai-prices for every model name the data set mentions.
    """
    candidates = Expansion()
    for child in clause.and_:
        candidates.merge(expand_clause(child))
    out = Expansion()
    out.rules = [rule for rule in candidates.rules if clause.is_match(rule.text)]
    if out.rules:
        out.approximated["and"] += 1
    else:
        out.skipped["and"] += 1
    return out


# A dotted namespace such as "anthropic." or "us.anthropic." (AWS Bedrock model and inference-profile ids).
_NAMESPACE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.$")


def _family(name: str) -> str:
    """First token of a model name ("claude" for "claude-3-5-sonnet-20241022")."""
    return re.split(r"[-.:/@_]", name, maxsplit=1)[0]


def provider_namespaces(provider_literals: Iterable[str]) -> frozenset[tuple[str, str]]:
    """(namespace, model family) pairs learned from a provider's own literal model names.

    If a provider lists both "us.anthropic.claude-sonnet-4-20250514" and "claude-sonnet-4-20250514",
    then "us.anthropic." is a namespace of the "claude" family.
    """
    literals = set(provider_literals)
    namespaces: set[tuple[str, str]] = set()
    for literal in literals:
        for index, char in enumerate(literal):
            if char == "." and literal[index + 1 :] in literals and _NAMESPACE.match(literal[: index + 1]):
                namespaces.add((literal[: index + 1], _family(literal[index + 1 :])))
    return frozenset(namespaces)


def namespaced_prefixes(contains_text: str, namespaces: frozenset[tuple[str, str]]) -> list[MatchRule]:
    """Extra prefix rules "<namespace><X>" for a `contains X` clause.

    Any name starting with namespace+X still contains X, so these rules are as safe as the plain
    prefix. This lets older Bedrock entries written as `contains("claude-3-5-sonnet-20241022")` price
    "us.anthropic.claude-3-5-sonnet-20241022-v2:0", the id Bedrock telemetry actually reports.
    """
    family = _family(contains_text)
    return sorted(
        MatchRule(namespace + contains_text, MATCH_PREFIX)
        for namespace, namespace_family in namespaces
        if namespace_family == family
    )


def literal_texts(clause: gp.MatchLogic) -> list[str]:
    """Every literal string in a clause tree (regexes excluded), lower-cased."""
    if isinstance(clause, gp.ClauseOr):
        return [text for child in clause.or_ for text in literal_texts(child)]
    if isinstance(clause, gp.ClauseAnd):
        return [text for child in clause.and_ for text in literal_texts(child)]
    for attribute in ("equals", "starts_with", "contains", "ends_with"):
        if isinstance(value := getattr(clause, attribute, None), str):
            return [value.lower()]
    return []
