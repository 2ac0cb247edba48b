"""OpenAI and every OpenAI-compatible upstream (Kimi, DeepSeek, vLLM, OpenRouter, custom).

The request body is changed only where it must be (model, usage option, reasoning-model
parameters). The stream is not decoded on the way back: openai_stream.py has the byte filter
for OpenAI clients and the decoding parser for the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson

from llmrouter.config import ProviderConfig
from llmrouter.errors import UpstreamError
from llmrouter.providers.base import (
    RequestContext,
    UpstreamRequest,
    api_key,
    error_payload,
    json_body,
)
from llmrouter.providers.openai_stream import ChunkParser, PassthroughFilter, error_from_body
from llmrouter.sse import SSEDecoder
from llmrouter.toolids import fixed_alnum_id

# Reasoning families (o1, o3, o4, gpt-5) take max_completion_tokens and reject sampling knobs.
_REASONING = re.compile(r"^(o\d|gpt-5)(\b|[-_.]|$)")
_SAMPLING = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
    "logit_bias",
)
# Moonshot's thinking models refuse a tool loop whose earlier assistant turns lost their
# reasoning: "thinking is enabled but reasoning_content is missing in assistant tool call
# message at index N". On these hosts (or with `replay_reasoning: true`) a tool-call turn that
# arrives without it gets a placeholder; one that has it is sent on untouched.
_REPLAY_REASONING_HOSTS = frozenset({"api.moonshot.ai", "api.moonshot.cn"})
_REASONING_PLACEHOLDER = "."


def is_reasoning_model(config: ProviderConfig, model: str) -> bool:
    override = config.reasoning_models.get(model)
    return bool(_REASONING.match(model)) if override is None else override


class OpenAIProvider:
    passthrough = True
    wire = "openai"  # an OpenAI client's stream is copied through (base.Native)

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.url = config.base_url + "/chat/completions"
        self.replay_reasoning = _replays_reasoning(config)
        # `tool_call_ids: alnum9` for upstreams that accept only Mistral-style ids.
        self.fixed_ids = config.options.get("tool_call_ids") == "alnum9"

    def build_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest:
        out = dict(body)
        out["model"] = ctx.ref.model
        out["stream"] = ctx.stream
        if ctx.stream:
            out["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        else:
            out.pop("stream_options", None)
        if is_reasoning_model(self.config, ctx.ref.model):
            _to_reasoning_params(out)
        if "thinking" in out:  # Kimi's own switch: never sent together with reasoning_effort
            out.pop("reasoning_effort", None)
        if self.replay_reasoning:
            _keep_reasoning(out)
        if self.fixed_ids:
            out["messages"] = [_fixed_ids(m) for m in out["messages"]]
        headers = {"content-type": "application/json", **ctx.extra_headers}
        if ctx.stream:
            headers["accept"] = "text/event-stream"
        key = api_key(self.config, ctx)
        if key:
            headers["authorization"] = f"Bearer {key}"
        return UpstreamRequest(self.url, headers, orjson.dumps(out))

    def native_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest:
        return self.build_request(body, ctx)  # the body is OpenAI's already

    def decoder(self) -> SSEDecoder:
        return SSEDecoder()

    def translator(self, ctx: RequestContext) -> ChunkParser:
        return ChunkParser(self.config.name)

    def passthrough_filter(self, ctx: RequestContext) -> PassthroughFilter:
        return PassthroughFilter(self.config.name, keep_usage=ctx.include_usage)

    def parse_response(self, data: bytes, ctx: RequestContext) -> dict[str, Any]:
        completion = json_body(data, self.config.name)
        if not isinstance(completion, dict) or "choices" not in completion:
            raise error_from_body(self.config.name, 502, completion, {})
        return completion

    def parse_error(
        self, status: int, data: bytes, headers: Mapping[str, str], ctx: RequestContext
    ) -> UpstreamError:
        body = error_payload(data)
        return error_from_body(self.config.name, status, body, headers)


def _to_reasoning_params(out: dict[str, Any]) -> None:
    if "max_tokens" in out:
        out.setdefault("max_completion_tokens", out.pop("max_tokens"))
    for key in _SAMPLING:
        out.pop(key, None)
    out["messages"] = [
        {**m, "role": "developer"} if m.get("role") == "system" else m for m in out["messages"]
    ]


def _replays_reasoning(config: ProviderConfig) -> bool:
    option = config.options.get("replay_reasoning")
    if option is not None:
        return bool(option)
    return urlsplit(config.base_url).hostname in _REPLAY_REASONING_HOSTS


def _fixed_ids(message: dict[str, Any]) -> dict[str, Any]:
    """Tool-call ids of one history message rewritten to exactly nine letters and digits
    (the same original id always gives the same new one, in the call and in its result)."""
    if message.get("tool_calls"):
        calls = [{**c, "id": fixed_alnum_id(str(c.get("id", "")))} for c in message["tool_calls"]]
        return {**message, "tool_calls": calls}
    if message.get("role") == "tool" and "tool_call_id" in message:
        return {**message, "tool_call_id": fixed_alnum_id(str(message["tool_call_id"]))}
    return message


def _keep_reasoning(out: dict[str, Any]) -> None:
    """Give assistant tool-call turns that lost their `reasoning_content` a placeholder (the
    list is copied only when one needs it)."""
    thinking = out.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "disabled":
        return
    messages = out.get("messages") or []
    if any(_lost_reasoning(m) for m in messages):
        out["messages"] = [
            {**m, "reasoning_content": _REASONING_PLACEHOLDER} if _lost_reasoning(m) else m
            for m in messages
        ]


def _lost_reasoning(message: Any) -> bool:
    return (
        isinstance(message, dict)
        and message.get("role") == "assistant"
        and bool(message.get("tool_calls"))
        and not message.get("reasoning_content")
    )
