"""How OpenAI chunks are written to the client: the OpenAI SSE framing.

An egress is pure: it turns the chunks a translator produced into the bytes the client reads,
knows how to close the stream (`done`) or end it with an error (`error`), and renders a whole
`chat.completion` for a client that did not stream (`whole`). Its `wire` names the client's
format: a provider of the same wire has its bytes copied through instead. The Anthropic
Messages ingress (llmrouter/ingress/) adds a second egress with the same methods.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson

from llmrouter.chunks import Chunk
from llmrouter.errors import RouterError
from llmrouter.sse import DONE, encode_data


class Egress(Protocol):
    wire: str  # the client's wire format: a provider with the same one is copied through
    content_type: str

    def encode(self, chunks: list[Chunk]) -> bytes: ...

    def done(self) -> bytes: ...

    def error(self, error: RouterError) -> bytes: ...

    def whole(self, completion: dict[str, Any]) -> bytes: ...


class OpenAIEgress:
    """`data: {chunk}` per chunk, `data: [DONE]` at the end; the usage-only chunk is kept only
    when the client asked for it with `stream_options.include_usage`."""

    wire = "openai"
    content_type = "text/event-stream"

    def __init__(self, *, include_usage: bool) -> None:
        self.include_usage = include_usage

    def encode(self, chunks: list[Chunk]) -> bytes:
        keep_usage = self.include_usage
        kept = [
            orjson.dumps(chunk)
            for chunk in chunks
            if keep_usage or chunk.get("choices") or "usage" not in chunk
        ]
        return b"data: " + b"\n\ndata: ".join(kept) + b"\n\n" if kept else b""  # encode_data

    def done(self) -> bytes:
        return DONE

    def error(self, error: RouterError) -> bytes:
        return encode_data(error.body())

    def whole(self, completion: dict[str, Any]) -> bytes:
        return orjson.dumps(completion)
