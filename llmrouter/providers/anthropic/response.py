"""Anthropic answers that arrive whole: a Messages response body, or an error body.

Owns the tables both the stream translator and the non-streaming path share (stop reasons,
usage, error types → statuses) and the two whole-body conversions:
`from_anthropic_message` (Message → `chat.completion`) and `error_from_anthropic`
(`{"type":"error","error":{"type","message"}}` → `UpstreamError`). Pure; no I/O.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from llmrouter.chunks import Usage, make_usage, new_completion_id
from llmrouter.errors import UpstreamError
from llmrouter.providers.base import retry_headers

# "stop_reason": "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" |
# "refusal" (Messages API reference). pause_turn: the server paused a long turn; the client
# may resume it, which for an OpenAI client is an ordinary stop.
FINISH_REASONS: dict[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# Anthropic error type → (status the router answers with, OpenAI `code`).
# "529 - overloaded_error: Anthropic's API is temporarily overloaded" (Errors docs): OpenAI
# clients know 503 for that. "500 - api_error" is the upstream's fault: 502 to our client.
ERROR_STATUS: dict[str, tuple[int, str | None]] = {
    "invalid_request_error": (400, None),
    "authentication_error": (401, "invalid_api_key"),
    "billing_error": (402, "billing_error"),
    "permission_error": (403, None),
    "not_found_error": (404, None),
    "request_too_large": (413, "request_too_large"),
    "rate_limit_error": (429, "rate_limit_exceeded"),
    "api_error": (502, "upstream_error"),
    "timeout_error": (504, "upstream_timeout"),
    "overloaded_error": (503, "overloaded"),
}


def finish_reason(stop_reason: str | None) -> str:
    return FINISH_REASONS.get(stop_reason or "", "stop")


def openai_usage(raw: Mapping[str, Any]) -> Usage:
    """Anthropic usage → OpenAI usage. Anthropic counts cache reads and cache writes apart from
    `input_tokens`; OpenAI's `prompt_tokens` includes them, with the reads as cached_tokens."""
    read = int(raw.get("cache_read_input_tokens") or 0)
    created = int(raw.get("cache_creation_input_tokens") or 0)
    prompt = int(raw.get("input_tokens") or 0) + read + created
    return make_usage(prompt, int(raw.get("output_tokens") or 0), cached=read)


def error_from_anthropic(
    provider: str, status: int, body: Any, headers: Mapping[str, str]
) -> UpstreamError:
    """An Anthropic error body (or any text) → UpstreamError with the matching status."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = body if isinstance(body, str) else ""
        message = f"{provider} returned HTTP {status}" + (f": {text}" if text else "")
        mapped = 502 if status >= 500 and status != 503 else status
        return UpstreamError(
            message, provider=provider, status=mapped, headers=retry_headers(headers)
        )
    kind = str(error.get("type") or "")
    message = str(error.get("message") or f"{provider} returned HTTP {status} ({kind})")
    mapped, code = ERROR_STATUS.get(kind, (status if status >= 400 else 502, None))
    if kind == "not_found_error" and message.startswith("model:"):
        code = "model_not_found"  # "model: claude-x" is how the API names an unknown model
    return UpstreamError(
        message,
        provider=provider,
        status=mapped,
        code=code or kind or None,
        headers=retry_headers(headers),
    )


def from_anthropic_message(
    message: Mapping[str, Any],
    *,
    reasoning: bool = True,
    tool_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A whole Messages response → one `chat.completion`."""
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in message.get("content") or ():
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text") or "")
        elif kind == "thinking" and reasoning:
            thinking.append(block.get("thinking") or "")
        elif kind == "tool_use":
            calls.append(_tool_call(block, tool_names or {}))
    out: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts else None}
    if not texts and not calls:
        out["content"] = ""
    if thinking:
        out["reasoning_content"] = "".join(thinking)
    if calls:
        out["tool_calls"] = calls
    completion: dict[str, Any] = {
        "id": new_completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": message.get("model") or "",
        "choices": [
            {
                "index": 0,
                "message": out,
                "logprobs": None,
                "finish_reason": finish_reason(message.get("stop_reason")),
            }
        ],
    }
    if isinstance(message.get("usage"), dict):
        completion["usage"] = openai_usage(message["usage"])
    return completion


def _tool_call(block: Mapping[str, Any], tool_names: Mapping[str, str]) -> dict[str, Any]:
    name = str(block.get("name") or "")
    return {
        "id": block.get("id") or "",
        "type": "function",
        "function": {
            "name": tool_names.get(name, name),
            "arguments": orjson.dumps(block.get("input") or {}).decode(),
        },
    }
