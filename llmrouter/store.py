"""A small key-value store with expiry and a size bound: the state interface routing keeps.

Sticky routing, provider cool-downs and Gemini thought signatures all keep short-lived state
per key. They talk to it through `Store` so that several router instances can later share it
(Redis, say) without touching their code. `MemoryStore` is the in-process implementation:
least recently used entries go first when it is full, and entries expire after their TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

V = TypeVar("V")


class Store(Protocol[V]):
    def get(self, key: str) -> V | None: ...

    def set(self, key: str, value: V, ttl_s: float) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryStore(Generic[V]):
    """Bounded LRU with per-entry expiry; `clock` is injectable for tests."""

    def __init__(self, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.max_items = max_items
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self.clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def set(self, key: str, value: V, ttl_s: float) -> None:
        self._items[key] = (self.clock() + ttl_s, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def delete(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
