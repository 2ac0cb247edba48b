"""Level + config → the route: which `provider:model` answers, and what to try after it.

`Router.route(body)` reads the request's `model` field: a router alias classifies, a level name
forces that level, `provider:model` or a known model id goes straight there. The level table is
resolved once, when the router is built, from the config and from which providers can be used.
No I/O here except awaiting the classifier it is given.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmrouter.classify import LEVELS, Decision
from llmrouter.config import Config, ModelRef
from llmrouter.errors import ModelNotFound, NoProviderConfigured

ROUTER_ALIASES = frozenset({"llm-router", "auto", "local-router"})
# Bare model ids of well-known families go to their own provider.
FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^claude-"), "anthropic"),
    (re.compile(r"^(gpt-|o1|o3|o4|chatgpt-)"), "openai"),
    (re.compile(r"^gemini-"), "google"),
    (re.compile(r"^(kimi-|moonshot-)"), "kimi"),
    (re.compile(r"^deepseek-"), "deepseek"),
)
KEY_HINT = (
    "set ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY or MOONSHOT_API_KEY, start Ollama on "
    "localhost:11434, or map the levels to your providers under `models:` in config.yaml"
)

Classify = Callable[[list[dict[str, Any]]], Awaitable[Decision]]


@dataclass(frozen=True)
class Route:
    level: str  # a level name, or "direct" when the client named the model
    candidates: tuple[ModelRef, ...]
    decision: Decision | None = None

    @property
    def primary(self) -> ModelRef:
        return self.candidates[0]


class Router:
    def __init__(self, config: Config, usable: Mapping[str, bool], classify: Classify) -> None:
        self.config = config
        self.usable = usable
        self.classify = classify
        self.levels = resolve_levels(config, usable)
        # level → its candidates, then the level's and the default fallbacks, each once
        fallbacks = config.fallbacks
        self._candidates = {
            level: tuple(
                dict.fromkeys((*refs, *fallbacks.get(level, ()), *fallbacks.get("default", ())))
            )
            for level, refs in self.levels.items()
        }

    def model_ids(self) -> list[str]:
        """Every `provider:model` a client may name (for /v1/models)."""
        refs = [r for refs in self.config.models.values() for r in refs if self.usable_ref(r)]
        refs += [r for refs in self.config.fallbacks.values() for r in refs]
        return list(dict.fromkeys(str(r) for r in refs))

    def usable_ref(self, ref: ModelRef) -> bool:
        return self.usable.get(ref.provider, False)

    async def route(self, body: dict[str, Any]) -> Route:
        name = str(body.get("model") or "llm-router").strip()
        forced = _forced_level(name)
        if forced is not None:
            return self.level_route(forced, None, body)
        if name in ROUTER_ALIASES:
            decision = await self.classify(body["messages"])
            return self.level_route(decision.level, decision, body)
        ref = self.direct_ref(name)
        return Route("direct", (ref, *self.config.fallbacks.get(str(ref), ())))

    def direct_ref(self, name: str) -> ModelRef:
        provider, sep, model = name.partition(":")
        if sep and provider in self.config.providers and model:
            return ModelRef(provider, model)
        for refs in self.config.models.values():
            for ref in refs:
                if ref.model == name:
                    return ref
        for pattern, family in FAMILIES:
            if pattern.match(name) and self.usable.get(family):
                return ModelRef(family, name)
        accepted = ", ".join(["llm-router", *LEVELS, *self.model_ids()])
        raise ModelNotFound(
            f"The model '{name}' is not known to this router. Accepted: {accepted}, any "
            "provider:model of a configured provider, or a bare id of a configured provider's "
            "family (claude-*, gpt-*, o1/o3/o4*, gemini-*, kimi-*/moonshot-*).",
            param="model",
        )

    def level_route(self, level: str, decision: Decision | None, body: dict[str, Any]) -> Route:
        tools = self.config.tools
        if body.get("tools"):
            if tools.model is not None:
                return Route(level, (tools.model,), decision)
            level = max(level, tools.min_complexity, key=LEVELS.index)
        if not self.levels.get(level):
            raise NoProviderConfigured(f"No model is available for level '{level}': {KEY_HINT}.")
        return Route(level, self._candidates[level], decision)


def _forced_level(name: str) -> str | None:
    if name in LEVELS:
        return name
    alias, sep, level = name.partition(":")
    if sep and alias in ROUTER_ALIASES and level in LEVELS:
        return level
    return None


def resolve_levels(config: Config, usable: Mapping[str, bool]) -> dict[str, tuple[ModelRef, ...]]:
    """Level → candidates. A level that lists several models keeps those whose provider can be
    used (the first is the primary); a level given as one model keeps it as it is (the client's
    own key may serve it). A level with nothing falls back to the nearest level above, else
    below."""
    own: dict[str, tuple[ModelRef, ...]] = {}
    for level, refs in config.models.items():
        own[level] = refs if len(refs) == 1 else tuple(r for r in refs if usable.get(r.provider))
    table: dict[str, tuple[ModelRef, ...]] = {}
    for i, level in enumerate(LEVELS):
        order = [*LEVELS[i:], *reversed(LEVELS[:i])]
        table[level] = next((own[lv] for lv in order if own.get(lv)), ())
    return table
