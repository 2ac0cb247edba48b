"""A local estimate of a Messages request's input tokens, for `count_tokens` and for the
`input_tokens` of `message_start` (the upstream's own count only comes at the end).

Heuristic, no tokenizer: about 3.5 characters of English or code per token (Anthropic's docs
put a token at ~3.5 characters), a few tokens per message and per tool for the framing, and
a flat cost per image ("tokens = (width px * height px)/750", about 1,600 for a full-size
image, whose size is not read here). Pure; no I/O.
"""

from __future__ import annotations

from typing import Any

import orjson

CHARS_PER_TOKEN = 3.5
PER_MESSAGE = 4
PER_TOOL = 8
PER_IMAGE = 1600
BINARY = ("image", "document")


def estimate_input_tokens(body: dict[str, Any]) -> int:
    chars = _chars(body.get("system"))
    images = 0
    messages = body.get("messages") or []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        chars += _chars(content)
        images += _images(content)
    tools = body.get("tools") or []
    chars += len(orjson.dumps(tools)) if tools else 0
    framing = PER_MESSAGE * len(messages) + PER_TOOL * len(tools)
    return max(1, round(chars / CHARS_PER_TOKEN) + framing + PER_IMAGE * images)


def _chars(content: Any) -> int:
    if isinstance(content, str):
        return len(content)
    if not isinstance(content, list):
        return 0
    total = 0
    for block in content:
        if not isinstance(block, dict) or block.get("type") in BINARY:
            continue
        for key in ("text", "thinking"):
            if isinstance(block.get(key), str):
                total += len(block[key])
        if "input" in block:
            total += len(orjson.dumps(block["input"]))
        if "content" in block:
            total += _chars(block["content"])
    return total


def _images(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(
        1 if b.get("type") in BINARY else _images(b.get("content"))
        for b in content
        if isinstance(b, dict)
    )
