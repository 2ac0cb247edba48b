"""Per-model cool-downs: a model that said 429 with `retry-after`, or failed N times in a row,
is skipped until its cool-down ends, so a dead provider costs one failed attempt, not one per
request.

State lives behind the `Store` interface (shared later, e.g. in Redis, without touching this
code). Pure bookkeeping: the caller reports outcomes and asks which candidates are open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llmrouter.config import ModelRef
from llmrouter.store import MemoryStore, Store

MAX_RETRY_AFTER_S = 600.0


@dataclass(frozen=True)
class Health:
    failures: int = 0
    open_until: float = 0.0  # monotonic time before which the model is skipped


class Breaker:
    def __init__(
        self,
        failures: int = 3,
        cooldown_s: float = 30.0,
        store: Store[Health] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.store: Store[Health] = store if store is not None else MemoryStore(10_000, clock)

    def usable(self, refs: Sequence[ModelRef]) -> list[ModelRef]:
        """The candidates not cooling down, in order; all of them when every one is (trying a
        cooling model beats failing without trying)."""
        now = self.clock()
        open_ = [r for r in refs if (h := self.store.get(str(r))) is None or h.open_until <= now]
        return open_ or list(refs)

    def success(self, ref: ModelRef) -> None:
        self.store.delete(str(ref))

    def failure(self, ref: ModelRef, retry_after: str | None = None) -> None:
        health = self.store.get(str(ref)) or Health()
        failures = health.failures + 1
        until = health.open_until
        wait = _seconds(retry_after)
        if wait is not None:
            until = max(until, self.clock() + min(wait, MAX_RETRY_AFTER_S))
        if failures >= self.failures:
            until = max(until, self.clock() + self.cooldown_s)
        self.store.set(str(ref), Health(failures, until), self.cooldown_s + MAX_RETRY_AFTER_S)


def _seconds(retry_after: str | None) -> float | None:
    """`retry-after` in seconds (the HTTP-date form is rare from LLM APIs and is ignored)."""
    if not retry_after:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        return None
