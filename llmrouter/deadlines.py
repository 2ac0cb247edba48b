"""The time limits of one upstream attempt, and the registry of the streams being relayed.

`Clock` knows an attempt's limits (first byte, idle between reads, total) and enforces the idle
limit on a stream with one timer instead of a re-armed one per read. `Streams` lets shutdown
wait for the streams in flight and then end the rest by expiring their deadlines. Neither does
I/O; both only schedule callbacks on the running loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from llmrouter.config import Timeouts
from llmrouter.errors import UpstreamTimeout


class Clock:
    """The limits of one attempt: first byte, then idle between reads, never past total.

    One timer enforces them all, instead of a deadline re-armed on every read (that cost more
    than relaying the read): a read only stamps `last_read`; the timer looks at the earliest
    moment the attempt could be over a limit and either expires the watched deadline or looks
    again later."""

    def __init__(self, t: Timeouts) -> None:
        self.t = t
        self.loop = asyncio.get_running_loop()
        self.last_read = self.loop.time()
        self.end = self.last_read + t.total
        self.phase = "first byte"
        self.limit = t.first_byte  # allowed since `last_read`: the idle limit after a read
        self.deadline: Any = None
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, deadline: Any) -> None:
        """Expire `deadline` (an asyncio timeout entered with no time) when a limit is hit."""
        self.deadline = deadline
        self._check()

    def read(self) -> None:
        """Bytes came: from now on the idle limit counts, from this moment."""
        self.last_read = self.loop.time()
        if self.phase == "first byte":
            self.phase, self.limit = "idle", self.t.idle

    def unwatch(self) -> None:
        self.deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        now = self.loop.time()
        due = min(self.last_read + self.limit, self.end)
        if now >= due:
            self._timer = None
            self.deadline.reschedule(now)
        else:
            self._timer = self.loop.call_at(due, self._check)

    def abort(self) -> None:
        """End the stream now (shutdown): its deadline expires and it ends with an error. (A
        stream between deadlines is writing its last bytes: it ends by itself.)"""
        self.phase = "shutdown"
        self.end = self.loop.time()
        deadline = self.deadline
        self.unwatch()
        if deadline is not None:
            deadline.reschedule(self.end)

    def timeout_error(self, name: str) -> UpstreamTimeout:
        if self.phase == "shutdown":
            return UpstreamTimeout(
                "The router is shutting down; the stream was ended.",
                provider=name,
                code="router_shutdown",
                status=503,
            )
        phase, limit = self.phase, self.t.first_byte if self.phase == "first byte" else self.t.idle
        if self.loop.time() >= self.end - 0.001:
            phase, limit = "total", self.t.total
        return UpstreamTimeout(f"{name} timed out ({phase} limit {limit:g} s)", provider=name)


class Streams:
    """The streams being relayed right now, so that shutdown can wait for them and then end
    the stragglers with an error event (by expiring their deadline)."""

    def __init__(self) -> None:
        self._live: set[Clock] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._live)

    def add(self, clock: Clock) -> None:
        self._live.add(clock)
        self._idle.clear()

    def discard(self, clock: Clock) -> None:
        self._live.discard(clock)
        if not self._live:
            self._idle.set()

    async def drain(self, grace_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace_s)
        for clock in list(self._live):
            clock.abort()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), 5.0)
