"""Rolling in-process figures: what the router sent where, what it cost, what it saved.

`Stats.record()` is called once per chat request, after its access-log line. It turns the
request's `Outcome` into a `Record` (cost from the price table; the baseline is the same tokens
priced at the model that answers `super_hard`), adds it to the totals since start and to one of
sixty one-minute buckets (the last hour), keeps the last requests' latencies for percentiles and
the last routing decisions in a ring buffer, and hands the record to the Prometheus `Metrics`.
`GET /stats` serves `snapshot()`, `GET /metrics` the Prometheus exposition and `GET /` the
status page that polls /stats. Stats outlive config reloads: prices, the baseline model and the
classifier are read from the live state (`live()`), re-derived when its config changes.

Nothing here does I/O or reads the environment; prompt text is kept only when `--log` is on
(the `llmrouter` logger at DEBUG). A direct request (the client named the model) is its own
baseline: the router made no choice, so it neither saves nor loses money.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from aiohttp import web

from llmrouter.classify import LEVELS, Decision, extract_ask
from llmrouter.classify.pipeline import Pipeline
from llmrouter.config import Config, ModelRef
from llmrouter.forward import Outcome
from llmrouter.metrics import Metrics
from llmrouter.prices import Price, PriceTable
from llmrouter.routing import Router

log = logging.getLogger(__name__)
STATUS_PAGE = Path(__file__).parent / "defaults" / "status.html"
RECENT = 50  # routing decisions kept for the status page
SAMPLES = 1000  # latencies kept for the percentiles
PROMPT_CHARS = 200


@dataclass(slots=True)
class Record:
    """One finished chat request, as the stats and the metrics see it."""

    at: float  # wall clock, seconds
    level: str  # a level, "direct", or "-" when the request failed before routing
    provider: str
    model: str
    status: int
    ttfb_s: float | None
    total_s: float
    overhead_s: float | None  # request read → upstream call started
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cost: float
    baseline: float
    confidence: float | None
    classifier: str
    failures: tuple[tuple[str, int], ...]  # (provider, status) of every failed attempt
    fallbacks: tuple[str, ...]  # providers the request fell back from
    prompt: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.model}"


@dataclass
class Totals:
    """Sums over a set of records."""

    requests: int = 0
    errors: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    by_model: dict[str, list[float]] = field(default_factory=dict)  # requests, cost, in, out
    tokens: Counter[str] = field(default_factory=Counter)
    cost: float = 0.0
    baseline: float = 0.0

    def add(self, r: Record) -> None:
        self.requests += 1
        self.errors += r.status >= 400 or r.status == 0
        self.by_level[r.level] += 1
        row = self.by_model.setdefault(r.ref, [0, 0.0, 0, 0])
        row[0] += 1
        row[1] += r.cost
        row[2] += r.prompt_tokens
        row[3] += r.completion_tokens
        tokens = self.tokens
        tokens["input"] += r.prompt_tokens
        tokens["output"] += r.completion_tokens
        tokens["cached"] += r.cached_tokens
        self.cost += r.cost
        self.baseline += r.baseline

    def merge(self, other: Totals) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.by_level.update(other.by_level)
        for ref, row in other.by_model.items():
            mine = self.by_model.setdefault(ref, [0, 0.0, 0, 0])
            for i, value in enumerate(row):
                mine[i] += value
        self.tokens.update(other.tokens)
        self.cost += other.cost
        self.baseline += other.baseline

    def view(self) -> dict[str, Any]:
        saved = self.baseline - self.cost
        levels = [*LEVELS, "direct", "-"]
        return {
            "requests": self.requests,
            "errors": self.errors,
            "by_level": {
                level: {"requests": n, "share": round(n / self.requests, 4)}
                for level in levels
                if (n := self.by_level.get(level, 0))
            },
            "by_model": {
                ref: {
                    "requests": int(row[0]),
                    "cost_usd": round(row[1], 6),
                    "tokens_in": int(row[2]),
                    "tokens_out": int(row[3]),
                }
                for ref, row in sorted(self.by_model.items(), key=lambda kv: -kv[1][0])
            },
            "tokens": {k: self.tokens.get(k, 0) for k in ("input", "output", "cached")},
            "cost_usd": round(self.cost, 6),
            "baseline_cost_usd": round(self.baseline, 6),
            "saved_usd": round(saved, 6),
            "saved_pct": round(100 * saved / self.baseline, 2) if self.baseline > 0 else 0.0,
        }


class Live(Protocol):
    """What stats read from the router's live state (runtime.State has these)."""

    config: Config
    status: dict[str, str]
    router: Router
    pipeline: Pipeline


@dataclass(frozen=True)
class Pricing:
    """The price table of one config, and the baseline: the model answering super_hard."""

    config: Config
    table: PriceTable
    baseline: ModelRef | None
    baseline_price: Price | None

    @classmethod
    def of(cls, live: Live) -> Pricing:
        config = live.config
        free = frozenset(n for n, pc in config.providers.items() if pc.type == "ollama")
        table = PriceTable.build(config.prices, free=free)
        baseline = next(iter(live.router.levels.get("super_hard", ())), None)
        price = table.find(baseline.provider, baseline.model) if baseline else None
        return cls(config, table, baseline, price)


class Stats:
    def __init__(self, live: Callable[[], Live], streams: Callable[[], int]) -> None:
        self.live = live
        self.streams = streams
        self.metrics = Metrics()
        self._pricing: Pricing | None = None
        self.started = time.time()
        self.total = Totals()
        self.minutes: deque[tuple[int, Totals]] = deque(maxlen=60)
        self.samples: deque[tuple[float | None, float, float | None]] = deque(maxlen=SAMPLES)
        self.recent: deque[Record] = deque(maxlen=RECENT)
        self.health: dict[str, dict[str, Any]] = {}
        self.unpriced: set[str] = set()
        self.metrics.watch(self)

    @property
    def pricing(self) -> Pricing:
        live = self.live()
        if self._pricing is None or self._pricing.config is not live.config:
            self._pricing = Pricing.of(live)
        return self._pricing

    def record(
        self,
        level: str,
        outcome: Outcome,
        decision: Decision | None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        routed: float | None = None,
    ) -> Record:
        """Count one finished chat request; `routed` is when its upstream call started."""
        usage = outcome.usage or {}
        prompt = _int(usage.get("prompt_tokens"))
        completion = _int(usage.get("completion_tokens"))
        cached = _int((usage.get("prompt_tokens_details") or {}).get("cached_tokens"))
        pricing = self.pricing
        price = pricing.table.find(outcome.provider, outcome.model)
        if price is None and outcome.provider != "-":
            self.unpriced.add(f"{outcome.provider}:{outcome.model}")
        cost = price.cost(prompt, completion, cached) if price is not None else 0.0
        baseline = cost
        if level in LEVELS and pricing.baseline_price is not None:
            baseline = pricing.baseline_price.cost(prompt, completion, cached)
        failures: tuple[tuple[str, int], ...] = ()
        fallbacks: tuple[str, ...] = ()
        if outcome.attempts:
            failures = tuple(_failure(a) for a in outcome.attempts)
            own = f"{outcome.provider}:{outcome.model}="
            fallbacks = tuple(_failure(a)[0] for a in outcome.attempts if not a.startswith(own))
        record = Record(
            at=time.time(),
            level=level,
            provider=outcome.provider,
            model=outcome.model,
            status=outcome.status,
            ttfb_s=outcome.ttft_ms / 1000 if outcome.ttft_ms is not None else None,
            total_s=time.perf_counter() - outcome.started,
            overhead_s=routed - outcome.started if routed else None,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cached_tokens=cached,
            cost=cost,
            baseline=baseline,
            confidence=decision.confidence if decision is not None else None,
            classifier=decision.classifier if decision is not None else _unclassified(level),
            failures=failures,
            fallbacks=fallbacks,
            prompt=self._prompt(messages),
        )
        self.add(record)
        return record

    def add(self, r: Record) -> None:
        self.total.add(r)
        minute = int(r.at // 60)
        if not self.minutes or self.minutes[-1][0] != minute:
            self.minutes.append((minute, Totals()))
        self.minutes[-1][1].add(r)
        self.samples.append((r.ttfb_s, r.total_s, r.overhead_s))
        if r.level != "-":
            self.recent.append(r)
        for provider, status in r.failures:
            self._health(provider, r.at, status)
        final_failed_early = len(r.failures) > len(r.fallbacks)  # already counted above
        if r.provider != "-" and r.status and not final_failed_early:
            self._health(r.provider, r.at, r.status)
        self.metrics.observe(r)

    def last_hour(self, now: float | None = None) -> Totals:
        since = int((now or time.time()) // 60) - 59
        totals = Totals()
        for minute, bucket in self.minutes:
            if minute >= since:
                totals.merge(bucket)
        return totals

    def snapshot(self) -> dict[str, Any]:
        live, pricing = self.live(), self.pricing
        ttfb, total, overhead = ([row[i] for row in self.samples] for i in range(3))
        return {
            "started": self.started,
            "uptime_s": round(time.time() - self.started, 1),
            "baseline_model": str(pricing.baseline) if pricing.baseline else None,
            "since_start": self.total.view(),
            "last_hour": self.last_hour().view(),
            "latency_ms": {
                "samples": len(self.samples),
                "ttfb": _percentiles(ttfb),
                "total": _percentiles(total),
                "overhead": _percentiles(overhead),
            },
            "classifier": {
                "name": live.pipeline.name,
                "fallbacks": live.pipeline.fallbacks.total,
                "llm_calls": live.pipeline.llm_calls,
            },
            "inflight_streams": self.streams(),
            "providers": {
                name: {"status": state, **self.health.get(name, _NO_HEALTH)}
                for name, state in live.status.items()
            },
            "unpriced_models": sorted(self.unpriced),
            "recent": [_recent(r) for r in reversed(self.recent)],
        }

    def _health(self, provider: str, at: float, status: int) -> None:
        h = self.health.get(provider)
        if h is None:
            h = self.health[provider] = dict(_NO_HEALTH)
        ok = 0 < status < 400
        h["ok" if ok else "failed"] += 1
        h["last_ok" if ok else "last_failure"] = at
        if not ok:
            h["last_failure_status"] = status

    def _prompt(self, messages: Sequence[Mapping[str, Any]] | None) -> str | None:
        # --log sets the llmrouter logger to DEBUG: only then is prompt text kept
        if not messages or not log.isEnabledFor(logging.DEBUG):
            return None
        return extract_ask(messages).text[:PROMPT_CHARS]


_NO_HEALTH: dict[str, Any] = {
    "ok": 0,
    "failed": 0,
    "last_ok": None,
    "last_failure": None,
    "last_failure_status": None,
}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _failure(attempt: str) -> tuple[str, int]:
    """`provider:model=status` (forward.Outcome.attempts) → (provider, status)."""
    ref, _, status = attempt.rpartition("=")
    return ref.partition(":")[0], int(status) if status.isdigit() else 0


def _unclassified(level: str) -> str:
    return {"direct": "direct", "-": "-"}.get(level, "level named")


def _percentiles(values: Sequence[float | None]) -> dict[str, float | None]:
    data = sorted(v for v in values if v is not None)
    out: dict[str, float | None] = {}
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        out[name] = round(data[min(len(data) - 1, int(q * len(data)))] * 1000, 2) if data else None
    return out


def _recent(r: Record) -> dict[str, Any]:
    return {
        "time": r.at,
        "level": r.level,
        "provider": r.provider,
        "model": r.model,
        "status": r.status,
        "confidence": round(r.confidence, 3) if r.confidence is not None else None,
        "classifier": r.classifier,
        "ttfb_ms": round(r.ttfb_s * 1000, 1) if r.ttfb_s is not None else None,
        "total_ms": round(r.total_s * 1000, 1),
        "tokens_in": r.prompt_tokens,
        "tokens_out": r.completion_tokens,
        "cost_usd": round(r.cost, 6),
        "prompt": r.prompt,
    }


STATS = web.AppKey("stats", Stats)


async def metrics_view(request: web.Request) -> web.Response:
    """GET /metrics in the Prometheus text format."""
    body, content_type = request.app[STATS].metrics.exposition(request.headers.get("accept", ""))
    return web.Response(body=body, headers={"content-type": content_type})


async def stats_view(request: web.Request) -> web.Response:
    """GET /stats: the figures as JSON."""
    body = orjson.dumps(request.app[STATS].snapshot())
    return web.Response(body=body, content_type="application/json")


async def status_view(request: web.Request) -> web.Response:
    """GET /: the self-contained status page (it polls /stats)."""
    return web.Response(
        body=STATUS_PAGE.read_bytes(),
        content_type="text/html",
        charset="utf-8",
        headers={"cache-control": "no-cache"},
    )
