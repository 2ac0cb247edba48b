"""The Anthropic Messages stream copied byte for byte to an Anthropic client.

Owns `MessagesPassthrough`: it releases each complete SSE event as soon as its blank line
arrives, and parses only the few it must read: `message_start` and `message_delta` (usage,
kept in OpenAI shape for the access log and the stats), `message_stop` (the end) and `error`.
It never changes a byte and does no I/O.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from llmrouter.errors import UpstreamProtocolError
from llmrouter.providers.anthropic.response import openai_usage

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_DATA = re.compile(rb"^data: ?(.*)$", re.M)
# Only these events are parsed; every other one is copied without a look.
_WATCHED = (b'"message_start"', b'"message_delta"', b'"message_stop"', b'"error"')


class MessagesPassthrough:
    """Grammar (Messages API, "Streaming messages"): message_start, content blocks, ping,
    message_delta (cumulative usage), message_stop; an `error` event may end it instead."""

    __slots__ = ("_buf", "_raw_usage", "errored", "provider", "stopped", "usage")

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._buf = b""
        self._raw_usage: dict[str, int] = {}
        self.usage: dict[str, Any] | None = None
        self.stopped = False
        self.errored = False

    def feed(self, data: bytes) -> bytes:
        buf = self._buf + data if self._buf else data
        ends = list(_EVENT_END.finditer(buf))
        if not ends:
            self._buf = buf
            return b""
        cut = ends[-1].end()
        self._buf = buf[cut:]
        ready = buf[:cut]
        if any(word in ready for word in _WATCHED):
            start = 0
            for match in ends:
                self._look(buf[start : match.end()])
                start = match.end()
        return ready

    def finish(self) -> bytes:
        if self._buf.strip():
            self._look(self._buf)
        if not (self.stopped or self.errored):
            raise UpstreamProtocolError(
                f"{self.provider} closed the stream before message_stop", provider=self.provider
            )
        return self._buf

    def _look(self, event: bytes) -> None:
        if not any(word in event for word in _WATCHED):
            return
        data = b"\n".join(m.group(1).rstrip(b"\r") for m in _DATA.finditer(event))
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(payload, dict):
            return
        kind = payload.get("type")
        if kind == "message_start":
            self._merge((payload.get("message") or {}).get("usage"))
        elif kind == "message_delta":
            self._merge(payload.get("usage"))
        elif kind == "message_stop":
            self.stopped = True
        elif kind == "error":
            self.errored = True

    def _merge(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        for key, value in usage.items():
            if isinstance(value, int) and not isinstance(value, bool):
                self._raw_usage[key] = value
        self.usage = dict(openai_usage(self._raw_usage))
