"""The classification pipeline the router awaits: extract the ask, recall or classify it, apply
ROUTES.md, remember it for the conversation.

`Pipeline` is built once per app. Modes (`classifier.mode`): `builtin` (the shipped model),
`llm` (an LLM through the router's own provider code, the built-in model as its fallback) and
`cascade` (the built-in model when it is confident enough, else the LLM). An LLM that times out,
fails or answers nonsense falls back to the built-in model; such fallbacks are counted and
logged at most once a minute. LLM answers are cached by the normalised classified text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmrouter.classify import BuiltinClassifier, Decision, Routes, apply_rules, extract_ask
from llmrouter.classify.extract import Ask
from llmrouter.classify.llm import parse_level, system_prompt, user_prompt
from llmrouter.classify.routes import load_routes
from llmrouter.classify.sticky import Sticky, conversation_key
from llmrouter.config import ClassifierConfig
from llmrouter.errors import RouterError
from llmrouter.store import MemoryStore

log = logging.getLogger(__name__)
PACKAGED_ROUTES = Path(__file__).resolve().parent.parent / "defaults" / "ROUTES.md"
# An LLM call: (chat request body) → the completion dict. Built by the app around
# forward.complete so that this module holds no network code.
AskLLM = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def find_routes(configured: Path | None) -> Path | None:
    """ROUTES.md: the configured path, else ./ROUTES.md, else the copy shipped in the package."""
    for path in (configured, Path("ROUTES.md"), PACKAGED_ROUTES):
        if path is not None and path.is_file():
            return path
    return None


@dataclass
class FallbackCounter:
    """Counts LLM-classifier fallbacks; logs at most once per `every_s`."""

    every_s: float = 60.0
    total: int = 0
    _pending: int = 0
    _last_log: float = 0.0

    def add(self, why: str) -> None:
        self.total += 1
        self._pending += 1
        now = time.monotonic()
        if now - self._last_log >= self.every_s:
            log.warning(
                "LLM classifier fell back to the built-in classifier %d time(s) since the last "
                "report (latest: %s)",
                self._pending,
                why,
            )
            self._pending, self._last_log = 0, now


class Pipeline:
    def __init__(
        self,
        config: ClassifierConfig,
        routes: Routes | None,
        *,
        model: BuiltinClassifier | None = None,
        llm: AskLLM | None = None,
        llm_name: str = "",
        sticky: Sticky | None = None,
    ) -> None:
        self.config = config
        self.routes = routes
        self.builtin = model or BuiltinClassifier.from_file()
        self.llm = llm if config.mode != "builtin" else None
        self.llm_name = llm_name
        self.sticky = sticky or Sticky("off", 0)
        self.cache: MemoryStore[Decision] = MemoryStore(4096)
        self.fallbacks = FallbackCounter()
        self.llm_calls = 0
        self.system = system_prompt(routes)

    @property
    def name(self) -> str:
        return self.config.mode if self.llm is None else f"{self.config.mode}:{self.llm_name}"

    @staticmethod
    def load_routes(configured: Path | None) -> Routes | None:
        path = find_routes(configured)
        return load_routes(path) if path is not None else None

    async def __call__(self, messages: list[dict[str, Any]]) -> Decision:
        ask = extract_ask(messages)
        if self.sticky.mode == "off":
            return await self.decide(ask)
        key = conversation_key(ask, messages)
        recalled = self.sticky.recall(key, ask)
        if recalled is not None:
            return recalled
        decision = await self.decide(ask)
        return self.sticky.settle(key, ask, decision)

    async def decide(self, ask: Ask) -> Decision:
        """Classify one ask (no conversation state): classifier, then ROUTES.md."""
        decision = self.builtin.classify_ask(ask)
        if self.llm is not None and not (
            self.config.mode == "cascade" and decision.confidence >= self.config.cascade_threshold
        ):
            decision = await self._ask_llm(ask, decision)
        if self.routes is not None:
            decision = apply_rules(self.routes, ask, decision)
        return decision

    def decide_now(self, messages: Sequence[Mapping[str, Any]]) -> Decision:
        """The built-in path only, synchronously (the `classify` command, benchmarks)."""
        ask = extract_ask(messages)
        decision = self.builtin.classify_ask(ask)
        return apply_rules(self.routes, ask, decision) if self.routes is not None else decision

    async def _ask_llm(self, ask: Ask, builtin: Decision) -> Decision:
        assert self.llm is not None
        cache_key = " ".join((ask.context + "\x00" + ask.text).lower().split())
        cached = self.cache.get(cache_key)
        if cached is not None:
            return cached
        body = {
            "messages": [
                {"role": "system", "content": self.system},
                {"role": "user", "content": user_prompt(ask)},
            ],
            "temperature": 0,
            "max_tokens": 16,
            "stream": False,
        }
        self.llm_calls += 1
        try:
            completion = await asyncio.wait_for(self.llm(body), self.config.timeout_s)
            answer = completion["choices"][0]["message"].get("content") or ""
        except TimeoutError:
            return self._fallback(builtin, f"no answer within {self.config.timeout_s:g} s")
        except (RouterError, KeyError, IndexError, TypeError, AttributeError) as exc:
            return self._fallback(builtin, f"{type(exc).__name__}: {exc}"[:200])
        level = parse_level(str(answer))
        if level is None:
            return self._fallback(builtin, "the answer named no level")
        decision = Decision(level, 1.0, self.llm_name, "LLM classifier")
        self.cache.set(cache_key, decision, 3600.0)
        return decision

    def _fallback(self, builtin: Decision, why: str) -> Decision:
        self.fallbacks.add(why)
        return Decision(
            builtin.level,
            builtin.confidence,
            builtin.classifier,
            f"{builtin.reason}; LLM classifier failed: {why}",
        )
