"""A fake Gemini API (`/v1beta/models/{model}:generateContent` and `:streamGenerateContent`).

It validates requests as the real API does on every point the router is responsible for:
the key in `x-goog-api-key` (and never in the URL), known field names only (the real API
answers "Invalid JSON payload received. Unknown name ..."), `user`/`model` roles with
non-empty parts, one data field per part, function responses that answer the calls of the
model turn just before them by name and count, tool schemas in the OpenAPI subset, and —
for thinking models — the `thoughtSignature` each replayed call was issued with.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from aiohttp import web

from tests.fakes import FakeUpstream, Reply, fixture

_PATH = re.compile(
    r"^/v1beta/models/(?P<model>[\w.-]+):(?P<method>generateContent|streamGenerateContent)$"
)
_TOP = {
    "contents",
    "systemInstruction",
    "tools",
    "toolConfig",
    "generationConfig",
    "safetySettings",
    "cachedContent",
}
_DATA = {
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
}
_PART = _DATA | {"thought", "thoughtSignature", "videoMetadata"}
_GENERATION = {
    "stopSequences",
    "responseMimeType",
    "responseSchema",
    "candidateCount",
    "maxOutputTokens",
    "temperature",
    "topP",
    "topK",
    "seed",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
    "thinkingConfig",
}
_SCHEMA = {
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
DUMMY_SIGNATURES = {"skip_thought_signature_validator", "context_engineering_is_the_way_to_go"}
Problem = tuple[int, str]


class Invalid(Exception):
    pass


class GeminiFake(FakeUpstream):
    def __init__(self, *, require_key: str = "g-test-key", thinking: bool = False) -> None:
        super().__init__(self._default)
        self.require_key = require_key
        self.thinking = thinking
        self.issued: set[str] = set()

    def _default(self, body: Any) -> Reply:
        if self.seen[-1].path.endswith(":streamGenerateContent"):
            return Reply("sse", fixture("google/text.sse"))
        return Reply("json", fixture("google/completion.json"))

    def queue(self, *replies: Reply) -> None:
        for reply in replies:  # remember what the "model" signed, to check replays
            found = re.findall(rb'"thoughtSignature":\s*"([^"]+)"', reply.body)
            self.issued.update(sig.decode() for sig in found)
        super().queue(*replies)

    def reject(self, status: int, reason: str) -> web.Response:
        names = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
        error = {"code": status, "message": reason, "status": names.get(status, "UNKNOWN")}
        return web.json_response({"error": error}, status=status)

    def validate(self, request: web.Request, body: Any) -> Problem | None:
        match = _PATH.match(request.path)
        if request.method != "POST" or match is None:
            return 404, f"Requested entity was not found: {request.path}"
        if "key" in request.query:
            return 400, "the router must never put the API key in the URL"
        if match["method"] == "streamGenerateContent" and request.query.get("alt") != "sse":
            return 400, "streaming without alt=sse answers a JSON array, not SSE"
        if request.headers.get("x-goog-api-key") != self.require_key:
            return 400, "API key not valid. Please pass a valid API key."
        if request.content_type != "application/json" or not isinstance(body, dict):
            return 400, "Invalid JSON payload received."
        try:
            self._body(body)
        except Invalid as exc:
            return 400, str(exc)
        return None

    def _body(self, body: dict[str, Any]) -> None:
        unknown = set(body) - _TOP
        if unknown:
            raise Invalid(f'Invalid JSON payload received. Unknown name "{min(unknown)}"')
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise Invalid("* GenerateContentRequest.contents: contents is not specified")
        previous: dict[str, Any] | None = None
        for i, content in enumerate(contents):
            self._content(content, i, previous)
            previous = content
        system = body.get("systemInstruction")
        if system is not None:
            self._parts(system.get("parts"), "systemInstruction")
        for tool in body.get("tools") or ():
            for j, decl in enumerate(tool.get("functionDeclarations") or ()):
                self._declaration(decl, j)
        self._tool_config(body.get("toolConfig"))
        generation = body.get("generationConfig") or {}
        unknown = set(generation) - _GENERATION
        if unknown:
            raise Invalid(f"Unknown name \"{min(unknown)}\" at 'generation_config'")
        if "responseSchema" in generation:
            _schema(generation["responseSchema"], "generation_config.response_schema")

    def _content(self, content: Any, i: int, previous: dict[str, Any] | None) -> None:
        where = f"contents[{i}]"
        if not isinstance(content, dict) or content.get("role") not in ("user", "model"):
            raise Invalid(f"Please use a valid role: user, model. ({where})")
        if previous is not None and previous["role"] == content["role"]:
            raise Invalid(f"{where}: consecutive turns of role {content['role']}")
        parts = self._parts(content.get("parts"), where)
        calls = [p["functionCall"] for p in parts if "functionCall" in p]
        if calls and self.thinking:
            signature = next(
                (p.get("thoughtSignature") for p in parts if "functionCall" in p), None
            )
            if signature not in self.issued and signature not in DUMMY_SIGNATURES:
                raise Invalid(
                    f"Function call `{calls[0]['name']}` in the {i + 1}. content block is "
                    "missing a `thought_signature`."
                )
        responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
        if responses:
            self._responses(responses, previous, where)

    def _responses(
        self, responses: list[dict[str, Any]], previous: dict[str, Any] | None, where: str
    ) -> None:
        calls = [
            p["functionCall"] for p in (previous or {}).get("parts", ()) if "functionCall" in p
        ]
        if not calls:
            raise Invalid(
                "Please ensure that function response turn comes immediately after a "
                f"function call turn. ({where})"
            )
        if len(calls) != len(responses):
            raise Invalid(
                "Please ensure that the number of function response parts is equal to the "
                f"number of function call parts of the function call turn. ({where})"
            )
        if sorted(c["name"] for c in calls) != sorted(r["name"] for r in responses):
            raise Invalid(f"function response names do not match the calls ({where})")

    def _parts(self, parts: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(parts, list) or not parts:
            raise Invalid(f"* {where}.parts: contents.parts must not be empty.")
        for j, part in enumerate(parts):
            _part(part, f"{where}.parts[{j}]")
        return parts

    def _declaration(self, decl: Any, j: int) -> None:
        where = f"tools[0].function_declarations[{j}]"
        if not isinstance(decl, dict) or not _NAME.match(str(decl.get("name", ""))):
            raise Invalid(f"* {where}.name: Invalid function name.")
        unknown = set(decl) - {"name", "description", "parameters", "response"}
        if unknown:
            raise Invalid(f"Unknown name \"{min(unknown)}\" at '{where}'")
        if "parameters" in decl:
            params = decl["parameters"]
            _schema(params, f"{where}.parameters")
            if str(params.get("type", "")).lower() == "object" and not params.get("properties"):
                raise Invalid(
                    f"* {where}.parameters.properties: should be non-empty for OBJECT type"
                )

    def _tool_config(self, config: Any) -> None:
        if config is None:
            return
        fcc = config.get("functionCallingConfig") or {}
        if fcc.get("mode") not in ("AUTO", "ANY", "NONE", "VALIDATED"):
            raise Invalid("Invalid value at 'tool_config.function_calling_config.mode'")
        if "allowedFunctionNames" in fcc and fcc["mode"] != "ANY":
            raise Invalid("allowed_function_names may only be set when mode is ANY")


def _part(part: Any, where: str) -> None:
    if not isinstance(part, dict):
        raise Invalid(f"{where} must be an object")
    unknown = set(part) - _PART
    if unknown:
        raise Invalid(
            f"Invalid JSON payload received. Unknown name \"{min(unknown)}\" at '{where}'"
        )
    data = set(part) & _DATA
    if len(data) != 1:
        raise Invalid(f"{where}: a part must have exactly one data field, got {sorted(data)}")
    if "text" in part and not isinstance(part["text"], str):
        raise Invalid(f"{where}.text must be a string")
    if "inlineData" in part:
        inline = part["inlineData"]
        try:
            base64.b64decode(inline["data"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise Invalid(f"{where}.inline_data: invalid base64 data") from exc
        if not inline.get("mimeType"):
            raise Invalid(f"{where}.inline_data.mime_type is required")
    if "fileData" in part and not part["fileData"].get("fileUri"):
        raise Invalid(f"{where}.file_data.file_uri is required")
    if "functionCall" in part:
        call = part["functionCall"]
        if not isinstance(call.get("name"), str) or not isinstance(call.get("args", {}), dict):
            raise Invalid(f"{where}.function_call: name and object args required")
    if "functionResponse" in part:
        resp = part["functionResponse"]
        if not _NAME.match(str(resp.get("name", ""))) or not isinstance(resp.get("response"), dict):
            raise Invalid(
                f"{where}.function_response: a valid name and an object response required"
            )


def _schema(schema: Any, where: str) -> None:
    if not isinstance(schema, dict):
        raise Invalid(f"{where} must be an object")
    for key, value in schema.items():
        if key not in _SCHEMA:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}'")
        if key == "properties":
            for name, sub in value.items():
                _schema(sub, f"{where}.properties[{name}]")
        elif key == "items":
            _schema(value, f"{where}.items")
        elif key == "anyOf":
            for k, sub in enumerate(value):
                _schema(sub, f"{where}.any_of[{k}]")
        elif key == "enum" and not all(isinstance(v, str) for v in value):
            raise Invalid(f"{where}.enum: only strings are allowed")
        elif key == "type" and not isinstance(value, str):
            raise Invalid(f"{where}.type: must be a single type name")
        elif (
            key == "format"
            and schema.get("type", "").lower() == "string"
            and value
            not in (
                "enum",
                "date-time",
            )
        ):
            raise Invalid(f"{where}.format: only 'enum' and 'date-time' are supported for STRING")
