"""Property-based: malformed and adversarial chat requests never get a 5xx or crash the router.

The router and its fake upstreams run in a background thread with their own event loop, so
hypothesis can drive them with plain blocking HTTP calls.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmrouter.app import create_app
from llmrouter.config import parse_config
from tests.fakes import OpenAIFake


class Background:
    """A router (and its fake upstream) served from a thread of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        fake = OpenAIFake()
        self.fake_runner = web.AppRunner(fake.app)
        await self.fake_runner.setup()
        fake_site = web.TCPSite(self.fake_runner, "127.0.0.1", 0)
        await fake_site.start()
        fake_port = self.fake_runner.addresses[0][1]
        config = parse_config(
            {
                "providers": {
                    "openai": {"base_url": f"http://127.0.0.1:{fake_port}/v1", "api_key": "k"}
                },
                "models": {"easy": "openai:gpt-4o-mini", "hard": "openai:o3"},
                "server": {"max_body_mb": 1},
            },
            {},
        )
        self.runner = web.AppRunner(create_app(config), handler_cancellation=True)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.fake_runner.cleanup()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def server() -> Iterator[Background]:
    bg = Background()
    bg.thread.start()
    assert bg.ready.wait(20)
    yield bg
    bg.stop()


def send(port: int, path: str, data: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=data, headers={"content-type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
image_urls = st.one_of(
    st.just("data:image/png;base64,iVBORw0KGgo="),
    st.just("data:image/png;base64,@@@"),
    st.just("data:;base64,"),
    st.just("data:image/tiff,raw"),
    st.just("https://x.test/a.png"),
    st.text(max_size=30),
)
parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.one_of(st.text(), json_values)}),
    st.fixed_dictionaries(
        {
            "type": st.just("image_url"),
            "image_url": st.one_of(st.fixed_dictionaries({"url": image_urls}), json_values),
        }
    ),
    json_values,
)
tool_calls = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "id": st.one_of(st.text(max_size=70), json_values),
                "type": st.just("function"),
                "function": st.one_of(
                    st.fixed_dictionaries(
                        {
                            "name": st.one_of(st.text(max_size=20), json_values),
                            "arguments": st.one_of(st.text(), json_values),
                        }
                    ),
                    json_values,
                ),
            }
        ),
        json_values,
    ),
    max_size=3,
)
messages = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "developer", "tool", "wizard", ""])},
    optional={
        "content": st.one_of(st.text(), st.lists(parts, max_size=3), json_values),
        "tool_calls": tool_calls,
        "tool_call_id": st.one_of(st.text(max_size=20), json_values),
        "name": json_values,
    },
)
bodies = st.fixed_dictionaries(
    {"messages": st.one_of(st.lists(messages, max_size=5), json_values)},
    optional={
        "model": st.one_of(
            st.sampled_from(["easy", "hard", "llm-router", "openai:x", "zz"]), json_values
        ),
        "stream": st.one_of(st.booleans(), json_values),
        "temperature": json_values,
        "max_tokens": json_values,
        "stop": json_values,
        "tools": st.one_of(st.lists(json_values, max_size=2), json_values),
        "tool_choice": json_values,
        "stream_options": json_values,
        "n": json_values,
    },
)
raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda n: b"[" * n + b"]" * n, st.integers(1, 3000)),
    st.builds(
        lambda n: b'{"messages": ' + b'{"a": ' * n + b"1" + b"}" * n + b"}", st.integers(50, 2000)
    ),
    st.just(b'{"messages": [{"role": "user", "content": "\xff\xfe bad utf-8"}]}'),
    st.builds(
        lambda s: json.dumps(
            {"model": "easy", "messages": [{"role": "user", "content": "x" * s}]}
        ).encode(),
        st.integers(0, 1_200_000),
    ),
)


def check(status: int, body: bytes) -> None:
    assert status < 500, (status, body[:300])
    if status >= 400:
        error = json.loads(body)["error"]
        assert set(error) == {"message", "type", "param", "code"}


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_structured_garbage_gets_2xx_or_4xx(server: Background, body: dict[str, Any]) -> None:
    check(*send(server.port, "/v1/chat/completions", json.dumps(body).encode()))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=raw_bodies, path=st.sampled_from(["/v1/chat/completions", "/v1/classify"]))
def test_raw_garbage_gets_2xx_or_4xx(server: Background, data: bytes, path: str) -> None:
    check(*send(server.port, path, data))


def test_the_server_is_still_healthy_afterwards(server: Background) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/health")
    assert conn.getresponse().status == 200
