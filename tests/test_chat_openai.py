"""The OpenAI SDK against the router in front of fake OpenAI and Kimi upstreams."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import openai
import pytest

from tests.conftest import RouterFactory, openai_config
from tests.fake_ollama import OllamaFake
from tests.fakes import OpenAIFake, Reply, fixture
from tests.sdk import collect

Client = Callable[..., openai.AsyncOpenAI]


async def test_streaming_text_arrives_whole_with_real_model_name(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    stream = await client(base).chat.completions.create(
        model="openai:gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello! How can I help you today? ü€👋"
    assert {c.model for c in chunks} == {"gpt-4o-mini-2024-07-18"}
    assert all(c.choices for c in chunks), "usage chunk must be stripped when not asked for"
    assert chunks[-1].choices[0].finish_reason == "stop"
    sent = openai_fake.seen[-1].body
    assert sent["model"] == "gpt-4o-mini"
    assert sent["stream_options"] == {"include_usage": True}


async def test_usage_chunk_kept_when_client_asks(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    stream = await client(base).chat.completions.create(
        model="hard",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 29


async def test_headers_say_where_the_request_went(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    raw = await client(base).chat.completions.with_raw_response.create(
        model="medium", messages=[{"role": "user", "content": "hi"}]
    )
    assert raw.headers["x-llmrouter-level"] == "medium"
    assert raw.headers["x-llmrouter-provider"] == "openai"
    assert raw.headers["x-llmrouter-model"] == "gpt-4o-mini"
    completion = raw.parse()
    assert completion.choices[0].message.content == "Paris is the capital of France."
    assert completion.usage is not None and completion.usage.total_tokens == 21


async def test_non_streaming_body_is_passed_through_unchanged(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    raw = await client(base).chat.completions.with_raw_response.create(
        model="openai:gpt-4o-mini", messages=[{"role": "user", "content": "capital of France?"}]
    )
    assert raw.http_response.content == fixture("openai/completion.json")
    assert "stream_options" not in openai_fake.seen[-1].body


async def test_streamed_parallel_tool_calls(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(Reply("sse", fixture("openai/tools.sse"), pieces=37))
    base = await make_router(openai_config(openai_fake))
    tools: list[Any] = [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
        for n in ("get_weather", "get_time")
    ]
    stream = await client(base).chat.completions.create(
        model="openai:gpt-4o-mini",
        stream=True,
        tools=tools,
        tool_choice="auto",
        messages=[{"role": "user", "content": "weather and time in Paris?"}],
    )
    _, calls, finish, _ = await collect(stream)
    assert finish == "tool_calls"
    assert calls[0] == {
        "id": "call_Wq2mZ8yKxN3vB6tR1pL4sD9f",
        "name": "get_weather",
        "args": '{"location": "Paris, FR"}',
    }
    assert calls[1]["name"] == "get_time" and calls[1]["args"] == '{"tz": "Europe/Paris"}'
    assert openai_fake.seen[-1].body["tools"] == tools


async def test_tool_loop_non_streaming(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(Reply("json", fixture("openai/tools_completion.json")))
    base = await make_router(openai_config(openai_fake))
    c = client(base)
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    tools: list[Any] = [{"type": "function", "function": {"name": "get_weather"}}]
    first = await c.chat.completions.create(
        model="openai:gpt-4o-mini", messages=messages, tools=tools
    )
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18°C, sunny"},
    ]
    second = await c.chat.completions.create(
        model="openai:gpt-4o-mini", messages=messages, tools=tools
    )
    assert second.choices[0].message.content
    replay = openai_fake.seen[-1].body["messages"]
    assert replay[1]["tool_calls"][0]["id"] == call.id
    assert replay[2] == {"role": "tool", "tool_call_id": call.id, "content": "18°C, sunny"}


async def test_every_parameter_reaches_the_upstream(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    params: dict[str, Any] = {
        "temperature": 0.3,
        "top_p": 0.9,
        "stop": ["END"],
        "n": 1,
        "seed": 7,
        "user": "u-1",
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "logprobs": True,
        "top_logprobs": 2,
        "max_tokens": 50,
        "parallel_tool_calls": False,
        "metadata": {"k": "v"},
        "response_format": {"type": "json_object"},
        "logit_bias": {"50256": -100},
    }
    await client(base).chat.completions.create(
        model="openai:gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], **params
    )
    sent = openai_fake.seen[-1].body
    for key, value in params.items():
        assert sent[key] == value, key


async def test_reasoning_models_get_their_parameters(
    client: Client, openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    await client(base).chat.completions.create(
        model="openai:o3-mini",
        max_tokens=100,
        temperature=0.2,
        reasoning_effort="high",
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    )
    sent = openai_fake.seen[-1].body
    assert sent["max_completion_tokens"] == 100 and "max_tokens" not in sent
    assert "temperature" not in sent and sent["reasoning_effort"] == "high"
    assert sent["messages"][0]["role"] == "developer"


async def test_kimi_reasoning_and_usage_inside_choice(
    client: Client, make_router: RouterFactory, serve_fake: Any
) -> None:
    kimi = await serve_fake(OpenAIFake(require_key="sk-kimi"))
    kimi.queue(Reply("sse", fixture("kimi/reasoning_tools.sse"), pieces=50))
    base = await make_router(
        {
            "providers": {"kimi": {"base_url": kimi.url + "/v1"}},
            "models": {"medium": "kimi:kimi-k2-thinking"},
        },
        env={"MOONSHOT_API_KEY": "sk-kimi"},
    )
    stream = await client(base).chat.completions.create(
        model="kimi:kimi-k2-thinking",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "read notes.txt"}],
    )
    chunks = [c async for c in stream]
    reasoning = "".join(
        getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices
    )
    assert reasoning == "The user wants the file contents; I should call read."
    ids = [
        tc.id for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or [] if tc.id
    ]
    assert ids == ["functions.read:0"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 311


@pytest.mark.parametrize(
    ("configured", "client_key", "expected"),
    [("sk-conf", "client-key", "Bearer sk-conf"), ("", "client-key", "Bearer client-key")],
)
async def test_configured_key_wins_else_client_bearer(
    client: Client,
    make_router: RouterFactory,
    serve_fake: Any,
    configured: str,
    client_key: str,
    expected: str,
) -> None:
    fake = await serve_fake(OpenAIFake())
    base = await make_router(
        {
            "providers": {"openai": {"base_url": fake.url + "/v1", "api_key": configured}},
            "models": {"easy": "openai:gpt-4o-mini"},
        }
    )
    await client(base, client_key).chat.completions.create(
        model="easy", messages=[{"role": "user", "content": "hi"}]
    )
    assert fake.seen[-1].headers["Authorization"] == expected


async def test_keyless_ollama_needs_no_key(
    client: Client, make_router: RouterFactory, serve_fake: Any
) -> None:
    fake = await serve_fake(OllamaFake())  # the native /api/chat fake refuses any Authorization
    base = await make_router(
        {
            "providers": {"local": {"base_url": fake.url}},
            "models": {"easy": "local:qwen2.5:3b"},
        }
    )
    async with aiohttp.ClientSession() as http:  # no Authorization header at all
        resp = await http.post(
            base + "/v1/chat/completions",
            json={"model": "local:qwen2.5:3b", "messages": [{"role": "user", "content": "hi"}]},
        )
        out = await resp.json()
    assert resp.status == 200 and out["choices"][0]["message"]["content"]
    assert "Authorization" not in fake.seen[-1].headers
    assert fake.seen[-1].path == "/api/chat"
    assert fake.seen[-1].body["model"] == "qwen2.5:3b"
