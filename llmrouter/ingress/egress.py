"""OpenAI chunks → the Anthropic Messages stream an Anthropic client reads, as they arrive.

Owns `AnthropicEgress`, a pure state machine with the `Egress` methods (egress.py): it does
no I/O and keeps everything that affects its output in typed attributes. It must not parse
upstream formats (the provider's translator made OpenAI chunks of them) nor choose statuses
(errors.py renders the error event). `to_anthropic_message` renders a whole completion.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from llmrouter.chunks import Chunk
from llmrouter.errors import RouterError, UpstreamProtocolError
from llmrouter.ingress.errors import error_body
from llmrouter.sse import encode_event
from llmrouter.toolids import safe_id

# OpenAI finish_reason → Anthropic stop_reason.
STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}
EMPTY_BLOCKS: dict[str, dict[str, str]] = {
    "text": {"type": "text", "text": ""},
    "thinking": {"type": "thinking", "thinking": "", "signature": ""},
}
# remember(the id the client sees, the upstream's own id) when they differ.
Remember = Callable[[str, str], None]


@dataclass(slots=True)
class _Block:
    """The one open content block: its index, type, and (tool_use) OpenAI tool index."""

    index: int
    kind: str
    tool: int = -1


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex[:24]


def anthropic_usage(usage: Mapping[str, Any]) -> dict[str, int]:
    """OpenAI usage → Anthropic's: `input_tokens` excludes cache reads, which Anthropic
    counts apart (`cache_read_input_tokens`). Kimi reports `cached_tokens` at the top."""
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    cached = int(cached or usage.get("cached_tokens") or 0)
    prompt = int(usage.get("prompt_tokens") or 0)
    out = {"input_tokens": max(0, prompt - cached), "output_tokens": 0}
    out["output_tokens"] = int(usage.get("completion_tokens") or 0)
    if cached:
        out["cache_read_input_tokens"] = cached
    return out


class AnthropicEgress:
    """OpenAI `chat.completion.chunk`s → Anthropic SSE events.

    Output grammar (Messages API, "Streaming messages"):
        message_start                       once, before anything else (input_tokens estimated)
        ( content_block_start               index 0, 1, 2, ... in order, one block open at most
          content_block_delta*              text_delta | thinking_delta | input_json_delta
          content_block_stop )*
        message_delta                       stop_reason and usage, held until usage arrives
        message_stop
    or, at any point, one `error` event that ends the stream. A change of kind (reasoning →
    text → tool call, or a new tool call) closes the open block first. Tool ids are rewritten
    to `^[a-zA-Z0-9_-]+$` (`safe_id`); `remember` learns the upstream's own id to map back.
    """

    wire = "anthropic"
    content_type = "text/event-stream"

    def __init__(
        self, *, model: str, input_tokens: int = 0, remember: Remember | None = None
    ) -> None:
        self.model = model
        self.input_tokens = input_tokens
        self.remember = remember
        self.started = False
        self.ended = False
        self.block: _Block | None = None
        self.next_index = 0
        self.tools: dict[int, str] = {}  # OpenAI tool index → the id the client got
        self.closed_tools: set[int] = set()
        self.stop_reason: str | None = None
        self.usage: dict[str, int] | None = None

    # -- Egress -----------------------------------------------------------------------------

    def encode(self, chunks: list[Chunk]) -> bytes:
        out: list[bytes] = []
        for chunk in chunks:
            out.extend(self._chunk(chunk))
        return b"".join(out)

    def done(self) -> bytes:
        out = self._start(self.model)
        out.extend(self._close())
        if self.stop_reason is None:
            self.stop_reason = "tool_use" if self.tools else "end_turn"
        out.extend(self._end())
        return b"".join(out)

    def error(self, error: RouterError) -> bytes:
        self.ended = True
        return encode_event("error", error_body(error))

    def whole(self, completion: dict[str, Any]) -> bytes:
        return orjson.dumps(to_anthropic_message(completion, self.remember))

    # -- chunks -----------------------------------------------------------------------------

    def _chunk(self, chunk: Chunk) -> list[bytes]:
        out = self._start(str(chunk.get("model") or self.model))
        usage = chunk.get("usage")
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("reasoning_content"):
                out.extend(self._text("thinking", "thinking_delta", delta["reasoning_content"]))
            if delta.get("content"):
                out.extend(self._text("text", "text_delta", delta["content"]))
            for call in delta.get("tool_calls") or ():
                out.extend(self._tool_call(call))
            if choice.get("finish_reason"):
                out.extend(self._finish(str(choice["finish_reason"])))
            usage = usage or choice.get("usage")  # Kimi: usage inside the last choice
        if isinstance(usage, dict):
            self.usage = anthropic_usage(usage)
            if self.stop_reason is not None:
                out.extend(self._end())
        return out

    def _start(self, model: str) -> list[bytes]:
        if self.started:
            return []
        self.started = True
        self.model = model
        message: dict[str, Any] = {
            "id": new_message_id(),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": 0},
        }
        return [_event("message_start", {"type": "message_start", "message": message})]

    def _text(self, kind: str, delta_type: str, text: str) -> list[bytes]:
        out: list[bytes] = []
        if self.block is None or self.block.kind != kind:
            out.extend(self._close())
            out.append(self._open(kind, dict(EMPTY_BLOCKS[kind])))
        assert self.block is not None
        delta = {"type": delta_type, delta_type.removesuffix("_delta"): text}
        out.append(self._delta(delta))
        return out

    def _tool_call(self, call: Mapping[str, Any]) -> list[bytes]:
        index = int(call.get("index") or 0)
        function = call.get("function") or {}
        out: list[bytes] = []
        if index not in self.tools:
            out.extend(self._close())
            client_id = self._client_id(str(call.get("id") or ""))
            self.tools[index] = client_id
            block = {"type": "tool_use", "id": client_id, "name": function.get("name") or ""}
            out.append(self._open("tool_use", {**block, "input": {}}, tool=index))
        fragment = function.get("arguments") or ""
        if not fragment:
            return out
        if self.block is None or self.block.tool != index:
            raise UpstreamProtocolError(
                f"the upstream sent arguments for tool call {index} after it had moved on",
                provider="-",
            )
        out.append(self._delta({"type": "input_json_delta", "partial_json": fragment}))
        return out

    def _client_id(self, upstream_id: str) -> str:
        if not upstream_id:
            return "toolu_" + uuid.uuid4().hex[:24]
        client_id = safe_id(upstream_id)
        if client_id != upstream_id and self.remember is not None:
            self.remember(client_id, upstream_id)
        return client_id

    def _finish(self, reason: str) -> list[bytes]:
        out = self._close()
        if self.stop_reason is None:
            stop = STOP_REASONS.get(reason, "end_turn")
            self.stop_reason = "tool_use" if self.tools and stop == "end_turn" else stop
        if self.usage is not None:
            out.extend(self._end())
        return out

    # -- events -----------------------------------------------------------------------------

    def _open(self, kind: str, block: dict[str, Any], tool: int = -1) -> bytes:
        self.block = _Block(self.next_index, kind, tool)
        self.next_index += 1
        start = {"type": "content_block_start", "index": self.block.index, "content_block": block}
        return _event("content_block_start", start)

    def _delta(self, delta: dict[str, Any]) -> bytes:
        assert self.block is not None
        body = {"type": "content_block_delta", "index": self.block.index, "delta": delta}
        return _event("content_block_delta", body)

    def _close(self) -> list[bytes]:
        if self.block is None:
            return []
        index, self.block = self.block.index, None
        return [_event("content_block_stop", {"type": "content_block_stop", "index": index})]

    def _end(self) -> list[bytes]:
        if self.ended:
            return []
        self.ended = True
        usage = self.usage or {"input_tokens": self.input_tokens, "output_tokens": 0}
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": self.stop_reason, "stop_sequence": None},
            "usage": usage,
        }
        return [_event("message_delta", delta), _event("message_stop", {"type": "message_stop"})]


def _event(name: str, body: dict[str, Any]) -> bytes:
    return encode_event(name, body)


def to_anthropic_message(
    completion: Mapping[str, Any], remember: Remember | None = None
) -> dict[str, Any]:
    """A whole `chat.completion` → an Anthropic Message (thinking, text, tool_use blocks)."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if message.get("reasoning_content"):
        content.append(
            {"type": "thinking", "thinking": message["reasoning_content"], "signature": ""}
        )
    if message.get("content"):
        content.append({"type": "text", "text": message["content"]})
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        upstream_id = str(call.get("id") or "")
        client_id = safe_id(upstream_id) if upstream_id else "toolu_" + uuid.uuid4().hex[:24]
        if remember is not None and upstream_id and client_id != upstream_id:
            remember(client_id, upstream_id)
        content.append(
            {
                "type": "tool_use",
                "id": client_id,
                "name": function.get("name") or "",
                "input": _arguments(function.get("arguments")),
            }
        )
    stop = STOP_REASONS.get(str(choice.get("finish_reason") or "stop"), "end_turn")
    if stop == "end_turn" and message.get("tool_calls"):
        stop = "tool_use"
    usage = completion.get("usage")
    return {
        "id": new_message_id(),
        "type": "message",
        "role": "assistant",
        "model": completion.get("model") or "",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": anthropic_usage(usage if isinstance(usage, dict) else {}),
    }


def _arguments(raw: Any) -> dict[str, Any]:
    """Tool arguments as the object Anthropic clients expect (a model's malformed JSON is
    kept under `_raw`, so the tool reports it instead of the client crashing)."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_raw": raw}
