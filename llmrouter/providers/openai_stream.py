"""OpenAI-format streams coming back from an upstream: the byte filter and the decoding parser.

`PassthroughFilter` copies an OpenAI SSE stream to an OpenAI client byte for byte, looking at
the raw bytes only for the usage chunk, `[DONE]` and error events. `ChunkParser` decodes the
same stream into chunk dicts when the client speaks another format (the Anthropic ingress).
`error_from_body` reads an OpenAI-style error. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from llmrouter.chunks import Chunk
from llmrouter.errors import UpstreamError, UpstreamProtocolError
from llmrouter.providers.base import retry_headers
from llmrouter.sse import DONE, SSEEvent, encode_data

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
# Anything worth a look: a usage object, [DONE], an error, a finish reason that is not null.
# Plain substring searches rather than one regex with alternatives, which scanned every byte of
# every read four ways. A usage object is found by a field it always has (`"usage": null`
# stands in every chunk); the spaced form covers servers that pretty-print.
_MARKERS = (
    b'"prompt_tokens"',
    b"[DONE]",
    b'"error"',
    b'"finish_reason":"',
    b'"finish_reason": "',
)


def _first_marker(data: bytes, start: int = 0) -> int:
    """Where the first marker at or after `start` begins in `data`, or -1."""
    first = -1
    for marker in _MARKERS:
        i = data.find(marker, start, first + len(marker) if first >= 0 else None)
        if i >= 0:
            first = i
    return first


TAIL_EVENTS = 4  # finish chunk, usage chunk, [DONE], and one to spare
MAX_EVENT = 16 << 20  # no real chunk comes near this; a larger one is a broken upstream


def error_from_body(
    provider: str, status: int, body: Any, headers: Mapping[str, str]
) -> UpstreamError:
    """An OpenAI-style error body (or any text) → UpstreamError keeping status and message."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or f"{provider} returned HTTP {status}")
        code = error.get("code")
        return UpstreamError(
            message,
            provider=provider,
            status=status,
            param=error.get("param") if isinstance(error.get("param"), str) else None,
            code=str(code) if code is not None else None,
            headers=retry_headers(headers),
        )
    text = error if isinstance(error, str) else body if isinstance(body, str) else ""
    message = f"{provider} returned HTTP {status}" + (f": {text}" if text else "")
    return UpstreamError(message, provider=provider, status=status, headers=retry_headers(headers))


class PassthroughFilter:
    """Copies an OpenAI SSE stream byte for byte, looking only at the events that matter.

    Grammar: `data: {chunk}` events, an optional usage chunk (`"choices": []` and a `usage`
    object) near the end, then `data: [DONE]`; an upstream failure is a `data: {"error": ...}`
    event. Complete events are released as soon as their blank line arrives, `[DONE]` too; a
    usage chunk the client asked for and did not get (Kimi puts usage inside the last choice)
    is put just before it. Nothing after `[DONE]` is relayed.
    """

    __slots__ = (
        "_buf",
        "_usage_chunk",
        "done",
        "errored",
        "finished",
        "keep_usage",
        "provider",
        "usage",
    )

    def __init__(self, provider: str, *, keep_usage: bool) -> None:
        self.provider = provider
        self.keep_usage = keep_usage
        self._buf = b""
        self.usage: dict[str, Any] | None = None
        self._usage_chunk: Chunk = {}
        self.done = False
        self.errored = False
        self.finished = False

    def feed(self, data: bytes) -> bytes:
        if self.done:
            return b""  # nothing follows [DONE]
        buf = self._buf + data if self._buf else data
        end = _last_event_end(buf)
        if end < 0:
            if len(buf) > MAX_EVENT:
                raise UpstreamProtocolError(
                    f"{self.provider} sent a stream event larger than {MAX_EVENT >> 20} MiB",
                    provider=self.provider,
                )
            self._buf = buf
            return b""
        if end == len(buf):  # the usual read: whole events, nothing to keep
            ready, self._buf = buf, b""
        else:
            ready, self._buf = buf[:end], buf[end:]
        # What matters comes last in an OpenAI stream: the finish chunk, the usage chunk,
        # [DONE], or an error that ends it. Only the last few events of a read are searched
        # and, from the first one worth a look, split and inspected; the content before them
        # (often a whole answer, from a fast upstream) goes out as is.
        tail = _tail_start(ready, TAIL_EVENTS)
        first = _first_marker(ready, tail)
        if first < 0:
            return ready
        cut = tail + max(_last_event_end(ready[tail:first]), 0)
        events = [self._event(e) for e in _split_events(ready[cut:])]
        return b"".join([memoryview(ready)[:cut], *events])

    def _event(self, event: bytes) -> bytes:
        if self.done:
            return b""
        payload = _data_of(event)
        if payload == b"[DONE]":
            self.done = True
            return self._owed() + event
        if payload is None or _first_marker(payload) < 0:
            return event
        try:
            chunk = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return event
        if not isinstance(chunk, dict):
            return event
        if "error" in chunk:
            self.errored = True
            return event
        choices = chunk.get("choices") or []
        if any(isinstance(c, dict) and c.get("finish_reason") for c in choices):
            self.finished = True
        usage = chunk.get("usage") or next(
            (c["usage"] for c in choices if isinstance(c, dict) and c.get("usage")), None
        )
        if isinstance(usage, dict):
            self.usage = usage
            self._usage_chunk = chunk
            if not choices and not self.keep_usage:
                return b""
            if not choices:
                self.keep_usage = False  # already delivered: do not add another
        return event

    def finish(self) -> bytes:
        """End of upstream input: nothing when `[DONE]` came, else the usage chunk if still
        owed, then `[DONE]`.

        Raises UpstreamProtocolError when the stream was cut before it was complete."""
        if self.errored or self.done:
            return b""
        if not self.finished:
            raise UpstreamProtocolError(
                f"{self.provider} closed the stream before it was complete",
                provider=self.provider,
            )
        return self._owed() + DONE

    def _owed(self) -> bytes:
        """The usage chunk the client asked for and has not had (Kimi's is inside a choice)."""
        if not (self.keep_usage and self.usage is not None):
            return b""
        self.keep_usage = False
        return encode_data({**self._usage_chunk, "choices": [], "usage": self.usage})


def _tail_start(ready: bytes, events: int) -> int:
    """Where the last `events` events of a block of complete events begin (0: all of it)."""
    if b"\r" in ready[-4:]:
        return 0  # CR line ends: rare; search the whole block
    pos = len(ready) - 2  # before the blank line that ends the last event
    for _ in range(events):
        i = ready.rfind(b"\n\n", 0, pos)
        if i < 0:
            return 0
        pos = i
    return pos + 2


def _last_event_end(buf: bytes) -> int:
    """Index just past the last blank line in `buf`, or -1."""
    i = buf.rfind(b"\n\n")
    end = i + 2 if i >= 0 else -1
    if b"\r" in buf[end:] if end >= 0 else b"\r" in buf:  # CR line ends: rarer, look further
        for sep in (b"\r\n\r\n", b"\r\r"):
            i = buf.rfind(sep)
            if i >= 0:
                end = max(end, i + len(sep))
    return end


def _split_events(block: bytes) -> list[bytes]:
    """A block of complete events → each event with its own terminating blank line."""
    if b"\r" not in block:
        return [event + b"\n\n" for event in block.split(b"\n\n")[:-1]]
    events = []
    start = 0
    for match in _EVENT_END.finditer(block):
        events.append(block[start : match.end()])
        start = match.end()
    return events


def _data_of(event: bytes) -> bytes | None:
    """The data of a one-line `data:` event (the form OpenAI-compatible servers send)."""
    line = event.strip()
    if not line.startswith(b"data:") or b"\n" in line:
        return None
    return line[5:].strip()


class ChunkParser:
    """OpenAI SSE events → OpenAI chunk dicts (used when the client is not an OpenAI client).

    Grammar: `data: {chunk}`* then `data: [DONE]`; `data: {"error": ...}` ends it in failure."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.done = False
        self.finished = False

    def feed(self, event: SSEEvent) -> list[Chunk]:
        if event.data == "[DONE]":
            self.done = True
            return []
        try:
            chunk = orjson.loads(event.data)
        except orjson.JSONDecodeError as exc:
            raise UpstreamProtocolError(
                f"{self.provider} sent a stream event that is not JSON", provider=self.provider
            ) from exc
        if not isinstance(chunk, dict):
            return []
        if "error" in chunk:
            raise error_from_body(self.provider, 502, chunk, {})
        if any(c.get("finish_reason") for c in chunk.get("choices") or ()):
            self.finished = True
        return [chunk]

    def finish(self) -> list[Chunk]:
        if not (self.done or self.finished):
            raise UpstreamProtocolError(
                f"{self.provider} closed the stream before it was complete", provider=self.provider
            )
        return []
