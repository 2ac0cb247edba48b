"""Model prices: dollars per million tokens, and the cost of one request's usage.

Owns the `Price` record, the validation of a `prices:` table (the shipped `config/prices.yaml`
and the user's `prices:` section use the same rules, every problem with its key path), and
`PriceTable.find(provider, model)`. It does no I/O except reading the shipped table once, at
start-up, and never touches the network or the environment.

A table key is a model id (`gpt-4.1`), a `provider:model` pair (`openrouter:gpt-4.1`) or a
provider wildcard (`local:*`). Lookup order: `provider:model`, `provider:*`, the model id, then
the longest model-id key the id starts with followed by `-` (dated ids such as
`claude-sonnet-4-5-20250929` or `gpt-4o-mini-2024-07-18` find their family's price).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SHIPPED_PRICES = Path(__file__).resolve().parent.parent / "config" / "prices.yaml"
_FIELDS = ("input", "output", "cached_input")


@dataclass(frozen=True)
class Price:
    """Dollars per million input, output and cached-input tokens."""

    input: float
    output: float
    cached_input: float

    def cost(self, prompt: int, completion: int, cached: int = 0) -> float:
        """`prompt` includes `cached` (OpenAI's usage counts cache reads in prompt_tokens)."""
        cached = min(max(cached, 0), prompt)
        fresh = prompt - cached
        return (fresh * self.input + cached * self.cached_input + completion * self.output) / 1e6


FREE = Price(0.0, 0.0, 0.0)


def read_prices(raw: Any, path: str, problems: list[str]) -> dict[str, Price]:
    """Validate a `prices:` mapping; problems are appended as `path.key.field: ...` lines."""
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a mapping of model → {{input, output, cached_input}}")
        return {}
    table: dict[str, Price] = {}
    for key, entry in raw.items():
        where = f"{path}.{key}"
        if not isinstance(key, str) or not key.strip():
            problems.append(f"{where}: the key must be a model id, provider:model or provider:*")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping with input, output (and cached_input)")
            continue
        for name in entry:
            if name not in _FIELDS:
                problems.append(f"{where}.{name}: unknown field (fields: {', '.join(_FIELDS)})")
        values: dict[str, float] = {}
        for name in _FIELDS:
            value = entry.get(name)
            if value is None:
                if name != "cached_input":
                    problems.append(f"{where}.{name}: required (dollars per million tokens)")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                problems.append(f"{where}.{name}: must be a number ≥ 0, got {value!r}")
                continue
            values[name] = float(value)
        if "input" in values and "output" in values:
            cached = values.get("cached_input", values["input"])
            table[key.strip()] = Price(values["input"], values["output"], cached)
    return table


def load_shipped(path: Path = SHIPPED_PRICES) -> dict[str, Price]:
    """The price table shipped in `config/prices.yaml` (empty when it is not there)."""
    if not path.is_file():
        return {}
    problems: list[str] = []
    table = read_prices(yaml.safe_load(path.read_text(encoding="utf-8")), str(path), problems)
    if problems:
        raise ValueError("\n".join(problems))
    return table


class PriceTable:
    """Shipped prices overridden by the user's; providers in `free` (local servers) cost 0."""

    def __init__(self, entries: Mapping[str, Price], *, free: frozenset[str] = frozenset()) -> None:
        self.entries = dict(entries)
        self.free = free
        self._families = sorted((k for k in self.entries if ":" not in k), key=len, reverse=True)
        self._found: dict[tuple[str, str], Price | None] = {}

    @classmethod
    def build(
        cls, overrides: Mapping[str, Price], *, free: frozenset[str] = frozenset()
    ) -> PriceTable:
        return cls({**load_shipped(), **overrides}, free=free)

    def find(self, provider: str, model: str) -> Price | None:
        """The price of a model, looked up once per (provider, model) and then remembered."""
        key = (provider, model)
        if key not in self._found:
            if len(self._found) > 4096:  # model names come from upstreams: keep it bounded
                self._found.clear()
            self._found[key] = self._lookup(provider, model)
        return self._found[key]

    def _lookup(self, provider: str, model: str) -> Price | None:
        entries = self.entries
        for key in (f"{provider}:{model}", f"{provider}:*", model):
            if key in entries:
                return entries[key]
        for family in self._families:
            if model.startswith(family + "-"):
                return entries[family]
        return FREE if provider in self.free else None
