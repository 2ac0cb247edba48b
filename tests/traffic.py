"""A known sequence of chat requests, and the figures /stats, /metrics and the status page must
show after it (shared by test_stats, test_metrics and test_status_page).

Prices are set in the config so that the sums are easy to check by hand: `cheap` costs $1 / $2 /
$0.5 and `best` $10 / $20 / $5 per million input / output / cached tokens; every answer uses
1000 input tokens (200 of them cached) and 500 output tokens. So one answer costs $0.0019 on
`cheap` and $0.019 on `best`, the super_hard model and so the baseline.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.fakes import OpenAIFake, Reply

USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": 500,
    "total_tokens": 1500,
    "prompt_tokens_details": {"cached_tokens": 200},
}
CHEAP, BEST = 0.0019, 0.019
KEY = "router-key"


def config(fake: OpenAIFake, **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "server": {"api_keys": [KEY]},
        "providers": {"openai": {"base_url": fake.url + "/v1", "api_key": "sk-test-openai"}},
        "models": {
            "super_easy": "openai:cheap",
            "easy": "openai:cheap",
            "medium": "openai:best",
            "hard": "openai:best",
            "super_hard": "openai:best",
        },
        "fallbacks": {"hard": ["openai:cheap"]},
        "prices": {
            "openai:cheap": {"input": 1, "output": 2, "cached_input": 0.5},
            "openai:best": {"input": 10, "output": 20, "cached_input": 5},
        },
    }
    raw.update(extra)
    return raw


def completion(model: str) -> Reply:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
        "usage": USAGE,
    }
    return Reply("json", json.dumps(body).encode())


def stream(model: str) -> Reply:
    head = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1, "model": model}
    events = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "o"}}]},
        {**head, "choices": [{"index": 0, "delta": {"content": "k"}, "finish_reason": None}]},
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**head, "choices": [], "usage": USAGE},
    ]
    body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    return Reply("sse", body + b"data: [DONE]\n\n")


def failure(status: int) -> Reply:
    error = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}
    return Reply("json", json.dumps(error).encode(), status=status)


async def send(base: str, model: str, *, stream: bool = False) -> aiohttp.ClientResponse:
    body = {"model": model, "messages": [{"role": "user", "content": "What is 2+2?"}]}
    if stream:
        body["stream"] = True
    headers = {"authorization": f"Bearer {KEY}"}
    url = f"{base}/v1/chat/completions"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        await r.read()
        return r


async def play(base: str, fake: OpenAIFake) -> dict[str, Any]:
    """Send the known traffic; return what the figures since start must be."""
    fake.queue(completion("cheap"), completion("cheap"))
    assert (await send(base, "easy")).status == 200
    assert (await send(base, "super_easy")).status == 200
    fake.queue(stream("best"))
    assert (await send(base, "super_hard", stream=True)).status == 200
    fake.queue(completion("cheap"))
    assert (await send(base, "openai:cheap")).status == 200  # direct: its own baseline
    fake.queue(failure(500), completion("cheap"))
    assert (await send(base, "hard")).status == 200  # best fails, the fallback answers
    fake.queue(failure(400))
    assert (await send(base, "medium")).status == 400  # not retried, no usage
    cost = 4 * CHEAP + BEST
    baseline = 4 * BEST + CHEAP  # easy, super_easy, super_hard, hard at best; direct at itself
    return {
        "requests": 6,
        "errors": 1,
        "by_level": {
            "easy": 1,
            "super_easy": 1,
            "super_hard": 1,
            "direct": 1,
            "hard": 1,
            "medium": 1,
        },
        "by_model": {"openai:cheap": 4, "openai:best": 2},
        "tokens": {"input": 5000, "output": 2500, "cached": 1000},
        "cost_usd": round(cost, 6),
        "baseline_cost_usd": round(baseline, 6),
        "saved_usd": round(baseline - cost, 6),
        "saved_pct": round(100 * (baseline - cost) / baseline, 2),
    }


def headers() -> dict[str, str]:
    return {"authorization": f"Bearer {KEY}"}
