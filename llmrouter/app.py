"""The aiohttp application: routes, the error and auth middlewares, and per-app state.

`create_app(config, session=None, loader=None)` keeps the `Runtime` (runtime.py: providers,
router, classifier, swapped whole on SIGHUP) under a typed `web.AppKey`; the one
`ClientSession` is created and closed in a cleanup context (or injected by tests). Handlers are
thin: parse, route, relay. On shutdown, streams in flight get the grace period to finish.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from llmrouter import __version__
from llmrouter.classify import LEVELS, extract_ask
from llmrouter.config import Config
from llmrouter.egress import OpenAIEgress
from llmrouter.errors import (
    BadRequest,
    NoProviderConfigured,
    PayloadTooLarge,
    RouterError,
    Unauthorized,
)
from llmrouter.forward import Outcome, relay
from llmrouter.providers import RequestContext
from llmrouter.routing import KEY_HINT, ROUTER_ALIASES, Route
from llmrouter.runtime import Runtime, State
from llmrouter.stats import STATS, Stats, metrics_view, stats_view, status_view
from llmrouter.validate import check_messages, parse_chat_request, parse_json_object

log = logging.getLogger(__name__)
access_log = logging.getLogger("llmrouter.access")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


CONFIG = web.AppKey("config", Config)
ErrorRenderer = Callable[[RouterError], web.Response]
ERROR_RENDERERS = web.AppKey("error_renderers", dict[str, ErrorRenderer])
RUNTIME = web.AppKey("runtime", Runtime)


def create_app(
    config: Config,
    *,
    session: aiohttp.ClientSession | None = None,
    loader: Callable[[], Config] | None = None,
) -> web.Application:
    """The app for `config`. `loader` re-reads the config on SIGHUP (the CLI passes one)."""
    app = web.Application(
        client_max_size=int(config.server.max_body_mb * 1024 * 1024),
        middlewares=[guard],
        handler_args={"max_line_size": 8190, "max_field_size": 16384, "max_headers": 128},
    )
    app[CONFIG] = config
    app[ERROR_RENDERERS] = {}
    app[STATS] = Stats(lambda: app[RUNTIME].state, lambda: len(app[RUNTIME].streams))
    app.cleanup_ctx.append(_runtime_ctx(session, loader))
    app.on_shutdown.append(_drain)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/chat/completions", chat_completions)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/models", list_models)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/stats", stats_view)
    app.router.add_get("/", status_view)
    app.router.add_post("/v1/classify", classify)
    from llmrouter.ingress.handler import add_routes  # it imports this module: not at the top

    add_routes(app)  # POST /v1/messages and /v1/messages/count_tokens (Anthropic clients)
    return app


def state_of(request: web.Request) -> State:
    return request.app[RUNTIME].state


def _runtime_ctx(
    injected: aiohttp.ClientSession | None, loader: Callable[[], Config] | None
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        session = injected or aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=None),
            skip_auto_headers=("User-Agent",),
        )
        runtime = Runtime(app[CONFIG], session, loader)
        await runtime.start()
        app[RUNTIME] = runtime
        loop = asyncio.get_running_loop()
        if loader is not None and hasattr(signal, "SIGHUP"):
            loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(runtime.reload()))
        try:
            yield
        finally:
            if loader is not None and hasattr(signal, "SIGHUP"):
                loop.remove_signal_handler(signal.SIGHUP)
            if injected is None:
                await session.close()

    return ctx


async def _drain(app: web.Application) -> None:
    """Shutdown: let streams in flight finish within the grace period, then end each with an
    error event (the listening socket is already closed when this runs)."""
    runtime = app[RUNTIME]
    if runtime.streams:
        log.info(
            "waiting up to %gs for %d stream(s) to finish",
            runtime.config.server.shutdown_grace_s,
            len(runtime.streams),
        )
    await runtime.streams.drain(runtime.config.server.shutdown_grace_s)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one middleware: the API key check (server.api_keys; /health is open), and every
    RouterError (and aiohttp's own 4xx) as an error body in the client's format: OpenAI's,
    unless a route prefix registered another renderer (the Anthropic ingress)."""
    try:
        keys = request.app[CONFIG].server.api_keys
        if keys and request.path != "/health":
            offered = _client_key(request).encode()
            if not any(hmac.compare_digest(offered, key.encode()) for key in keys):
                raise Unauthorized(
                    "A valid API key for this router is required (Authorization: Bearer)."
                )
        return await handler(request)
    except RouterError as exc:
        return _renderer(request)(exc)
    except web.HTTPRequestEntityTooLarge as exc:
        return _renderer(request)(PayloadTooLarge(f"The request body is too large: {exc.text}"))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        err = RouterError(exc.reason, status=exc.status, code=None)
        err.type = "invalid_request_error" if exc.status < 500 else "server_error"
        return _renderer(request)(err)


def _renderer(request: web.Request) -> ErrorRenderer:
    for prefix, render in request.app[ERROR_RENDERERS].items():
        if request.path.startswith(prefix):
            return render
    return error_response


def error_response(exc: RouterError) -> web.Response:
    return web.Response(
        body=orjson.dumps(exc.body()),
        status=exc.status,
        headers=exc.headers,
        content_type="application/json",
    )


def _client_key(request: web.Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key", "")


async def chat_completions(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    outcome = Outcome()
    level = "-"
    route: Route | None = None  # for the stats: the classifier's decision,
    messages: list[dict[str, Any]] | None = None  # the prompt (kept only with --log),
    routed: float | None = None  # and when the upstream call started
    try:
        body = parse_chat_request(await _read_body(request))
        messages = body.get("messages")
        route = await state.router.route(body)
        level = route.level
        stream = bool(body.get("stream"))
        options = body.get("stream_options") or {}
        ctx = RequestContext(
            ref=route.primary,
            stream=stream,
            include_usage=stream and bool(options.get("include_usage")),
            client_key="" if state.config.server.api_keys else _client_key(request),
            reasoning_content=state.config.server.reasoning_content,
            openclaw=state.config.openclaw,
        )
        egress = OpenAIEgress(include_usage=ctx.include_usage)
        headers = {"x-llmrouter-level": route.level}
        if log.isEnabledFor(logging.DEBUG):
            log.debug("request %s: %s", route.level, body.get("messages"))
        routed = time.perf_counter()
        return await relay(
            request,
            state.session,
            state.attempts(route),
            body,
            ctx,
            egress,
            headers,
            outcome,
            state.relay,
        )
    except RouterError as exc:
        outcome.status = exc.status
        raise
    finally:
        _access(request, level, outcome)
        decision = route.decision if route is not None else None
        request.app[STATS].record(level, outcome, decision, messages, routed)


async def _read_body(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(
            f"The request body is larger than server.max_body_mb "
            f"({request.app[CONFIG].server.max_body_mb:g} MB).",
        ) from exc
    except (aiohttp.ClientPayloadError, ValueError) as exc:
        raise BadRequest(f"The request body could not be read: {exc}") from exc


def _access(request: web.Request, level: str, outcome: Outcome) -> None:
    usage = outcome.usage or {}
    total_ms = (time.perf_counter() - outcome.started) * 1000
    ttft = f"{outcome.ttft_ms:.1f}" if outcome.ttft_ms is not None else "-"
    access_log.info(
        "level=%s provider=%s model=%s status=%s ttft_ms=%s total_ms=%.1f tokens=%s/%s%s",
        level,
        outcome.provider,
        outcome.model,
        outcome.status,
        ttft,
        total_ms,
        usage.get("prompt_tokens", "-"),
        usage.get("completion_tokens", "-"),
        f" attempts={','.join(outcome.attempts)}" if outcome.attempts else "",
    )


async def classify(request: web.Request) -> web.Response:
    """A dry run: which level and model a request would get, without calling any model."""
    state = state_of(request)
    started = time.perf_counter()
    body = parse_json_object(await _read_body(request))
    if isinstance(body.get("text"), str) and "messages" not in body:
        body["messages"] = [{"role": "user", "content": body["text"]}]
    check_messages(body.get("messages"))
    decision = await state.pipeline.decide(extract_ask(body["messages"]))
    provider: str | None = None
    model: str | None = None
    level = decision.level
    try:
        route = state.router.level_route(decision.level, decision, body)
        provider, model, level = route.primary.provider, route.primary.model, route.level
    except NoProviderConfigured:
        pass
    result = {
        "level": level,
        "confidence": round(decision.confidence, 4),
        "classifier": decision.classifier,
        "provider": provider,
        "model": model,
        "reason": decision.reason,
        "ms": round((time.perf_counter() - started) * 1000, 3),
    }
    return web.json_response(result, dumps=_dumps)


async def list_models(request: web.Request) -> web.Response:
    state = state_of(request)
    now = int(time.time())
    ids = ["llm-router", *LEVELS, *state.router.model_ids()]
    data = [{"id": i, "object": "model", "created": now, "owned_by": "llmrouter"} for i in ids]
    return web.json_response({"object": "list", "data": data}, dumps=_dumps)


async def health(request: web.Request) -> web.Response:
    state = state_of(request)
    levels: dict[str, Any] = {
        level: str(refs[0]) if refs else None for level, refs in state.router.levels.items()
    }
    body: dict[str, Any] = {
        "status": "ok" if any(levels.values()) else "no_providers",
        "version": __version__,
        "classifier": state.pipeline.name,
        "levels": levels,
        "providers": state.status,
    }
    if body["status"] != "ok":
        body["message"] = f"No provider is available: {KEY_HINT}."
    return web.json_response(body, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


__all__ = ["CONFIG", "ROUTER_ALIASES", "RUNTIME", "create_app", "state_of"]
