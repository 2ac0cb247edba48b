"""Gemini `GenerateContentResponse` events → OpenAI chunks. Pure: no I/O, no clock.

The translator is also used for the one-piece `:generateContent` answer: a whole response
is the same object as one stream event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from llmrouter.chunks import Chunk, ChunkMaker, Usage, make_usage, new_tool_call_id
from llmrouter.errors import UpstreamProtocolError
from llmrouter.providers.google.errors import error_from_gemini
from llmrouter.sse import SSEEvent

# Gemini `FinishReason` → OpenAI finish_reason; anything else (OTHER, LANGUAGE,
# MALFORMED_FUNCTION_CALL, ...) is a plain stop.
FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}


class GeminiTranslator:
    """Grammar: `data: {GenerateContentResponse}` events (CRLF-delimited as Google sends them,
    no `[DONE]`). Each carries `candidates[0].content.parts` — `text`, `text` with
    `thought: true`, or a whole `functionCall` (with the `thoughtSignature` it was issued
    with) — and the last carries `finishReason`; `usageMetadata` is cumulative, the last one
    counts. A prompt refused before generation is one event with `promptFeedback.blockReason`
    and no candidates. `{"error": {...}}` is an upstream failure.
    """

    def __init__(
        self,
        provider: str,
        model: str,
        *,
        remember: Callable[[str, str], None],
        reasoning: bool = True,
        secrets: Iterable[str] = (),
    ) -> None:
        self.provider = provider
        self.model = model
        self.remember = remember
        self.reasoning = reasoning
        self.secrets = tuple(secrets)
        self.maker: ChunkMaker | None = None
        self.tool_calls = 0
        self.finish_reason: str | None = None
        self.usage_metadata: dict[str, Any] | None = None  # the last one: counts are totals

    def feed(self, event: SSEEvent) -> list[Chunk]:
        try:
            response = orjson.loads(event.data)
        except orjson.JSONDecodeError as exc:
            raise UpstreamProtocolError(
                f"{self.provider} sent a stream event that is not JSON", provider=self.provider
            ) from exc
        return self.response(response)

    def response(self, response: Any) -> list[Chunk]:
        """One `GenerateContentResponse` (a stream event or the whole answer)."""
        if not isinstance(response, dict) or "error" in response:
            raise error_from_gemini(self.provider, 502, response, {}, self.secrets)
        out = self._start(response)
        if isinstance(response.get("usageMetadata"), dict):
            self.usage_metadata = response["usageMetadata"]
        blocked = (response.get("promptFeedback") or {}).get("blockReason")
        candidates = response.get("candidates") or []
        if blocked and not candidates:
            return [*out, *self._finish("content_filter")]
        for candidate in candidates[:1]:
            out.extend(self._candidate(candidate))
        return out

    def _start(self, response: dict[str, Any]) -> list[Chunk]:
        if self.maker is not None:
            return []
        self.maker = ChunkMaker(str(response.get("modelVersion") or self.model))
        return [self.maker.role()]

    def _candidate(self, candidate: dict[str, Any]) -> list[Chunk]:
        out: list[Chunk] = []
        for part in (candidate.get("content") or {}).get("parts") or ():
            out.extend(self._part(part))
        reason = candidate.get("finishReason")
        if reason:
            mapped = FINISH_REASONS.get(str(reason), "stop")
            if mapped == "stop" and self.tool_calls:
                mapped = "tool_calls"
            out.extend(self._finish(mapped))
        return out

    def _part(self, part: dict[str, Any]) -> list[Chunk]:
        assert self.maker is not None
        if "functionCall" in part:
            return [self._function_call(part)]
        text = part.get("text")
        if not isinstance(text, str) or not text:
            return []
        if part.get("thought"):
            return [self.maker.reasoning(text)] if self.reasoning else []
        return [self.maker.content(text)]

    def _function_call(self, part: dict[str, Any]) -> Chunk:
        assert self.maker is not None
        call = part["functionCall"] or {}
        call_id = new_tool_call_id()
        if part.get("thoughtSignature"):
            self.remember(call_id, str(part["thoughtSignature"]))
        index = self.tool_calls
        self.tool_calls += 1
        arguments = orjson.dumps(call.get("args") or {}).decode()
        return self.maker.tool_call_start(index, call_id, str(call.get("name") or ""), arguments)

    def _finish(self, reason: str) -> list[Chunk]:
        if self.finish_reason is not None or self.maker is None:
            return []
        self.finish_reason = reason
        return [self.maker.finish(reason)]

    def finish(self) -> list[Chunk]:
        if self.finish_reason is None or self.maker is None:
            raise UpstreamProtocolError(
                f"{self.provider} closed the stream before it was complete",
                provider=self.provider,
            )
        meta = self.usage_metadata
        return [self.maker.usage(_usage(meta))] if meta is not None else []


def _usage(meta: dict[str, Any]) -> Usage:
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    return make_usage(
        int(meta.get("promptTokenCount") or 0),
        int(meta.get("candidatesTokenCount") or 0) + thoughts,
        cached=int(meta.get("cachedContentTokenCount") or 0),
        reasoning=thoughts,
    )
