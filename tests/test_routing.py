"""The request's model field and the level table decide where a request goes."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from llmrouter.classify import Decision
from llmrouter.config import ModelRef, parse_config
from llmrouter.errors import ModelNotFound, NoProviderConfigured
from llmrouter.providers.openai_stream import PassthroughFilter
from llmrouter.routing import Router, resolve_levels
from tests.conftest import RouterFactory, openai_config
from tests.fakes import OpenAIFake, fixture

MSGS = [{"role": "user", "content": "hello"}]


def router(raw: dict[str, Any], usable: dict[str, bool], level: str = "medium") -> Router:
    async def classify(messages: list[dict[str, Any]]) -> Decision:
        return Decision(level, 0.9, "test", "fixed")

    return Router(parse_config(raw, {}), usable, classify)


CONFIG = {
    "models": {
        "easy": "openai:gpt-4o-mini",
        "medium": ["anthropic:claude-sonnet-4-5", "openai:gpt-4o"],
        "super_hard": "openai:o3",
    },
    "fallbacks": {"super_hard": ["google:gemini-2.5-pro"], "openai:gpt-4o": ["kimi:kimi-k2"]},
}


async def test_alias_classifies_and_level_names_force() -> None:
    r = router(CONFIG, {"openai": True, "anthropic": True}, level="easy")
    route = await r.route({"model": "llm-router", "messages": MSGS})
    assert (route.level, route.primary) == ("easy", ModelRef("openai", "gpt-4o-mini"))
    assert route.decision is not None and route.decision.classifier == "test"
    for name in ("super_hard", "llm-router:super_hard"):
        route = await r.route({"model": name, "messages": MSGS})
        assert route.candidates == (ModelRef("openai", "o3"), ModelRef("google", "gemini-2.5-pro"))


async def test_a_level_list_keeps_only_usable_providers() -> None:
    r = router(CONFIG, {"openai": True, "anthropic": False})
    route = await r.route({"model": "medium", "messages": MSGS})
    assert route.candidates == (ModelRef("openai", "gpt-4o"),)
    r = router(CONFIG, {"openai": True, "anthropic": True})
    route = await r.route({"model": "medium", "messages": MSGS})
    assert route.primary == ModelRef("anthropic", "claude-sonnet-4-5")


def test_missing_levels_take_the_nearest_above_else_below() -> None:
    table = resolve_levels(parse_config(CONFIG, {}), {"openai": True})
    assert table["super_easy"] == (ModelRef("openai", "gpt-4o-mini"),)
    assert table["hard"] == (ModelRef("openai", "o3"),)
    only_low = resolve_levels(parse_config({"models": {"easy": "openai:x"}}, {}), {})
    assert only_low["super_hard"] == (ModelRef("openai", "x"),)


async def test_direct_names() -> None:
    r = router(CONFIG, {"openai": True, "anthropic": True, "google": False})
    route = await r.route({"model": "openai:gpt-4o", "messages": MSGS})
    assert route.level == "direct"
    assert route.candidates == (ModelRef("openai", "gpt-4o"), ModelRef("kimi", "kimi-k2"))
    route = await r.route({"model": "gpt-4o-mini", "messages": MSGS})  # configured bare id
    assert route.primary == ModelRef("openai", "gpt-4o-mini")
    route = await r.route({"model": "claude-opus-4-5", "messages": MSGS})  # family
    assert route.primary == ModelRef("anthropic", "claude-opus-4-5")
    route = await r.route({"model": "local:qwen2.5:3b", "messages": MSGS})
    assert route.primary == ModelRef("local", "qwen2.5:3b")
    with pytest.raises(ModelNotFound):
        await r.route({"model": "gemini-2.5-pro", "messages": MSGS})  # google not usable
    with pytest.raises(ModelNotFound):
        await r.route({"model": "mystery", "messages": MSGS})


async def test_tools_raise_the_level_or_force_a_model() -> None:
    tools = [{"type": "function", "function": {"name": "read"}}]
    raw = {**CONFIG, "tools": {"min_complexity": "medium"}}
    r = router(raw, {"openai": True, "anthropic": True}, level="easy")
    route = await r.route({"model": "llm-router", "messages": MSGS, "tools": tools})
    assert route.level == "medium"
    raw = {**CONFIG, "tools": {"model": "openai:gpt-4o"}}
    r = router(raw, {"openai": True}, level="easy")
    route = await r.route({"model": "llm-router", "messages": MSGS, "tools": tools})
    assert route.candidates == (ModelRef("openai", "gpt-4o"),)


async def test_no_usable_model_is_503() -> None:
    r = router({"models": {"medium": ["anthropic:a", "openai:b"]}}, {})
    with pytest.raises(NoProviderConfigured):
        await r.route({"model": "llm-router", "messages": MSGS})


def test_passthrough_filter_output_is_independent_of_how_bytes_arrive() -> None:
    data = fixture("openai/tools.sse")
    whole = PassthroughFilter("openai", keep_usage=False)
    expected = whole.feed(data) + whole.finish()
    assert b'"choices":[]' not in expected and expected.endswith(b"data: [DONE]\n\n")
    for cut in range(0, len(data), 7):
        f = PassthroughFilter("openai", keep_usage=False)
        assert f.feed(data[:cut]) + f.feed(data[cut:]) + f.finish() == expected
        assert f.usage == whole.usage and whole.usage is not None
    kept = PassthroughFilter("openai", keep_usage=True)
    assert kept.feed(data) + kept.finish() == data


def test_passthrough_filter_releases_done_at_once_and_nothing_after_it() -> None:
    """[DONE] goes out with the read that brought it (no extra write at the end); a usage
    chunk owed to the client (usage inside the last choice, as Kimi sends it) comes just
    before it; anything an upstream sends after [DONE] is dropped."""
    finish = (
        b'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop",'
        b'"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}]}\n\n'
    )
    data = finish + b"data: [DONE]\n\n"
    plain = PassthroughFilter("kimi", keep_usage=False)
    assert plain.feed(data) == data
    assert plain.feed(b'data: {"late":true}\n\n') == b"" and plain.finish() == b""
    owed = PassthroughFilter("kimi", keep_usage=True)
    out = owed.feed(data)
    assert out.startswith(finish) and out.endswith(b"\n\ndata: [DONE]\n\n")
    usage_chunk = orjson.loads(out[len(finish) + len(b"data: ") : -len(b"\n\ndata: [DONE]\n\n")])
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] == 5
    assert owed.finish() == b""


async def test_models_and_health_endpoints(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/v1/models") as resp:
            models = await resp.json()
        async with http.get(base + "/health") as resp:
            health = await resp.json()
    ids = [m["id"] for m in models["data"]]
    assert models["object"] == "list"
    assert ids[:6] == ["llm-router", "super_easy", "easy", "medium", "hard", "super_hard"]
    assert "openai:gpt-4o-mini" in ids
    assert health["status"] == "ok" and health["levels"]["hard"] == "openai:gpt-4o-mini"
    assert health["providers"]["openai"] == "configured"
    assert health["providers"]["local"] == "not running"
    assert "sk-test-openai" not in str(health) + str(models)
