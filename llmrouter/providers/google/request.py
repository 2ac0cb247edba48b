"""An OpenAI chat request → a Gemini `GenerateContentRequest` body.

Owns the mapping of messages, tools, tool choice and sampling parameters; parameter renames
are the tables at the top, only content conversion is code. It must not do I/O: http image
URLs are passed on as `fileData` for Gemini to fetch, never downloaded here. It reads the
thought-signature memory (filled by the stream translator) but never writes it.

Roles: `system`/`developer` → `systemInstruction`; `user` → user; `assistant` → model;
`tool` → a user turn of `functionResponse` parts. Gemini pairs a response with its call by
function name, so the name comes from the assistant call with the same id, whatever form
that id has (`call_...`, `toolu_...`, `functions.read:0`). Consecutive turns of one role
are merged: "Please ensure that function response turn comes immediately after a function
call turn" and the number of response parts must equal the number of call parts.
"""

from __future__ import annotations

import mimetypes
from typing import Any

import orjson

from llmrouter.errors import BadRequest
from llmrouter.providers.content import call_arguments, image_of, parts, text_of
from llmrouter.providers.google.schema import clean_schema, has_properties
from llmrouter.store import Store

Part = dict[str, Any]
Content = dict[str, Any]

# OpenAI parameter → Gemini `generationConfig` field, copied as is.
GENERATION_FIELDS = {
    "max_tokens": "maxOutputTokens",
    "max_completion_tokens": "maxOutputTokens",
    "temperature": "temperature",
    "top_p": "topP",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}
TOOL_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}
# reasoning_effort → (thinkingBudget for Gemini 2.5, thinkingLevel for Gemini 3).
THINKING = {
    "none": (0, "low"),
    "minimal": (0, "low"),
    "low": (1024, "low"),
    "medium": (8192, "high"),
    "high": (24576, "high"),
}
# "thinking budget must be at least 128" for models that cannot turn thinking off (2.5 Pro).
_MIN_BUDGET_PRO = 128


def to_gemini_request(
    body: dict[str, Any],
    model: str,
    *,
    signatures: Store[str],
    fallback_signature: str = "",
    include_thoughts: bool = True,
) -> dict[str, Any]:
    messages: list[dict[str, Any]] = body["messages"]
    system = [text_of(m.get("content")) for m in messages if m.get("role") in _SYSTEM]
    builder = _Contents(signatures, fallback_signature)
    for i, message in enumerate(messages):
        builder.add(message, f"messages[{i}]")
    out: dict[str, Any] = {"contents": builder.merged()}
    system_text = "\n\n".join(s for s in system if s)
    if system_text and out["contents"]:
        out["systemInstruction"] = {"parts": [{"text": system_text}]}
    elif system_text:  # "contents is not specified": a system-only request asks as the user
        out["contents"] = [{"role": "user", "parts": [{"text": system_text}]}]
    tools = _tools(body.get("tools"))
    if tools:
        out["tools"] = [{"functionDeclarations": tools}]
        config = _tool_config(body.get("tool_choice"))
        if config:
            out["toolConfig"] = {"functionCallingConfig": config}
    generation = generation_config(body, model, include_thoughts)
    if generation:
        out["generationConfig"] = generation
    return out


_SYSTEM = ("system", "developer")


class _Contents:
    """Builds the `contents` list message by message, remembering each call id's name."""

    def __init__(self, signatures: Store[str], fallback_signature: str) -> None:
        self.signatures = signatures
        self.fallback = fallback_signature
        self.names: dict[str, str] = {}
        self.turns: list[Content] = []

    def add(self, message: dict[str, Any], where: str) -> None:
        role = message.get("role")
        if role == "user":
            self._turn("user", _user_parts(message.get("content"), f"{where}.content"))
        elif role == "assistant":
            self._turn("model", self._model_parts(message, where))
        elif role in ("tool", "function"):
            self._turn("user", [self._response(message, where)])

    def _turn(self, role: str, new: list[Part]) -> None:
        if new:
            self.turns.append({"role": role, "parts": new})

    def merged(self) -> list[Content]:
        out: list[Content] = []
        for turn in self.turns:
            if out and out[-1]["role"] == turn["role"]:
                out[-1]["parts"].extend(turn["parts"])
            else:
                out.append({"role": turn["role"], "parts": list(turn["parts"])})
        return out

    def _model_parts(self, message: dict[str, Any], where: str) -> list[Part]:
        out: list[Part] = [{"text": text_of(message.get("content"))}]
        if not out[0]["text"]:
            out = []
        calls = message.get("tool_calls") or []
        legacy = message.get("function_call")
        if isinstance(legacy, dict) and not calls:
            calls = [{"id": legacy.get("name", ""), "function": legacy}]
        for j, call in enumerate(calls):
            out.append(self._call(call, j, f"{where}.tool_calls[{j}]"))
        return out

    def _call(self, call: dict[str, Any], j: int, where: str) -> Part:
        function = call.get("function") or {}
        name = str(function.get("name") or "")
        call_id = str(call.get("id") or "")
        self.names[call_id] = name
        args = call_arguments(function, where, "Gemini")
        part: Part = {"functionCall": {"name": name, "args": args}}
        signature = self.signatures.get(call_id) if call_id else None
        # "If you are transferring a conversation trace from another model ... set the
        # thoughtSignature to a dummy value" (Gemini thought-signatures guide): only the
        # first call of a step carries one.
        if signature is None and j == 0 and self.fallback:
            signature = self.fallback
        if signature:
            part["thoughtSignature"] = signature
        return part

    def _response(self, message: dict[str, Any], where: str) -> Part:
        call_id = message.get("tool_call_id")
        name = self.names.get(call_id) if isinstance(call_id, str) else None
        name = name or message.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest(
                f"'{where}.tool_call_id' {call_id!r} matches no earlier assistant tool call; "
                "Gemini needs the function name of every tool result.",
                param=f"{where}.tool_call_id",
            )
        return {"functionResponse": {"name": name, "response": _response_object(message)}}


def _user_parts(content: Any, where: str) -> list[Part]:
    out: list[Part] = []
    for j, part in enumerate(parts(content)):
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            out.append({"text": part["text"]})
        elif kind == "image_url":
            out.append(_image(part, f"{where}[{j}].image_url"))
        elif kind == "input_audio":
            out.append(_audio(part.get("input_audio"), f"{where}[{j}].input_audio"))
        elif kind == "file":
            out.append(_file(part.get("file"), f"{where}[{j}].file"))
    return out


def _image(part: dict[str, Any], where: str) -> Part:
    image = image_of(part, where)
    if image.url:
        # Passed by reference for Gemini to fetch; the router never downloads client URLs.
        mime = mimetypes.guess_type(image.url.split("?", 1)[0])[0] or "image/jpeg"
        return {"fileData": {"mimeType": mime, "fileUri": image.url}}
    if not image.media_type:
        raise BadRequest(f"'{where}' needs a media type (data:image/png;base64,...).", param=where)
    return {"inlineData": {"mimeType": image.media_type, "data": image.data}}


def _audio(audio: Any, where: str) -> Part:
    if not isinstance(audio, dict) or not isinstance(audio.get("data"), str):
        raise BadRequest(f"'{where}.data' must be base64 audio.", param=where)
    fmt = str(audio.get("format") or "wav")
    return {"inlineData": {"mimeType": f"audio/{fmt}", "data": audio["data"]}}


def _file(file: Any, where: str) -> Part:
    data = file.get("file_data") if isinstance(file, dict) else None
    if not isinstance(data, str):
        raise BadRequest(f"'{where}.file_data' must be a base64 data: URL.", param=where)
    image = image_of({"image_url": {"url": data}}, f"{where}.file_data")
    return {"inlineData": {"mimeType": image.media_type, "data": image.data}}


def _response_object(message: dict[str, Any]) -> dict[str, Any]:
    """`FunctionResponse.response` is a JSON object: a tool's JSON object result goes as is,
    anything else under "result"."""
    text = text_of(message.get("content"))
    if text.startswith("{"):
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
    return {"result": text}


def _tools(tools: Any) -> list[dict[str, Any]]:
    out = []
    for tool in tools or ():
        function = tool.get("function") or {}
        declaration: dict[str, Any] = {"name": function["name"]}
        if function.get("description"):
            declaration["description"] = function["description"]
        params = clean_schema(function.get("parameters"))
        if has_properties(params):  # "properties: should be non-empty for OBJECT type"
            declaration["parameters"] = params
        out.append(declaration)
    return out


def _tool_config(choice: Any) -> dict[str, Any] | None:
    if isinstance(choice, str):
        mode = TOOL_MODES.get(choice)
        if mode is None:
            raise BadRequest(f"'tool_choice' {choice!r} is not supported.", param="tool_choice")
        return {"mode": mode}
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if not isinstance(name, str):
            raise BadRequest("'tool_choice.function.name' must be a string.", param="tool_choice")
        return {"mode": "ANY", "allowedFunctionNames": [name]}
    return None


def generation_config(body: dict[str, Any], model: str, include_thoughts: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        field: body[key] for key, field in GENERATION_FIELDS.items() if body.get(key) is not None
    }
    if (body.get("n") or 1) > 1:
        raise BadRequest("'n' greater than 1 is not supported for Gemini.", param="n")
    stop = body.get("stop")
    if stop:
        out["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    out.update(_response_format(body.get("response_format")))
    effort = body.get("reasoning_effort")
    if effort is not None:
        out["thinkingConfig"] = _thinking(str(effort), model, include_thoughts)
    return out


def _response_format(fmt: Any) -> dict[str, Any]:
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        out: dict[str, Any] = {"responseMimeType": "application/json"}
        if isinstance(schema, dict):
            out["responseSchema"] = clean_schema(schema)
        return out
    return {}


def _thinking(effort: str, model: str, include_thoughts: bool) -> dict[str, Any]:
    if effort not in THINKING:
        raise BadRequest(
            f"'reasoning_effort' must be one of {', '.join(THINKING)}.", param="reasoning_effort"
        )
    budget, level = THINKING[effort]
    out: dict[str, Any] = {"includeThoughts": include_thoughts and budget > 0}
    if model.startswith("gemini-3"):
        out["thinkingLevel"] = level
    else:
        out["thinkingBudget"] = max(budget, _MIN_BUDGET_PRO) if "pro" in model else budget
    return out
