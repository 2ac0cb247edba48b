"""The official OpenAI SDK through the router against the strict fake Anthropic API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from llmrouter.config import LEVELS
from llmrouter.sse import encode_event
from tests.conftest import RouterFactory
from tests.fake_anthropic import AnthropicFake
from tests.fakes import Reply, fixture
from tests.sdk import collect

KEY = "sk-ant-test"
MODEL = "anthropic:claude-sonnet-4-5"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
    "2mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
    }
    for name in ("get_weather", "get_time", "list_cities")
]
Client = Callable[..., openai.AsyncOpenAI]


async def start(
    serve_fake: Any, make_router: RouterFactory, key: str = KEY, **extra: Any
) -> tuple[AnthropicFake, str]:
    fake = await serve_fake(AnthropicFake())
    provider = {"base_url": fake.url, "api_key": key, **extra.pop("provider", {})}
    raw = {
        "providers": {"anthropic": provider},
        "models": {level: MODEL for level in LEVELS},
        **extra,
    }
    return fake, await make_router(raw)


async def test_streaming_text_with_usage(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router)
    stream = await client(base).chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": "terse"}, {"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, _, finish, chunks = await collect(stream)
    assert text == "Hello! How can I help you today? ü€👋" and finish == "stop"
    assert {c.model for c in chunks} == {"claude-sonnet-4-5-20250929"}
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens == 2160 and usage.completion_tokens == 15
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 2048
    seen = fake.seen[-1]
    assert seen.headers["x-api-key"] == KEY and seen.headers["anthropic-version"] == "2023-06-01"
    assert seen.body["stream"] is True and seen.body["model"] == "claude-sonnet-4-5"
    assert seen.body["system"][0]["text"] == "terse"


async def test_streamed_tool_calls_and_the_full_tool_loop(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router)
    fake.queue(Reply("sse", fixture("anthropic/tools.sse"), pieces=37))
    c = client(base)
    messages: list[Any] = [{"role": "user", "content": "weather and time in Paris?"}]
    stream = await c.chat.completions.create(
        model=MODEL, messages=messages, tools=TOOLS, stream=True
    )
    text, calls, finish, _ = await collect(stream)
    assert finish == "tool_calls" and text == "I'll check the weather and the time."
    assert calls[0] == {
        "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "name": "get_weather",
        "args": '{"location": "Paris, FR"}',
    }
    assert calls[1]["args"] == '{"tz": "Europe/Paris"}' and calls[2]["args"] == "{}"
    messages.append(
        {
            "role": "assistant",
            "content": text,
            "tool_calls": [
                {
                    "id": v["id"],
                    "type": "function",
                    "function": {"name": v["name"], "arguments": v["args"]},
                }
                for v in calls.values()
            ],
        }
    )
    messages += [{"role": "tool", "tool_call_id": v["id"], "content": "ok"} for v in calls.values()]
    stream = await c.chat.completions.create(
        model=MODEL, messages=messages, tools=TOOLS, stream=True
    )
    text, _, finish, _ = await collect(stream)
    assert finish == "stop" and text.startswith("Hello")
    sent = fake.seen[-1].body["messages"]
    assert [b["tool_use_id"] for b in sent[2]["content"]] == [v["id"] for v in calls.values()]


async def test_non_streaming_text_and_tool_loop(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router)
    c = client(base)
    plain = await c.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "capital?"}]
    )
    assert plain.choices[0].message.content == "Paris is the capital of France."
    assert plain.usage is not None and plain.usage.total_tokens == 24
    assert plain.model == "claude-sonnet-4-5-20250929"
    assert "stream" not in fake.seen[-1].body
    fake.queue(Reply("json", fixture("anthropic/tools_message.json")))
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    first = await c.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert call.function.arguments == '{"location":"Paris, FR"}'  # type: ignore[union-attr]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18°C"},
    ]
    second = await c.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    assert second.choices[0].message.content


async def test_images_arrive_as_image_blocks(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router)
    await client(base).chat.completions.create(
        model=MODEL,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what's this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.webp"}},
                ],
            }
        ],
    )
    blocks = fake.seen[-1].body["messages"][0]["content"]
    assert [b["type"] for b in blocks] == ["text", "image", "image"]
    assert blocks[1]["source"]["media_type"] == "image/png"
    assert blocks[2]["source"] == {"type": "url", "url": "https://example.com/a.webp"}


@pytest.mark.parametrize(
    ("name", "status", "headers", "expected"),
    [
        ("error_overloaded.json", 529, {}, 503),
        ("error_rate_limit.json", 429, {"retry-after": "17"}, 429),
        ("error_invalid.json", 400, {}, 400),
    ],
)
async def test_upstream_errors_keep_their_meaning(
    client: Client,
    serve_fake: Any,
    make_router: RouterFactory,
    name: str,
    status: int,
    headers: dict[str, str],
    expected: int,
) -> None:
    fake, base = await start(serve_fake, make_router)
    fake.queue(Reply("json", fixture(f"anthropic/{name}"), status=status, headers=headers))
    with pytest.raises(openai.APIStatusError) as info:
        await client(base).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == expected
    body: Any = info.value.body
    upstream = fixture(f"anthropic/{name}").decode()
    assert body["message"] in upstream
    if headers:
        assert info.value.response.headers["retry-after"] == "17"


async def test_bad_image_type_is_a_400_before_anything_is_sent(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router)
    part = {"type": "image_url", "image_url": {"url": f"data:image/tiff;base64,{PNG}"}}
    with pytest.raises(openai.BadRequestError) as info:
        await client(base).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": [part]}]
        )
    assert "image/tiff" in str(info.value) and not fake.seen


@pytest.mark.parametrize("cut", [True, False])
async def test_mid_stream_error_and_cut_stream_end_in_one_error(
    client: Client, serve_fake: Any, make_router: RouterFactory, cut: bool
) -> None:
    fake, base = await start(serve_fake, make_router)
    data = fixture("anthropic/text.sse")
    body = data[: data.index(b"event: message_delta")] if cut else fixture("anthropic/error.sse")
    fake.queue(Reply("sse", body, delay=0.02))  # separate reads: the stream has begun
    stream = await client(base).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIError) as info:
        await collect(stream)
    assert ("before message_stop" if cut else "Overloaded") in str(info.value)


async def test_error_event_before_any_output_is_an_http_error(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router)
    fake.queue(Reply("sse", fixture("anthropic/error.sse"), pieces=1))  # one read
    with pytest.raises(openai.InternalServerError) as info:
        await client(base).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True
        )
    assert info.value.status_code == 503 and "Overloaded" in str(info.value)


async def test_oauth_token_headers_identity_and_tool_names(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router, key="")
    tool = {"type": "tool_use", "id": "toolu_1", "name": "TodoWrite", "input": {}}
    args = {"type": "input_json_delta", "partial_json": "{}"}
    events = [
        (
            "message_start",
            {"message": {"model": "claude-sonnet-4-5", "usage": {"input_tokens": 5}}},
        ),
        ("content_block_start", {"index": 0, "content_block": tool}),
        ("content_block_delta", {"index": 0, "delta": args}),
        ("content_block_stop", {"index": 0}),
        ("message_delta", {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 4}}),
        ("message_stop", {}),
    ]
    fake.queue(Reply("sse", b"".join(encode_event(k, {"type": k, **v}) for k, v in events)))
    todo = [
        {"type": "function", "function": {"name": "todowrite", "parameters": {"type": "object"}}}
    ]
    stream = await client(base, "sk-ant-oat01-secret").chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "plan"}], tools=todo, stream=True
    )
    _, calls, _, _ = await collect(stream)
    assert calls[0]["name"] == "todowrite"  # the client's own spelling comes back
    seen = fake.seen[-1]
    assert seen.headers["Authorization"] == "Bearer sk-ant-oat01-secret"
    assert "x-api-key" not in seen.headers
    assert "oauth-2025-04-20" in seen.headers["anthropic-beta"]
    assert seen.headers["User-Agent"].startswith("claude-cli/") and seen.headers["x-app"] == "cli"
    assert seen.body["system"][0]["text"].startswith("You are Claude Code")
    assert seen.body["tools"][0]["name"] == "TodoWrite"


async def test_reasoning_content_switch_and_thinking_tool_loop(
    client: Client, serve_fake: Any, make_router: RouterFactory
) -> None:
    fake, base = await start(serve_fake, make_router, server={"reasoning_content": False})
    fake.queue(Reply("sse", fixture("anthropic/thinking_tools.sse"), pieces=11))
    c = client(base)
    messages: list[Any] = [{"role": "user", "content": "weather?"}]
    stream = await c.chat.completions.create(
        model=MODEL, messages=messages, tools=TOOLS, stream=True, reasoning_effort="medium"
    )
    _, calls, _, chunks = await collect(stream)
    assert not any(
        getattr(ch.choices[0].delta, "reasoning_content", None) for ch in chunks if ch.choices
    )
    assert fake.seen[-1].body["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    call = calls[0]
    function = {"name": call["name"], "arguments": call["args"]}
    messages += [
        {
            "role": "assistant",
            "tool_calls": [{"id": call["id"], "type": "function", "function": function}],
        },
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
    ]
    await c.chat.completions.create(
        model=MODEL, messages=messages, tools=TOOLS, reasoning_effort="medium"
    )
    sent = fake.seen[-1].body
    assert sent["thinking"]["budget_tokens"] == 4096  # kept: the signed thinking was replayed
    assert sent["messages"][1]["content"][0]["type"] == "thinking"
