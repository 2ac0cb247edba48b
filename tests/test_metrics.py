"""/metrics after a known sequence of requests: Prometheus text that agrees with /stats, from a
registry of its own per app."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from llmrouter.metrics import Histogram
from tests import traffic
from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(base: str) -> tuple[Samples, dict[str, Any]]:
    async with aiohttp.ClientSession(headers=traffic.headers()) as session:
        async with session.get(f"{base}/metrics") as r:
            assert r.status == 200
            assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
            text = await r.text()
        async with session.get(f"{base}/stats") as r:
            stats: dict[str, Any] = await r.json()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        assert family.name.startswith("llmrouter_"), family.name
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, stats


def total(samples: Samples, name: str, **match: str) -> float:
    return sum(
        v
        for (n, labels), v in samples.items()
        if n == name and all(dict(labels).get(k) == want for k, want in match.items())
    )


async def test_metrics_agree_with_stats_after_known_traffic(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(traffic.config(openai_fake))
    want = await traffic.play(base, openai_fake)
    m, stats = await scrape(base)
    since = stats["since_start"]
    assert total(m, "llmrouter_requests_total") == want["requests"] == since["requests"]
    for level, n in want["by_level"].items():
        assert total(m, "llmrouter_requests_total", level=level) == n
    key = (
        "llmrouter_requests_total",
        (("level", "medium"), ("model", "best"), ("provider", "openai"), ("status", "400")),
    )
    assert m[key] == 1
    for direction in ("input", "output", "cached"):
        got = total(m, "llmrouter_tokens_total", direction=direction)
        assert got == since["tokens"][direction] == want["tokens"][direction]
    assert total(m, "llmrouter_cost_usd_total") == pytest.approx(since["cost_usd"], abs=1e-6)
    assert total(m, "llmrouter_baseline_cost_usd_total") == pytest.approx(
        since["baseline_cost_usd"], abs=1e-6
    )
    assert total(m, "llmrouter_saved_usd_total") == pytest.approx(since["saved_usd"], abs=1e-6)
    assert total(m, "llmrouter_upstream_failures_total", status="500") == 1
    assert total(m, "llmrouter_upstream_failures_total", status="400") == 1
    assert total(m, "llmrouter_fallbacks_total", provider="openai") == 1
    assert total(m, "llmrouter_ttfb_seconds_count") == 1  # the one streamed answer
    assert total(m, "llmrouter_request_duration_seconds_count") == 6
    assert total(m, "llmrouter_overhead_seconds_count") == 6
    assert total(m, "llmrouter_inflight_streams") == 0
    assert total(m, "llmrouter_classifier_fallbacks_total") == 0
    # levels named by the client: no classifier decision
    assert total(m, "llmrouter_classifier_decisions_total") == 0


async def test_classifier_decisions_and_confidence(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(traffic.config(openai_fake))
    openai_fake.queue(traffic.completion("cheap"), traffic.completion("cheap"))
    for _ in range(2):
        await traffic.send(base, "llm-router")
    m, stats = await scrape(base)
    assert total(m, "llmrouter_classifier_decisions_total") == 2
    assert total(m, "llmrouter_classifier_confidence_count") == 2
    level = stats["recent"][0]["level"]
    assert total(m, "llmrouter_classifier_decisions_total", level=level) == 2


async def test_each_app_has_its_own_registry(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    first = await make_router(traffic.config(openai_fake))
    second = await make_router(traffic.config(openai_fake))
    openai_fake.queue(traffic.completion("cheap"))
    await traffic.send(first, "easy")
    assert total((await scrape(first))[0], "llmrouter_requests_total") == 1
    assert total((await scrape(second))[0], "llmrouter_requests_total") == 0
    assert REGISTRY.get_sample_value("llmrouter_requests_total") is None


def test_histogram_buckets_are_cumulative_and_inclusive() -> None:
    """A value equal to a bound counts in that bound's bucket (`le`), every bucket counts all
    values below it, +Inf counts everything, and the sum is exact."""
    hist = Histogram("llmrouter_test_seconds", "test", (0.1, 0.5, 1.0), ("provider",))
    for value in (0.05, 0.1, 0.3, 1.0, 7.0):
        hist.observe(value, ("p",))
    samples = {
        (s.name, s.labels.get("le")): s.value
        for s in hist.family().samples
        if s.labels["provider"] == "p"
    }
    assert samples[("llmrouter_test_seconds_bucket", "0.1")] == 2
    assert samples[("llmrouter_test_seconds_bucket", "0.5")] == 3
    assert samples[("llmrouter_test_seconds_bucket", "1.0")] == 4
    assert samples[("llmrouter_test_seconds_bucket", "+Inf")] == 5
    assert samples[("llmrouter_test_seconds_count", None)] == 5
    assert samples[("llmrouter_test_seconds_sum", None)] == pytest.approx(8.45)
