"""The Gemini stream translator against recorded streams, split at every byte offset."""

from __future__ import annotations

import pytest

from llmrouter.chunks import Chunk, completion_of
from llmrouter.errors import UpstreamError, UpstreamProtocolError
from llmrouter.providers.google.stream import GeminiTranslator
from llmrouter.sse import SSEDecoder
from tests.fakes import fixture
from tests.replay import every_split as split_everywhere
from tests.replay import replay as replayed


def replay(data: bytes, cuts: list[int], remembered: dict[str, str] | None = None) -> list[Chunk]:
    """Feed `data` cut at `cuts`; signatures remembered into `remembered`."""
    memory = remembered if remembered is not None else {}
    translator = GeminiTranslator("google", "gemini-2.5-flash", remember=memory.__setitem__)
    return replayed(data, cuts, SSEDecoder(), translator)


def every_split(name: str) -> list[Chunk]:
    return split_everywhere(fixture(name), replay)


def test_text_stream() -> None:
    chunks = every_split("google/text.sse")
    out = completion_of(chunks)
    assert out["choices"][0]["message"]["content"] == "Hello! How can I help you today? ü€👋"
    assert out["choices"][0]["finish_reason"] == "stop"
    assert out["model"] == "gemini-2.5-flash"
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 8,
        "completion_tokens": 11,
        "total_tokens": 19,
        "prompt_tokens_details": {"cached_tokens": 4},
    }


def test_parallel_tool_calls_get_their_own_index_and_unique_ids() -> None:
    chunks = every_split("google/tools.sse")
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks[1:4]]
    assert [c["index"] for c in calls] == [0, 1, 2]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_weather", "get_time"]
    assert calls[1]["function"]["arguments"] == '{"location":"Tokyo, JP"}'
    assert chunks[4]["choices"][0]["finish_reason"] == "tool_calls"
    translator = GeminiTranslator("google", "m", remember=lambda k, v: None)
    ids = {
        call["id"]
        for event in SSEDecoder().decode(fixture("google/tools.sse"))
        for c in translator.feed(event)
        for call in c["choices"][0]["delta"].get("tool_calls", [])
        if c["choices"]
    }
    assert len(ids) == 3, "same tool called twice must not share an id"


def test_thinking_becomes_reasoning_and_signature_is_kept_under_the_call_id() -> None:
    every_split("google/thinking_tools.sse")
    memory: dict[str, str] = {}
    decoder = SSEDecoder()
    translator = GeminiTranslator("google", "m", remember=memory.__setitem__)
    chunks = [
        c for e in decoder.decode(fixture("google/thinking_tools.sse")) for c in translator.feed(e)
    ]
    chunks += translator.finish()
    out = completion_of(chunks)
    message = out["choices"][0]["message"]
    assert message["reasoning_content"].startswith("**Locating the file**")
    call = message["tool_calls"][0]
    assert list(memory) == [call["id"]]
    assert memory[call["id"]].startswith("CiQB0e2K")
    assert out["model"] == "gemini-2.5-pro"
    assert out["usage"]["completion_tokens"] == 55
    assert out["usage"]["completion_tokens_details"] == {"reasoning_tokens": 40}


def test_reasoning_dropped_when_server_hides_it() -> None:
    translator = GeminiTranslator("google", "m", remember=lambda k, v: None, reasoning=False)
    chunks = [
        c
        for e in SSEDecoder().decode(fixture("google/thinking_tools.sse"))
        for c in translator.feed(e)
    ]
    assert "reasoning_content" not in completion_of(chunks)["choices"][0]["message"]


def test_max_tokens_is_length() -> None:
    out = completion_of(every_split("google/length.sse"))
    assert out["choices"][0]["finish_reason"] == "length"
    assert out["choices"][0]["message"]["content"] == "Once upon a time, there was"


def test_blocked_prompt_is_a_content_filter_finish() -> None:
    chunks = every_split("google/safety.sse")
    assert chunks[-2]["choices"][0]["finish_reason"] == "content_filter"
    assert completion_of(chunks)["usage"]["prompt_tokens"] == 12


def test_safety_stop_midstream_is_content_filter() -> None:
    out = completion_of(every_split("google/safety_midstream.sse"))
    assert out["choices"][0]["finish_reason"] == "content_filter"
    assert out["choices"][0]["message"]["content"] == "Here is"


def test_error_event_raises_the_matching_status() -> None:
    data = fixture("google/error_midstream.sse")
    for i in range(1, len(data)):
        with pytest.raises(UpstreamError) as info:
            replay(data, [i])
        assert info.value.status == 503 and "overloaded" in info.value.message


def test_cut_stream_is_a_protocol_error() -> None:
    data = fixture("google/text.sse")
    cut = data[: data.rindex(b"data:")]
    with pytest.raises(UpstreamProtocolError):
        replay(cut, [])
