"""Server-sent events: the incremental decoder (bytes → lines → events) and the one encoder.

The decoder follows the WHATWG event-stream rules: lines end in CRLF, LF or CR; a blank line
dispatches the event; `data` lines are joined with "\\n"; a leading space after the colon is
dropped; comment lines (starting with ":") and unknown fields are ignored. It splits on bytes
and decodes UTF-8 only for complete lines, so a multi-byte character cut across network reads
survives. It does no I/O: feed it bytes with `decode(data)`, call `flush()` at end of input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from llmrouter.errors import UpstreamProtocolError

DONE = b"data: [DONE]\n\n"
MAX_LINE = 16 << 20  # no real event line comes near this; a longer one is a broken upstream


def line_too_long() -> UpstreamProtocolError:
    return UpstreamProtocolError(
        f"the upstream sent a stream line longer than {MAX_LINE >> 20} MiB", provider="upstream"
    )


@dataclass(slots=True)
class SSEEvent:
    """One dispatched event: its type ("message" when the stream named none) and its data."""

    event: str
    data: str


class SSEDecoder:
    """Incremental event-stream decoder with the two-method protocol `decode` / `flush`."""

    __slots__ = ("_buf", "_data", "_event", "_skip_lf")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[str] = []
        self._event = ""
        self._skip_lf = False

    def decode(self, chunk: bytes) -> list[SSEEvent]:
        """Feed raw bytes; return the events completed by them."""
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" not in buf:
            return self._decode_lf(buf)
        if buf[-1:] != b"\r" and buf.count(b"\r") == buf.count(b"\r\n"):
            return self._decode_lf(buf.replace(b"\r\n", b"\n"))  # CRLF only (Gemini's)
        lines = buf.splitlines(keepends=True)
        if lines and not lines[-1].endswith((b"\n", b"\r")):
            self._buf = lines.pop()
            if len(self._buf) > MAX_LINE:
                raise line_too_long()
        else:
            self._buf = b""
        if lines and lines[-1].endswith(b"\r"):
            self._skip_lf = True  # a CR at the end of a read may be the first half of a CRLF
        events: list[SSEEvent] = []
        for raw in lines:
            event = self._line(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        return events

    def _decode_lf(self, buf: bytes) -> list[SSEEvent]:
        """The usual case, LF line ends only: every complete line decoded in one go and read
        in one loop (this runs for every event of every translated stream)."""
        end = buf.rfind(b"\n") + 1
        self._buf = buf[end:]
        if len(self._buf) > MAX_LINE:
            raise line_too_long()
        events: list[SSEEvent] = []
        data, name = self._data, self._event
        for line in buf[:end].decode("utf-8", "replace").split("\n")[:-1]:
            if not line:  # a blank line dispatches the event
                if data:
                    events.append(SSEEvent(name or "message", "\n".join(data)))
                    data = []
                name = ""
            elif line.startswith("data:"):
                data.append(line[6:] if line[5:6] == " " else line[5:])
            elif line.startswith("event:"):
                name = line[7:] if line[6:7] == " " else line[6:]
            elif line[0] != ":":
                field, sep, value = line.partition(":")
                if sep and value[:1] == " ":
                    value = value[1:]
                if field == "data":
                    data.append(value)
                elif field == "event":
                    name = value
        self._data, self._event = data, name
        return events

    def flush(self) -> list[SSEEvent]:
        """End of input: a last line without its terminator still counts, then dispatch."""
        events: list[SSEEvent] = []
        if self._buf:
            self._line(self._buf.decode("utf-8", "replace"))
            self._buf = b""
        event = self._line("")
        if event is not None:
            events.append(event)
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if not line:
            if not self._data:
                self._event = ""
                return None
            event = SSEEvent(self._event or "message", "\n".join(self._data))
            self._data = []
            self._event = ""
            return event
        if line[0] == ":":
            return None
        name, sep, value = line.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None


def encode_data(obj: Any) -> bytes:
    """One `data:` event carrying `obj` as compact JSON (the OpenAI chunk framing)."""
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def encode_event(name: str, obj: Any) -> bytes:
    """One named event (`event:` then `data:`), as the Anthropic Messages stream frames them."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(obj) + b"\n\n"
