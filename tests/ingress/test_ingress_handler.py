"""/v1/messages with Claude Code's request shape, errors in Anthropic's shape, count_tokens."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.conftest import RouterFactory
from tests.fakes import Reply, fixture
from tests.ingress.grammar import check_stream, message_of
from tests.ingress.lanes import make_lane, wire

# What Claude Code 2.1 sends with a model name it does not know (abridged).
CLAUDE_CODE = {
    "max_tokens": 32000,
    "stream": True,
    "system": [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.332"},
        {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Tools and rules.", "cache_control": {"type": "ephemeral"}},
    ],
    "messages": [
        {"role": "system", "content": "Current date: 2026-01-01"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}},
            ],
        },
    ],
    "tools": [
        {
            "name": "Read",
            "description": "Reads a file",
            "input_schema": {
                "type": "object",
                "properties": {"file_path": {"type": "string"}},
                "required": ["file_path"],
            },
        }
    ],
    "metadata": {"user_id": "user_abc_account__session_1"},
    "thinking": {"type": "adaptive"},
    "output_config": {"effort": "high"},
    "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
}
HEADERS = {
    "x-api-key": "dummy",
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
    "content-type": "application/json",
}


async def post(base: str, body: Any, path: str = "/v1/messages?beta=true") -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with session.post(base + path, data=data, headers=HEADERS) as resp:
            return resp.status, await resp.read()


async def test_claude_code_request_to_anthropic_is_passed_through(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    lane = make_lane("anthropic")
    await serve_fake(lane.fake)
    base = await make_router(wire(lane))
    status, data = await post(base, {**CLAUDE_CODE, "model": "claude-sonnet-4-6"})
    assert status == 200 and data == fixture("anthropic/text.sse")  # byte for byte
    seen = lane.fake.seen[-1]
    assert seen.headers["x-api-key"] == "sk-ant-test"
    assert seen.headers["anthropic-beta"] == HEADERS["anthropic-beta"]
    assert [m["role"] for m in seen.body["messages"]] == ["user"]  # system message folded
    assert seen.body["system"][-1] == {"type": "text", "text": "Current date: 2026-01-01"}
    assert seen.body["output_config"] == {"effort": "high"} and "context_management" in seen.body


async def test_claude_code_request_to_openai_is_translated(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    lane = make_lane("openai")
    await serve_fake(lane.fake)
    base = await make_router(wire(lane))
    status, data = await post(base, {**CLAUDE_CODE, "model": "llm-router"})
    assert status == 200
    message = message_of(check_stream(data))
    assert message["content"][0]["text"] and message["usage"]["output_tokens"] > 0
    assert message["usage"]["input_tokens"] > 0
    sent = lane.fake.seen[-1].body
    assert sent["messages"][0]["role"] == "system"
    assert "Current date" in sent["messages"][0]["content"]
    assert sent["messages"][1] == {"role": "user", "content": "hi"}
    assert sent["reasoning_effort"] == "high" and sent["tools"][0]["function"]["name"] == "Read"
    for field in ("metadata", "output_config", "context_management", "thinking", "system"):
        assert field not in sent


async def test_errors_are_in_anthropic_shape(serve_fake: Any, make_router: RouterFactory) -> None:
    lane = make_lane("openai")
    await serve_fake(lane.fake)
    base = await make_router(wire(lane))
    cases: list[tuple[Any, int, str]] = [
        (b"{not json", 400, "invalid_request_error"),
        ({"model": "llm-router", "messages": [{"role": "user", "content": "x"}]}, 400, "invalid"),
        ({**CLAUDE_CODE, "model": "no-such-model"}, 404, "not_found_error"),
    ]
    for body, status, kind in cases:
        got, data = await post(base, body)
        error = json.loads(data)
        assert got == status and error["type"] == "error", data
        assert error["error"]["type"].startswith(kind) and error["error"]["message"]
    lane.fake.queue(Reply("json", b'{"error":{"message":"slow down","type":"x"}}', status=429))
    got, data = await post(base, {**CLAUDE_CODE, "model": "llm-router"})
    assert got == 429 and json.loads(data)["error"]["type"] == "rate_limit_error"


async def test_anthropic_overloaded_is_a_529(serve_fake: Any, make_router: RouterFactory) -> None:
    lane = make_lane("anthropic")
    await serve_fake(lane.fake)
    base = await make_router(wire(lane))
    lane.fake.queue(Reply("json", fixture("anthropic/error_overloaded.json"), status=529))
    got, data = await post(base, {**CLAUDE_CODE, "model": "claude-sonnet-4-6"})
    assert got == 529 and json.loads(data)["error"]["type"] == "overloaded_error"


async def test_a_stream_cut_mid_way_ends_with_one_error_event(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    lane = make_lane("openai")
    await serve_fake(lane.fake)
    base = await make_router(wire(lane))
    lane.fake.queue(Reply("cut", fixture("openai/tools.sse")[:900]))
    status, data = await post(base, {**CLAUDE_CODE, "model": "llm-router"})
    events = check_stream(data)
    assert status == 200 and events[-1]["type"] == "error"


async def test_count_tokens_is_a_local_estimate(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    lane = make_lane("openai")
    await serve_fake(lane.fake)
    base = await make_router(wire(lane))
    body = {k: v for k, v in CLAUDE_CODE.items() if k not in ("max_tokens", "stream")}
    status, data = await post(base, {**body, "model": "llm-router"}, "/v1/messages/count_tokens")
    assert status == 200 and 10 < json.loads(data)["input_tokens"] < 200
    assert lane.fake.seen == []


async def test_router_key_errors_come_in_anthropic_shape(make_router: Any) -> None:
    import aiohttp as _aiohttp

    base = await make_router({}, env={"LLMROUTER_API_KEYS": "router-key"})
    async with (
        _aiohttp.ClientSession() as http,
        http.post(
            base + "/v1/messages", json={"model": "x", "max_tokens": 5, "messages": []}
        ) as resp,
    ):
        body = await resp.json()
    assert resp.status == 401
    assert body["type"] == "error" and body["error"]["type"] == "authentication_error"
