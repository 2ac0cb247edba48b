"""The contract every provider module fulfils, and the per-request context they read.

A provider does no I/O. It has three roles, one method each:
- `build_request(body, ctx)`: the OpenAI chat request → the upstream's URL, headers and body;
- `translator(ctx)` / `decoder()`: a pure stream translator (upstream events → OpenAI chunks)
  and the framing decoder that cuts the upstream bytes into those events;
- `parse_response(data, ctx)` / `parse_error(status, data, headers, ctx)`: a whole upstream
  body → a `chat.completion`, or → the router's own `UpstreamError`.
Providers that speak OpenAI's wire format set `passthrough = True`: `forward.py` then copies
their stream bytes to the client without decoding them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from llmrouter.chunks import Chunk
from llmrouter.config import ModelRef, ProviderConfig
from llmrouter.errors import UpstreamError


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class RequestContext:
    """What a provider may know about the request beyond its body."""

    ref: ModelRef
    stream: bool
    include_usage: bool = False
    client_key: str = field(default="", repr=False)
    reasoning_content: bool = True
    openclaw: bool = False
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    # Upstream tool name → the client's own spelling, set by build_request when a provider
    # renames tools on the way out (Anthropic OAuth: Claude Code's casing), read on the way in.
    tool_names: Mapping[str, str] = field(default_factory=dict)


class Decoder(Protocol):
    """Cuts upstream bytes into events (SSE events, NDJSON lines)."""

    def decode(self, chunk: bytes) -> list[Any]: ...

    def flush(self) -> list[Any]: ...


class Translator(Protocol):
    """Pure: upstream stream events in, OpenAI chunks out. `finish()` raises when the upstream
    stream ended before it was complete (an `UpstreamProtocolError`)."""

    def feed(self, event: Any) -> list[Chunk]: ...

    def finish(self) -> list[Chunk]: ...


class Provider(Protocol):
    config: ProviderConfig
    passthrough: bool

    def build_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest: ...

    def decoder(self) -> Decoder: ...

    def translator(self, ctx: RequestContext) -> Translator: ...

    def parse_response(self, data: bytes, ctx: RequestContext) -> dict[str, Any]: ...

    def parse_error(
        self, status: int, data: bytes, headers: Mapping[str, str], ctx: RequestContext
    ) -> UpstreamError: ...


def api_key(config: ProviderConfig, ctx: RequestContext) -> str:
    """The configured key wins; without one the client's own bearer is passed on."""
    return config.api_key or ctx.client_key


def retry_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of an upstream error worth passing on to the client."""
    value = headers.get("retry-after")
    return {"retry-after": value} if value else {}
