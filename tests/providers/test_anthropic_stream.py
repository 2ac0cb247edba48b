"""The Anthropic SSE translator against recorded streams, split at every byte offset."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from llmrouter.chunks import Accumulator, Chunk
from llmrouter.errors import UpstreamError, UpstreamProtocolError
from llmrouter.providers.anthropic.stream import AnthropicTranslator
from llmrouter.sse import SSEDecoder, SSEEvent
from tests.fakes import fixture

MODEL = "claude-sonnet-4-5-20250929"


def run(data: bytes, cuts: tuple[int, ...] = (), **kw: Any) -> list[Chunk]:
    """Decode and translate `data` delivered in pieces cut at `cuts`; ids/created blanked."""
    decoder, translator = SSEDecoder(), AnthropicTranslator("anthropic", "fallback", **kw)
    chunks: list[Chunk] = []
    bounds = [0, *cuts, len(data)]
    for start, end in itertools.pairwise(bounds):
        for event in decoder.decode(data[start:end]):
            chunks.extend(translator.feed(event))
    for event in decoder.flush():
        chunks.extend(translator.feed(event))
    chunks.extend(translator.finish())
    return [{**c, "id": "x", "created": 0} for c in chunks]


def deltas(chunks: list[Chunk]) -> list[Any]:
    return [c["choices"][0]["delta"] if c["choices"] else {"usage": c["usage"]} for c in chunks]


@pytest.mark.parametrize(
    "name", ["text.sse", "tools.sse", "thinking.sse", "thinking_tools.sse", "max_tokens.sse"]
)
def test_same_output_at_every_split(name: str) -> None:
    data = fixture(f"anthropic/{name}")
    whole = run(data)
    for cut in range(1, len(data)):
        assert run(data, (cut,)) == whole, f"split at byte {cut}"
    assert run(data, tuple(range(1, len(data)))) == whole  # one byte at a time


def test_error_event_raises_at_every_split() -> None:
    data = fixture("anthropic/error.sse")
    for cut in range(1, len(data)):
        with pytest.raises(UpstreamError) as info:
            run(data, (cut,))
        assert info.value.status == 503 and info.value.message == "Overloaded"


def test_text_stream() -> None:
    chunks = run(fixture("anthropic/text.sse"))
    assert {c["model"] for c in chunks} == {MODEL}
    assert deltas(chunks)[0] == {"role": "assistant", "content": ""}
    text = "".join(d.get("content") or "" for d in deltas(chunks))
    assert text == "Hello! How can I help you today? ü€👋"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    # prompt = input 12 + cache read 2048 + cache creation 100
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 2160,
        "completion_tokens": 15,
        "total_tokens": 2175,
        "prompt_tokens_details": {"cached_tokens": 2048},
    }


def test_tool_calls_keep_distinct_increasing_indexes() -> None:
    acc = Accumulator()
    chunks = run(fixture("anthropic/tools.sse"))
    for chunk in chunks:
        acc.feed(chunk)
    message = acc.result()["choices"][0]["message"]
    assert message["content"] == "I'll check the weather and the time."
    calls = message["tool_calls"]
    assert [c["id"] for c in calls] == [
        "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "toolu_01GhJ9bX2kLmN4pQrS6tUvWx",
        "toolu_01NoArgsZ8yKxN3vB6tR1pL4",
    ]
    assert [c["function"]["arguments"] for c in calls] == [
        '{"location": "Paris, FR"}',
        '{"tz": "Europe/Paris"}',
        "{}",  # a tool without arguments still gets a parseable object
    ]
    starts = [d["tool_calls"][0] for d in deltas(chunks) if "tool_calls" in d]
    assert starts[0] == {
        "index": 0,
        "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    assert [s["index"] for s in starts if "id" in s] == [0, 1, 2]
    assert acc.result()["choices"][0]["finish_reason"] == "tool_calls"
    assert acc.usage is not None and acc.usage["prompt_tokens"] == 472


def test_thinking_becomes_reasoning_content_and_can_be_dropped() -> None:
    chunks = run(fixture("anthropic/thinking.sse"))
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas(chunks))
    assert reasoning == "27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231."
    assert "".join(d.get("content") or "" for d in deltas(chunks)) == "27 × 453 = 12,231."
    quiet = run(fixture("anthropic/thinking.sse"), reasoning=False)
    assert not any("reasoning_content" in d for d in deltas(quiet))


def test_signed_thinking_before_tool_use_is_remembered() -> None:
    kept: dict[str, Any] = {}
    run(fixture("anthropic/thinking_tools.sse"), remember=kept.__setitem__)
    [(call_id, blocks)] = kept.items()
    assert call_id == "toolu_01ThinkCall7nL2mQpRsTuVw"
    assert blocks[0]["type"] == "thinking"
    assert blocks[0]["thinking"] == "I need the weather tool."
    assert blocks[0]["signature"].startswith("EqQBCgIYAhIM")


def test_max_tokens_is_length() -> None:
    chunks = run(fixture("anthropic/max_tokens.sse"))
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"


def test_stream_without_message_stop_is_an_error() -> None:
    data = fixture("anthropic/text.sse")
    cut = data.index(b"event: message_stop")
    with pytest.raises(UpstreamProtocolError):
        run(data[:cut])


def test_tool_names_mapped_back_to_client_spelling() -> None:
    chunks = run(fixture("anthropic/tools.sse"), tool_names={"get_weather": "Get_Weather"})
    names = [
        d["tool_calls"][0]["function"].get("name")
        for d in deltas(chunks)
        if "tool_calls" in d and "id" in d["tool_calls"][0]
    ]
    assert names == ["Get_Weather", "get_time", "list_cities"]


def event(kind: str, **data: Any) -> SSEEvent:
    return SSEEvent(kind, json.dumps({"type": kind, **data}))


def test_gateway_quirks_are_tolerated() -> None:
    """No message_start, no content_block_start for text, whole tool input in the start
    event, no content_block_stop, and usage only in message_delta (some gateways)."""
    t = AnthropicTranslator("gw", "claude-x")
    tool = {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}
    out: list[Chunk] = []
    for ev in [
        event("content_block_delta", index=0, delta={"type": "text_delta", "text": "Hi"}),
        event("content_block_start", index=1, content_block=tool),
        event(
            "message_delta",
            delta={"stop_reason": "tool_use"},
            usage={"input_tokens": 7, "output_tokens": 3},
        ),
        event("message_stop"),
    ]:
        out.extend(t.feed(ev))
    out.extend(t.finish())
    acc = Accumulator()
    for c in out:
        acc.feed(c)
    result = acc.result()
    assert out[0]["choices"][0]["delta"]["role"] == "assistant"
    assert result["model"] == "claude-x"
    assert result["choices"][0]["message"]["content"] == "Hi"
    assert result["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == '{"a":1}'
    assert result["usage"]["prompt_tokens"] == 7 and result["usage"]["completion_tokens"] == 3


def test_arguments_for_an_unknown_block_are_a_protocol_error() -> None:
    t = AnthropicTranslator("gw", "m")
    delta = {"type": "input_json_delta", "partial_json": "{"}
    with pytest.raises(UpstreamProtocolError, match="block 5"):
        t.feed(event("content_block_delta", index=5, delta=delta))


def test_unknown_events_and_deltas_are_ignored() -> None:
    t = AnthropicTranslator("gw", "m")
    assert t.feed(event("future_event")) == []
    t.feed(event("content_block_start", index=0, content_block={"type": "text", "text": ""}))
    citations = {"type": "citations_delta", "citation": {}}
    assert t.feed(event("content_block_delta", index=0, delta=citations)) == []
