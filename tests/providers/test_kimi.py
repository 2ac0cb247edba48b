"""Kimi (Moonshot) through the OpenAI-compatible path: its quirks, against a strict fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from aiohttp import web

from llmrouter.config import parse_config
from llmrouter.providers import make_provider
from llmrouter.providers.openai import OpenAIProvider
from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake, Reply, fixture

MODEL = "kimi:kimi-k2-thinking"
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "read",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
]


class KimiFake(OpenAIFake):
    """Moonshot's chat completions: OpenAI's wire format plus the checks Kimi adds."""

    def validate(self, request: web.Request, body: Any) -> tuple[int, str] | None:
        problem = super().validate(request, body)
        if problem is not None:
            return problem
        if "thinking" in body and "reasoning_effort" in body:
            return 400, "thinking and reasoning_effort cannot both be set"  # the fake's wording
        thinking = (body.get("thinking") or {}).get("type") != "disabled"
        calls: set[str] = set()
        for i, message in enumerate(body["messages"]):
            if message.get("role") == "assistant" and message.get("tool_calls"):
                calls.update(c["id"] for c in message["tool_calls"])
                if (
                    thinking
                    and "thinking" in body["model"]
                    and not message.get("reasoning_content")
                ):
                    return 400, (
                        "thinking is enabled but reasoning_content is missing in assistant "
                        f"tool call message at index {i}"
                    )
            if message.get("role") == "tool" and message.get("tool_call_id") not in calls:
                return 400, f"tool_call_id {message.get('tool_call_id')} is not found"
        return None


@pytest.fixture
async def kimi(
    serve_fake: Any, make_router: RouterFactory
) -> AsyncIterator[tuple[KimiFake, openai.AsyncOpenAI]]:
    fake = await serve_fake(KimiFake(require_key="sk-kimi"))
    base = await make_router(
        {
            "providers": {"kimi": {"base_url": fake.url + "/v1", "replay_reasoning": True}},
            "models": {"hard": MODEL},
        },
        env={"MOONSHOT_API_KEY": "sk-kimi"},
    )
    client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="c", max_retries=0, timeout=10)
    yield fake, client
    await client.close()


async def first_turn(fake: KimiFake, client: openai.AsyncOpenAI) -> tuple[str, str, str]:
    fake.queue(Reply("sse", fixture("kimi/reasoning_tools.sse"), pieces=31))
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "read notes.txt"}],
        tools=TOOLS,
        stream=True,
    )
    reasoning, call_id, args = "", "", ""
    async for chunk in stream:
        for choice in chunk.choices:
            reasoning += getattr(choice.delta, "reasoning_content", None) or ""
            for call in choice.delta.tool_calls or []:
                call_id += call.id or ""
                args += (call.function and call.function.arguments) or ""
    return reasoning, call_id, args


def history(call_id: str, args: str, reasoning: str | None) -> list[Any]:
    assistant: dict[str, Any] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": "read", "arguments": args}}
        ],
    }
    if reasoning is not None:
        assistant["reasoning_content"] = reasoning
    return [
        {"role": "user", "content": "read notes.txt"},
        assistant,
        {"role": "tool", "tool_call_id": call_id, "content": "buy milk"},
    ]


async def test_tool_loop_keeps_kimi_ids_and_replays_reasoning(
    kimi: tuple[KimiFake, openai.AsyncOpenAI],
) -> None:
    fake, client = kimi
    reasoning, call_id, args = await first_turn(fake, client)
    assert reasoning == "The user wants the file contents; I should call read."
    assert call_id == "functions.read:0", "Kimi's own ids pass through untouched"
    stream = await client.chat.completions.create(
        model=MODEL, messages=history(call_id, args, reasoning), tools=TOOLS, stream=True
    )
    assert "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    sent = fake.seen[-1].body["messages"]
    assert sent[1]["reasoning_content"] == reasoning and sent[1]["tool_calls"][0]["id"] == call_id
    assert sent[2]["tool_call_id"] == "functions.read:0"


async def test_client_that_dropped_reasoning_still_completes_the_loop(
    kimi: tuple[KimiFake, openai.AsyncOpenAI],
) -> None:
    fake, client = kimi
    _, call_id, args = await first_turn(fake, client)
    out = await client.chat.completions.create(
        model=MODEL, messages=history(call_id, args, None), tools=TOOLS
    )
    assert out.choices[0].message.content
    assert fake.seen[-1].body["messages"][1]["reasoning_content"] == "."


async def test_thinking_and_reasoning_effort_never_sent_together(
    kimi: tuple[KimiFake, openai.AsyncOpenAI],
) -> None:
    fake, client = kimi
    await client.chat.completions.create(
        model="kimi:kimi-k2.5",
        messages=[{"role": "user", "content": "hi"}],
        reasoning_effort="high",
        extra_body={"thinking": {"type": "disabled"}},
    )
    sent = fake.seen[-1].body
    assert sent["thinking"] == {"type": "disabled"} and "reasoning_effort" not in sent


async def test_disabled_thinking_gets_no_placeholder(
    kimi: tuple[KimiFake, openai.AsyncOpenAI],
) -> None:
    fake, client = kimi
    await client.chat.completions.create(
        model=MODEL,
        messages=history("functions.read:0", "{}", None),
        extra_body={"thinking": {"type": "disabled"}},
    )
    assert "reasoning_content" not in fake.seen[-1].body["messages"][1]


@pytest.mark.parametrize(
    ("name", "base_url", "replays"),
    [
        ("kimi", None, True),
        ("kimi", "https://api.moonshot.cn/v1", True),
        ("deepseek", None, False),
        ("openai", None, False),
    ],
)
def test_kimi_quirks_follow_the_host_and_deepseek_reuses_the_openai_path(
    name: str, base_url: str | None, replays: bool
) -> None:
    entry = {"base_url": base_url} if base_url else {}
    config = parse_config({"providers": {name: entry}}, {})
    provider = make_provider(config.providers[name])
    assert isinstance(provider, OpenAIProvider) and provider.replay_reasoning is replays
