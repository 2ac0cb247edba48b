"""Prometheus metrics: one `CollectorRegistry` per app (never the process-global default, so two
apps in one process, as in the tests, keep separate counts), served at `GET /metrics`.

`Metrics.observe(record)` turns one finished request (a `stats.Record`) into counter and
histogram updates; a small collector reads, at scrape time, what others count themselves: the
streams in flight, the classifier's fallbacks and LLM calls, the savings from `Stats`. This
module does no I/O and knows nothing of HTTP (`stats.metrics_view` serves the exposition).
Every name is under `llmrouter_`; the README's "Operating it" section lists them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from llmrouter.stats import Record, Stats

# Seconds. An LLM answer takes from a few hundred milliseconds to minutes.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
# The router's own work: parsing and classifying take well under a millisecond, an LLM
# classifier up to its timeout.
OVERHEAD_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0)
CONFIDENCE_BUCKETS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self.requests = Counter(
            "llmrouter_requests",
            "Chat requests by level, provider, model and final status.",
            ["level", "provider", "model", "status"],
            registry=r,
        )
        self.ttfb = Histogram(
            "llmrouter_ttfb_seconds",
            "Time to the first byte of a streamed answer.",
            ["provider"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.duration = Histogram(
            "llmrouter_request_duration_seconds",
            "Total time of a chat request.",
            ["provider"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.overhead = Histogram(
            "llmrouter_overhead_seconds",
            "Router time before the upstream call: reading, validating, classifying, routing.",
            buckets=OVERHEAD_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "llmrouter_tokens",
            "Tokens by direction (input, output; cached is the cache-read part of input).",
            ["direction", "provider", "model"],
            registry=r,
        )
        self.cost = Counter(
            "llmrouter_cost_usd",
            "Money spent, from the price table.",
            ["provider", "model"],
            registry=r,
        )
        self.baseline = Counter(
            "llmrouter_baseline_cost_usd",
            "What the same traffic would have cost on the super_hard model.",
            registry=r,
        )
        self.decisions = Counter(
            "llmrouter_classifier_decisions",
            "Classifier decisions by level and classifier.",
            ["level", "classifier"],
            registry=r,
        )
        self.confidence = Histogram(
            "llmrouter_classifier_confidence",
            "Confidence of the classifier's decisions.",
            buckets=CONFIDENCE_BUCKETS,
            registry=r,
        )
        self.failures = Counter(
            "llmrouter_upstream_failures",
            "Failed upstream attempts by provider and status.",
            ["provider", "status"],
            registry=r,
        )
        self.fallbacks = Counter(
            "llmrouter_fallbacks",
            "Fallbacks taken: a failed candidate handed the request to the next one.",
            ["provider"],
            registry=r,
        )

    def watch(self, stats: Stats) -> None:
        """Export the figures `stats` (and its classifier pipeline) keep themselves."""
        self.registry.register(_StatsCollector(stats))

    def observe(self, r: Record) -> None:
        child = self._child
        child(self.requests, r.level, r.provider, r.model, str(r.status)).inc()
        if r.ttfb_s is not None:
            child(self.ttfb, r.provider).observe(r.ttfb_s)
        if r.provider != "-":
            child(self.duration, r.provider).observe(r.total_s)
        if r.overhead_s is not None:
            self.overhead.observe(r.overhead_s)
        for direction, n in (
            ("input", r.prompt_tokens),
            ("output", r.completion_tokens),
            ("cached", r.cached_tokens),
        ):
            if n:
                child(self.tokens, direction, r.provider, r.model).inc(n)
        if r.cost:
            child(self.cost, r.provider, r.model).inc(r.cost)
        if r.baseline:
            self.baseline.inc(r.baseline)
        if r.confidence is not None:
            child(self.decisions, r.level, r.classifier).inc()
            self.confidence.observe(r.confidence)
        for provider, status in r.failures:
            child(self.failures, provider, str(status)).inc()
        for provider in r.fallbacks:
            child(self.fallbacks, provider).inc()

    def _child(self, metric: Any, *labels: str) -> Any:
        """`metric.labels(*labels)`, remembered: the lookup and its lock cost more than the
        increment itself, on every request."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            if len(self._children) > 20_000:  # label values come from traffic: stay bounded
                self._children.clear()
            found = self._children[key] = metric.labels(*labels)
        return found

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The scrape body and its content type: Prometheus text 0.0.4, or OpenMetrics when
        the scraper's Accept header asks for it."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


class _StatsCollector(Collector):
    def __init__(self, stats: Stats) -> None:
        self.stats = stats

    def describe(self) -> Iterator[Metric]:
        return self._families(0, 0.0, 0, 0)  # the names only: the app may not be started yet

    def collect(self) -> Iterator[Metric]:
        s = self.stats
        pipeline = s.live().pipeline
        saved = s.total.baseline - s.total.cost
        return self._families(s.streams(), saved, pipeline.fallbacks.total, pipeline.llm_calls)

    @staticmethod
    def _families(streams: int, saved: float, fallbacks: int, calls: int) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "llmrouter_inflight_streams", "Streamed answers being relayed.", value=streams
        )
        yield CounterMetricFamily(
            "llmrouter_saved_usd",
            "Baseline cost minus cost since start (direct requests are their own baseline).",
            value=saved,
        )
        yield CounterMetricFamily(
            "llmrouter_classifier_fallbacks",
            "LLM classifier failures answered by the built-in classifier instead.",
            value=fallbacks,
        )
        yield CounterMetricFamily(
            "llmrouter_classifier_llm_calls", "Calls to the LLM classifier.", value=calls
        )
