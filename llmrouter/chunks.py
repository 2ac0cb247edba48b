"""OpenAI chat wire shapes: the chunk builder every translator uses, and the accumulator that
turns a stream of chunks into one `chat.completion`.

Translators never hand-build chunk dicts: they call `ChunkMaker`, so every chunk carries the same
`id`, `created`, `model` and `object`. `Accumulator` is pure too: feed chunks, read `result()`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any, TypedDict

Chunk = dict[str, Any]


class Usage(TypedDict, total=False):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: dict[str, int]
    completion_tokens_details: dict[str, int]


def new_completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def new_tool_call_id() -> str:
    """An id for a tool call the upstream did not name (Gemini, Ollama): unique across
    responses, and letters and digits only, so that clients which normalise ids before
    replaying them (OpenClaw keeps `[A-Za-z0-9]`, at most 40) send back exactly this id and
    state kept under it (Gemini thought signatures) is found again."""
    return "call" + uuid.uuid4().hex[:24]


def make_usage(prompt: int, completion: int, *, cached: int = 0, reasoning: int = 0) -> Usage:
    usage: Usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


class ChunkMaker:
    """Builds `chat.completion.chunk` objects for one response."""

    __slots__ = ("created", "id", "model")

    def __init__(self, model: str, completion_id: str | None = None) -> None:
        self.id = completion_id or new_completion_id()
        self.model = model
        self.created = int(time.time())

    def _chunk(self, choices: list[dict[str, Any]]) -> Chunk:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> Chunk:
        return self._chunk([{"index": 0, "delta": delta, "finish_reason": finish_reason}])

    def role(self) -> Chunk:
        return self.delta({"role": "assistant", "content": ""})

    def content(self, text: str) -> Chunk:
        # delta() written out: this one is made for every token of every translated answer
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }

    def reasoning(self, text: str) -> Chunk:
        return self.delta({"reasoning_content": text})

    def tool_call_start(self, index: int, call_id: str, name: str, arguments: str = "") -> Chunk:
        call = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
        return self.delta({"tool_calls": [call]})

    def tool_call_arguments(self, index: int, fragment: str) -> Chunk:
        return self.delta({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})

    def finish(self, reason: str) -> Chunk:
        return self.delta({}, reason)

    def usage(self, usage: Usage) -> Chunk:
        chunk = self._chunk([])
        chunk["usage"] = usage
        return chunk


def completion_of(chunks: Iterable[Chunk]) -> dict[str, Any]:
    """A whole `chat.completion` from a translator's chunks (for non-streaming upstream
    answers that a provider reads with its stream translator)."""
    accumulator = Accumulator()
    for chunk in chunks:
        accumulator.feed(chunk)
    return accumulator.result()


class Accumulator:
    """Folds OpenAI chunks into one `chat.completion` (for clients that did not stream)."""

    def __init__(self) -> None:
        self.id = ""
        self.model = ""
        self.created = 0
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.usage: Usage | None = None

    def feed(self, chunk: Chunk) -> None:
        self.id = self.id or chunk.get("id", "")
        self.model = self.model or chunk.get("model", "")
        self.created = self.created or chunk.get("created", 0)
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.content.append(delta["content"])
            if delta.get("reasoning_content"):
                self.reasoning.append(delta["reasoning_content"])
            for call in delta.get("tool_calls") or ():
                self._tool_call(call)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def _tool_call(self, call: dict[str, Any]) -> None:
        slot = self.tool_calls.setdefault(
            call.get("index", 0),
            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
        )
        if call.get("id"):
            slot["id"] = call["id"]
        function = call.get("function") or {}
        if function.get("name"):
            slot["function"]["name"] = function["name"]
        slot["function"]["arguments"] += function.get("arguments") or ""

    def result(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self.content) if self.content or not self.tool_calls else None,
        }
        if self.reasoning:
            message["reasoning_content"] = "".join(self.reasoning)
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        completion: dict[str, Any] = {
            "id": self.id or new_completion_id(),
            "object": "chat.completion",
            "created": self.created or int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": self.finish_reason or "stop",
                }
            ],
        }
        if self.usage is not None:
            completion["usage"] = self.usage
        return completion
