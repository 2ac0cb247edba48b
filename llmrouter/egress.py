"""How OpenAI chunks are written to the client: the OpenAI SSE framing.

An egress is pure: it turns the chunks a translator produced into the bytes the client reads,
and knows how to close the stream (`done`) or end it with an error (`error`). The Anthropic
Messages ingress adds a second egress with the same three methods.
"""

from __future__ import annotations

from typing import Protocol

from llmrouter.chunks import Chunk
from llmrouter.errors import RouterError
from llmrouter.sse import DONE, encode_data


class Egress(Protocol):
    passthrough: bool  # may an OpenAI-format upstream's bytes be copied through unchanged?
    content_type: str

    def encode(self, chunks: list[Chunk]) -> bytes: ...

    def done(self) -> bytes: ...

    def error(self, error: RouterError) -> bytes: ...


class OpenAIEgress:
    """`data: {chunk}` per chunk, `data: [DONE]` at the end; the usage-only chunk is kept only
    when the client asked for it with `stream_options.include_usage`."""

    passthrough = True
    content_type = "text/event-stream"

    def __init__(self, *, include_usage: bool) -> None:
        self.include_usage = include_usage

    def encode(self, chunks: list[Chunk]) -> bytes:
        return b"".join(
            encode_data(chunk)
            for chunk in chunks
            if self.include_usage or chunk.get("choices") or "usage" not in chunk
        )

    def done(self) -> bytes:
        return DONE

    def error(self, error: RouterError) -> bytes:
        return encode_data(error.body())
