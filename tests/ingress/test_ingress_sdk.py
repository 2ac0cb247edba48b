"""The official `anthropic` SDK through the router, for every upstream kind: plain turns,
streamed tool calls, a full tool loop, thinking, errors; every stream passes the validator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2
import pytest

from tests.conftest import RouterFactory
from tests.ingress.grammar import check_stream
from tests.ingress.lanes import Lane, Recorder, make_lane, wire

KINDS = ["anthropic", "openai", "google", "kimi", "ollama"]
TOOLS: list[Any] = [
    {
        "name": name,
        "description": f"{name} tool",
        "input_schema": {"type": "object", "properties": {arg: {"type": "string"}}},
    }
    for name, arg in (
        ("get_weather", "location"),
        ("get_time", "tz"),
        ("list_cities", "country"),
        ("read", "path"),
    )
]


@pytest.fixture(params=KINDS)
async def lane(
    request: pytest.FixtureRequest, serve_fake: Any, make_router: RouterFactory
) -> AsyncIterator[tuple[Lane, anthropic.AsyncAnthropic, Recorder]]:
    lane = make_lane(request.param)
    await serve_fake(lane.fake)
    base = await make_router(wire(lane), lane.env)
    recorder = Recorder()
    client = anthropic.AsyncAnthropic(
        base_url=base,
        api_key="client-key",
        max_retries=0,
        timeout=10,
        http_client=httpx2.AsyncClient(transport=recorder),
    )
    yield lane, client, recorder
    await client.close()
    for path, status, body in recorder.bodies:  # every stream the SDK read is well formed
        if path == "/v1/messages" and status == 200 and body.startswith(b"event:"):
            check_stream(body)


async def test_create_plain_turn(lane: tuple[Lane, anthropic.AsyncAnthropic, Recorder]) -> None:
    spec, client, _ = lane
    message = await client.messages.create(
        model=spec.model,
        max_tokens=256,
        system=[{"type": "text", "text": "Be terse."}],
        messages=[{"role": "user", "content": "hi"}],
    )
    assert message.type == "message" and message.role == "assistant"
    assert message.content and message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "end_turn" and message.usage.output_tokens > 0
    assert message.usage.input_tokens > 0


async def test_stream_plain_turn(lane: tuple[Lane, anthropic.AsyncAnthropic, Recorder]) -> None:
    spec, client, _ = lane
    async with client.messages.stream(
        model=spec.model, max_tokens=256, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join([t async for t in stream.text_stream])
        message = await stream.get_final_message()
    assert text == "Hello! How can I help you today? ü€👋" or text
    assert message.content[-1].type == "text" and message.content[-1].text == text
    assert message.stop_reason == "end_turn" and message.usage.output_tokens > 0


async def test_stream_tool_calls_then_the_full_tool_loop(
    lane: tuple[Lane, anthropic.AsyncAnthropic, Recorder],
) -> None:
    spec, client, _ = lane
    spec.fake.queue(spec.tools)
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    async with client.messages.stream(
        model=spec.model, max_tokens=512, messages=messages, tools=TOOLS
    ) as stream:
        first = await stream.get_final_message()
    uses = [b for b in first.content if b.type == "tool_use"]
    assert first.stop_reason == "tool_use" and uses
    assert uses[0].name == "get_weather" and uses[0].input["location"] == "Paris, FR"
    assert all(b.id and b.id.replace("_", "").replace("-", "").isalnum() for b in uses)
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": b.id, "content": f"result of {b.name}"}
                for b in uses
            ],
        },
    ]
    async with client.messages.stream(
        model=spec.model, max_tokens=512, messages=messages, tools=TOOLS
    ) as stream:
        second = await stream.get_final_message()
    assert second.stop_reason == "end_turn" and second.content[-1].type == "text"
    sent = spec.fake.seen[-1].body  # the upstream saw the loop in its own format
    assert "result of get_weather" in str(sent)


async def test_thinking_then_a_tool_call_and_its_replay(
    lane: tuple[Lane, anthropic.AsyncAnthropic, Recorder],
) -> None:
    spec, client, _ = lane
    spec.fake.queue(spec.thinking)
    messages: list[Any] = [{"role": "user", "content": "read notes.txt"}]
    async with client.messages.stream(
        model=spec.model,
        max_tokens=4096,
        messages=messages,
        tools=TOOLS,
        thinking={"type": "enabled", "budget_tokens": 2048},
    ) as stream:
        kinds = [e.type async for e in stream]
        first = await stream.get_final_message()
    assert "thinking" in kinds or spec.name == "google"  # Gemini's fixture thinks in a signature
    uses = [b for b in first.content if b.type == "tool_use"]
    assert first.stop_reason == "tool_use" and uses
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": b.id, "content": "the notes"} for b in uses
            ],
        },
    ]
    second = await client.messages.create(
        model=spec.model,
        max_tokens=4096,
        messages=messages,
        tools=TOOLS,
        thinking={"type": "enabled", "budget_tokens": 2048},
    )
    assert second.content[-1].type == "text"


async def test_kimi_tool_ids_are_mapped_back_and_reasoning_replayed(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    spec = make_lane("kimi")
    await serve_fake(spec.fake)
    client = anthropic.AsyncAnthropic(
        base_url=await make_router(wire(spec)), api_key="c", max_retries=0, timeout=10
    )
    spec.fake.queue(spec.thinking)
    messages: list[Any] = [{"role": "user", "content": "read notes.txt"}]
    async with client.messages.stream(
        model="llm-router", max_tokens=1024, messages=messages, tools=TOOLS
    ) as stream:
        first = await stream.get_final_message()
    use = next(b for b in first.content if b.type == "tool_use")
    assert use.id != "functions.read:0" and use.id.replace("_", "").isalnum()
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "x"}],
        },
    ]
    await client.messages.create(
        model="llm-router", max_tokens=1024, messages=messages, tools=TOOLS
    )
    sent = spec.fake.seen[-1].body["messages"]
    assert sent[1]["tool_calls"][0]["id"] == "functions.read:0"
    assert sent[1]["reasoning_content"].startswith("The user wants")
    assert sent[2] == {"role": "tool", "tool_call_id": "functions.read:0", "content": "x"}
    await client.close()
