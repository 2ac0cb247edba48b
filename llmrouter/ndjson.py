"""Newline-delimited JSON framing: the incremental decoder for NDJSON streams (Ollama).

Same two-method protocol as the SSE decoder: `decode(data)` returns the complete lines the
bytes finished, `flush()` the last line when the input ended without a newline. It splits
on bytes and leaves parsing to the translator, so a multi-byte character cut across reads
survives. Blank lines are skipped; a trailing CR is dropped; a line over 16 MiB is a protocol
error. No I/O, no JSON parsing.
"""

from __future__ import annotations

from llmrouter.sse import MAX_LINE, line_too_long


class NDJSONDecoder:
    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def decode(self, chunk: bytes) -> list[bytes]:
        """Feed raw bytes; return the lines completed by them (without their newline)."""
        buf = self._buf + chunk if self._buf else chunk
        end = buf.rfind(b"\n")
        if end < 0:
            if len(buf) > MAX_LINE:
                raise line_too_long()
            self._buf = buf
            return []
        self._buf = buf[end + 1 :]
        return [line for line in (raw.rstrip(b"\r") for raw in buf[:end].split(b"\n")) if line]

    def flush(self) -> list[bytes]:
        """End of input: an unterminated last line still counts."""
        line, self._buf = self._buf.strip(), b""
        return [line] if line else []
