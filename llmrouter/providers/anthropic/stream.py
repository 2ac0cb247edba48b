"""The Anthropic Messages stream → OpenAI chunks, one SSE event at a time.

Owns `AnthropicTranslator`, a pure state machine: it does no I/O, reads no clock except the
`created` stamp of its ChunkMaker, and keeps everything that affects its output in typed
attributes. It must not build chunk dicts by hand (ChunkMaker does) nor render errors (it
raises them; forward.py writes the one error event).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from llmrouter.chunks import Chunk, ChunkMaker
from llmrouter.errors import UpstreamProtocolError
from llmrouter.providers.anthropic.response import error_from_anthropic, finish_reason, openai_usage
from llmrouter.sse import SSEEvent

# remember(first tool_use id of the message, its thinking blocks as the API sent them)
Remember = Callable[[str, list[dict[str, Any]]], None]


@dataclass(slots=True)
class _Block:
    """One open content block, keyed by the Anthropic `index` it was started with."""

    kind: str
    tool_index: int = -1  # the OpenAI tool_calls index of a tool_use block
    start_input: Any = None  # `input` given whole in content_block_start (some gateways)
    sent_arguments: bool = False
    thinking: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""  # redacted_thinking payload


class AnthropicTranslator:
    """Anthropic SSE events → OpenAI `chat.completion.chunk`s.

    Grammar (Messages API, "Streaming messages"):
        message_start
        ( ping | content_block_start content_block_delta* content_block_stop )*
        message_delta            stop_reason and cumulative usage
        message_stop
    and an `error` event may replace any of them, ending the stream. Block types: text
    (text_delta), thinking (thinking_delta, signature_delta), redacted_thinking, tool_use
    (input_json_delta). Unknown event and delta types are ignored on purpose: "we may
    occasionally add new event types, and your code should handle unknown event types
    gracefully". Gateways that skip `content_block_start` for text, omit `content_block_stop`,
    or send a tool's whole `input` in its start event are tolerated.
    """

    def __init__(
        self,
        provider: str,
        model: str,
        *,
        reasoning: bool = True,
        tool_names: Mapping[str, str] | None = None,
        remember: Remember | None = None,
    ) -> None:
        self.provider = provider
        self.fallback_model = model
        self.reasoning = reasoning
        self.tool_names = tool_names or {}
        self.remember = remember
        self.maker: ChunkMaker | None = None
        self.blocks: dict[int, _Block] = {}
        self.thinking_blocks: list[_Block] = []
        self.tool_ids: list[str] = []
        self.tool_count = 0
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.finished = False
        self._dispatch: dict[str, Callable[[dict[str, Any]], list[Chunk]]] = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "content_block_stop": self._block_stop,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
            "error": self._error,
        }

    def feed(self, event: SSEEvent) -> list[Chunk]:
        if event.event == "ping" or not event.data:
            return []
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError as exc:
            raise UpstreamProtocolError(
                f"{self.provider} sent a stream event that is not JSON ({event.event})",
                provider=self.provider,
            ) from exc
        if not isinstance(data, dict):
            return []
        handler = self._dispatch.get(data.get("type") or event.event)
        return handler(data) if handler is not None else []

    def finish(self) -> list[Chunk]:
        if not self.finished:
            raise UpstreamProtocolError(
                f"{self.provider} closed the stream before message_stop", provider=self.provider
            )
        return []

    # -- events -----------------------------------------------------------------------------

    def _message_start(self, data: dict[str, Any]) -> list[Chunk]:
        message = data.get("message") or {}
        if isinstance(message.get("usage"), dict):
            self._merge_usage(message["usage"])
        if self.maker is not None:
            return []
        self.maker = ChunkMaker(str(message.get("model") or self.fallback_model))
        return [self.maker.role()]

    def _block_start(self, data: dict[str, Any]) -> list[Chunk]:
        out = self._started()
        maker = self._maker()
        block = data.get("content_block") or {}
        kind = str(block.get("type") or "")
        index = int(data.get("index") or 0)
        state = _Block(kind)
        self.blocks[index] = state
        if kind == "text" and block.get("text"):
            out.append(maker.content(block["text"]))
        elif kind == "thinking":
            self.thinking_blocks.append(state)
            out.extend(self._thinking(state, str(block.get("thinking") or "")))
            state.signature = str(block.get("signature") or "")
        elif kind == "redacted_thinking":
            state.data = str(block.get("data") or "")
            self.thinking_blocks.append(state)
        elif kind == "tool_use":
            state.tool_index = self.tool_count
            self.tool_count += 1
            call_id, name = str(block.get("id") or ""), str(block.get("name") or "")
            self.tool_ids.append(call_id)
            state.start_input = block.get("input")
            out.append(maker.tool_call_start(state.tool_index, call_id, self._name(name)))
        return out

    def _block_delta(self, data: dict[str, Any]) -> list[Chunk]:
        out = self._started()
        delta = data.get("delta") or {}
        kind = delta.get("type")
        block = self.blocks.get(int(data.get("index") or 0))
        if kind == "text_delta":
            if delta.get("text"):
                out.append(self._maker().content(delta["text"]))
        elif kind == "input_json_delta":
            out.extend(self._arguments(block, str(delta.get("partial_json") or ""), data))
        elif kind == "thinking_delta":
            if block is None:  # a gateway that skipped content_block_start
                block = self.blocks[int(data.get("index") or 0)] = _Block("thinking")
                self.thinking_blocks.append(block)
            out.extend(self._thinking(block, str(delta.get("thinking") or "")))
        elif kind == "signature_delta" and block is not None:
            block.signature += str(delta.get("signature") or "")
        return out

    def _block_stop(self, data: dict[str, Any]) -> list[Chunk]:
        block = self.blocks.pop(int(data.get("index") or 0), None)
        return self._close(block) if block is not None else []

    def _message_delta(self, data: dict[str, Any]) -> list[Chunk]:
        out = self._started()
        out.extend(self._close_all())
        if isinstance(data.get("usage"), dict):
            self._merge_usage(data["usage"])
        reason = (data.get("delta") or {}).get("stop_reason")
        if reason and self.stop_reason is None:
            self.stop_reason = reason
            out.append(self._maker().finish(finish_reason(reason)))
        return out

    def _message_stop(self, data: dict[str, Any]) -> list[Chunk]:
        out = self._started()
        out.extend(self._close_all())
        maker = self._maker()
        if self.stop_reason is None:  # no message_delta: still tell the client it is over
            self.stop_reason = "end_turn"
            out.append(maker.finish("tool_calls" if self.tool_count else "stop"))
        if self.usage:
            out.append(maker.usage(openai_usage(self.usage)))
        self.finished = True
        self._remember_thinking()
        return out

    def _error(self, data: dict[str, Any]) -> list[Chunk]:
        raise error_from_anthropic(self.provider, 502, data, {})

    # -- helpers ----------------------------------------------------------------------------

    def _maker(self) -> ChunkMaker:
        if self.maker is None:
            self.maker = ChunkMaker(self.fallback_model)
        return self.maker

    def _started(self) -> list[Chunk]:
        """The role chunk, when a gateway sent content before (or without) message_start."""
        if self.maker is not None:
            return []
        return [self._maker().role()]

    def _name(self, name: str) -> str:
        return self.tool_names.get(name, name)

    def _thinking(self, block: _Block, text: str) -> list[Chunk]:
        if not text:
            return []
        block.thinking.append(text)
        return [self._maker().reasoning(text)] if self.reasoning else []

    def _arguments(self, block: _Block | None, fragment: str, data: dict[str, Any]) -> list[Chunk]:
        if block is None or block.kind != "tool_use":
            raise UpstreamProtocolError(
                f"{self.provider} sent tool arguments for content block "
                f"{data.get('index')!r}, which is not an open tool_use block",
                provider=self.provider,
            )
        if not fragment:
            return []
        block.sent_arguments = True
        return [self._maker().tool_call_arguments(block.tool_index, fragment)]

    def _close(self, block: _Block) -> list[Chunk]:
        if block.kind != "tool_use" or block.sent_arguments:
            return []
        # No input_json_delta carried anything: the whole input came in content_block_start
        # (some gateways), or the tool takes no arguments. OpenAI clients expect "{}".
        block.sent_arguments = True
        whole = block.start_input if isinstance(block.start_input, dict) else {}
        return [self._maker().tool_call_arguments(block.tool_index, orjson.dumps(whole).decode())]

    def _close_all(self) -> list[Chunk]:
        out: list[Chunk] = []
        for index in sorted(self.blocks):
            out.extend(self._close(self.blocks.pop(index)))
        return out

    def _merge_usage(self, usage: Mapping[str, Any]) -> None:
        # message_delta usage is cumulative; a gateway may leave fields out or null them, so a
        # missing or null field keeps the count message_start gave.
        for key, value in usage.items():
            if isinstance(value, int) and not isinstance(value, bool):
                self.usage[key] = value

    def _remember_thinking(self) -> None:
        if self.remember is None or not self.tool_ids or not self.thinking_blocks:
            return
        blocks: list[dict[str, Any]] = []
        for block in self.thinking_blocks:
            if block.kind == "redacted_thinking" and block.data:
                blocks.append({"type": "redacted_thinking", "data": block.data})
            elif block.signature:
                thinking = "".join(block.thinking)
                blocks.append(
                    {"type": "thinking", "thinking": thinking, "signature": block.signature}
                )
        if blocks:
            self.remember(self.tool_ids[0], blocks)
