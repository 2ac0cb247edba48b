"""AnthropicEgress against recorded upstream streams: every provider's translator, then the
egress, the bytes split at every offset; the output is the same each time and passes the
grammar validator."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from llmrouter.chunks import ChunkMaker, make_usage
from llmrouter.config import ModelRef, parse_config
from llmrouter.errors import UpstreamError
from llmrouter.ingress.egress import AnthropicEgress, to_anthropic_message
from llmrouter.providers import RequestContext, make_provider
from tests.fakes import fixture
from tests.ingress.grammar import check_stream, message_of

PROVIDERS: dict[str, dict[str, Any]] = {
    "openai": {"type": "openai", "base_url": "http://x/v1", "api_key": "k"},
    "kimi": {"type": "openai", "base_url": "http://x/v1", "api_key": "k"},
    "google": {"type": "google", "base_url": "http://x", "api_key": "k"},
    "ollama": {"type": "ollama", "base_url": "http://x"},
    "anthropic": {"type": "anthropic", "base_url": "http://x", "api_key": "k"},
}
STREAMS = [
    ("openai", "openai/text.sse"),
    ("openai", "openai/tools.sse"),
    ("kimi", "kimi/reasoning_tools.sse"),
    ("google", "google/text.sse"),
    ("google", "google/tools.sse"),
    ("google", "google/thinking_tools.sse"),
    ("ollama", "ollama/text.ndjson"),
    ("ollama", "ollama/tools.ndjson"),
    ("ollama", "ollama/thinking.ndjson"),
    ("anthropic", "anthropic/text.sse"),
    ("anthropic", "anthropic/tools.sse"),
    ("anthropic", "anthropic/thinking_tools.sse"),
]
_IDS = re.compile(rb'"id":"[^"]*"')


def translate(name: str, pieces: list[bytes], ids: dict[str, str] | None = None) -> bytes:
    config = parse_config({"providers": {name: PROVIDERS[name]}}, {})
    provider = make_provider(config.providers[name])
    assert provider is not None
    ctx = RequestContext(ref=ModelRef(name, "m"), stream=True)
    decoder, translator = provider.decoder(), provider.translator(ctx)
    remember = (lambda a, b: ids.__setitem__(a, b)) if ids is not None else None
    egress = AnthropicEgress(model="m", input_tokens=7, remember=remember)
    out = b""
    for piece in pieces:
        for event in decoder.decode(piece):
            out += egress.encode(translator.feed(event))
    for event in decoder.flush():
        out += egress.encode(translator.feed(event))
    return out + egress.encode(translator.finish()) + egress.done()


@pytest.mark.parametrize(("name", "path"), STREAMS)
def test_same_valid_events_at_every_split(name: str, path: str) -> None:
    data = fixture(path)
    whole = _IDS.sub(b'"id":"x"', translate(name, [data]))
    check_stream(whole)
    step = max(1, len(data) // 400)  # every offset for small fixtures; bounded for big ones
    for i in range(1, len(data), step):
        got = _IDS.sub(b'"id":"x"', translate(name, [data[:i], data[i:]]))
        assert got == whole, f"{path} split at {i}"


def test_streamed_tool_arguments_arrive_as_input_json_deltas() -> None:
    events = check_stream(translate("openai", [fixture("openai/tools.sse")]))
    fragments = [
        e["delta"]["partial_json"]
        for e in events
        if e["type"] == "content_block_delta" and e["index"] == 0
    ]
    assert fragments == ['{"lo', "cation", '": "Par', 'is, FR"}']
    message = message_of(events)
    assert [b["input"] for b in message["content"]] == [
        {"location": "Paris, FR"},
        {"tz": "Europe/Paris"},
    ]
    assert message["stop_reason"] == "tool_use"
    assert message["usage"] == {"input_tokens": 82, "output_tokens": 48}


def test_kimi_ids_are_rewritten_and_remembered_and_usage_in_the_choice_is_read() -> None:
    ids: dict[str, str] = {}
    events = check_stream(translate("kimi", [fixture("kimi/reasoning_tools.sse")], ids))
    message = message_of(events)
    thinking, tool = message["content"]
    assert thinking["type"] == "thinking" and thinking["thinking"].startswith("The user wants")
    assert re.fullmatch(r"[a-zA-Z0-9_-]+", tool["id"]) and ids == {tool["id"]: "functions.read:0"}
    assert tool["input"] == {"path": "notes.txt"}
    assert message["usage"] == {
        "input_tokens": 55,
        "output_tokens": 42,
        "cache_read_input_tokens": 256,
    }


def test_message_start_carries_the_input_estimate_and_the_real_model() -> None:
    events = check_stream(translate("openai", [fixture("openai/text.sse")]))
    start = events[0]["message"]
    assert start["usage"]["input_tokens"] == 7 and start["model"] == "gpt-4o-mini-2024-07-18"


def test_message_delta_waits_for_usage_sent_after_the_finish_chunk() -> None:
    maker = ChunkMaker("m")
    egress = AnthropicEgress(model="m")
    early = egress.encode([maker.role(), maker.content("hi"), maker.finish("stop")])
    assert b"message_delta" not in early and b"content_block_stop" in early
    late = egress.encode([maker.usage(make_usage(3, 2))])
    assert b'"output_tokens":2' in late and late.endswith(b'{"type":"message_stop"}\n\n')
    assert egress.done() == b""
    check_stream(early + late)


def test_a_stream_without_usage_still_ends_properly() -> None:
    maker = ChunkMaker("m")
    egress = AnthropicEgress(model="m")
    data = egress.encode([maker.role(), maker.reasoning("hm"), maker.content("x")])
    events = check_stream(data + egress.done())
    assert [e["type"] for e in events if e["type"] == "content_block_start"] == [
        "content_block_start"
    ] * 2
    assert events[-2]["delta"]["stop_reason"] == "end_turn"


def test_an_upstream_error_mid_stream_is_one_error_event() -> None:
    maker = ChunkMaker("m")
    egress = AnthropicEgress(model="m")
    data = egress.encode([maker.role(), maker.content("par")])
    error = UpstreamError("overloaded", provider="p", status=503, code="overloaded")
    events = check_stream(data + egress.error(error))
    assert events[-1] == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "overloaded"},
    }


def test_a_whole_completion_becomes_a_message() -> None:
    completion = json.loads(fixture("openai/tools_completion.json"))
    message = to_anthropic_message(completion)
    assert message["type"] == "message" and message["stop_reason"] == "tool_use"
    assert [b["type"] for b in message["content"]] == ["tool_use"] * len(
        completion["choices"][0]["message"]["tool_calls"]
    )
    assert all(isinstance(b["input"], dict) for b in message["content"])
