"""The official OpenAI SDK through the router against the fake Gemini API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from llmrouter.config import LEVELS
from tests.conftest import RouterFactory
from tests.fake_gemini import GeminiFake
from tests.fakes import Reply, fixture
from tests.sdk import collect

KEY = "g-test-key-0123456789"
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "tz": {"type": "string"},
                    "path": {"type": "string"},
                },
                "additionalProperties": False,
                "$schema": "http://json-schema.org/draft-07/schema#",
            },
        },
    }
    for name in ("get_weather", "get_time", "read")
]


async def setup(
    serve_fake: Any,
    make_router: RouterFactory,
    client: Callable[[str], openai.AsyncOpenAI],
    **fake_kw: Any,
) -> tuple[GeminiFake, openai.AsyncOpenAI]:
    fake = await serve_fake(GeminiFake(require_key=KEY, **fake_kw))
    base = await make_router(
        {
            "providers": {"google": {"base_url": fake.url}},
            "models": {level: "google:gemini-2.5-flash" for level in LEVELS},
        },
        env={"GEMINI_API_KEY": KEY},
    )
    return fake, client(base)


async def test_streams_text_with_key_in_header_only(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake, c = await setup(serve_fake, make_router, client)
    fake.queue(Reply("sse", fixture("google/text.sse"), pieces=23))
    stream = await c.chat.completions.create(
        model="google:gemini-2.5-flash",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, _, finish, chunks = await collect(stream)
    assert text == "Hello! How can I help you today? ü€👋" and finish == "stop"
    assert {ch.model for ch in chunks} == {"gemini-2.5-flash"}
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 19
    seen = fake.seen[-1]
    assert seen.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert seen.headers["x-goog-api-key"] == KEY and "Authorization" not in seen.headers


async def test_streamed_tool_loop_replays_the_thought_signature(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake, c = await setup(serve_fake, make_router, client, thinking=True)
    fake.queue(Reply("sse", fixture("google/thinking_tools.sse"), pieces=7))
    messages: list[Any] = [{"role": "user", "content": "read notes.txt"}]
    stream = await c.chat.completions.create(
        model="google:gemini-2.5-flash",
        messages=messages,
        tools=TOOLS,
        stream=True,
        reasoning_effort="high",
    )
    _, calls, finish, chunks = await collect(stream)
    assert finish == "tool_calls" and calls[0]["name"] == "read"
    assert calls[0]["args"] == '{"path":"notes.txt"}'
    reasoning = "".join(
        getattr(ch.choices[0].delta, "reasoning_content", None) or "" for ch in chunks if ch.choices
    )
    assert "I should call read" in reasoning
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": calls[0]["id"],
                    "type": "function",
                    "function": {"name": "read", "arguments": calls[0]["args"]},
                }
            ],
        },
        {"role": "tool", "tool_call_id": calls[0]["id"], "content": "buy milk"},
    ]
    stream = await c.chat.completions.create(
        model="google:gemini-2.5-flash", messages=messages, tools=TOOLS, stream=True
    )
    text, _, finish, _ = await collect(stream)
    assert text and finish == "stop"  # the fake refuses a call replayed without its signature
    replayed = fake.seen[-1].body["contents"][1]["parts"][0]
    assert replayed["thoughtSignature"].startswith("CiQB0e2K")
    assert fake.seen[-1].body["contents"][2]["parts"][0]["functionResponse"]["name"] == "read"


async def test_parallel_calls_of_one_tool_complete_a_loop(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake, c = await setup(serve_fake, make_router, client)
    fake.queue(Reply("sse", fixture("google/tools.sse"), pieces=5))
    messages: list[Any] = [{"role": "user", "content": "weather in Paris and Tokyo, time?"}]
    stream = await c.chat.completions.create(
        model="google:gemini-2.5-flash",
        messages=messages,
        tools=TOOLS,
        tool_choice="required",
        stream=True,
    )
    _, calls, finish, _ = await collect(stream)
    assert finish == "tool_calls" and len({call["id"] for call in calls.values()}) == 3
    assert fake.seen[-1].body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    messages.append(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call["args"]},
                }
                for call in calls.values()
            ],
        }
    )
    messages += [
        {"role": "tool", "tool_call_id": call["id"], "content": f"result {i}"}
        for i, call in calls.items()
    ]
    done = await c.chat.completions.create(
        model="google:gemini-2.5-flash", messages=messages, tools=TOOLS
    )
    assert done.choices[0].message.content == "Paris is the capital of France."
    names = [p["functionResponse"]["name"] for p in fake.seen[-1].body["contents"][2]["parts"]]
    assert names == ["get_weather", "get_weather", "get_time"]


async def test_non_streaming_answer_and_tool_call(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake, c = await setup(serve_fake, make_router, client)
    out = await c.chat.completions.create(
        model="google:gemini-2.5-flash", messages=[{"role": "user", "content": "capital?"}]
    )
    assert out.choices[0].message.content == "Paris is the capital of France."
    assert (
        out.usage is not None and out.usage.total_tokens == 15 and out.model == "gemini-2.5-flash"
    )
    assert fake.seen[-1].path.endswith(":generateContent")
    fake.queue(Reply("json", fixture("google/tools_completion.json")))
    out = await c.chat.completions.create(
        model="google:gemini-2.5-flash",
        messages=[{"role": "user", "content": "weather?"}],
        tools=TOOLS,
    )
    assert out.choices[0].finish_reason == "tool_calls"
    call = out.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather" and call.id.isalnum()  # type: ignore[union-attr]


async def test_blocked_prompt_is_content_filter(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake, c = await setup(serve_fake, make_router, client)
    fake.queue(Reply("sse", fixture("google/safety.sse")))
    stream = await c.chat.completions.create(
        model="google:gemini-2.5-flash", messages=[{"role": "user", "content": "x"}], stream=True
    )
    text, _, finish, _ = await collect(stream)
    assert text == "" and finish == "content_filter"


@pytest.mark.parametrize(
    ("name", "status", "error"),
    [
        ("google/error_429.json", 429, openai.RateLimitError),
        ("google/error_400.json", 400, openai.BadRequestError),
    ],
)
async def test_errors_keep_status_and_never_show_the_key(
    serve_fake: Any,
    make_router: RouterFactory,
    client: Any,
    name: str,
    status: int,
    error: type[Exception],
) -> None:
    fake, c = await setup(serve_fake, make_router, client)
    fake.queue(Reply("json", fixture(name).replace(b"billing", KEY.encode()), status=status))
    with pytest.raises(error) as info:
        await c.chat.completions.create(
            model="google:gemini-2.5-flash", messages=[{"role": "user", "content": "x"}]
        )
    assert KEY not in str(info.value) and KEY not in info.value.response.text  # type: ignore[attr-defined]


async def test_midstream_error_ends_stream_with_one_error_event(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake, c = await setup(serve_fake, make_router, client)
    fake.queue(Reply("sse", fixture("google/error_midstream.sse"), delay=0.05))
    stream = await c.chat.completions.create(
        model="google:gemini-2.5-flash", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIError) as info:
        await collect(stream)
    assert "overloaded" in str(info.value)
