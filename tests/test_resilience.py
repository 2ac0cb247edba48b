"""Fallbacks before the first byte, cool-downs, inbound keys, hostile headers, broken upstreams."""

from __future__ import annotations

import gzip
import logging
from typing import Any

import aiohttp
import pytest

from llmrouter.breaker import Breaker
from llmrouter.config import ModelRef
from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake, Reply, fixture

HI = [{"role": "user", "content": "hi"}]
RATE_LIMITED = b'{"error": {"message": "Rate limit reached", "type": "requests", "code": null}}'


async def two_upstreams(serve_fake: Any) -> tuple[OpenAIFake, OpenAIFake]:
    return await serve_fake(OpenAIFake()), await serve_fake(OpenAIFake())


def config(a: OpenAIFake, b: OpenAIFake, **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "providers": {
            "one": {"type": "openai", "base_url": a.url + "/v1", "api_key": "k1"},
            "two": {"type": "openai", "base_url": b.url + "/v1", "api_key": "k2"},
        },
        "models": {"hard": "one:model-a"},
        "fallbacks": {"hard": ["two:model-b"], "one:model-a": ["two:model-b"]},
    }
    raw.update(extra)
    return raw


async def post(base: str, body: dict[str, Any], **kw: Any) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/v1/chat/completions", json=body, **kw) as resp,
    ):
        return resp.status, dict(resp.headers), await resp.read()


@pytest.mark.parametrize(
    "failure",
    [
        Reply("json", RATE_LIMITED, status=429),
        Reply("json", b'{"error": {"message": "overloaded"}}', status=529),
        Reply("json", b"bad gateway", status=502),
        Reply("json", b'{"error": {"message": "no such model", "code": "model_not_found"}}', 404),
        Reply("sse", b""),  # a stream that ends before its first event
    ],
)
async def test_failure_before_the_first_byte_moves_to_the_next_candidate(
    serve_fake: Any, make_router: RouterFactory, failure: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = await two_upstreams(serve_fake)
    a.queue(failure)
    base = await make_router(config(a, b))
    caplog.set_level(logging.INFO, logger="llmrouter")
    status, headers, body = await post(base, {"model": "hard", "stream": True, "messages": HI})
    assert status == 200 and body.endswith(b"data: [DONE]\n\n")
    assert headers["x-llmrouter-provider"] == "two" and headers["x-llmrouter-model"] == "model-b"
    assert len(a.seen) == 1 and len(b.seen) == 1
    access = [r.getMessage() for r in caplog.records if r.name == "llmrouter.access"]
    assert "attempts=one:model-a=" in access[-1]


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_requests_that_cannot_succeed_elsewhere_are_not_retried(
    serve_fake: Any, make_router: RouterFactory, status: int
) -> None:
    a, b = await two_upstreams(serve_fake)
    a.queue(Reply("json", b'{"error": {"message": "nope"}}', status=status))
    base = await make_router(config(a, b))
    got, _, _ = await post(base, {"model": "one:model-a", "messages": HI})
    assert got == status and not b.seen


async def test_retry_after_cools_the_model_down(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    a, b = await two_upstreams(serve_fake)
    a.queue(Reply("json", RATE_LIMITED, status=429, headers={"retry-after": "30"}))
    base = await make_router(config(a, b))
    for _ in range(3):
        status, headers, _ = await post(base, {"model": "hard", "messages": HI})
        assert status == 200 and headers["x-llmrouter-provider"] == "two"
    assert len(a.seen) == 1, "a model that asked for 30 s of quiet is not called again"


async def test_circuit_breaker_opens_after_consecutive_failures(
    serve_fake: Any, make_router: RouterFactory
) -> None:
    a, b = await two_upstreams(serve_fake)
    a.queue(*[Reply("json", b"oops", status=500)] * 2)
    base = await make_router(config(a, b, routing={"circuit_breaker": {"failures": 2}}))
    for _ in range(4):
        assert (await post(base, {"model": "hard", "messages": HI}))[0] == 200
    assert len(a.seen) == 2 and len(b.seen) == 4


def test_breaker_tries_cooling_models_when_nothing_else_is_left() -> None:
    now = [0.0]
    breaker = Breaker(failures=1, cooldown_s=10, clock=lambda: now[0])
    a, b = ModelRef("p", "a"), ModelRef("p", "b")
    breaker.failure(a)
    assert breaker.usable([a, b]) == [b]
    breaker.failure(b)
    assert breaker.usable([a, b]) == [a, b]
    now[0] = 11.0
    breaker.success(a)
    assert breaker.usable([a, b]) == [a, b]


async def test_inbound_api_keys(openai_fake: OpenAIFake, make_router: RouterFactory) -> None:
    raw = {
        "providers": {"openai": {"base_url": openai_fake.url + "/v1", "api_key": "sk-test-openai"}},
        "models": {"easy": "openai:gpt-4o-mini"},
    }
    base = await make_router(raw, env={"LLMROUTER_API_KEYS": "router-key-1,router-key-2"})
    body = {"model": "easy", "messages": HI}
    assert (await post(base, body))[0] == 401
    assert (await post(base, body, headers={"authorization": "Bearer wrong"}))[0] == 401
    status, _, _ = await post(base, body, headers={"authorization": "Bearer router-key-2"})
    assert status == 200
    assert openai_fake.seen[-1].headers["Authorization"] == "Bearer sk-test-openai"
    async with aiohttp.ClientSession() as http, http.get(base + "/health") as resp:
        assert resp.status == 200
    async with aiohttp.ClientSession() as http, http.get(base + "/v1/models") as resp:
        assert resp.status == 401


async def test_oversized_headers_are_rejected_cleanly(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router({"providers": {"openai": {"base_url": openai_fake.url + "/v1"}}})
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/health", headers={"x-big": "a" * 20000}) as resp:
            assert 400 <= resp.status < 500
        async with http.get(base + "/health") as resp:
            assert resp.status == 200


@pytest.mark.parametrize(
    ("reply", "expect_status", "expect"),
    [
        (Reply("json", b'{"error": {"message": "quota exceeded"}}', status=200), 502, b"quota"),
        (Reply("json", b"<html>oops</html>", status=200), 502, b"not JSON"),
        (Reply("sse", b"this is not an event stream", content_type="text/plain"), 502, b""),
    ],
)
async def test_broken_upstream_bodies_get_clear_errors(
    openai_fake: OpenAIFake,
    make_router: RouterFactory,
    reply: Reply,
    expect_status: int,
    expect: bytes,
) -> None:
    openai_fake.queue(reply)
    base = await make_router(
        {
            "providers": {
                "openai": {"base_url": openai_fake.url + "/v1", "api_key": "sk-test-openai"}
            },
            "models": {"easy": "openai:gpt-4o-mini"},
        }
    )
    stream = reply.kind == "sse"
    status, _, body = await post(base, {"model": "easy", "stream": stream, "messages": HI})
    assert status == expect_status and b'"error"' in body and expect in body


async def test_gzip_upstream_bodies_are_decoded(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(
        Reply(
            "json",
            gzip.compress(fixture("openai/completion.json")),
            headers={"content-encoding": "gzip"},
        )
    )
    base = await make_router(
        {
            "providers": {
                "openai": {"base_url": openai_fake.url + "/v1", "api_key": "sk-test-openai"}
            },
            "models": {"easy": "openai:gpt-4o-mini"},
        }
    )
    status, _, body = await post(base, {"model": "easy", "messages": HI})
    assert status == 200 and b"Paris is the capital" in body


@pytest.mark.parametrize("kind", ["anthropic", "google"])
async def test_invalid_json_in_a_translated_stream_ends_it_with_an_error(
    serve_fake: Any, make_router: RouterFactory, kind: str
) -> None:
    from tests.fake_anthropic import AnthropicFake
    from tests.fake_gemini import GeminiFake

    fake = await serve_fake(AnthropicFake() if kind == "anthropic" else GeminiFake())
    good = fixture("anthropic/text.sse" if kind == "anthropic" else "google/text.sse")
    sep = b"\n\n" if kind == "anthropic" else b"\r\n\r\n"
    first = good.split(sep)[0] + sep
    fake.queue(Reply("sse", first + b"data: {not json" + sep, delay=0.05))
    key = {"anthropic": {"api_key": "sk-ant-test"}, "google": {"api_key": "g-test-key"}}[kind]
    base = await make_router(
        {
            "providers": {kind: {"base_url": fake.url, **key}},
            "models": {"easy": f"{kind}:model-x"},
        }
    )
    status, _, body = await post(base, {"model": "easy", "stream": True, "messages": HI})
    frames = [f for f in body.split(b"\n\n") if f]
    assert status == 200 and frames[-1].startswith(b'data: {"error"')
    assert b"JSON" in frames[-1]
