"""The classification pipeline the router awaits: extract the ask, classify it, apply ROUTES.md.

`Pipeline` is built once per app from the config; calling it with a request's messages returns
a `Decision`. It owns its ROUTES.md (anchors and rules) and the loaded built-in model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from llmrouter.classify import BuiltinClassifier, Decision, Routes, apply_rules, extract_ask
from llmrouter.classify.routes import load_routes

PACKAGED_ROUTES = Path(__file__).resolve().parent.parent / "defaults" / "ROUTES.md"


def find_routes(configured: Path | None) -> Path | None:
    """ROUTES.md: the configured path, else ./ROUTES.md, else the copy shipped in the package."""
    for path in (configured, Path("ROUTES.md"), PACKAGED_ROUTES):
        if path is not None and path.is_file():
            return path
    return None


class Pipeline:
    name = "builtin"

    def __init__(self, routes: Routes | None, model: BuiltinClassifier | None = None) -> None:
        self.routes = routes
        self.model = model or BuiltinClassifier.from_file()

    @classmethod
    def from_path(cls, routes_path: Path | None) -> Pipeline:
        path = find_routes(routes_path)
        return cls(load_routes(path) if path is not None else None)

    def decide(self, messages: Sequence[Mapping[str, Any]]) -> Decision:
        ask = extract_ask(messages)
        decision = self.model.classify_ask(ask)
        if self.routes is not None:
            decision = apply_rules(self.routes, ask, decision)
        return decision

    async def __call__(self, messages: list[dict[str, Any]]) -> Decision:
        return self.decide(messages)
