"""Bad input gets an OpenAI-shaped 4xx; upstream failures keep their status and message."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import openai
import pytest

from tests.conftest import RouterFactory, openai_config
from tests.fakes import OpenAIFake, Reply, fixture

HI = [{"role": "user", "content": "hi"}]


async def post(base: str, data: Any, **kwargs: Any) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with aiohttp.ClientSession() as http:
        resp = await http.post(base + "/v1/chat/completions", data=data, **kwargs)
        body = await resp.json(content_type=None)
        return resp.status, body, resp


def assert_openai_error(body: Any) -> dict[str, Any]:
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("data", "param"),
    [
        (b"{not json", None),
        (b"", None),
        (b"[1, 2]", None),
        (b'"a string"', None),
        (b'{"model": "medium"}', "messages"),
        (b'{"model": "medium", "messages": []}', "messages"),
        (b'{"model": "medium", "messages": "hi"}', "messages"),
        (b'{"model": "medium", "messages": [1]}', "messages[0]"),
        (
            b'{"model": "medium", "messages": [{"role": "wizard", "content": "x"}]}',
            "messages[0].role",
        ),
        (
            b'{"model": "medium", "messages": [{"role": "user", "content": 5}]}',
            "messages[0].content",
        ),
        (
            b'{"model": "medium", "messages": [{"role": "user", "content": [{"type": "video"}]}]}',
            "messages[0].content[0].type",
        ),
        (
            b'{"model": "medium", "messages": [{"role": "tool", "content": "x"}]}',
            "messages[0].tool_call_id",
        ),
        (b'{"model": 5, "messages": [{"role": "user", "content": "x"}]}', "model"),
        (
            b'{"model": "medium", "stream": "yes", "messages": [{"role": "user", "content": "x"}]}',
            "stream",
        ),
        (
            b'{"model": "medium", "temperature": "hot", "messages": '
            b'[{"role": "user", "content": "x"}]}',
            "temperature",
        ),
        (
            b'{"model": "medium", "max_tokens": true, "messages": '
            b'[{"role": "user", "content": "x"}]}',
            "max_tokens",
        ),
        (
            b'{"model": "medium", "tools": [{"type": "function"}], "messages": '
            b'[{"role": "user", "content": "x"}]}',
            "tools[0]",
        ),
    ],
)
async def test_bad_requests_are_400(
    openai_fake: OpenAIFake, make_router: RouterFactory, data: bytes, param: str | None
) -> None:
    base = await make_router(openai_config(openai_fake))
    status, body, _ = await post(base, data, headers={"content-type": "application/json"})
    assert status == 400
    error = assert_openai_error(body)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert not openai_fake.seen


async def test_body_over_the_limit_is_413(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake, server={"max_body_mb": 0.01}))
    big = b'{"model": "medium", "messages": [{"role": "user", "content": "' + b"x" * 20000 + b'"}]}'
    status, body, _ = await post(base, big)
    assert status == 413
    assert_openai_error(body)


async def test_chunked_request_body_is_read(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))

    async def pieces() -> Any:
        yield b'{"model": "openai:gpt-4o-mini", '
        yield b'"messages": [{"role": "user", "content": "hi"}]}'

    status, body, _ = await post(base, pieces())
    assert status == 200, body
    assert openai_fake.seen[-1].body["messages"] == HI


async def test_unknown_model_is_404_listing_what_is_accepted(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    base = await make_router(openai_config(openai_fake))
    status, body, _ = await post(
        base, b'{"model": "no-such-model", "messages": [{"role": "user", "content": "x"}]}'
    )
    assert status == 404
    error = assert_openai_error(body)
    assert error["code"] == "model_not_found" and "llm-router" in error["message"]


async def test_nothing_configured_is_503_naming_what_to_set(make_router: RouterFactory) -> None:
    base = await make_router({})
    status, body, _ = await post(
        base, b'{"model": "llm-router", "messages": [{"role": "user", "content": "hello"}]}'
    )
    assert status == 503
    assert "ANTHROPIC_API_KEY" in assert_openai_error(body)["message"]
    async with aiohttp.ClientSession() as http, http.get(base + "/health") as resp:
        health = await resp.json()
    assert health["status"] == "no_providers" and "OPENAI_API_KEY" in health["message"]
    assert health["providers"]["openai"] == "missing key"


@pytest.mark.parametrize(
    ("status", "upstream_body", "headers"),
    [
        (
            401,
            b'{"error": {"message": "Incorrect API key provided: sk-...", '
            b'"type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}',
            {},
        ),
        (
            403,
            b'{"error": {"message": "Country not supported", "type": "invalid_request_error", '
            b'"param": null, "code": "unsupported_country_region_territory"}}',
            {},
        ),
        (
            404,
            b'{"error": {"message": "The model `gpt-9` does not exist", '
            b'"type": "invalid_request_error", "param": null, "code": "model_not_found"}}',
            {},
        ),
        (
            429,
            b'{"error": {"message": "Rate limit reached for gpt-4o-mini", '
            b'"type": "requests", "param": null, "code": "rate_limit_exceeded"}}',
            {"retry-after": "17"},
        ),
        (
            500,
            b'{"error": {"message": "The server had an error", "type": "server_error", '
            b'"param": null, "code": null}}',
            {},
        ),
        (503, b"<html>Service Unavailable</html>", {}),
    ],
)
async def test_upstream_errors_keep_status_and_message(
    openai_fake: OpenAIFake,
    make_router: RouterFactory,
    status: int,
    upstream_body: bytes,
    headers: dict[str, str],
) -> None:
    openai_fake.queue(Reply("json", upstream_body, status=status, headers=headers))
    base = await make_router(openai_config(openai_fake))
    got, body, resp = await post(
        base, b'{"model": "openai:gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}'
    )
    assert got == status
    error = assert_openai_error(body)
    if upstream_body.startswith(b"{"):
        assert error["message"] in upstream_body.decode()
    else:
        assert "Service Unavailable" in error["message"]
    if headers:
        assert resp.headers["retry-after"] == "17"
        assert error["type"] == "rate_limit_error"


async def test_refused_connection_is_502_naming_the_provider(make_router: RouterFactory) -> None:
    base = await make_router(
        {
            "providers": {"openai": {"base_url": "http://127.0.0.1:9/v1", "api_key": "k"}},
            "models": {"medium": "openai:gpt-4o-mini"},
        }
    )
    status, body, _ = await post(
        base, b'{"model": "medium", "messages": [{"role": "user", "content": "x"}]}'
    )
    assert status == 502
    assert "openai" in assert_openai_error(body)["message"]


async def test_upstream_that_never_answers_is_504(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(Reply("hang"))
    raw = openai_config(openai_fake)
    raw["providers"]["openai"]["timeouts"] = {"first_byte": 0.2}
    base = await make_router(raw)
    status, body, _ = await post(
        base, b'{"model": "medium", "stream": true, "messages": [{"role": "user", "content": "x"}]}'
    )
    assert status == 504
    assert "first byte" in assert_openai_error(body)["message"]


async def test_stream_cut_midway_ends_with_one_error_event(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    events = fixture("openai/text.sse").split(b"\n\n")
    openai_fake.queue(Reply("cut", b"\n\n".join(events[:4]) + b"\n\n"))
    base = await make_router(openai_config(openai_fake))
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            base + "/v1/chat/completions", json={"model": "medium", "stream": True, "messages": HI}
        )
        raw = await resp.read()
    frames = [f for f in raw.split(b"\n\n") if f]
    assert frames[:4] == events[:4], "what the client was already sent is kept"
    assert frames[-1].startswith(b'data: {"error":')
    assert len(frames) == 5 and b"[DONE]" not in raw


async def test_client_disconnect_cancels_the_upstream(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(Reply("sse", fixture("openai/text.sse"), delay=0.5))
    base = await make_router(openai_config(openai_fake))
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            base + "/v1/chat/completions", json={"model": "medium", "stream": True, "messages": HI}
        )
        assert (await resp.content.readline()).startswith(b"data: ")
        resp.close()
    await asyncio.wait_for(openai_fake.closed_early.wait(), timeout=5)


async def test_access_log_has_one_line_and_no_key_or_prompt(
    openai_fake: OpenAIFake, make_router: RouterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    base = await make_router(openai_config(openai_fake))
    caplog.set_level(logging.INFO, logger="llmrouter")
    sdk = openai.AsyncOpenAI(base_url=base + "/v1", api_key="client-secret-key", max_retries=0)
    async with sdk:
        await sdk.chat.completions.create(
            model="medium", messages=[{"role": "user", "content": "my secret prompt"}]
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "llmrouter.access"]
    assert len(lines) == 1
    assert "level=medium provider=openai model=gpt-4o-mini status=200" in lines[0]
    assert "tokens=14/7" in lines[0]
    text = caplog.text
    assert "secret prompt" not in text and "sk-test-openai" not in text
    assert "client-secret-key" not in text


async def stream_with_idle_limit(
    fake: OpenAIFake, make_router: RouterFactory, idle: float
) -> tuple[int, bytes]:
    """One streamed request through a router whose OpenAI idle limit is `idle` seconds."""
    raw = openai_config(fake)
    raw["providers"]["openai"]["timeouts"] = {"idle": idle}
    base = await make_router(raw)
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            base + "/v1/chat/completions",
            json={"model": "medium", "stream": True, "messages": HI},
        )
        return resp.status, await resp.read()


async def test_stream_idle_past_its_limit_ends_with_an_error_event(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(Reply("sse", fixture("openai/text.sse"), delay=0.6))
    status, raw_body = await stream_with_idle_limit(openai_fake, make_router, 0.25)
    frames = [f for f in raw_body.split(b"\n\n") if f]
    assert status == 200
    assert frames[0] == fixture("openai/text.sse").split(b"\n\n")[0]
    assert frames[-1].startswith(b'data: {"error":') and b"idle limit 0.25 s" in frames[-1]


async def test_a_stream_that_keeps_talking_outlives_its_idle_limit(
    openai_fake: OpenAIFake, make_router: RouterFactory
) -> None:
    openai_fake.queue(Reply("sse", fixture("openai/text.sse"), delay=0.1))  # ~1.3 s in all
    _, raw_body = await stream_with_idle_limit(openai_fake, make_router, 0.35)
    assert raw_body.endswith(b"data: [DONE]\n\n") and b'"error"' not in raw_body


def test_an_event_larger_than_the_limit_is_a_protocol_error() -> None:
    from llmrouter.errors import UpstreamProtocolError
    from llmrouter.providers.openai_stream import MAX_EVENT, PassthroughFilter

    f = PassthroughFilter("openai", keep_usage=False)
    assert f.feed(b'data: {"choices": []}\n\ndata: {"x": "') == b'data: {"choices": []}\n\n'
    with pytest.raises(UpstreamProtocolError, match="larger than"):
        f.feed(b"a" * (MAX_EVENT + 1))
