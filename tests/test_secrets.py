"""Provider keys never appear in logs (at any level), error messages, /health or /v1/models,
and the Google key never in a URL."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest

from tests.conftest import RouterFactory
from tests.fake_anthropic import AnthropicFake
from tests.fake_gemini import GeminiFake
from tests.fake_ollama import OllamaFake
from tests.fakes import OpenAIFake, Reply

KEYS = {
    "openai": "sk-openai-SECRET-1111",
    "anthropic": "sk-ant-SECRET-2222",
    "google": "g-SECRET-3333",
}


async def test_keys_never_leak(
    serve_fake: Any, make_router: RouterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    openai_fake = await serve_fake(OpenAIFake(require_key=KEYS["openai"]))
    anthropic = await serve_fake(AnthropicFake(require_key=KEYS["anthropic"]))
    gemini = await serve_fake(GeminiFake(require_key=KEYS["google"]))
    ollama = await serve_fake(OllamaFake())
    base = await make_router(
        {
            "providers": {
                "openai": {"base_url": openai_fake.url + "/v1"},
                "anthropic": {"base_url": anthropic.url},
                "google": {"base_url": gemini.url},
                "local": {"base_url": ollama.url},
            },
            "models": {
                "easy": "openai:gpt-4o-mini",
                "medium": "anthropic:claude-sonnet-4-5",
                "hard": "google:gemini-2.5-pro",
                "super_hard": "local:qwen2.5:7b",
            },
        },
        env={
            "OPENAI_API_KEY": KEYS["openai"],
            "ANTHROPIC_API_KEY": KEYS["anthropic"],
            "GEMINI_API_KEY": KEYS["google"],
        },
    )
    # An upstream error that echoes the key it was given, as Google's does.
    gemini.queue(
        Reply(
            "json",
            b'{"error": {"code": 400, "message": "API key not valid: '
            + KEYS["google"].encode()
            + b'", "status": "INVALID_ARGUMENT"}}',
            400,
        )
    )
    seen: list[str] = []
    async with aiohttp.ClientSession() as http:
        for level in ("easy", "medium", "hard", "hard", "super_hard"):
            for stream in (False, True):
                body = {
                    "model": level,
                    "stream": stream,
                    "messages": [{"role": "user", "content": "hello"}],
                }
                async with http.post(base + "/v1/chat/completions", json=body) as resp:
                    seen.append(await resp.text())
        for path in ("/health", "/v1/models", "/stats", "/metrics"):
            async with http.get(base + path) as resp:
                seen.append(await resp.text())
    text = "\n".join(seen) + caplog.text
    for key in KEYS.values():
        assert key not in text
    assert all(KEYS["google"] not in s.path for s in gemini.seen)
    assert any("INVALID_ARGUMENT" in s or "API key not valid" in s for s in seen)
