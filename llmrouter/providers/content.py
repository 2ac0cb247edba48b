"""Reading OpenAI message content and tool-call arguments, shared by the translating providers.

OpenAI content is a string, null, or a list of parts (`text`, `image_url`, ...). Providers that
translate it (Anthropic, Gemini, Ollama) read it through these functions so that every one of
them treats the same input the same way. Pure functions; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

import orjson

from llmrouter.errors import BadRequest

_DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?),(?P<data>.*)$", re.S
)


@dataclass(frozen=True, slots=True)
class Image:
    """An image part: inline (`media_type` + base64 `data`) or by `url`."""

    media_type: str = ""
    data: str = ""
    url: str = ""


def parts(content: Any) -> list[dict[str, Any]]:
    """Content as a list of parts; a plain string is one text part, null is none."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [p for p in content if isinstance(p, dict)]


def text_of(content: Any) -> str:
    """All text parts joined with newlines (images and other parts left out)."""
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") for p in parts(content) if p.get("type") == "text")


def image_of(part: dict[str, Any], where: str) -> Image:
    """An `image_url` part → Image; a malformed data URL is a 400 naming `where`."""
    ref = part.get("image_url")
    url = ref.get("url", "") if isinstance(ref, dict) else ref if isinstance(ref, str) else ""
    if url.startswith(("http://", "https://")):
        return Image(url=url)
    match = _DATA_URL.match(url)
    if match is None or ";base64" not in match.group("params"):
        raise BadRequest(f"'{where}' must be an http(s) URL or a base64 data: URL.", param=where)
    data = match.group("data").strip()
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(f"'{where}' has invalid base64 image data.", param=where) from exc
    return Image(media_type=(match.group("type") or "").lower(), data=data)


def call_arguments(function: dict[str, Any], where: str, upstream: str) -> dict[str, Any]:
    """An earlier tool call's arguments (OpenAI sends a JSON string) as the object `upstream`
    wants (Anthropic, Gemini and Ollama all do); `where` is the call, `messages[i].tool_calls[j]`.
    Absent or blank arguments are `{}`."""
    raw = function.get("arguments")
    field = f"{where}.function.arguments"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    try:
        value = orjson.loads(raw) if isinstance(raw, str) else raw
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"'{field}' is not valid JSON ({exc}); {upstream} needs the arguments of every "
            "earlier tool call as a JSON object.",
            param=field,
        ) from exc
    if not isinstance(value, dict):
        raise BadRequest(
            f"'{field}' must be a JSON object for {upstream}, got {type(value).__name__}.",
            param=field,
        )
    return value
