"""The benchmark's own parts: the fake upstream's wire bytes, the completeness checks, the lane
table and the report. (The whole harness runs as `benchmarks/run.py --quick` in `make test`.)"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from benchmarks import report
from benchmarks.answers import BUILDERS, whole_body
from benchmarks.fake_upstream import Connection, Upstream
from benchmarks.lanes import LANES, unavailable
from benchmarks.load import check

FORMATS = ("openai", "anthropic", "gemini", "ollama")


def _stream(fmt: str, n: int) -> bytes:
    answer = BUILDERS[fmt]("m", n, True)
    return answer.head + b"".join(answer.tokens) + answer.tail


@pytest.mark.parametrize("fmt", FORMATS)
def test_canned_answers_pass_the_completeness_check(fmt: str) -> None:
    assert check(fmt, True, _stream(fmt, 12), 12) is None
    assert check(fmt, False, whole_body(fmt, "m", 12), 12) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_cut_stream_fails_the_completeness_check(fmt: str) -> None:
    body = _stream(fmt, 12)
    assert check(fmt, True, body[: len(body) // 2], 12) is not None
    assert check(fmt, True, body, 13) is not None  # wrong text


def test_openai_error_event_fails_the_check() -> None:
    body = b'data: {"error": {"message": "boom"}}\n\ndata: [DONE]\n\n'
    assert check("openai", True, body, 1) == "error event: boom"


async def test_fake_upstream_paces_and_keeps_the_connection_alive() -> None:
    loop = asyncio.get_running_loop()
    upstream = Upstream({"ttft_ms": 5.0, "tbt_ms": 1.0, "tokens": 8})
    server = await loop.create_server(lambda: Connection(upstream), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for path, fmt in (
                ("/v1/chat/completions", "openai"),
                ("/api/chat", "ollama"),
                ("/v1/messages", "anthropic"),
                ("/v1beta/models/g:streamGenerateContent?alt=sse", "gemini"),
            ):
                async with session.post(base + path, json={"model": "m", "stream": True}) as r:
                    assert check(fmt, True, await r.read(), 8) is None
            async with session.post(base + "/v1/chat/completions", json={"model": "m"}) as r:
                assert check("openai", False, await r.read(), 8) is None
        assert upstream.requests == 5
    finally:
        server.close()
        await server.wait_closed()


def test_openai_lanes_are_available() -> None:
    for lane in LANES:
        if lane.ptype == "openai":
            assert unavailable(lane, "http://127.0.0.1:9") is None


def _target(ms: float, cpu: float | None = None) -> dict[str, Any]:
    t: dict[str, Any] = {
        "ttfb": [ms] * 10,
        "ttlb": [ms * 2] * 10,
        "errors": {},
        "requests": 10,
        "wall_s": 1.0,
        "max_gap_ms": 1.0,
    }
    if cpu is not None:
        t.update(cpu_s=cpu, peak_rss_mib=40.0)
    return t


def test_report_ratios_and_targets() -> None:
    key = {"lane": "openai-stream", "pacing": "instant", "concurrency": 1, "stream": True}
    row = report.row(
        key, {"direct": _target(1.0), "floor": _target(1.2, 0.004), "router": _target(1.5, 0.006)}
    )
    assert row["cpu_router_to_floor"] == pytest.approx(1.5)
    assert row["router_added_ttfb_p50"] == pytest.approx(0.5)
    checks = report.targets([row], {}, None)
    assert ("added TTFB p50 at c=1: router − floor ≤ 0.5 ms", "0.30 ms", True) in checks
    assert "openai-stream" in report.tables([row])
