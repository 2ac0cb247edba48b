"""A validator for Anthropic Messages event streams, reusable by any test.

`check_stream(data)` decodes the SSE bytes and asserts the grammar every Anthropic client
relies on (Messages API, "Streaming messages"): exactly one `message_start`, first; content
blocks started at indexes 0, 1, 2, ... in order, never two open at once, each delta for the
open block and of its type, every started block stopped; then one `message_delta` with a
`stop_reason` and usage, then exactly one `message_stop`, last. An `error` event may end the
stream instead, at any point. Each event's `event:` name equals its data's `type`. Returns
the decoded events.
"""

from __future__ import annotations

import json
from typing import Any

from llmrouter.sse import SSEDecoder

DELTAS = {"text": "text_delta", "thinking": "thinking_delta", "tool_use": "input_json_delta"}
EXTRA_DELTAS = {"thinking": {"signature_delta"}}


def events_of(data: bytes) -> list[dict[str, Any]]:
    decoder = SSEDecoder()
    raw = decoder.decode(data) + decoder.flush()
    out = []
    for event in raw:
        payload = json.loads(event.data)
        assert event.event == payload["type"], f"event name {event.event} ≠ {payload['type']}"
        out.append(payload)
    return out


def check_stream(data: bytes) -> list[dict[str, Any]]:
    events = [e for e in events_of(data) if e["type"] != "ping"]
    assert events, "empty stream"
    if events[-1]["type"] == "error":
        body = events[:-1]
        assert body == [] or body[0]["type"] == "message_start"
        _blocks([e for e in body[1:] if e["type"].startswith("content_block")], complete=False)
        return events
    kinds = [e["type"] for e in events]
    assert kinds.count("message_start") == 1 and kinds[0] == "message_start", kinds
    assert kinds.count("message_stop") == 1 and kinds[-1] == "message_stop", kinds
    assert kinds.count("message_delta") == 1 and kinds[-2] == "message_delta", kinds
    start = events[0]["message"]
    assert start["role"] == "assistant" and start["content"] == [] and start["model"]
    assert isinstance(start["usage"]["input_tokens"], int)
    delta = events[-2]
    assert delta["delta"]["stop_reason"] in (
        "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"
    )  # fmt: skip
    assert isinstance(delta["usage"]["output_tokens"], int)
    _blocks(events[1:-2], complete=True)
    return events


def _blocks(events: list[dict[str, Any]], *, complete: bool) -> None:
    open_index: int | None = None
    open_kind = ""
    expected = 0
    for event in events:
        kind = event["type"]
        if kind == "content_block_start":
            assert open_index is None, f"block {event['index']} started while {open_index} open"
            assert event["index"] == expected, f"index {event['index']}, expected {expected}"
            open_index, open_kind = event["index"], event["content_block"]["type"]
            if open_kind == "tool_use":
                assert event["content_block"]["input"] == {}
            expected += 1
        elif kind == "content_block_delta":
            assert event["index"] == open_index, f"delta for {event['index']}, open {open_index}"
            allowed = {DELTAS[open_kind], *EXTRA_DELTAS.get(open_kind, ())}
            assert event["delta"]["type"] in allowed, (open_kind, event["delta"])
        elif kind == "content_block_stop":
            assert event["index"] == open_index, f"stop for {event['index']}, open {open_index}"
            open_index = None
        else:
            raise AssertionError(f"unexpected {kind} between message_start and message_delta")
    if complete:
        assert open_index is None, f"block {open_index} never stopped"


def message_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold a checked stream into the Message an SDK would build (tool inputs parsed)."""
    message = dict(events[0]["message"], content=[])
    partial: dict[int, str] = {}
    for event in events[1:]:
        kind = event["type"]
        if kind == "content_block_start":
            message["content"].append(dict(event["content_block"]))
        elif kind == "content_block_delta":
            block, delta = message["content"][event["index"]], event["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "input_json_delta":
                partial[event["index"]] = partial.get(event["index"], "") + delta["partial_json"]
        elif kind == "content_block_stop" and event["index"] in partial:
            message["content"][event["index"]]["input"] = json.loads(partial[event["index"]])
        elif kind == "message_delta":
            message["stop_reason"] = event["delta"]["stop_reason"]
            message["usage"] = {**message["usage"], **event["usage"]}
    return message
