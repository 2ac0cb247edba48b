"""Prometheus metrics: plain counters and bucket arrays, one set per app (two apps in one
process, as in the tests, keep separate counts), turned into metric families only when
`GET /metrics` is scraped.

`Metrics.observe(record)` turns one finished request (a `stats.Record`) into a few dictionary
increments: no locks and no per-sample objects, because it runs on every request while a scrape
comes every few seconds. At scrape time one collector yields every family, including what others
count themselves (the streams in flight, the classifier's fallbacks and LLM calls, the savings
from `Stats`), and prometheus_client encodes them. This module does no I/O and knows nothing of
HTTP (`stats.metrics_view` serves the exposition). Every name is under `llmrouter_`; the
README's "Operating it" section lists them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

if TYPE_CHECKING:
    from llmrouter.stats import Record, Stats

# Seconds. An LLM answer takes from a few hundred milliseconds to minutes.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
# The router's own work: parsing and classifying take well under a millisecond, an LLM
# classifier up to its timeout.
OVERHEAD_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0)
CONFIDENCE_BUCKETS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
Labels = tuple[str, ...]


class Family:
    """A counter: label values → running total."""

    def __init__(self, name: str, doc: str, labels: Labels = ()) -> None:
        self.name, self.doc, self.labels = name, doc, labels
        self.values: defaultdict[Labels, float] = defaultdict(float)
        if not labels:
            self.values[()] = 0.0  # an unlabelled counter is exported from the start

    def family(self) -> Metric:
        out = CounterMetricFamily(self.name, self.doc, labels=self.labels)
        for labels, value in sorted(self.values.items()):
            out.add_metric(labels, value)
        return out


class Histogram:
    """Label values → one count per bucket (the last one is +Inf), and the sum."""

    def __init__(self, name: str, doc: str, buckets: tuple[float, ...], labels: Labels = ()):
        self.name, self.doc, self.labels = name, doc, labels
        self.bounds = buckets
        self.series: dict[Labels, list[float]] = {}
        if not labels:
            self.series[()] = self._row()

    def observe(self, value: float, labels: Labels = ()) -> None:
        row = self.series.get(labels)
        if row is None:
            row = self.series[labels] = self._row()
        row[bisect_left(self.bounds, value)] += 1  # bucket `le` holds values <= its bound
        row[-1] += value

    def _row(self) -> list[float]:
        return [0.0] * (len(self.bounds) + 2)  # one count per bucket, +Inf, then the sum

    def family(self) -> Metric:
        out = HistogramMetricFamily(self.name, self.doc, labels=self.labels)
        edges = [*map(floatToGoString, self.bounds), "+Inf"]
        for labels, row in sorted(self.series.items()):
            cumulative, buckets = 0.0, []
            for edge, n in zip(edges, row[:-1], strict=True):
                cumulative += n
                buckets.append((edge, cumulative))
            out.add_metric(labels, buckets, sum_value=row[-1])
        return out


class Metrics:
    def __init__(self) -> None:
        self.requests = Family(
            "llmrouter_requests",
            "Chat requests by level, provider, model and final status.",
            ("level", "provider", "model", "status"),
        )
        self.ttfb = Histogram(
            "llmrouter_ttfb_seconds",
            "Time to the first byte of a streamed answer.",
            LATENCY_BUCKETS,
            ("provider",),
        )
        self.duration = Histogram(
            "llmrouter_request_duration_seconds",
            "Total time of a chat request.",
            LATENCY_BUCKETS,
            ("provider",),
        )
        self.overhead = Histogram(
            "llmrouter_overhead_seconds",
            "Router time before the upstream call: reading, validating, classifying, routing.",
            OVERHEAD_BUCKETS,
        )
        self.tokens = Family(
            "llmrouter_tokens",
            "Tokens by direction (input, output; cached is the cache-read part of input).",
            ("direction", "provider", "model"),
        )
        self.cost = Family(
            "llmrouter_cost_usd", "Money spent, from the price table.", ("provider", "model")
        )
        self.baseline = Family(
            "llmrouter_baseline_cost_usd",
            "What the same traffic would have cost on the super_hard model.",
        )
        self.decisions = Family(
            "llmrouter_classifier_decisions",
            "Classifier decisions by level and classifier.",
            ("level", "classifier"),
        )
        self.confidence = Histogram(
            "llmrouter_classifier_confidence",
            "Confidence of the classifier's decisions.",
            CONFIDENCE_BUCKETS,
        )
        self.failures = Family(
            "llmrouter_upstream_failures",
            "Failed upstream attempts by provider and status.",
            ("provider", "status"),
        )
        self.fallbacks = Family(
            "llmrouter_fallbacks",
            "Fallbacks taken: a failed candidate handed the request to the next one.",
            ("provider",),
        )
        self.registry = CollectorRegistry(auto_describe=True)

    def watch(self, stats: Stats) -> None:
        """Serve these counters, and the figures `stats` (and its classifier) keep themselves."""
        self.registry.register(_Collector(self, stats))

    def observe(self, r: Record) -> None:
        provider = r.provider
        self.requests.values[(r.level, provider, r.model, str(r.status))] += 1
        if r.ttfb_s is not None:
            self.ttfb.observe(r.ttfb_s, (provider,))
        if provider != "-":
            self.duration.observe(r.total_s, (provider,))
        if r.overhead_s is not None:
            self.overhead.observe(r.overhead_s)
        tokens = self.tokens.values
        if r.prompt_tokens:
            tokens[("input", provider, r.model)] += r.prompt_tokens
        if r.completion_tokens:
            tokens[("output", provider, r.model)] += r.completion_tokens
        if r.cached_tokens:
            tokens[("cached", provider, r.model)] += r.cached_tokens
        if r.cost:
            self.cost.values[(provider, r.model)] += r.cost
        if r.baseline:
            self.baseline.values[()] += r.baseline
        if r.confidence is not None:
            self.decisions.values[(r.level, r.classifier)] += 1
            self.confidence.observe(r.confidence)
        for failed, status in r.failures:
            self.failures.values[(failed, str(status))] += 1
        for failed in r.fallbacks:
            self.fallbacks.values[(failed,)] += 1

    def families(self) -> list[Family | Histogram]:
        return [
            self.requests,
            self.ttfb,
            self.duration,
            self.overhead,
            self.tokens,
            self.cost,
            self.baseline,
            self.decisions,
            self.confidence,
            self.failures,
            self.fallbacks,
        ]

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The scrape body and its content type: Prometheus text 0.0.4, or OpenMetrics when
        the scraper's Accept header asks for it."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


class _Collector(Collector):
    def __init__(self, metrics: Metrics, stats: Stats) -> None:
        self.metrics = metrics
        self.stats = stats

    def describe(self) -> Iterator[Metric]:
        # the names only: the app may not be started yet
        yield from (f.family() for f in self.metrics.families())
        yield from self._own(0, 0.0, 0, 0)

    def collect(self) -> Iterator[Metric]:
        s = self.stats
        pipeline = s.live().pipeline
        saved = s.total.baseline - s.total.cost
        yield from (f.family() for f in self.metrics.families())
        yield from self._own(s.streams(), saved, pipeline.fallbacks.total, pipeline.llm_calls)

    @staticmethod
    def _own(streams: int, saved: float, fallbacks: int, calls: int) -> Iterator[Metric]:
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
