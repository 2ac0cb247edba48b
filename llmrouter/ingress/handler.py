"""`POST /v1/messages` and `POST /v1/messages/count_tokens`: the Anthropic Messages API.

Thin, like `app.chat_completions`: parse, route, relay, one access record. The request is
translated to an OpenAI chat body (request.py) for the classifier, the router and every
non-Anthropic provider; the client's own body rides along in `ctx.native`, so a provider of
the Anthropic wire format gets it unchanged and its stream is copied back byte for byte
(forward.py). Errors leave in Anthropic's shape (errors.py). The one piece of state is the
map from the tool ids the client was given back to the upstream's own (a bounded TTL store
on the app). Registered by `add_routes(app)`; imports app.py, which imports this module only
inside `create_app`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web

from llmrouter import app as router_app
from llmrouter.errors import RouterError
from llmrouter.forward import Outcome, Relay, relay
from llmrouter.ingress.egress import AnthropicEgress
from llmrouter.ingress.errors import error_response
from llmrouter.ingress.request import check_request, native_body, to_openai_request
from llmrouter.ingress.tokens import estimate_input_tokens
from llmrouter.providers.base import NativeBody, RequestContext
from llmrouter.routing import Route
from llmrouter.stats import STATS
from llmrouter.store import MemoryStore
from llmrouter.validate import parse_json_object

log = logging.getLogger(__name__)
TOOL_IDS = web.AppKey("anthropic_tool_ids", MemoryStore[str])
TOOL_ID_TTL_S = 24 * 3600.0
TOOL_ID_MAX = 100_000
# Headers of an Anthropic client passed on to an Anthropic upstream (and only to one).
NATIVE_HEADERS = ("anthropic-version", "anthropic-beta")


def add_routes(app: web.Application) -> None:
    app[TOOL_IDS] = MemoryStore(TOOL_ID_MAX)
    app[router_app.ERROR_RENDERERS]["/v1/messages"] = error_response  # Anthropic's error shape
    app.router.add_post("/v1/messages", messages)
    app.router.add_post("/v1/messages/count_tokens", count_tokens)


async def messages(request: web.Request) -> web.StreamResponse:
    state = router_app.state_of(request)
    outcome = Outcome()
    level = "-"
    route: Route | None = None
    chat: dict[str, Any] | None = None
    routed: float | None = None
    ids = request.app[TOOL_IDS]
    try:
        body = parse_json_object(await router_app._read_body(request))
        chat = to_openai_request(body, recall=ids.get)
        route = await state.router.route(chat)
        level = route.level
        stream = bool(body.get("stream"))
        headers = {k: v for k in NATIVE_HEADERS if (v := request.headers.get(k))}
        ctx = RequestContext(
            ref=route.primary,
            stream=stream,
            include_usage=stream,
            client_key="" if state.config.server.api_keys else router_app._client_key(request),
            reasoning_content=state.config.server.reasoning_content,
            native=NativeBody("anthropic", native_body(body), headers),
        )
        egress = AnthropicEgress(
            model=str(body["model"]),
            input_tokens=estimate_input_tokens(body),
            remember=lambda client_id, upstream_id: ids.set(client_id, upstream_id, TOOL_ID_TTL_S),
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug("messages request %s: %s", route.level, body.get("messages"))
        routed = time.perf_counter()
        shared = Relay(state.relay.breaker, state.relay.streams)  # no OpenClaw rewrite here
        return await relay(
            request,
            state.session,
            state.attempts(route),
            chat,
            ctx,
            egress,
            {"x-llmrouter-level": route.level},
            outcome,
            shared,
        )
    except RouterError as exc:
        outcome.status = exc.status
        raise  # rendered in Anthropic's shape by the error middleware
    finally:
        router_app._access(request, level, outcome)
        decision = route.decision if route is not None else None
        prompt = chat.get("messages") if chat is not None else None
        request.app[STATS].record(level, outcome, decision, prompt, routed)


async def count_tokens(request: web.Request) -> web.Response:
    """A local estimate (no upstream is asked): `{"input_tokens": n}`."""
    body = parse_json_object(await router_app._read_body(request))
    check_request(body, counting=True)
    return web.json_response({"input_tokens": estimate_input_tokens(body)})
