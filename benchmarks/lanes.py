"""The benchmark lanes: what each one sends to direct (the fake), to the floor and to the router.

A lane is one client-visible case: OpenAI passthrough (stream and not, classification on and
off) and an OpenAI client in front of an Anthropic, Gemini or native Ollama upstream. Direct and
floor requests are in the upstream's own wire format (the yardstick is a proxy that translates
nothing); router requests are always OpenAI chat requests. A lane whose provider type is not in
`llmrouter.providers.FACTORIES` yet, or whose provider does not speak the lane's wire format yet
(the Ollama shim over /v1), is skipped with a note; nothing here starts a process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from benchmarks.answers import format_of

SYSTEM = "You are a helpful assistant. Answer briefly and precisely."
ASK = "Explain in two sentences why the sky is blue, and name the effect."
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ASK}]
LEVELS = ("super_easy", "easy", "medium", "hard", "super_hard")


@dataclass(frozen=True)
class Lane:
    name: str
    provider: str  # the provider's name in the router's config
    ptype: str  # its type (the FACTORIES key)
    fmt: str  # the upstream wire format the fake speaks
    model: str  # the upstream model id
    router_model: str  # the `model` the client sends to the router
    stream: bool = True

    @property
    def classify(self) -> bool:
        return self.router_model == "llm-router"

    def native(self, fake: str) -> tuple[str, dict[str, str], bytes]:
        """URL (under `fake`, the fake's or the floor's root), headers and body of a request in
        the upstream's own format."""
        json = {"content-type": "application/json"}
        if self.fmt == "openai":
            body: dict[str, Any] = {
                "model": self.model,
                "messages": MESSAGES,
                "stream": self.stream,
            }
            return (
                f"{fake}/v1/chat/completions",
                {**json, "authorization": "Bearer sk-bench"},
                orjson.dumps(body),
            )
        if self.fmt == "anthropic":
            body = {
                "model": self.model,
                "max_tokens": 1024,
                "system": SYSTEM,
                "messages": [{"role": "user", "content": ASK}],
                "stream": True,
            }
            headers = {**json, "x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01"}
            return f"{fake}/v1/messages", headers, orjson.dumps(body)
        if self.fmt == "gemini":
            body = {
                "systemInstruction": {"parts": [{"text": SYSTEM}]},
                "contents": [{"role": "user", "parts": [{"text": ASK}]}],
            }
            url = f"{fake}/v1beta/models/{self.model}:streamGenerateContent?alt=sse"
            return url, {**json, "x-goog-api-key": "bench"}, orjson.dumps(body)
        body = {"model": self.model, "messages": MESSAGES, "stream": True}
        return f"{fake}/api/chat", json, orjson.dumps(body)

    def openai(self, router: str) -> tuple[str, dict[str, str], bytes]:
        body = {"model": self.router_model, "messages": MESSAGES, "stream": self.stream}
        headers = {"content-type": "application/json", "authorization": "Bearer client"}
        return f"{router}/v1/chat/completions", headers, orjson.dumps(body)


LANES: tuple[Lane, ...] = (
    Lane("openai-stream", "openai", "openai", "openai", "gpt-bench", "llm-router"),
    Lane("openai-stream-noclf", "openai", "openai", "openai", "gpt-bench", "openai:gpt-bench"),
    Lane("openai-whole", "openai", "openai", "openai", "gpt-bench", "llm-router", stream=False),
    Lane(
        "anthropic-stream",
        "anthropic",
        "anthropic",
        "anthropic",
        "claude-bench",
        "anthropic:claude-bench",
    ),
    Lane("gemini-stream", "google", "google", "gemini", "gemini-bench", "google:gemini-bench"),
    Lane("ollama-stream", "local", "ollama", "ollama", "qwen-bench", "local:qwen-bench"),
)


def router_config(fake: str) -> dict[str, Any]:
    """The router's config: every provider at the fake; every level to OpenAI passthrough.

    Sticky routing is off: every request of a lane is the same conversation, and with it on
    only the first would be classified; off, each one runs the classifier, the worst case."""
    return {
        "server": {"host": "127.0.0.1"},
        "routing": {"sticky": "off"},
        "providers": {
            "openai": {"type": "openai", "base_url": f"{fake}/v1", "api_key": "sk-bench"},
            "anthropic": {"type": "anthropic", "base_url": fake, "api_key": "sk-ant-bench"},
            "google": {"type": "google", "base_url": fake, "api_key": "bench"},
            "local": {"type": "ollama", "base_url": fake},
        },
        "models": dict.fromkeys(LEVELS, "openai:gpt-bench"),
    }


def unavailable(lane: Lane, fake: str) -> str | None:
    """Why the router cannot serve `lane` yet, or None when it can."""
    from llmrouter.config import ModelRef, parse_config
    from llmrouter.providers import FACTORIES, RequestContext, make_provider

    if lane.ptype not in FACTORIES:
        return f"provider type '{lane.ptype}' is not registered yet"
    config = parse_config(router_config(fake), {})
    provider = make_provider(config.providers[lane.provider])
    ctx = RequestContext(ref=ModelRef(lane.provider, lane.model), stream=lane.stream)
    body = {"model": lane.router_model, "messages": MESSAGES, "stream": lane.stream}
    try:
        url = provider.build_request(body, ctx).url if provider is not None else ""
    except Exception as exc:  # a provider still being written must not stop the harness
        return f"'{lane.ptype}' provider cannot build a request yet: {exc!r}"
    got = format_of(url.partition("?")[0])
    if got != lane.fmt:
        return f"the '{lane.ptype}' provider speaks {got or url} (waiting for native {lane.fmt})"
    return None
