"""The Ollama NDJSON decoder and translator against recorded streams, split at every byte."""

from __future__ import annotations

import pytest

from llmrouter.chunks import Chunk, completion_of
from llmrouter.errors import UpstreamError, UpstreamProtocolError
from llmrouter.ndjson import NDJSONDecoder
from llmrouter.providers.ollama import OllamaTranslator
from tests.fakes import fixture
from tests.replay import every_split as split_everywhere
from tests.replay import replay as replayed


def replay(data: bytes, cuts: list[int], reasoning: bool = True) -> list[Chunk]:
    translator = OllamaTranslator("local", "qwen2.5:7b", reasoning=reasoning)
    return replayed(data, cuts, NDJSONDecoder(), translator)


def every_split(name: str) -> list[Chunk]:
    return split_everywhere(fixture(name), replay)


def test_text() -> None:
    chunks = every_split("ollama/text.ndjson")
    out = completion_of(chunks)
    assert out["choices"][0]["message"]["content"] == "Hello! How can I help you today? ü€👋"
    assert out["choices"][0]["finish_reason"] == "stop" and out["model"] == "qwen2.5:7b"
    assert chunks[-1]["usage"] == {"prompt_tokens": 26, "completion_tokens": 12, "total_tokens": 38}


def test_parallel_tool_calls_have_unique_ids_and_finish_tool_calls() -> None:
    chunks = every_split("ollama/tools.ndjson")
    out = completion_of(chunks)
    calls = out["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_weather", "get_time"]
    assert calls[1]["function"]["arguments"] == '{"location":"Tokyo, JP"}'
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    translator = OllamaTranslator("local", "m")
    ids = {
        call["id"]
        for line in NDJSONDecoder().decode(fixture("ollama/tools.ndjson"))
        for c in translator.feed(line)
        if c["choices"]
        for call in c["choices"][0]["delta"].get("tool_calls", [])
    }
    assert len(ids) == 3


def test_thinking_is_reasoning_content() -> None:
    out = completion_of(every_split("ollama/thinking.ndjson"))
    message = out["choices"][0]["message"]
    assert message["reasoning_content"] == "The user wants the file; call read."
    assert message["tool_calls"][0]["function"]["arguments"] == '{"path":"notes.txt"}'
    assert out["model"] == "qwen3:8b"
    hidden = completion_of(replay(fixture("ollama/thinking.ndjson"), [], reasoning=False))
    assert "reasoning_content" not in hidden["choices"][0]["message"]


def test_length() -> None:
    out = completion_of(every_split("ollama/length.ndjson"))
    assert out["choices"][0]["finish_reason"] == "length"


def test_error_line_raises() -> None:
    data = fixture("ollama/error.ndjson")
    for i in range(1, len(data)):
        with pytest.raises(UpstreamError) as info:
            replay(data, [i])
        assert "unexpected EOF" in info.value.message


def test_cut_stream_is_a_protocol_error() -> None:
    data = fixture("ollama/text.ndjson")
    with pytest.raises(UpstreamProtocolError):
        replay(data[: data.rindex(b'{"model"')], [])


def test_decoder_keeps_a_last_line_without_newline_and_skips_blanks() -> None:
    decoder = NDJSONDecoder()
    assert decoder.decode(b'{"a":1}\r\n\n{"b"') == [b'{"a":1}']
    assert decoder.decode(b":2}") == []
    assert decoder.flush() == [b'{"b":2}']
    assert decoder.flush() == []
