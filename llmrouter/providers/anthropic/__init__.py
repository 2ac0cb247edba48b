"""Anthropic (`anthropic:<model>`): the Messages API, `POST {base_url}/v1/messages`.

Wires the pieces: `request.py` (OpenAI request → Messages body; content in `messages.py`),
`stream.py` (the SSE translator), `response.py` (whole bodies and errors). This module owns
the headers (API key, or an OAuth token with the headers such tokens need), the provider
options, and the one piece of state an Anthropic provider keeps: the signed thinking blocks
of the turns it streamed, keyed by their first tool-call id, so that a tool loop with
extended thinking can hand them back ("a final assistant message must start with a thinking
block") although OpenAI clients never see signatures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from llmrouter.config import ConfigError, ProviderConfig
from llmrouter.errors import UpstreamError
from llmrouter.providers.anthropic.passthrough import MessagesPassthrough
from llmrouter.providers.anthropic.request import (
    DEFAULT_BUDGETS,
    AnthropicOptions,
    to_anthropic_request,
)
from llmrouter.providers.anthropic.response import error_from_anthropic, from_anthropic_message
from llmrouter.providers.anthropic.stream import AnthropicTranslator
from llmrouter.providers.base import (
    RequestContext,
    UpstreamRequest,
    api_key,
    error_payload,
    json_body,
)
from llmrouter.sse import SSEDecoder
from llmrouter.store import MemoryStore

OAUTH_PREFIX = "sk-ant-oat"
# Betas Claude Code sends with an OAuth token; without oauth-2025-04-20 the API answers
# 401 "OAuth authentication is currently not supported."
OAUTH_BETAS = "claude-code-20250219,oauth-2025-04-20"
THINKING_TTL_S = 6 * 3600.0
THINKING_MAX = 2_000  # a thinking turn can be ~64 KB: bounded to ~130 MB at worst


class AnthropicProvider:
    passthrough = False
    wire = "anthropic"  # an Anthropic client's request and stream go through as they are

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.options = parse_options(config)
        self.url = config.base_url + "/v1/messages"
        self.thinking: MemoryStore[list[dict[str, Any]]] = MemoryStore(THINKING_MAX)

    def build_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest:
        key = api_key(self.config, ctx)
        oauth = key.startswith(OAUTH_PREFIX)
        translated = to_anthropic_request(
            body, ctx.ref.model, self.options, oauth=oauth, recall=self.thinking.get
        )
        ctx.tool_names = translated.tool_names
        payload = translated.body
        if ctx.stream:
            payload["stream"] = True
        headers = {
            "content-type": "application/json",
            "anthropic-version": self.options.version,
            **ctx.extra_headers,
        }
        if ctx.stream:
            headers["accept"] = "text/event-stream"
        if oauth:
            headers.update(self._oauth_headers(key))
        elif key:
            headers["x-api-key"] = key
        return UpstreamRequest(self.url, headers, orjson.dumps(payload))

    def native_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest:
        """A Messages request from an Anthropic client, sent on with the routed model; its
        `anthropic-version` and `anthropic-beta` headers are kept (betas merged for OAuth)."""
        payload = {**body, "model": ctx.ref.model, "stream": ctx.stream}
        native = ctx.native.headers if ctx.native is not None else {}
        headers = {
            "content-type": "application/json",
            "anthropic-version": native.get("anthropic-version") or self.options.version,
            **ctx.extra_headers,
        }
        if ctx.stream:
            headers["accept"] = "text/event-stream"
        key = api_key(self.config, ctx)
        if key.startswith(OAUTH_PREFIX):
            headers.update(self._oauth_headers(key))
        elif key:
            headers["x-api-key"] = key
        betas = [b for b in (native.get("anthropic-beta"), headers.get("anthropic-beta")) if b]
        if betas:
            headers["anthropic-beta"] = ",".join(dict.fromkeys(",".join(betas).split(",")))
        return UpstreamRequest(self.url, headers, orjson.dumps(payload))

    def passthrough_filter(self, ctx: RequestContext) -> MessagesPassthrough:
        return MessagesPassthrough(self.config.name)

    def _oauth_headers(self, token: str) -> dict[str, str]:
        version = self.options.claude_code_version
        return {
            "authorization": f"Bearer {token}",
            "anthropic-beta": OAUTH_BETAS,
            "user-agent": f"claude-cli/{version} (external, cli)",
            "x-app": "cli",
        }

    def decoder(self) -> SSEDecoder:
        return SSEDecoder()

    def translator(self, ctx: RequestContext) -> AnthropicTranslator:
        return AnthropicTranslator(
            self.config.name,
            ctx.ref.model,
            reasoning=ctx.reasoning_content,
            tool_names=ctx.tool_names,
            remember=self._remember,
        )

    def _remember(self, call_id: str, blocks: list[dict[str, Any]]) -> None:
        self.thinking.set(call_id, blocks, THINKING_TTL_S)

    def parse_response(self, data: bytes, ctx: RequestContext) -> dict[str, Any]:
        message = json_body(data, self.config.name)
        if not isinstance(message, dict) or message.get("type") != "message":
            raise error_from_anthropic(self.config.name, 502, message, {})
        self._remember_whole(message)
        return from_anthropic_message(
            message, reasoning=ctx.reasoning_content, tool_names=ctx.tool_names
        )

    def _remember_whole(self, message: dict[str, Any]) -> None:
        content = [b for b in message.get("content") or () if isinstance(b, dict)]
        calls = [b["id"] for b in content if b.get("type") == "tool_use" and b.get("id")]
        kept = ("thinking", "redacted_thinking")
        thinking = [b for b in content if b.get("type") in kept]
        if calls and thinking:
            self._remember(str(calls[0]), thinking)

    def parse_error(
        self, status: int, data: bytes, headers: Mapping[str, str], ctx: RequestContext
    ) -> UpstreamError:
        body = error_payload(data)
        return error_from_anthropic(self.config.name, status, body, headers)


def parse_options(config: ProviderConfig) -> AnthropicOptions:
    """`providers.<name>` extras → AnthropicOptions; every bad key is reported at once."""
    raw, path, problems = config.options, f"providers.{config.name}", []
    max_tokens = raw.get("max_tokens")
    if max_tokens is not None and (not _positive_int(max_tokens)):
        problems.append(f"{path}.max_tokens: must be a positive integer, got {max_tokens!r}")
        max_tokens = None
    budgets = dict(DEFAULT_BUDGETS)
    table = raw.get("thinking_budgets") or {}
    if not isinstance(table, dict):
        problems.append(f"{path}.thinking_budgets: must be a mapping of low/medium/high")
        table = {}
    for effort, value in table.items():
        if effort not in DEFAULT_BUDGETS or not _positive_int(value) or value < 1024:
            problems.append(
                f"{path}.thinking_budgets.{effort}: must be low, medium or high "
                f"with an integer ≥ 1024, got {value!r}"
            )
        else:
            budgets[effort] = value
    cache = raw.get("cache_prompt", True)
    if not isinstance(cache, bool):
        problems.append(f"{path}.cache_prompt: must be true or false")
        cache = True
    if problems:
        raise ConfigError(problems)
    return AnthropicOptions(
        max_tokens=max_tokens,
        thinking_budgets=budgets,
        cache_prompt=cache,
        version=str(raw.get("anthropic_version") or "2023-06-01"),
        claude_code_version=str(raw.get("claude_code_version") or "2.1.251"),
    )


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


__all__ = ["AnthropicProvider", "parse_options"]
