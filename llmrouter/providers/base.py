"""The contract every provider module fulfils, and the per-request context they read.

A provider does no I/O. It has three roles, one method each:
- `build_request(body, ctx)`: the OpenAI chat request → the upstream's URL, headers and body;
- `translator(ctx)` / `decoder()`: a pure stream translator (upstream events → OpenAI chunks)
  and the framing decoder that cuts the upstream bytes into those events;
- `parse_response(data, ctx)` / `parse_error(status, data, headers, ctx)`: a whole upstream
  body → a `chat.completion`, or → the router's own `UpstreamError`.
Providers that speak OpenAI's wire format set `passthrough = True`. A provider whose wire
format a client can speak too (OpenAI, Anthropic Messages) also fulfils `Native`: when the
client's egress has the same `wire`, `forward.py` sends the client's own body through
`native_request` and copies the stream bytes through `passthrough_filter`, without decoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import orjson

from llmrouter.chunks import Chunk
from llmrouter.config import ModelRef, ProviderConfig
from llmrouter.errors import UpstreamError, UpstreamProtocolError


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
    # The client's own request when it is not an OpenAI one (the Anthropic ingress), for a
    # provider of the same wire format to send on as it is.
    native: NativeBody | None = None


@dataclass(frozen=True, slots=True)
class NativeBody:
    """A client request in its own wire format, with the protocol headers worth passing on."""

    wire: str
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


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


class PassthroughFilter(Protocol):
    """Copies a stream byte for byte, noting its usage (OpenAI shape) and its end; `finish()`
    returns what is still owed and raises `UpstreamProtocolError` for a cut stream."""

    usage: dict[str, Any] | None

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class Native(Provider, Protocol):
    """A provider whose requests and streams are in a wire format clients speak too."""

    wire: str

    def native_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest: ...

    def passthrough_filter(self, ctx: RequestContext) -> PassthroughFilter: ...


def native(provider: Provider, wire: str) -> Native | None:
    """`provider` when it speaks `wire` (so bytes can be copied both ways), else None."""
    if getattr(provider, "wire", None) == wire:
        return cast("Native", provider)
    return None


def api_key(config: ProviderConfig, ctx: RequestContext) -> str:
    """The configured key wins; without one the client's own bearer is passed on."""
    return config.api_key or ctx.client_key


def json_body(data: bytes, provider: str) -> Any:
    """A whole upstream body parsed as JSON, or the protocol error that says it is not."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UpstreamProtocolError(
            f"{provider} answered with a body that is not JSON", provider=provider
        ) from exc


def error_payload(data: bytes) -> Any:
    """An upstream error body: its JSON, or (a proxy's HTML page, plain text) its first 300
    characters."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data[:300].decode("utf-8", "replace").strip()


def retry_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of an upstream error worth passing on to the client."""
    value = headers.get("retry-after")
    return {"retry-after": value} if value else {}
