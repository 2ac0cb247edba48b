"""A scripted stand-in for a model provider, for the end-to-end tests with real agent clients.

It answers on 127.0.0.1 in both OpenAI chat-completions SSE and Anthropic Messages SSE. What it
says depends on the conversation, so a real agent can run a full turn against it:
- the last real user request asks to read a file and no tool result has come back yet: it
  calls the client's read tool (`read` for OpenClaw, `Read` for Claude Code) on that file;
- a tool result has come back: it answers with the result's text quoted;
- otherwise: a fixed greeting.
It never answers every turn with a tool call, so an agent cannot loop on it.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from typing import Any

from aiohttp import web

GREETING = "Hello from the scripted model."
_READ = re.compile(r"read (?:the )?file ([\w./-]+)", re.I)
_WRAPPED = ("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>", "Image(s) from tool result")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return _text([content])
    if isinstance(content, list):
        return "\n".join(
            p.get("text", "") if p.get("type") == "text" else _text(p.get("content"))
            for p in content
            if isinstance(p, dict)
        )
    return ""


def plan(messages: list[dict[str, Any]], tool_names: list[str]) -> tuple[str, Any]:
    """("tool", (name, arguments)) or ("text", answer) for this conversation."""
    tool_result = None
    for message in reversed(messages):
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        if message.get("role") == "tool" or results:
            tool_result = tool_result or _text(
                content if message.get("role") == "tool" else results[0].get("content")
            )
            continue
        pieces = [_text(b) for b in blocks] if blocks else [_text(content)]
        text = "\n".join(p for p in pieces if not any(w in p for w in _WRAPPED))
        if message.get("role") != "user" or not text.strip():
            continue
        if tool_result is not None:
            return "text", f"The file says: {tool_result.strip()[:200]}"
        match = _READ.search(text)
        name = next((n for n in tool_names if n.lower() == "read"), None)
        if match and name:
            return "tool", (name, {("file_path" if name == "Read" else "path"): match.group(1)})
        return "text", GREETING
    return "text", GREETING


def _sse(obj: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(obj)}\n\n".encode()


async def chat_completions(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    names = [t["function"]["name"] for t in body.get("tools") or []]
    kind, value = plan(body["messages"], names)
    base = {
        "id": "chatcmpl-e2e",
        "object": "chat.completion.chunk",
        "created": 1764145200,
        "model": body["model"],
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    events = [chunk({"role": "assistant", "content": ""})]
    if kind == "tool":
        call = {
            "index": 0,
            "id": "call_" + uuid.uuid4().hex[:12],
            "type": "function",
            "function": {"name": value[0], "arguments": json.dumps(value[1])},
        }
        events += [chunk({"tool_calls": [call]}), chunk({}, "tool_calls")]
    else:
        events += [chunk({"content": value}), chunk({}, "stop")]
    events.append(
        _sse(
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )
    )
    events.append(b"data: [DONE]\n\n")
    return await _stream(request, events)


async def messages(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    names = [t["name"] for t in body.get("tools") or [] if "name" in t]
    kind, value = plan(body["messages"], names)
    message = {
        "id": "msg_e2e",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    }
    events = [_sse({"type": "message_start", "message": message}, "message_start")]
    if kind == "tool":
        block = {
            "type": "tool_use",
            "id": "toolu_" + uuid.uuid4().hex[:20],
            "name": value[0],
            "input": {},
        }
        delta = {"type": "input_json_delta", "partial_json": json.dumps(value[1])}
        stop = "tool_use"
    else:
        block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": value}
        stop = "end_turn"
    events += [
        _sse(
            {"type": "content_block_start", "index": 0, "content_block": block},
            "content_block_start",
        ),
        _sse({"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta"),
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
            "message_delta",
        ),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return await _stream(request, events)


async def _stream(request: web.Request, events: list[bytes]) -> web.StreamResponse:
    request.app["log"].append(request.path)
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    for event in events:
        await response.write(event)
    await response.write_eof()
    return response


def make_app() -> web.Application:
    app = web.Application()
    app["log"] = []
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/messages", messages)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
