"""Checks an OpenAI chat request before anything is sent anywhere.

`parse_chat_request(data)` turns raw body bytes into the request dict or raises `BadRequest`
naming the offending field (`messages[2].role`). It checks the shape the router and the
providers rely on, and the types of the common parameters; it does not second-guess values
an upstream is better placed to judge. No I/O, no logging.
"""

from __future__ import annotations

from typing import Any

import orjson

from llmrouter.errors import BadRequest

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
PART_TYPES = frozenset({"text", "image_url", "input_audio", "file", "refusal"})
MAX_MESSAGES = 10_000
MAX_DEPTH = 64

_NUMBER = (int, float)
# Parameter → the JSON types it may have (None is always allowed: clients send explicit nulls).
_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "stream": (bool,),
    "temperature": _NUMBER,
    "top_p": _NUMBER,
    "n": (int,),
    "max_tokens": (int,),
    "max_completion_tokens": (int,),
    "presence_penalty": _NUMBER,
    "frequency_penalty": _NUMBER,
    "seed": (int,),
    "user": (str,),
    "stop": (str, list),
    "tools": (list,),
    "tool_choice": (str, dict),
    "parallel_tool_calls": (bool,),
    "response_format": (dict,),
    "stream_options": (dict,),
    "metadata": (dict,),
    "logprobs": (bool,),
    "top_logprobs": (int,),
    "logit_bias": (dict,),
    "reasoning_effort": (str,),
}
_JSON_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}


def parse_json_object(data: bytes) -> dict[str, Any]:
    """Raw body → a JSON object, or a `BadRequest` saying what it is instead."""
    if not data.strip():
        raise BadRequest("The request body is empty; send a JSON object.")
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def parse_chat_request(data: bytes) -> dict[str, Any]:
    """Raw body → request dict; every way it can be wrong is a `BadRequest`."""
    body = parse_json_object(data)
    # Each level opens a bracket: a body with few of them cannot be deep, and need not be walked.
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _depth(body) > MAX_DEPTH:
        raise BadRequest(f"The request is nested more than {MAX_DEPTH} levels deep.")
    for name, value in body.items():
        types = _PARAM_TYPES.get(name)
        if types is not None and value is not None and not _is(value, types):
            expected = " or ".join(_JSON_NAMES[t] for t in types if t in _JSON_NAMES)
            raise BadRequest(f"'{name}' must be {expected}.", param=name)
    check_messages(body.get("messages"))
    _check_tools(body.get("tools"))
    return body


def _is(value: Any, types: tuple[type, ...]) -> bool:
    # bool is an int in Python, not in JSON
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return deepest


def check_messages(messages: Any) -> None:
    if messages is None:
        raise BadRequest("'messages' is required.", param="messages")
    if not isinstance(messages, list):
        raise BadRequest("'messages' must be an array of message objects.", param="messages")
    if not messages:
        raise BadRequest("'messages' must contain at least one message.", param="messages")
    if len(messages) > MAX_MESSAGES:
        raise BadRequest(f"'messages' has more than {MAX_MESSAGES} messages.", param="messages")
    for i, message in enumerate(messages):
        _check_message(message, f"messages[{i}]")


def _check_message(message: Any, path: str) -> None:
    if not isinstance(message, dict):
        raise BadRequest(f"'{path}' must be an object.", param=path)
    role = message.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise BadRequest(
            f"'{path}.role' must be one of {', '.join(sorted(ROLES))}; got {role!r}.",
            param=f"{path}.role",
        )
    content = message.get("content")
    if content is None:
        if role in ("user", "system", "developer"):
            raise BadRequest(
                f"'{path}.content' is required for a {role} message.", param=f"{path}.content"
            )
    elif isinstance(content, list):
        for j, part in enumerate(content):
            _check_part(part, f"{path}.content[{j}]")
    elif not isinstance(content, str):
        raise BadRequest(
            f"'{path}.content' must be a string or an array of content parts.",
            param=f"{path}.content",
        )
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        raise BadRequest(
            f"'{path}.tool_call_id' is required for a tool message.", param=f"{path}.tool_call_id"
        )
    calls = message.get("tool_calls")
    if calls is not None:
        if role != "assistant" or not isinstance(calls, list):
            raise BadRequest(
                f"'{path}.tool_calls' must be an array on an assistant message.",
                param=f"{path}.tool_calls",
            )
        for j, call in enumerate(calls):
            _check_tool_call(call, f"{path}.tool_calls[{j}]")


def _check_part(part: Any, path: str) -> None:
    if not isinstance(part, dict) or not isinstance(part.get("type"), str):
        raise BadRequest(f"'{path}' must be an object with a 'type'.", param=path)
    kind = part["type"]
    if kind not in PART_TYPES:
        raise BadRequest(
            f"'{path}.type' {kind!r} is not a supported content part type.", param=f"{path}.type"
        )
    if kind == "text" and not isinstance(part.get("text"), str):
        raise BadRequest(f"'{path}.text' must be a string.", param=f"{path}.text")
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url:
            raise BadRequest(
                f"'{path}.image_url.url' must be a non-empty string.", param=f"{path}.image_url"
            )


def _check_tool_call(call: Any, path: str) -> None:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise BadRequest(f"'{path}.function.name' must be a string.", param=path)
    if not isinstance(call.get("id"), str):
        raise BadRequest(f"'{path}.id' must be a string.", param=f"{path}.id")
    arguments = function.get("arguments")
    if arguments is not None and not isinstance(arguments, str):
        raise BadRequest(
            f"'{path}.function.arguments' must be a JSON string.",
            param=f"{path}.function.arguments",
        )


def _check_tools(tools: Any) -> None:
    for i, tool in enumerate(tools or ()):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise BadRequest(f"'tools[{i}].function.name' must be a string.", param=f"tools[{i}]")
