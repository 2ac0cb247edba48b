"""The official OpenAI SDK through the router against the fake native Ollama server."""

from __future__ import annotations

import socket
from typing import Any

import openai
import pytest

from llmrouter.config import LEVELS
from tests.conftest import RouterFactory
from tests.fake_ollama import OllamaFake
from tests.fakes import Reply, fixture

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
NDJSON = "application/x-ndjson"
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": n,
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
    }
    for n in ("get_weather", "get_time")
]


async def router(make_router: RouterFactory, url: str, **options: Any) -> str:
    return await make_router(
        {
            "providers": {"local": {"base_url": url, **options}},
            "models": {level: "local:qwen2.5:7b" for level in LEVELS},
        }
    )


async def test_streams_text_with_usage(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake = await serve_fake(OllamaFake())
    c = client(await router(make_router, fake.url, keep_alive="10m"))
    fake.queue(Reply("sse", fixture("ollama/text.ndjson"), pieces=17, content_type=NDJSON))
    stream = await c.chat.completions.create(
        model="local:qwen2.5:7b",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
        max_tokens=20,
    )
    chunks = [ch async for ch in stream]
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == "Hello! How can I help you today? ü€👋"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 38
    sent = fake.seen[-1]
    assert sent.path == "/api/chat" and "Authorization" not in sent.headers
    assert sent.body["keep_alive"] == "10m" and sent.body["options"] == {"num_predict": 20}


async def test_tool_loop_with_images(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake = await serve_fake(OllamaFake())
    c = client(await router(make_router, fake.url))
    fake.queue(Reply("sse", fixture("ollama/tools.ndjson"), content_type=NDJSON))
    messages: list[Any] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "weather where this photo was taken, and Tokyo?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            ],
        }
    ]
    stream = await c.chat.completions.create(
        model="local:qwen2.5:7b", messages=messages, tools=TOOLS, stream=True
    )
    calls: dict[int, Any] = {}
    finish = None
    async for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                calls[call.index] = call
    assert finish == "tool_calls" and len({call.id for call in calls.values()}) == 3
    assert fake.seen[-1].body["messages"][0]["images"] == [PNG]
    messages.append(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
                for call in calls.values()
            ],
        }
    )
    messages += [
        {"role": "tool", "tool_call_id": call.id, "content": f"r{i}"} for i, call in calls.items()
    ]
    done = await c.chat.completions.create(model="local:qwen2.5:7b", messages=messages, tools=TOOLS)
    assert done.choices[0].message.content == "Paris is the capital of France."
    sent = fake.seen[-1].body["messages"]
    assert [m.get("tool_name") for m in sent[2:]] == ["get_weather", "get_weather", "get_time"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == {"location": "Paris, FR"}


async def test_model_not_pulled_says_how_to_pull(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake = await serve_fake(OllamaFake())
    c = client(await router(make_router, fake.url))
    with pytest.raises(openai.NotFoundError) as info:
        await c.chat.completions.create(
            model="local:llama3.3:70b", messages=[{"role": "user", "content": "x"}]
        )
    assert "ollama pull llama3.3:70b" in str(info.value)


async def test_ollama_not_running_is_a_502(make_router: RouterFactory, client: Any) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(await router(make_router, f"http://127.0.0.1:{port}"))
    with pytest.raises(openai.APIStatusError) as info:
        await c.chat.completions.create(
            model="local:qwen2.5:7b", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == 502
    assert "Cannot connect to local" in str(info.value)
    assert "Is Ollama running? Start it with `ollama serve`." in str(info.value)


async def test_midstream_error_line_ends_the_stream_with_an_error(
    serve_fake: Any, make_router: RouterFactory, client: Any
) -> None:
    fake = await serve_fake(OllamaFake())
    c = client(await router(make_router, fake.url))
    fake.queue(Reply("sse", fixture("ollama/error.ndjson"), content_type=NDJSON, delay=0.05))
    stream = await c.chat.completions.create(
        model="local:qwen2.5:7b", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIError) as info:
        async for _ in stream:
            pass
    assert "unexpected EOF" in str(info.value)
