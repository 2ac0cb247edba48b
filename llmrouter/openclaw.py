"""OpenClaw compatibility (`--openclaw`): tell the model who it really is.

OpenClaw names the model in two places: the system prompt line
`Current model identity: <provider>/<id>.` and `model=<provider>/<id>` in the `Runtime:` line it
appends to user messages (older versions put `model=` in the system prompt). Both would name the
router (`router/llm-router`); this module rewrites them to the model that actually answers, as
`<provider>/<model id>`, whatever the user called the router in `openclaw.json`.
`default_model=` is left alone. Pure: returns a new body, sharing every untouched message.
"""

from __future__ import annotations

import re
from typing import Any

from llmrouter.config import ModelRef

_IDENTITY = re.compile(r"(Current model identity: )[^\s.]+(?:\.[^\s.]+)*?(?=\.?(\s|$))")
_RUNTIME_MODEL = re.compile(r"(?m)^(Runtime:.*?(?<![\w-])model=)[^\s|]+")


def rewrite_identity(body: dict[str, Any], ref: ModelRef) -> dict[str, Any]:
    """The request with OpenClaw's model identity lines naming `ref`."""
    name = f"{ref.provider}/{ref.model}"
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    out = [_rewrite_message(m, name) for m in messages]
    if all(a is b for a, b in zip(out, messages, strict=True)):
        return body
    return {**body, "messages": out}


def _rewrite_message(message: Any, name: str) -> Any:
    if not isinstance(message, dict) or message.get("role") not in ("system", "developer", "user"):
        return message
    content = message.get("content")
    if isinstance(content, str):
        new = _rewrite_text(content, name)
        return message if new == content else {**message, "content": new}
    if isinstance(content, list):
        parts = [
            {**p, "text": _rewrite_text(p["text"], name)}
            if isinstance(p, dict) and isinstance(p.get("text"), str)
            else p
            for p in content
        ]
        if any(a != b for a, b in zip(parts, content, strict=True)):
            return {**message, "content": parts}
    return message


def _rewrite_text(text: str, name: str) -> str:
    if "model" not in text:
        return text
    text = _IDENTITY.sub(lambda m: m.group(1) + name, text)
    return _RUNTIME_MODEL.sub(lambda m: m.group(1) + name, text)
