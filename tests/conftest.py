"""Shared fixtures: fake upstreams on 127.0.0.1 and a router app wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import openai
import pytest
from aiohttp.test_utils import TestServer

from llmrouter.app import create_app
from llmrouter.config import parse_config
from tests.fakes import FakeUpstream, OpenAIFake

RouterFactory = Callable[..., Awaitable[str]]
F = TypeVar("F", bound=FakeUpstream)


@pytest.fixture
def serve_fake(aiohttp_server: Any) -> Callable[[F], Awaitable[F]]:
    """Start a fake upstream on 127.0.0.1; its `url` is then its root (no trailing slash)."""

    async def start(fake: F) -> F:
        server: TestServer = await aiohttp_server(fake.app)
        fake.url = str(server.make_url("")).rstrip("/")
        return fake

    return start


@pytest.fixture
async def openai_fake(serve_fake: Callable[[OpenAIFake], Awaitable[OpenAIFake]]) -> OpenAIFake:
    return await serve_fake(OpenAIFake(require_key="sk-test-openai"))


@pytest.fixture
def make_router(aiohttp_server: Any) -> RouterFactory:
    """Start a router from a config dict; returns its base URL (without /v1)."""

    async def start(raw: dict[str, Any], env: dict[str, str] | None = None) -> str:
        config = parse_config(raw, env or {})
        server: TestServer = await aiohttp_server(create_app(config))
        return str(server.make_url("")).rstrip("/")

    return start


@pytest.fixture
async def client() -> AsyncIterator[Callable[..., openai.AsyncOpenAI]]:
    """An OpenAI SDK client factory (`client(base, key)`); every client is closed after the
    test."""
    made: list[openai.AsyncOpenAI] = []

    def make(base: str, key: str = "client-key") -> openai.AsyncOpenAI:
        made.append(
            openai.AsyncOpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=10)
        )
        return made[-1]

    yield make
    for c in made:
        await c.close()


def openai_config(fake: OpenAIFake, **extra: Any) -> dict[str, Any]:
    """A config whose every level goes to the fake OpenAI upstream."""
    raw: dict[str, Any] = {
        "providers": {"openai": {"base_url": fake.url + "/v1", "api_key": "sk-test-openai"}},
        "models": {
            level: "openai:gpt-4o-mini"
            for level in ("super_easy", "easy", "medium", "hard", "super_hard")
        },
    }
    raw.update(extra)
    return raw
