"""`--openclaw`: identity rewriting, and OpenClaw-shaped requests through the router."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestServer

from llmrouter.app import create_app
from llmrouter.config import ModelRef, parse_config
from llmrouter.openclaw import rewrite_identity
from tests import openclaw_shapes as oc
from tests.fakes import OpenAIFake


def test_identity_lines_name_the_real_model() -> None:
    body = oc.request(oc.first_turn("hello", provider_name="my-router"))
    out = rewrite_identity(body, ModelRef("anthropic", "claude-sonnet-4-5"))
    system, user = out["messages"][0]["content"], out["messages"][1]["content"]
    assert "Current model identity: anthropic/claude-sonnet-4-5. If asked" in system
    assert "| model=anthropic/claude-sonnet-4-5 |" in user
    assert "| default_model=my-router/llm-router |" in user
    assert out["messages"][2] is body["messages"][2], "untouched messages are shared"
    assert body["messages"][0]["content"] == oc.system_prompt("my-router"), "input not mutated"


def test_older_runtime_line_in_the_system_prompt_and_text_parts() -> None:
    body = {
        "messages": [
            {
                "role": "system",
                "content": "Tools...\nRuntime: agent=main | model=localrouter/x | "
                "default_model=localrouter/x",
            },
            {"role": "user", "content": [{"type": "text", "text": oc.user_text("hi")}]},
            {"role": "assistant", "content": "Runtime: model=keep/me"},
        ]
    }
    out = rewrite_identity(body, ModelRef("local", "qwen2.5:7b"))
    assert "| model=local/qwen2.5:7b | default_model=localrouter/x" in out["messages"][0]["content"]
    assert "model=local/qwen2.5:7b |" in out["messages"][1]["content"][0]["text"]
    assert out["messages"][2]["content"] == "Runtime: model=keep/me"


async def start(aiohttp_server: Any, fake: OpenAIFake, openclaw: bool, routes: Path) -> str:
    config = parse_config(
        {
            "providers": {"openai": {"base_url": fake.url + "/v1", "api_key": "k"}},
            "models": {"easy": "openai:gpt-4o-mini", "super_hard": "openai:o3"},
            "routes": str(routes),
        },
        {},
    )
    server: TestServer = await aiohttp_server(create_app(replace(config, openclaw=openclaw)))
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def routes(tmp_path: Path) -> Path:
    path = tmp_path / "ROUTES.md"
    path.write_text(
        "# Routes\n## Rules\n- `^migrate the monorepo` -> super_hard\n- `^say hello` -> easy\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("openclaw", [True, False])
async def test_openclaw_request_end_to_end(
    serve_fake: Any, aiohttp_server: Any, routes: Path, openclaw: bool
) -> None:
    fake = await serve_fake(OpenAIFake())
    base = await start(aiohttp_server, fake, openclaw, routes)
    body = oc.request(oc.first_turn("migrate the monorepo to pnpm workspaces"), tool_count=54)
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/v1/chat/completions", json=body) as resp,
    ):
        raw = await resp.read()
        level = resp.headers["x-llmrouter-level"]
    assert level == "super_hard", "classified on the user's request, not the wrappers"
    sent = fake.seen[-1].body
    assert sent["model"] == "o3" and len(sent["tools"]) == 54
    identity = "Current model identity: openai/o3." if openclaw else "router/llm-router."
    assert identity in sent["messages"][0]["content"]
    assert ("model=openai/o3 |" in sent["messages"][1]["content"]) is openclaw
    events = [e for e in raw.split(b"\n\n") if e]
    chunks = [orjson.loads(e[6:]) for e in events[:-1]]
    assert events[-1] == b"data: [DONE]"
    assert any(c["choices"] and c["choices"][0]["finish_reason"] for c in chunks)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 29


async def test_tool_loop_keeps_the_level_of_the_request(
    serve_fake: Any, aiohttp_server: Any, routes: Path
) -> None:
    fake = await serve_fake(OpenAIFake())
    base = await start(aiohttp_server, fake, True, routes)
    first = oc.request(oc.first_turn("say hello to the team"))
    loop = oc.request(oc.tool_loop("say hello to the team", "callabc123", "hi there", image=True))
    async with aiohttp.ClientSession() as http:
        for body in (first, loop):
            async with http.post(base + "/v1/chat/completions", json=body) as resp:
                assert resp.status == 200
                assert resp.headers["x-llmrouter-level"] == "easy"
                await resp.read()
    replay = fake.seen[-1].body["messages"]
    assert replay[2]["tool_calls"][0]["id"] == "callabc123"
    assert replay[4]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


async def test_strict_upstreams_get_nine_character_ids(serve_fake: Any, make_router: Any) -> None:
    fake = await serve_fake(OpenAIFake())
    base = await make_router(
        {
            "providers": {
                "mistral": {
                    "type": "openai",
                    "base_url": fake.url + "/v1",
                    "api_key": "k",
                    "tool_call_ids": "alnum9",
                }
            },
            "models": {"easy": "mistral:mistral-small-latest"},
        }
    )
    body = oc.request(oc.tool_loop("say hello", "callabc123XYZ", "hi"))
    body["stream"] = False
    body.pop("stream_options")
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/v1/chat/completions", json={**body, "model": "easy"}) as resp,
    ):
        assert resp.status == 200
    sent = fake.seen[-1].body["messages"]
    call_id = sent[2]["tool_calls"][0]["id"]
    assert len(call_id) == 9 and call_id.isalnum() and sent[3]["tool_call_id"] == call_id
