"""Whole Anthropic bodies: messages → chat.completion, error bodies → statuses, options."""

from __future__ import annotations

import orjson
import pytest

from llmrouter.config import ConfigError, ModelRef, ProviderConfig
from llmrouter.providers.anthropic import AnthropicProvider, parse_options
from llmrouter.providers.anthropic.response import error_from_anthropic, from_anthropic_message
from llmrouter.providers.base import RequestContext
from tests.fakes import fixture


def config(**options: object) -> ProviderConfig:
    return ProviderConfig("anthropic", "anthropic", "http://127.0.0.1:9", "k", options=options)


def test_tool_use_message_becomes_tool_calls() -> None:
    message = orjson.loads(fixture("anthropic/tools_message.json"))
    completion = from_anthropic_message(message)
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "I'll check the weather in Paris."
    assert choice["message"]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"location":"Paris, FR"}',
    }
    assert completion["usage"]["prompt_tokens"] == 384


def test_thinking_and_refusal() -> None:
    message = {
        "type": "message",
        "model": "m",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "text", "text": "no"},
        ],
        "stop_reason": "refusal",
        "usage": {"input_tokens": 1, "output_tokens": 2, "cache_read_input_tokens": 3},
    }
    choice = from_anthropic_message(message)["choices"][0]
    assert choice["message"]["reasoning_content"] == "hmm"
    assert choice["finish_reason"] == "content_filter"
    assert (
        "reasoning_content"
        not in from_anthropic_message(message, reasoning=False)["choices"][0]["message"]
    )
    usage = from_anthropic_message(message)["usage"]
    assert usage["prompt_tokens"] == 4 and usage["prompt_tokens_details"] == {"cached_tokens": 3}


@pytest.mark.parametrize(
    ("status", "kind", "message", "expected", "code"),
    [
        (529, "overloaded_error", "Overloaded", 503, "overloaded"),
        (500, "api_error", "Internal server error", 502, "upstream_error"),
        (404, "not_found_error", "model: claude-nope", 404, "model_not_found"),
        (401, "authentication_error", "invalid x-api-key", 401, "invalid_api_key"),
        (400, "invalid_request_error", "max_tokens: Field required", 400, "invalid_request_error"),
    ],
)
def test_error_types_map_to_statuses(
    status: int, kind: str, message: str, expected: int, code: str
) -> None:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    error = error_from_anthropic("anthropic", status, body, {})
    assert (error.status, error.code, error.message) == (expected, code, message)


def test_non_json_error_body() -> None:
    provider = AnthropicProvider(config())
    ctx = RequestContext(ref=ModelRef("anthropic", "m"), stream=False)
    error = provider.parse_error(502, b"<html>bad gateway</html>", {}, ctx)
    assert error.status == 502 and "bad gateway" in error.message


def test_options_are_validated_with_their_key_path() -> None:
    options = parse_options(config(max_tokens=2048, thinking_budgets={"high": 30000}))
    assert options.max_tokens == 2048 and options.thinking_budgets["high"] == 30000
    assert options.thinking_budgets["low"] == 1024
    with pytest.raises(ConfigError) as info:
        parse_options(config(max_tokens=-1, thinking_budgets={"huge": 5}, cache_prompt="yes"))
    assert info.value.problems == [
        "providers.anthropic.max_tokens: must be a positive integer, got -1",
        "providers.anthropic.thinking_budgets.huge: must be low, medium or high with an "
        "integer ≥ 1024, got 5",
        "providers.anthropic.cache_prompt: must be true or false",
    ]


def test_cache_prompt_off_sends_no_breakpoints() -> None:
    provider = AnthropicProvider(config(cache_prompt=False))
    ctx = RequestContext(ref=ModelRef("anthropic", "claude-x"), stream=True)
    body = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}
    request = provider.build_request(body, ctx)
    assert b"cache_control" not in request.body
    assert request.url == "http://127.0.0.1:9/v1/messages"
    assert request.headers["x-api-key"] == "k" and request.headers["accept"] == "text/event-stream"
