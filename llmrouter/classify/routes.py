"""ROUTES.md: the user's lever over classification, parsed once and applied per request.

Owns: parsing ROUTES.md (the levels table with use cases and quoted examples,
an optional ``## Anchors`` section with more examples and the similarity
threshold, an optional ``## Rules`` section), and ``apply_rules``, which the
router calls after any classifier.

Must not: read the file per request, or know about any particular classifier
beyond its ``Decision``.

Lines inside fenced or indented code blocks are ignored, so ROUTES.md can show
inactive examples of its own syntax.

Order of application in ``apply_rules``: first anchors (an ask whose word
uni/bigram cosine similarity to an example reaches the threshold takes that
example's level; the closest example wins; a delegating follow-up is compared
on the work it approves), then the rules from top to bottom (matched against
the request text and, for a follow-up, the work it approves),
each matching rule setting the level (``-> hard``), raising it
(``-> at least medium``) or lowering it (``-> at most easy``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llmrouter.classify import LEVEL_INDEX, LEVELS, Decision
from llmrouter.classify.extract import Ask
from llmrouter.classify.features import tokenize

DEFAULT_THRESHOLD = 0.8
Op = Literal["=", ">=", "<="]

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
_RULE = re.compile(
    r"^\s*[-*]\s*`(?P<pattern>.+)`\s*(?:->|→|=>)\s*"
    r"(?P<op>at\s+least\s+|at\s+most\s+)?(?P<level>[a-z_]+)\s*\.?\s*$",
    re.I,
)
_ANCHOR = re.compile(r"^\s*[-*]\s*(?P<level>[a-z_]+)\s*:\s*(?P<text>.+?)\s*$")
_THRESHOLD = re.compile(r"^\s*[-*]?\s*anchor[_ ]threshold\s*:\s*(?P<value>[0-9.]+)\s*$", re.I)


class RoutesError(ValueError):
    """ROUTES.md is malformed; the message lists every problem with its line number."""


@dataclass(frozen=True)
class LevelRow:
    """One row of the levels table."""

    name: str
    use_case: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Anchor:
    """An example request and the level it stands for."""

    level: str
    text: str
    grams: frozenset[str]


@dataclass(frozen=True)
class Rule:
    """``pattern -> level`` (``=``), ``-> at least level`` (``>=``) or ``at most`` (``<=``)."""

    pattern: re.Pattern[str]
    op: Op
    level: str
    line: int


@dataclass(frozen=True)
class Routes:
    """Everything ROUTES.md says, validated."""

    levels: tuple[LevelRow, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    rules: tuple[Rule, ...] = ()
    anchor_threshold: float = DEFAULT_THRESHOLD
    source: str = field(default="", compare=False)
    # gram → the anchors that have it: a request is compared only with anchors it shares a
    # gram with, in one pass over its own grams
    by_gram: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[int]] = {}
        for i, anchor in enumerate(self.anchors):
            for gram in anchor.grams:
                index.setdefault(gram, []).append(i)
        object.__setattr__(self, "by_gram", {g: tuple(ids) for g, ids in index.items()})


def load_routes(path: str | Path) -> Routes:
    """Read and validate a ROUTES.md file."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_routes(text, source=str(path))


def parse_routes(text: str, source: str = "ROUTES.md") -> Routes:
    """Parse ROUTES.md text; raise ``RoutesError`` listing all problems at once."""
    errors: list[str] = []
    rows: list[LevelRow] = []
    anchors: list[Anchor] = []
    rules: list[Rule] = []
    threshold = DEFAULT_THRESHOLD
    section = ""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced or line.startswith(("    ", "\t")):
            continue  # code blocks are examples, never configuration
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(1).lower()
            continue
        where = f"{source}:{number}"
        if line.lstrip().startswith("|"):
            row = _parse_row(line, where, errors)
            if row is not None:
                rows.append(row)
                anchors.extend(make_anchor(row.name, ex) for ex in row.examples)
        elif "rule" in section and _RULE.match(line):
            rule = _parse_rule(line, number, where, errors)
            if rule is not None:
                rules.append(rule)
        elif "anchor" in section and _THRESHOLD.match(line):
            threshold = _parse_threshold(line, where, errors)
        elif "anchor" in section and _ANCHOR.match(line):
            anchor = _parse_anchor(line, where, errors)
            if anchor is not None:
                anchors.append(anchor)
    if errors:
        raise RoutesError("\n".join(errors))
    return Routes(tuple(rows), tuple(anchors), tuple(rules), threshold, source)


def _parse_row(line: str, where: str, errors: list[str]) -> LevelRow | None:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    name = cells[0].strip("`* ").lower() if cells else ""
    if not name or name == "level" or set(name) <= set("-: "):
        return None
    if name not in LEVEL_INDEX:
        errors.append(f"{where}: unknown level {name!r} (levels: {', '.join(LEVELS)})")
        return None
    use_case = cells[1] if len(cells) > 1 else ""
    examples = tuple(a or b for a, b in _QUOTED.findall(" ".join(cells[2:])))
    return LevelRow(name, use_case, examples)


def _parse_rule(line: str, number: int, where: str, errors: list[str]) -> Rule | None:
    found = _RULE.match(line)
    assert found is not None
    level = found.group("level").lower()
    if level not in LEVEL_INDEX:
        errors.append(f"{where}: unknown level {level!r} in rule")
        return None
    try:
        pattern = re.compile(found.group("pattern"), re.I)
    except re.error as exc:
        errors.append(f"{where}: bad pattern: {exc}")
        return None
    word = (found.group("op") or "").lower()
    op: Op = ">=" if "least" in word else "<=" if "most" in word else "="
    return Rule(pattern, op, level, number)


def _parse_anchor(line: str, where: str, errors: list[str]) -> Anchor | None:
    found = _ANCHOR.match(line)
    assert found is not None
    level = found.group("level").lower()
    if level not in LEVEL_INDEX:
        errors.append(f"{where}: unknown level {level!r} in anchor")
        return None
    quoted = _QUOTED.findall(found.group("text"))
    text = quoted[0][0] or quoted[0][1] if quoted else found.group("text")
    return make_anchor(level, text)


def _parse_threshold(line: str, where: str, errors: list[str]) -> float:
    found = _THRESHOLD.match(line)
    assert found is not None
    try:
        value = float(found.group("value"))
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        errors.append(f"{where}: anchor_threshold must be in (0, 1]")
        return DEFAULT_THRESHOLD
    return value


def make_anchor(level: str, text: str) -> Anchor:
    """An anchor with its precomputed word uni/bigram set."""
    return Anchor(level, text, frozenset(grams(text)))


def grams(text: str) -> set[str]:
    """Word unigrams and bigrams (with start/end markers) used for anchor similarity."""
    tokens = tokenize(text)
    out = set(tokens)
    out.update(map(" ".join, zip(("^", *tokens), (*tokens, "$"), strict=True)))
    return out


def nearest_anchor(routes: Routes, text: str) -> tuple[Anchor, float] | None:
    """The most similar anchor at or above the threshold, if any."""
    if not routes.anchors or not text:
        return None
    ask = grams(text)
    shared = [0] * len(routes.anchors)
    for gram in ask:
        for i in routes.by_gram.get(gram, ()):
            shared[i] += 1
    best: tuple[Anchor, float] | None = None
    for i, common in enumerate(shared):
        if not common:
            continue
        anchor = routes.anchors[i]
        sim = common / math.sqrt(len(ask) * len(anchor.grams))
        if sim >= routes.anchor_threshold and (best is None or sim > best[1]):
            best = (anchor, sim)
    return best


def apply_rules(routes: Routes, ask: Ask, decision: Decision, *, anchors: bool = True) -> Decision:
    """Apply ROUTES.md anchors (unless ``anchors=False``) and then its rules."""
    if anchors:
        decision = _apply_anchor(routes, ask, decision)
    for rule in routes.rules:
        if rule.pattern.search(ask.text) or (ask.context and rule.pattern.search(ask.context)):
            decision = _apply_rule(rule, decision)
    return decision


def _apply_anchor(routes: Routes, ask: Ask, decision: Decision) -> Decision:
    # A follow-up that hands work back is compared on the work, not on its "ok".
    found = nearest_anchor(routes, ask.context or ask.text)
    if found is None:
        return decision
    anchor, sim = found
    reason = f"close to example {anchor.text!r} ({sim:.2f})"
    return Decision(anchor.level, round(sim, 4), decision.classifier + "+anchor", reason)


def _apply_rule(rule: Rule, decision: Decision) -> Decision:
    current, target = LEVEL_INDEX[decision.level], LEVEL_INDEX[rule.level]
    if rule.op == ">=":
        target = max(current, target)
    elif rule.op == "<=":
        target = min(current, target)
    if target == current and rule.op != "=":
        return decision
    reason = f"{decision.reason}; rule line {rule.line} {rule.pattern.pattern!r}"
    return Decision(LEVELS[target], decision.confidence, decision.classifier + "+rules", reason)
