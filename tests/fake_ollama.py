"""A fake Ollama server: native `POST /api/chat`, NDJSON streaming, no key.

It validates as the real server does where the router is responsible: known top-level
fields, roles, `content` as a string, `images` as bare base64 (not data: URLs), tool-call
`arguments` as an object ("json: cannot unmarshal string into Go struct field
ToolCallFunction.arguments"), tool results named with `tool_name`, and `options` with real
option names. A model that is not pulled is a 404 with Ollama's own message.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiohttp import web

from tests.fakes import FakeUpstream, Reply, fixture

_TOP = {"model", "messages", "tools", "format", "options", "stream", "keep_alive", "think"}
_ROLES = {"system", "user", "assistant", "tool"}
_OPTIONS = {
    "num_predict",
    "temperature",
    "top_p",
    "top_k",
    "stop",
    "seed",
    "num_ctx",
    "presence_penalty",
    "frequency_penalty",
    "repeat_penalty",
    "min_p",
}
Problem = tuple[int, str]


class Invalid(Exception):
    pass


class OllamaFake(FakeUpstream):
    def __init__(self, models: tuple[str, ...] = ("qwen2.5:7b", "qwen3:8b", "qwen2.5:3b")) -> None:
        super().__init__(self._default)
        self.models = set(models)

    def _default(self, body: Any) -> Reply:
        if body.get("stream", True):
            return Reply("sse", fixture("ollama/text.ndjson"), content_type="application/x-ndjson")
        return Reply("json", fixture("ollama/completion.json"))

    def reject(self, status: int, reason: str) -> web.Response:
        return web.json_response({"error": reason}, status=status)

    def validate(self, request: web.Request, body: Any) -> Problem | None:
        if request.method != "POST" or request.path != "/api/chat":
            return 404, "404 page not found"
        if "Authorization" in request.headers:
            return 400, "a local Ollama needs no key: the router must not invent one"
        if not isinstance(body, dict):
            return 400, "invalid character in request body"
        try:
            _body(body)
        except Invalid as exc:
            return 400, str(exc)
        if body["model"] not in self.models:
            return 404, f'model "{body["model"]}" not found, try pulling it first'
        return None


def _body(body: dict[str, Any]) -> None:
    unknown = set(body) - _TOP
    if unknown:
        raise Invalid(f"unknown field {min(unknown)!r} (the router sent a non-Ollama field)")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise Invalid("model is required")
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise Invalid("messages is required")
    called: set[str] = set()
    for i, message in enumerate(messages):
        _message(message, i, called)
    options = body.get("options") or {}
    unknown = set(options) - _OPTIONS
    if unknown:
        raise Invalid(f"invalid option provided: option={min(unknown)}")
    think = body.get("think")
    if think is not None and think not in (True, False, "low", "medium", "high"):
        raise Invalid(f"invalid think value: {think!r}")


def _message(message: Any, i: int, called: set[str]) -> None:
    if not isinstance(message, dict) or message.get("role") not in _ROLES:
        raise Invalid(f"messages[{i}]: invalid role")
    if not isinstance(message.get("content", ""), str):
        raise Invalid(
            "json: cannot unmarshal array into Go struct field Message.messages.content"
            " of type string"
        )
    for image in message.get("images") or ():
        try:
            base64.b64decode(image, validate=True)
        except (binascii.Error, TypeError) as exc:
            raise Invalid(f"messages[{i}]: illegal base64 data in images") from exc
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        if not isinstance(function.get("arguments"), dict):
            raise Invalid(
                "json: cannot unmarshal string into Go struct field ToolCallFunction.messages."
                "tool_calls.function.arguments of type api.ToolCallFunctionArguments"
            )
        called.add(function.get("name"))
    if message["role"] == "tool" and message.get("tool_name") not in called:
        raise Invalid(f"messages[{i}]: tool_name {message.get('tool_name')!r} matches no call")
