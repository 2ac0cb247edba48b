"""Request classification: which of five levels of work a chat request asks for.

Public surface for the router:

- ``LEVELS``: the level names, cheapest first.
- ``Decision``: what every classifier returns (level, confidence, which classifier, why).
- ``Ask`` / ``extract_ask``: the last real user request, cleaned of OpenClaw wrappers.
- ``BuiltinClassifier``: the learned model shipped in ``model.json`` (pure Python).
- ``Routes`` / ``load_routes`` / ``apply_rules``: ROUTES.md, its anchors and rules,
  applied after any classifier.

This package does no network I/O and keeps no module-level mutable state; a
classifier instance owns its loaded parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS: tuple[str, ...] = ("super_easy", "easy", "medium", "hard", "super_hard")
LEVEL_INDEX: dict[str, int] = {name: i for i, name in enumerate(LEVELS)}


@dataclass(frozen=True)
class Decision:
    """A classifier's verdict on one request."""

    level: str
    confidence: float
    classifier: str
    reason: str


# Imported after Decision/LEVELS on purpose: the submodules import them from here.
from llmrouter.classify.builtin import BuiltinClassifier  # noqa: E402
from llmrouter.classify.extract import Ask, extract_ask  # noqa: E402
from llmrouter.classify.routes import Routes, apply_rules, load_routes  # noqa: E402

__all__ = [
    "LEVELS",
    "LEVEL_INDEX",
    "Ask",
    "BuiltinClassifier",
    "Decision",
    "Routes",
    "apply_rules",
    "extract_ask",
    "load_routes",
]
