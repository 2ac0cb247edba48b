"""One router per upstream kind, each behind its strict fake, for the Anthropic SDK tests.

A lane knows its fake, its router config, the recorded stream in which its model calls tools,
and the one in which it thinks before calling `read`. `Recorder` is an httpx2 transport that
keeps every response body the SDK read, so each stream can be run through the validator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2

from llmrouter.config import LEVELS
from tests.fake_anthropic import AnthropicFake
from tests.fake_gemini import GeminiFake
from tests.fake_ollama import OllamaFake
from tests.fakes import FakeUpstream, OpenAIFake, Reply, fixture
from tests.providers.test_kimi import KimiFake

NDJSON = "application/x-ndjson"


class ClaudeCodeAnthropicFake(AnthropicFake):
    """The fake Messages API, also taking the fields Claude Code sends to its default models
    (with their betas): `context_management`, `output_config`, adaptive thinking."""

    def validate(self, request: Any, body: Any) -> tuple[int, str] | None:
        if isinstance(body, dict):
            extra = ("context_management", "output_config")
            body = {k: v for k, v in body.items() if k not in extra}
            if body.get("thinking") == {"type": "adaptive"}:  # newer models: no budget
                body.pop("thinking")
        return super().validate(request, body)


@dataclass
class Lane:
    name: str
    fake: FakeUpstream
    config: dict[str, Any]
    env: dict[str, str]
    model: str  # what the client asks for
    tools: Reply  # a turn that calls get_weather (and maybe more)
    thinking: Reply  # a turn that thinks, then calls read


def make_lane(name: str) -> Lane:
    levels = lambda ref: {level: ref for level in LEVELS}  # noqa: E731
    if name == "anthropic":
        fake: FakeUpstream = ClaudeCodeAnthropicFake()
        return Lane(
            name,
            fake,
            {"providers": {"anthropic": {"api_key": "sk-ant-test"}}},
            {},
            "claude-sonnet-4-6",
            Reply("sse", fixture("anthropic/tools.sse"), pieces=23),
            Reply("sse", fixture("anthropic/thinking_tools.sse"), pieces=19),
        )
    if name in ("openai", "kimi"):
        fake = (
            KimiFake(require_key="sk-kimi")
            if name == "kimi"
            else OpenAIFake(require_key="sk-openai")
        )
        return Lane(
            name,
            fake,
            {
                "providers": {
                    name: {
                        "type": "openai",
                        "api_key": "sk-" + name,
                        "replay_reasoning": name == "kimi",
                    }
                },
                "models": levels(f"{name}:kimi-k2-thinking" if name == "kimi" else "openai:gpt-4o"),
            },
            {},
            "llm-router",
            Reply("sse", fixture("openai/tools.sse"), pieces=29),
            Reply("sse", fixture("kimi/reasoning_tools.sse"), pieces=31),
        )
    if name == "google":
        return Lane(
            name,
            GeminiFake(require_key="g-key"),
            {
                "providers": {"google": {"api_key": "g-key"}},
                "models": levels("google:gemini-2.5-flash"),
            },
            {},
            "llm-router",
            Reply("sse", fixture("google/tools.sse"), pieces=13),
            Reply("sse", fixture("google/thinking_tools.sse"), pieces=11),
        )
    assert name == "ollama"
    return Lane(
        name,
        OllamaFake(),
        {"providers": {"local": {"type": "ollama"}}, "models": levels("local:qwen3:8b")},
        {},
        "llm-router",
        Reply("sse", fixture("ollama/tools.ndjson"), pieces=7, content_type=NDJSON),
        Reply("sse", fixture("ollama/thinking.ndjson"), pieces=5, content_type=NDJSON),
    )


def wire(lane: Lane) -> dict[str, Any]:
    """The lane's config with its fake's URL filled in."""
    config = {**lane.config, "providers": {}}
    for name, entry in lane.config["providers"].items():
        base = lane.fake.url + ("/v1" if entry.get("type") == "openai" else "")
        config["providers"][name] = {**entry, "base_url": base}
    return config


class Recorder(httpx2.AsyncBaseTransport):
    """Real HTTP, with every response body kept (path, status, bytes)."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport()
        self.bodies: list[tuple[str, int, bytes]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        kept = bytearray()
        self.bodies.append((request.url.path, response.status_code, b""))
        slot = len(self.bodies) - 1
        stream = response.stream
        assert isinstance(stream, httpx2.AsyncByteStream)

        async def tee() -> AsyncIterator[bytes]:
            async for chunk in stream:
                kept.extend(chunk)
                self.bodies[slot] = (request.url.path, response.status_code, bytes(kept))
                yield chunk

        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_Stream(tee(), stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Stream(httpx2.AsyncByteStream):
    def __init__(self, it: AsyncIterator[bytes], inner: httpx2.AsyncByteStream) -> None:
        self.it, self.inner = it, inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.it:
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()
