"""Sticky routing: the requests of one conversation keep their level through a tool loop.

A conversation is keyed by OpenClaw's `sessionId` when present, else by a hash of the system
prompt and the first user message. While the last real user request is unchanged (the agent is
still working on it), the level decided for it is reused without classifying again. With
`upgrade_only`, a conversation also never moves to a cheaper level within the TTL, so provider
prompt caches are not thrown away. State lives behind the `Store` interface, bounded in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmrouter.classify import LEVEL_INDEX, Decision
from llmrouter.classify.extract import Ask, message_text
from llmrouter.store import MemoryStore, Store


@dataclass(frozen=True)
class Stuck:
    ask: str  # digest of the request the level was decided for
    decision: Decision


def conversation_key(ask: Ask, messages: Sequence[Mapping[str, Any]]) -> str:
    if ask.conversation_key:
        return "session:" + ask.conversation_key
    system = next((m for m in messages if m.get("role") in ("system", "developer")), None)
    first = next((m for m in messages if m.get("role") == "user"), None)
    text = (
        (message_text(system)[0] if system else "")
        + "\x00"
        + (message_text(first)[0] if first else "")
    )
    return "hash:" + _digest(text)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


class Sticky:
    def __init__(self, mode: str, ttl_s: float, store: Store[Stuck] | None = None) -> None:
        self.mode = mode
        self.ttl_s = ttl_s
        self.store: Store[Stuck] = store if store is not None else MemoryStore(50_000)

    def recall(self, key: str, ask: Ask) -> Decision | None:
        """The decision already made for this very request of this conversation, if any."""
        if self.mode == "off":
            return None
        stuck = self.store.get(key)
        if stuck is None or stuck.ask != _digest(ask.text):
            return None
        self.store.set(key, stuck, self.ttl_s)
        old = stuck.decision
        return Decision(
            old.level,
            old.confidence,
            "sticky",
            f"same request as before in this conversation ({old.classifier})",
        )

    def settle(self, key: str, ask: Ask, decision: Decision) -> Decision:
        """Remember a new decision; with upgrade_only never go below the previous level."""
        if self.mode == "off":
            return decision
        previous = self.store.get(key)
        if (
            self.mode == "upgrade_only"
            and previous is not None
            and LEVEL_INDEX[previous.decision.level] > LEVEL_INDEX[decision.level]
        ):
            decision = Decision(
                previous.decision.level,
                decision.confidence,
                decision.classifier,
                f"kept {previous.decision.level} (upgrade_only); {decision.reason}",
            )
        self.store.set(key, Stuck(_digest(ask.text), decision), self.ttl_s)
        return decision
