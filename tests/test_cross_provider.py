"""One tool loop that moves Kimi → Anthropic → Gemini → Ollama → OpenAI with its history.

Each fake validates requests as strictly as its real API (tool-id patterns, call/result pairing,
function names of results, roles), so every hop proves the previous providers' ids, names and
reasoning fields were converted to what the next one accepts. The same loop is then replayed
the way OpenClaw replays it (every id stripped to letters and digits)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

from tests.conftest import RouterFactory
from tests.fake_anthropic import AnthropicFake
from tests.fake_gemini import GeminiFake
from tests.fake_ollama import OllamaFake
from tests.fakes import OpenAIFake, Reply, fixture

HOPS = [
    ("kimi:kimi-k2-thinking", "kimi"),
    ("anthropic:claude-sonnet-4-5", "anthropic"),
    ("google:gemini-2.5-pro", "google"),
    ("local:qwen2.5:7b", "ollama"),
    ("openai:gpt-4o-mini", "openai"),
]
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "location": {"type": "string"},
                    "tz": {"type": "string"},
                    "city": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
    }
    for name in ("read", "get_weather", "get_time", "lookup")
]


@pytest.fixture
async def router(serve_fake: Any, make_router: RouterFactory) -> AsyncIterator[str]:
    kimi = await serve_fake(OpenAIFake(require_key="sk-kimi"))
    kimi.default = lambda body: Reply("sse", fixture("kimi/reasoning_tools.sse"))
    anthropic = await serve_fake(AnthropicFake())
    anthropic.default = lambda body: Reply("sse", fixture("anthropic/tools.sse"))
    gemini = await serve_fake(GeminiFake())
    gemini.default = lambda body: Reply("sse", fixture("google/tools.sse"))
    ollama = await serve_fake(OllamaFake())
    ollama.default = lambda body: Reply(
        "sse", fixture("ollama/tools.ndjson"), content_type="application/x-ndjson"
    )
    openai_fake = await serve_fake(OpenAIFake(require_key="sk-openai"))
    base = await make_router(
        {
            "providers": {
                "kimi": {"base_url": kimi.url + "/v1", "api_key": "sk-kimi"},
                "anthropic": {"base_url": anthropic.url, "api_key": "sk-ant-test"},
                "google": {"base_url": gemini.url, "api_key": "g-test-key"},
                "local": {"base_url": ollama.url},
                "openai": {"base_url": openai_fake.url + "/v1", "api_key": "sk-openai"},
            },
            "models": {"medium": "openai:gpt-4o-mini"},
        }
    )
    yield base


async def turn(client: openai.AsyncOpenAI, model: str, messages: list[Any]) -> dict[str, Any]:
    """One streamed turn; the assistant message as an OpenAI client would keep it."""
    stream = await client.chat.completions.create(
        model=model, messages=messages, tools=TOOLS, stream=True
    )
    content, reasoning, calls = "", "", {}
    async for chunk in stream:
        for choice in chunk.choices:
            delta = choice.delta
            content += delta.content or ""
            reasoning += getattr(delta, "reasoning_content", None) or ""
            for call in delta.tool_calls or []:
                slot = calls.setdefault(
                    call.index,
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                slot["id"] += call.id or ""
                if call.function:
                    slot["function"]["name"] += call.function.name or ""
                    slot["function"]["arguments"] += call.function.arguments or ""
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return message


def answer_tools(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"role": "tool", "tool_call_id": call["id"], "content": f"result of {call['function']}"}
        for call in message.get("tool_calls", [])
    ]


def openclaw_ids(messages: list[Any]) -> list[Any]:
    """What OpenClaw replays: every id reduced to letters and digits, at most 40."""

    def fix(i: str) -> str:
        return re.sub(r"[^A-Za-z0-9]", "", i)[:40]

    out = []
    for m in messages:
        m = dict(m)
        if m.get("tool_calls"):
            m["tool_calls"] = [{**c, "id": fix(c["id"])} for c in m["tool_calls"]]
        if m.get("tool_call_id"):
            m["tool_call_id"] = fix(m["tool_call_id"])
        out.append(m)
    return out


@pytest.mark.parametrize("replay", ["as sent", "openclaw ids"])
async def test_tool_loop_across_five_providers(router: str, replay: str) -> None:
    client = openai.AsyncOpenAI(base_url=router + "/v1", api_key="c", max_retries=0, timeout=10)
    messages: list[Any] = [
        {"role": "system", "content": "You are an agent."},
        {"role": "user", "content": "Look things up with your tools, please."},
    ]
    async with client:
        for model, _ in HOPS[:-1]:
            sent = openclaw_ids(messages) if replay == "openclaw ids" else messages
            message = await turn(client, model, sent)
            assert message.get("tool_calls"), f"{model} answered with tool calls"
            for call in message["tool_calls"]:
                assert re.fullmatch(r"[A-Za-z0-9_.:-]+", call["id"])
            messages += [message, *answer_tools(message)]
        ids = [c["id"] for m in messages for c in m.get("tool_calls", [])]
        assert len(ids) == len(set(ids)), "no two tool calls share an id"
        sent = openclaw_ids(messages) if replay == "openclaw ids" else messages
        final = await turn(client, HOPS[-1][0], sent)  # OpenAI closes the loop with text
        assert final["content"] and len(sent) == 2 + len(HOPS[:-1]) + len(ids)
