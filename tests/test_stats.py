"""Stats: the figures /stats reports after a known sequence of requests, the price table, and
the rolling last hour."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from llmrouter import report
from llmrouter.config import ConfigError, parse_config
from llmrouter.prices import SHIPPED_PRICES, Price, PriceTable, load_shipped, read_prices
from llmrouter.stats import Totals
from tests import traffic
from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake


async def get_stats(base: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base}/stats", headers=traffic.headers()) as r,
    ):
        assert r.status == 200
        result: dict[str, Any] = await r.json()
        return result


async def test_stats_after_known_traffic(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(traffic.config(openai_fake))
    want = await traffic.play(base, openai_fake)
    stats = await get_stats(base)
    assert stats["baseline_model"] == "openai:best"
    for window in ("since_start", "last_hour"):
        got = stats[window]
        for key in ("requests", "errors", "tokens", "cost_usd", "baseline_cost_usd"):
            assert got[key] == want[key], (window, key)
        assert got["saved_usd"] == pytest.approx(want["saved_usd"], abs=1e-6)
        assert got["saved_pct"] == pytest.approx(want["saved_pct"], abs=0.01)
        assert {k: v["requests"] for k, v in got["by_level"].items()} == want["by_level"]
        assert {k: v["requests"] for k, v in got["by_model"].items()} == want["by_model"]
        assert sum(v["share"] for v in got["by_level"].values()) == pytest.approx(1, abs=1e-3)
    recent = stats["recent"]
    assert [r["level"] for r in recent] == [
        "medium",
        "hard",
        "direct",
        "super_hard",
        "super_easy",
        "easy",
    ]
    assert all(r["prompt"] is None for r in recent), "no prompt text without --log"
    assert recent[1]["model"] == "cheap", "the fallback answered the hard request"
    assert stats["latency_ms"]["samples"] == 6
    assert stats["latency_ms"]["ttfb"]["p50"] is not None  # the streamed request
    openai = stats["providers"]["openai"]
    assert (openai["ok"], openai["failed"], openai["last_failure_status"]) == (5, 2, 400)


async def test_stats_need_the_router_key(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(traffic.config(openai_fake))
    async with aiohttp.ClientSession() as session:
        for path in ("/stats", "/metrics", "/"):
            async with session.get(base + path) as r:
                assert r.status == 401, path
        async with session.get(base + "/health") as r:
            assert r.status == 200


async def test_classified_request_keeps_confidence_and_prompt_only_with_log(
    openai_fake: OpenAIFake, make_router: RouterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    base = await make_router(traffic.config(openai_fake))
    openai_fake.queue(traffic.completion("cheap"))
    with caplog.at_level(logging.DEBUG, logger="llmrouter"):
        await traffic.send(base, "llm-router")
    (entry,) = (await get_stats(base))["recent"]
    assert entry["classifier"] != "-" and 0 < entry["confidence"] <= 1
    assert entry["prompt"] == "What is 2+2?"


def test_price_lookup_order() -> None:
    table = PriceTable(
        {
            "gpt-4o": Price(2.5, 10, 1.25),
            "gpt-4o-mini": Price(0.15, 0.6, 0.075),
            "openrouter:gpt-4o": Price(3, 12, 3),
            "local:*": Price(0, 0, 0),
        },
        free=frozenset({"ollama2"}),
    )
    assert table.find("openai", "gpt-4o-mini-2024-07-18") == Price(0.15, 0.6, 0.075)
    assert table.find("openai", "gpt-4o-2024-08-06") == Price(2.5, 10, 1.25)
    assert table.find("openrouter", "gpt-4o") == Price(3, 12, 3)
    assert table.find("local", "qwen2.5:7b") == Price(0, 0, 0)
    assert table.find("ollama2", "llama3") == Price(0, 0, 0)
    assert table.find("openai", "gpt-4oo") is None


def test_cost_counts_cached_tokens_at_their_own_price() -> None:
    assert Price(10, 20, 5).cost(1000, 500, 200) == pytest.approx(0.019)
    assert Price(10, 20, 5).cost(100, 0, 500) == pytest.approx(0.0005)  # cached ≤ prompt


def test_shipped_price_table_is_valid_and_covers_the_default_models() -> None:
    table = PriceTable(load_shipped(SHIPPED_PRICES), free=frozenset({"local"}))
    for ref in (
        "anthropic:claude-opus-4-5",
        "anthropic:claude-haiku-4-5",
        "openai:gpt-5",
        "openai:o3",
        "google:gemini-2.5-pro",
        "kimi:kimi-k2-thinking",
        "deepseek:deepseek-chat",
        "local:qwen2.5:32b",
        "anthropic:claude-sonnet-4-5-20250929",
    ):
        provider, _, model = ref.partition(":")
        assert table.find(provider, model) is not None, ref


def test_prices_section_problems_name_their_key_path() -> None:
    problems: list[str] = []
    read_prices({"m": {"input": -1, "output": "x", "cache": 1}, "n": 3}, "prices", problems)
    assert "prices.m.input: must be a number ≥ 0, got -1" in problems
    assert any(p.startswith("prices.m.output:") for p in problems)
    assert any(p.startswith("prices.m.cache: unknown field") for p in problems)
    assert any(p.startswith("prices.n:") for p in problems)
    with pytest.raises(ConfigError) as exc:
        parse_config({"prices": {"gpt-5": {"input": 1}}}, {})
    assert exc.value.problems == ["prices.gpt-5.output: required (dollars per million tokens)"]
    config = parse_config({"prices": {"gpt-5": {"input": 1, "output": 2}}}, {})
    assert config.prices["gpt-5"] == Price(1.0, 2.0, 1.0)


def test_totals_merge_like_adding() -> None:
    a, b = Totals(), Totals()
    a.by_level["easy"] += 2
    b.by_level["easy"] += 1
    b.by_model["x:y"] = [1, 0.5, 10, 20]
    a.merge(b)
    assert a.by_level["easy"] == 3 and a.by_model["x:y"] == [1, 0.5, 10, 20]


async def test_stats_command_prints_the_table(
    openai_fake: OpenAIFake, make_router: RouterFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = traffic.config(openai_fake)
    base = await make_router(raw)
    want = await traffic.play(base, openai_fake)
    config = parse_config(raw, {})
    code = await asyncio.to_thread(report.main, ["--url", base], lambda _: config)
    out = capsys.readouterr().out
    assert code == 0
    assert "since start" in out and "openai:cheap" in out and "super_hard" in out
    saved = f"${want['saved_usd']:,.4f} ({want['saved_pct']:.1f}%)"
    assert saved == "$0.0513 (65.8%)" and saved in out, out  # as in /stats
