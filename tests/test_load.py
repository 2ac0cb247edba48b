"""Many concurrent streams with failures injected: nothing lost, nothing leaked."""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake, Reply, fixture

STREAMS = 300
CONCURRENCY = 100


class FlakyUpstream(OpenAIFake):
    """Every 5th call fails before answering, every 7th is cut off mid-stream."""

    def __init__(self) -> None:
        super().__init__()
        self.counter = itertools.count(1)
        self.default = self._flaky

    def _flaky(self, body: Any) -> Reply:
        n = next(self.counter)
        events = fixture("openai/text.sse")
        if n % 5 == 0:
            return Reply("json", b'{"error": {"message": "overloaded"}}', status=503)
        if n % 7 == 0:
            return Reply("cut", events[: len(events) // 2], delay=0.001)
        return Reply("sse", events, delay=0.002)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else 0


async def test_concurrent_streams_with_injected_failures(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    fake = await serve_fake(FlakyUpstream())
    base = await make_router(
        {
            "providers": {"openai": {"base_url": fake.url + "/v1", "api_key": "k"}},
            "models": {"medium": "openai:gpt-4o-mini"},
        }
    )
    gate = asyncio.Semaphore(CONCURRENCY)
    results: list[str] = []

    async def one(http: aiohttp.ClientSession) -> None:
        body = {"model": "medium", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
        async with gate, http.post(base + "/v1/chat/completions", json=body) as resp:
            data = await resp.read()
        if resp.status != 200:
            assert b'"error"' in data
            results.append("error status")
        elif data.endswith(b"data: [DONE]\n\n"):
            assert "ü€👋".encode() in data
            results.append("complete")
        else:
            assert data.rstrip().split(b"\n\n")[-1].startswith(b'data: {"error"')
            results.append("error event")

    async def round_of_load() -> None:
        results.clear()
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as http:
            await asyncio.gather(*(one(http) for _ in range(STREAMS)))
        await asyncio.sleep(0.2)  # let closed connections and finished handlers settle

    baseline_work = len(working_tasks())
    fds_before, tasks_before = open_fds(), len(asyncio.all_tasks())
    await round_of_load()
    assert len(results) == STREAMS, "every request ended one way or another"
    counts = {kind: results.count(kind) for kind in set(results)}
    assert counts["error status"] == STREAMS // 5
    assert counts["error event"] >= STREAMS // 7 - STREAMS // 35 - 1
    assert counts["complete"] > STREAMS // 2
    # Idle keep-alive connections to the upstream stay pooled on purpose: the pool keeps as
    # many as were ever in use at once, so it grows by a few now and then (185-202 descriptors
    # measured over rounds) but never past the concurrency: a socket on each side per
    # connection. A leak grows with the requests instead: over four rounds about 1,200
    # requests, 400 of them failed or cut, would pass that bound many times over.
    for _ in range(3):
        await round_of_load()
        assert len(results) == STREAMS
    assert open_fds() <= fds_before + 2 * CONCURRENCY + 8
    assert len(asyncio.all_tasks()) <= tasks_before + CONCURRENCY + 8
    assert len(working_tasks()) <= baseline_work, "no handler or relay is left running"


def working_tasks() -> list[asyncio.Task[Any]]:
    """Tasks other than idle keep-alive connection handlers."""
    return [
        t
        for t in asyncio.all_tasks()
        if "RequestHandler.start" not in repr(t) and t is not asyncio.current_task()
    ]
