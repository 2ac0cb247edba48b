"""The only module that awaits upstream I/O: open the upstream call, relay it to the client.

Theory of operation: `relay()` tries the route's candidates in order. A candidate that fails
before the client has been sent anything (refused, timed out before the first byte, 429/5xx,
a 404 for the model) hands over to the next; once the first byte has been written to the
client the router never retries, and a later failure ends the stream with one error event.
One clock (deadlines.py) watches each attempt: connect + first byte, then the idle limit
after every read, never past the total. Network exceptions are caught here and only here, and
re-raised as the router's own errors. What the bytes become is `pipe.Pipe`'s business.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from llmrouter.breaker import Breaker
from llmrouter.config import ModelRef, Timeouts
from llmrouter.deadlines import Clock, Streams
from llmrouter.egress import Egress
from llmrouter.errors import (
    RouterError,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from llmrouter.pipe import Pipe
from llmrouter.providers.base import Provider, RequestContext, UpstreamRequest, native

if sys.version_info >= (3, 11):
    from asyncio import timeout_at as _deadline
else:  # aiohttp depends on async-timeout below 3.11
    from async_timeout import timeout_at as _deadline

log = logging.getLogger(__name__)
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504, 529})
MAX_ERROR_BODY = 1 << 20


@dataclass
class Outcome:
    """What happened to one request, for the access log and the metrics."""

    started: float = field(default_factory=time.perf_counter)
    provider: str = "-"
    model: str = "-"
    status: int = 0
    ttft_ms: float | None = None
    usage: dict[str, Any] | None = None
    attempts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Relay:
    """What outlives one request: the breaker's memory and the registry of live streams."""

    breaker: Breaker
    streams: Streams
    # Per-candidate request rewrite (OpenClaw identity), or None.
    prepare: Callable[[dict[str, Any], ModelRef], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Attempt:
    provider: Provider
    ref: ModelRef
    timeouts: Timeouts


async def relay(
    request: web.Request,
    session: aiohttp.ClientSession,
    attempts: list[Attempt],
    body: dict[str, Any],
    ctx: RequestContext,
    egress: Egress,
    headers: Mapping[str, str],
    outcome: Outcome,
    shared: Relay,
) -> web.StreamResponse:
    """Answer `request` from the first candidate that works."""
    last: RouterError | None = None
    for i, attempt in enumerate(attempts):
        ctx.ref = attempt.ref
        outcome.provider, outcome.model = attempt.ref.provider, attempt.ref.model
        try:
            sent = shared.prepare(body, attempt.ref) if shared.prepare else body
            response = await _attempt(
                request, session, attempt, sent, ctx, egress, headers, outcome, shared.streams
            )
        except UpstreamError as exc:
            outcome.attempts.append(f"{attempt.ref}={exc.status}")
            last = exc
            if not _may_retry(exc):
                raise
            shared.breaker.failure(attempt.ref, exc.headers.get("retry-after"))
            if i + 1 == len(attempts):
                raise
            log.warning("%s failed (%s); trying %s", attempt.ref, exc.status, attempts[i + 1].ref)
        else:
            shared.breaker.success(attempt.ref)
            return response
    assert last is not None
    raise last


def _may_retry(exc: UpstreamError) -> bool:
    return exc.status in RETRYABLE or (exc.status == 404 and exc.code == "model_not_found")


async def _attempt(
    request: web.Request,
    session: aiohttp.ClientSession,
    attempt: Attempt,
    body: dict[str, Any],
    ctx: RequestContext,
    egress: Egress,
    headers: Mapping[str, str],
    outcome: Outcome,
    streams: Streams,
) -> web.StreamResponse:
    provider, ref = attempt.provider, attempt.ref
    headers = {**headers, "x-llmrouter-provider": ref.provider, "x-llmrouter-model": ref.model}
    upstream = _build(provider, body, ctx, egress)
    clock = Clock(attempt.timeouts)
    with _NetworkErrors(provider.config.name, clock, _hint(provider)):
        async with _deadline(None) as deadline:
            clock.watch(deadline)
            try:
                async with _post(session, upstream, attempt.timeouts) as resp:
                    if resp.status >= 400:
                        data = await resp.content.read(MAX_ERROR_BODY)
                        raise provider.parse_error(resp.status, data, resp.headers, ctx)
                    if not ctx.stream or not _is_stream(resp):
                        data = await resp.read()
                        return _whole(provider, resp.status, data, ctx, egress, headers, outcome)
                    pipe = Pipe(provider, ctx, egress)
                    reader = resp.content.iter_any()
                    first = b""
                    async for data in reader:  # the client is sent nothing before the first bytes
                        clock.read()
                        first = pipe.feed(data)
                        if first:
                            break
                    else:  # ended without a byte for the client: fail now, while a retry can
                        first = pipe.finish()
                        pipe.finished = True
                    clock.unwatch()  # from here on _stream keeps its own deadline
                    streams.add(clock)
                    try:
                        return await _stream(
                            request, resp.content, reader, first, pipe, clock, headers, outcome
                        )
                    finally:
                        streams.discard(clock)
            finally:
                clock.unwatch()


def _build(
    provider: Provider, body: dict[str, Any], ctx: RequestContext, egress: Egress
) -> UpstreamRequest:
    """The upstream request: the client's own body when the provider speaks its wire format
    (a non-OpenAI client's request kept in `ctx.native`), else the OpenAI body translated."""
    same = native(provider, egress.wire)
    if same is not None and ctx.native is not None and ctx.native.wire == egress.wire:
        return same.native_request(ctx.native.body, ctx)
    return provider.build_request(body, ctx)


def _post(
    session: aiohttp.ClientSession, upstream: UpstreamRequest, t: Timeouts
) -> aiohttp.client._RequestContextManager:
    return session.post(
        upstream.url, data=upstream.body, headers=upstream.headers, timeout=_client_timeout(t)
    )


@functools.lru_cache(maxsize=64)
def _client_timeout(t: Timeouts) -> aiohttp.ClientTimeout:
    """aiohttp's own limit covers connecting only; the clock watches the rest."""
    return aiohttp.ClientTimeout(total=None, sock_connect=t.connect)


def _hint(provider: Provider) -> str:
    """What to tell the user when the provider cannot be reached (Ollama: start it)."""
    return str(getattr(provider, "unreachable_hint", ""))


class _NetworkErrors:
    """Network exceptions → the router's own errors, naming the provider (never its URL). A
    class rather than a generator context manager: it wraps every attempt and every stream."""

    __slots__ = ("clock", "hint", "name")

    def __init__(self, name: str, clock: Clock, hint: str = "") -> None:
        self.name, self.clock, self.hint = name, clock, hint

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        if exc is None:
            return
        name = self.name
        if isinstance(exc, aiohttp.ServerTimeoutError):  # raised by sock_connect
            raise UpstreamTimeout(
                f"{name} could not be connected to within {self.clock.t.connect:g} s",
                provider=name,
            ) from exc
        if isinstance(exc, TimeoutError):
            raise self.clock.timeout_error(name) from exc
        if isinstance(exc, aiohttp.ClientConnectorError):
            reason = exc.os_error.strerror or str(exc.os_error)
            raise UpstreamUnreachable(
                f"Cannot connect to {name} ({exc.host}:{exc.port}): {reason}. {self.hint}".strip(),
                provider=name,
            ) from exc
        if isinstance(exc, (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError)):
            raise UpstreamProtocolError(
                f"{name} broke off its answer: {exc}", provider=name
            ) from exc
        if isinstance(exc, aiohttp.ClientError):
            raise UpstreamUnreachable(f"{name} request failed: {exc}", provider=name) from exc


async def complete(
    session: aiohttp.ClientSession, attempt: Attempt, body: dict[str, Any], ctx: RequestContext
) -> dict[str, Any]:
    """One non-streaming call for the router's own use (the LLM classifiers): the completion."""
    provider = attempt.provider
    upstream = provider.build_request(body, ctx)
    clock = Clock(attempt.timeouts)
    with _NetworkErrors(provider.config.name, clock, _hint(provider)):
        async with _deadline(None) as deadline:
            clock.watch(deadline)
            try:
                async with _post(session, upstream, attempt.timeouts) as resp:
                    data = await resp.read()
            finally:
                clock.unwatch()
            if resp.status >= 400:
                raise provider.parse_error(resp.status, data, resp.headers, ctx)
            return provider.parse_response(data, ctx)


def _is_stream(resp: aiohttp.ClientResponse) -> bool:
    kind = resp.content_type
    return kind in ("text/event-stream", "application/x-ndjson") or not kind.endswith("json")


def _whole(
    provider: Provider,
    status: int,
    data: bytes,
    ctx: RequestContext,
    egress: Egress,
    headers: Mapping[str, str],
    outcome: Outcome,
) -> web.StreamResponse:
    """A complete upstream body → one JSON response (or, for a streaming client whose upstream
    answered in one piece, one chunk stream built from it)."""
    if native(provider, egress.wire) is not None and not ctx.stream:
        completion = provider.parse_response(data, ctx)  # validates; bytes go out unchanged
        outcome.status = status
        outcome.usage = completion.get("usage")
        return web.Response(
            body=data, status=status, headers=headers, content_type="application/json"
        )
    completion = provider.parse_response(data, ctx)
    outcome.status = 200
    outcome.usage = completion.get("usage")
    if not ctx.stream:
        return web.Response(
            body=egress.whole(completion), headers=headers, content_type="application/json"
        )
    raise UpstreamProtocolError(
        f"{provider.config.name} answered a streaming request with one JSON body",
        provider=provider.config.name,
    )


async def _stream(
    request: web.Request,
    content: aiohttp.StreamReader,
    reader: AsyncIterator[bytes],
    first: bytes,
    pipe: Pipe,
    clock: Clock,
    headers: Mapping[str, str],
    outcome: Outcome,
) -> web.StreamResponse:
    """The client has not been sent anything yet; from here on it is sent everything, and a
    failure ends its stream with one error event instead of an error status.

    Whatever is ready when the upstream's answer has already ended (all of it, from a fast
    upstream) goes out with the end of the response in one write, headers included."""
    response = _Response(status=200, headers={**headers, "cache-control": "no-cache"})
    response.content_type = pipe.egress.content_type
    await response.prepare(request)
    outcome.status = 200
    outcome.ttft_ms = (time.perf_counter() - outcome.started) * 1000
    name = outcome.provider
    last = first  # not yet written
    try:
        with _NetworkErrors(name, clock):
            if not content.at_eof():
                await response.write(first)
                last = b""
                async with _deadline(None) as deadline:
                    clock.watch(deadline)
                    try:
                        async for data in reader:
                            clock.read()
                            out = pipe.feed(data)
                            if content.at_eof():
                                last = out
                                break
                            if out:
                                await response.write(out)
                    finally:
                        clock.unwatch()
        if not pipe.finished:
            last += pipe.finish()
    except RouterError as error:
        outcome.status = error.status
        log.warning("stream from %s:%s ended in error: %s", name, outcome.model, error.message)
        last += pipe.egress.error(error)
    finally:
        outcome.usage = pipe.usage
    await response.write_eof(last)
    return response


class _Response(web.StreamResponse):
    """A streamed answer whose headers wait for its first bytes: the router prepares it only
    once those are ready, so both go out in one write (aiohttp sends a StreamResponse's headers
    on prepare unless this class attribute says otherwise; web.Response sets it the same way)."""

    _send_headers_immediately = False


async def probe(session: aiohttp.ClientSession, base_url: str, timeout: float = 0.3) -> bool:
    """Does anything answer HTTP at `base_url`? (Start-up only: is the local Ollama running?)"""
    try:
        async with session.get(base_url, timeout=aiohttp.ClientTimeout(total=timeout)):
            return True
    except (aiohttp.ClientError, TimeoutError):
        return False
