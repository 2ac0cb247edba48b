"""Reading a streamed answer through the official `openai` SDK, as the tests that use it do."""

from __future__ import annotations

from typing import Any

Calls = dict[int, dict[str, str]]


async def collect(stream: Any) -> tuple[str, Calls, str | None, list[Any]]:
    """The text, the tool calls (by index: id, name and arguments joined from their
    fragments), the last finish reason, and every chunk, from an SDK chat stream."""
    text, finish = "", None
    calls: Calls = {}
    chunks: list[Any] = []
    async for chunk in stream:
        chunks.append(chunk)
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            text += choice.delta.content or ""
            for call in choice.delta.tool_calls or []:
                slot = calls.setdefault(call.index, {"id": "", "name": "", "args": ""})
                slot["id"] += call.id or ""
                slot["name"] += (call.function and call.function.name) or ""
                slot["args"] += (call.function and call.function.arguments) or ""
    return text, calls, finish, chunks
