"""The canned answer of the benchmark's fake upstream, in each provider's wire format.

`BUILDERS[fmt](model, n, usage)` gives one streamed answer of `n` tokens as pre-encoded events
(OpenAI SSE, Anthropic SSE, Gemini SSE, Ollama NDJSON); `whole_body` the same answer unstreamed;
`answer_tokens` the text every client checks the reassembled answer against; `format_of` which
format a request path asks for. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

# Some multi-byte words on purpose: a character cut across reads must survive every hop.
_WORDS = (
    " The",
    " router",
    " café",
    " streams",
    " 日本語",
    " tokens",
    " naïve",
    " fast",
    " 🙂",
    ".",
)


def answer_tokens(n: int) -> list[str]:
    """The canned answer's tokens; clients check the reassembled text against their join."""
    return [_WORDS[i % len(_WORDS)] for i in range(n)]


@dataclass
class Answer:
    """One answer's events: `head` is sent with the first token, `tail` after the last."""

    head: bytes
    tokens: list[bytes]
    tail: bytes
    content_type: str


def _openai(model: str, n: int, usage: bool) -> Answer:
    base = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1764000000,
        "model": model,
        "system_fingerprint": "fp_bench",
    }

    def ev(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return b"data: " + orjson.dumps({**base, "choices": [choice]}) + b"\n\n"

    tail = ev({}, "stop")
    if usage:
        counts = {"prompt_tokens": 42, "completion_tokens": n, "total_tokens": 42 + n}
        tail += b"data: " + orjson.dumps({**base, "choices": [], "usage": counts}) + b"\n\n"
    return Answer(
        ev({"role": "assistant", "content": ""}),
        [ev({"content": t}) for t in answer_tokens(n)],
        tail + b"data: [DONE]\n\n",
        "text/event-stream",
    )


def _anthropic(model: str, n: int, usage: bool) -> Answer:
    def ev(name: str, obj: dict[str, Any]) -> bytes:
        return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(obj) + b"\n\n"

    message = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 42, "output_tokens": 1},
    }
    head = (
        ev("message_start", {"type": "message_start", "message": message})
        + ev(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
        + ev("ping", {"type": "ping"})
    )
    tokens = [
        ev(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}},
        )
        for t in answer_tokens(n)
    ]
    tail = (
        ev("content_block_stop", {"type": "content_block_stop", "index": 0})
        + ev(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n},
            },
        )
        + ev("message_stop", {"type": "message_stop"})
    )
    return Answer(head, tokens, tail, "text/event-stream")


def _gemini(model: str, n: int, usage: bool) -> Answer:
    words = answer_tokens(n)

    def ev(i: int, text: str, finish: bool) -> bytes:
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "index": 0,
        }
        if finish:
            candidate["finishReason"] = "STOP"
        meta = {"promptTokenCount": 42, "candidatesTokenCount": i + 1, "totalTokenCount": 43 + i}
        obj = {
            "candidates": [candidate],
            "usageMetadata": meta,
            "modelVersion": model,
            "responseId": "bench",
        }
        return b"data: " + orjson.dumps(obj) + b"\r\n\r\n"  # Gemini frames events with CRLF

    # Gemini has no separate stop event: the finish reason rides on the last text chunk.
    return Answer(
        b"", [ev(i, t, i == n - 1) for i, t in enumerate(words)], b"", "text/event-stream"
    )


def _ollama(model: str, n: int, usage: bool) -> Answer:
    stamp = "2026-11-26T10:00:00.000000Z"

    def line(obj: dict[str, Any]) -> bytes:
        return orjson.dumps(obj) + b"\n"

    tokens = [
        line(
            {
                "model": model,
                "created_at": stamp,
                "message": {"role": "assistant", "content": t},
                "done": False,
            }
        )
        for t in answer_tokens(n)
    ]
    tail = line(
        {
            "model": model,
            "created_at": stamp,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000000,
            "load_duration": 1000,
            "prompt_eval_count": 42,
            "prompt_eval_duration": 1000,
            "eval_count": n,
            "eval_duration": 100000,
        }
    )
    return Answer(b"", tokens, tail, "application/x-ndjson")


def whole_body(fmt: str, model: str, n: int) -> bytes:
    """The non-streaming answer of a format."""
    text = "".join(answer_tokens(n))
    if fmt == "openai":
        return orjson.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": 1764000000,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": text},
                    }
                ],
                "usage": {"prompt_tokens": 42, "completion_tokens": n, "total_tokens": 42 + n},
            }
        )
    if fmt == "anthropic":
        return orjson.dumps(
            {
                "id": "msg_bench",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 42, "output_tokens": n},
            }
        )
    if fmt == "gemini":
        return orjson.dumps(
            {
                "candidates": [
                    {
                        "content": {"parts": [{"text": text}], "role": "model"},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 42,
                    "candidatesTokenCount": n,
                    "totalTokenCount": 42 + n,
                },
                "modelVersion": model,
            }
        )
    return orjson.dumps(
        {
            "model": model,
            "created_at": "2026-11-26T10:00:00Z",
            "done": True,
            "message": {"role": "assistant", "content": text},
            "done_reason": "stop",
            "prompt_eval_count": 42,
            "eval_count": n,
        }
    )


BUILDERS: dict[str, Callable[[str, int, bool], Answer]] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "gemini": _gemini,
    "ollama": _ollama,
}


def format_of(path: str) -> str | None:
    if path.endswith("/chat/completions"):
        return "openai"
    if path.endswith("/messages"):
        return "anthropic"
    if ":streamGenerateContent" in path or ":generateContent" in path:
        return "gemini"
    if path.endswith("/api/chat"):
        return "ollama"
    return None
