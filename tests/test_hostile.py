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
from tests.fake_anthropic import AnthropicFake
from tests.fake_gemini import GeminiFake
from tests.fake_ollama import OllamaFake
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

    async def _serve(self, app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def _start(self) -> None:
        self.runners: list[web.AppRunner] = []
        openai_url = await self._serve(OpenAIFake().app)
        anthropic_url = await self._serve(AnthropicFake().app)
        google_url = await self._serve(GeminiFake().app)
        ollama_url = await self._serve(OllamaFake().app)
        config = parse_config(
            {
                "providers": {
                    "openai": {"base_url": openai_url + "/v1", "api_key": "k"},
                    "anthropic": {"base_url": anthropic_url, "api_key": "sk-ant-test"},
                    "google": {"base_url": google_url, "api_key": "g-test-key"},
                    "local": {"base_url": ollama_url},
                },
                "models": {
                    "easy": "openai:gpt-4o-mini",
                    "medium": "anthropic:claude-sonnet-4-5",
                    "hard": "google:gemini-2.5-pro",
                    "super_hard": "local:qwen2.5:7b",
                },
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
        for runner in self.runners:
            await runner.cleanup()

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
            st.sampled_from(
                ["easy", "medium", "hard", "super_hard", "llm-router", "openai:x", "zz"]
            ),
            json_values,
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


# Nearly valid requests: well-formed enough to pass validation and reach every translator,
# with the details each provider's translation must survive (odd ids, broken argument JSON,
# unanswered or unknown tool results, bad images, odd parameters).
call_ids = st.one_of(
    st.sampled_from(["call_1", "functions.read:0", "toolu_01AbC", "x" * 90, "a b/c", "call_1"]),
    st.text(min_size=1, max_size=70),
)
arguments = st.one_of(
    st.sampled_from(['{"path": "a.py"}', "{", "[]", '"text"', "", "null", '{"a": {"b": [1]}}']),
    st.text(max_size=30),
)
good_parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=80)}),
    st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.fixed_dictionaries({"url": image_urls})}
    ),
)
user_messages = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "system", "developer"]),
        "content": st.one_of(st.text(max_size=120), st.lists(good_parts, min_size=1, max_size=3)),
    }
)
assistant_turns = st.builds(
    lambda text, calls, answered: [
        {
            "role": "assistant",
            "content": text,
            **(
                {
                    "tool_calls": [
                        {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                        for i, n, a in calls
                    ]
                }
                if calls
                else {}
            ),
        },
        *[
            {"role": "tool", "tool_call_id": i, "content": f"result {n}"}
            for i, n, _ in calls[:answered]
        ],
    ],
    st.one_of(st.none(), st.text(max_size=60)),
    st.lists(
        st.tuples(call_ids, st.sampled_from(["read", "get_time", "x-y.z"]), arguments), max_size=3
    ),
    st.integers(0, 3),
)
conversations = st.lists(
    st.one_of(user_messages.map(lambda m: [m]), assistant_turns), min_size=1, max_size=6
).map(lambda groups: [m for g in groups for m in g])
tool_defs = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.just("function"),
            "function": st.fixed_dictionaries(
                {"name": st.sampled_from(["read", "get_time", "x-y.z", "ünïcode"])},
                optional={
                    "description": st.text(max_size=40),
                    "parameters": st.one_of(
                        json_values,
                        st.just(
                            {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {"a": {"anyOf": [{"const": 1}, {"type": "string"}]}},
                                "~optional": True,
                                "patternProperties": {"^x": {}},
                            }
                        ),
                    ),
                },
            ),
        }
    ),
    max_size=3,
)
near_valid = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["easy", "medium", "hard", "super_hard", "llm-router"]),
        "messages": conversations,
    },
    optional={
        "stream": st.booleans(),
        "stream_options": st.fixed_dictionaries({"include_usage": st.booleans()}),
        "temperature": st.floats(-1, 5),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(0, 10**7),
        "max_completion_tokens": st.integers(0, 10**7),
        "stop": st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5), max_size=5)),
        "n": st.integers(1, 3),
        "seed": st.integers(-(2**40), 2**40),
        "tools": tool_defs,
        "tool_choice": st.one_of(
            st.sampled_from(["auto", "none", "required", "bogus"]),
            st.fixed_dictionaries(
                {
                    "type": st.just("function"),
                    "function": st.fixed_dictionaries(
                        {"name": st.sampled_from(["read", "missing"])}
                    ),
                }
            ),
        ),
        "parallel_tool_calls": st.booleans(),
        "reasoning_effort": st.sampled_from(["low", "medium", "high", "minimal", "bogus"]),
        "response_format": st.one_of(
            st.just({"type": "json_object"}),
            st.just({"type": "text"}),
            st.just(
                {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "x",
                        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                    },
                }
            ),
        ),
        "user": st.text(max_size=20),
    },
)


def check(status: int, body: bytes) -> None:
    assert status < 500, (status, body[:300])
    if status >= 400:
        error = json.loads(body)["error"]
        assert set(error) == {"message", "type", "param", "code"}


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_structured_garbage_gets_2xx_or_4xx(server: Background, body: dict[str, Any]) -> None:
    check(*send(server.port, "/v1/chat/completions", json.dumps(body).encode()))


@settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=near_valid)
def test_nearly_valid_requests_reach_every_translator_without_a_5xx(
    server: Background, body: dict[str, Any]
) -> None:
    check(*send(server.port, "/v1/chat/completions", json.dumps(body).encode()))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=raw_bodies, path=st.sampled_from(["/v1/chat/completions", "/v1/classify"]))
def test_raw_garbage_gets_2xx_or_4xx(server: Background, data: bytes, path: str) -> None:
    check(*send(server.port, path, data))


def test_the_server_is_still_healthy_afterwards(server: Background) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/health")
    assert conn.getresponse().status == 200
