"""An Anthropic Messages request → the OpenAI chat body the router routes and translates.

Owns the checks of an incoming Messages body (a `BadRequest` naming the field, in the API's
own `messages.0.content.1` spelling) and the conversion the other way round from
`providers/anthropic/request.py`: system blocks, text/image/document blocks, tool_use and
tool_result (results become `tool` messages right after the assistant turn that called them),
thinking (→ `reasoning_content`, which Kimi wants back on tool-call turns), tools,
tool_choice, stop_sequences and the thinking switch (→ `reasoning_effort`). Fields only
Anthropic understands (`metadata`, `context_management`, `output_config` beyond its effort,
`cache_control`, `container`, `mcp_servers`, server tools) are dropped here; the native
passthrough keeps them. Also `native_body`: the client's body as an Anthropic upstream must
see it. Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from llmrouter.errors import BadRequest

Block = dict[str, Any]
# Tool id the client replays → the upstream's own id (ids are rewritten to
# ^[a-zA-Z0-9_-]+$ on the way out; see egress.py).
Recall = Callable[[str], "str | None"]

# thinking.budget_tokens → OpenAI reasoning_effort (the inverse of the Anthropic provider's
# DEFAULT_BUDGETS: low 1024, medium 4096, high 16384).
EFFORT_BY_BUDGET = ((2048, "low"), (8192, "medium"))
# output_config.effort ("low" | "medium" | "high" | "max") → reasoning_effort.
EFFORTS = {"low": "low", "medium": "medium", "high": "high", "max": "high"}
TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}
SAMPLING = ("temperature", "top_p")


def to_openai_request(body: dict[str, Any], recall: Recall | None = None) -> dict[str, Any]:
    """A checked Messages body → an OpenAI chat request (the model name is kept as sent)."""
    check_request(body)
    messages: list[dict[str, Any]] = []
    system = system_text(body)
    if system:
        messages.append({"role": "system", "content": system})
    back = recall or (lambda _: None)
    for i, message in enumerate(body["messages"]):
        if message["role"] == "system":
            continue  # folded into the system prompt by system_text
        messages.extend(_message(message, f"messages.{i}", back))
    out: dict[str, Any] = {"model": body["model"], "messages": messages}
    out["max_tokens"] = body["max_tokens"]
    out["stream"] = bool(body.get("stream"))
    for key in SAMPLING:
        if isinstance(body.get(key), (int, float)):
            out[key] = body[key]
    stops = body.get("stop_sequences")
    if isinstance(stops, list) and stops:
        out["stop"] = [str(s) for s in stops][:4]  # OpenAI: "Up to 4 sequences"
    _tools(body, out)
    effort = _effort(body)
    if effort:
        out["reasoning_effort"] = effort
    return out


def check_request(body: Any, *, counting: bool = False) -> None:
    """The shape the conversion relies on; `counting` (count_tokens) needs no max_tokens."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise BadRequest("model: Field required", param="model")
    max_tokens = body.get("max_tokens")
    if not counting and (
        not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1
    ):
        raise BadRequest("max_tokens: Field required (a positive integer)", param="max_tokens")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: Field required (a non-empty array)", param="messages")
    for i, message in enumerate(messages):
        _check_message(message, f"messages.{i}")
    for i, tool in enumerate(body.get("tools") or ()):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise BadRequest(f"tools.{i}.name: Field required", param=f"tools.{i}.name")
    if not isinstance(body.get("tools") or [], list):
        raise BadRequest("tools: Input should be a valid list", param="tools")


def _check_message(message: Any, where: str) -> None:
    role = message.get("role") if isinstance(message, dict) else None
    if role not in ("user", "assistant", "system"):
        raise BadRequest(f"{where}.role: Input should be 'user' or 'assistant'", param=where)
    content = message.get("content")
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise BadRequest(
            f"{where}.content: Input should be a valid string or list", param=f"{where}.content"
        )
    for j, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            path = f"{where}.content.{j}"
            raise BadRequest(f"{path}.type: Field required", param=path)


def system_text(body: dict[str, Any]) -> str:
    """`system` (a string or text blocks) and any `role: "system"` message, as one text.

    Claude Code, given a model name it does not know, sends its first request with a
    system-role message, which the real API rejects before Claude Code resends without it:
    folding it in answers that first request."""
    texts = [_text_of(body.get("system"), "system")]
    texts += [
        _text_of(m.get("content"), f"messages.{i}.content")
        for i, m in enumerate(body["messages"])
        if m["role"] == "system"
    ]
    return "\n\n".join(t for t in texts if t.strip())


def _text_of(content: Any, where: str) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise BadRequest(f"{where}: Input should be a valid string or list", param=where)
    return "\n\n".join(str(b.get("text") or "") for b in content if b.get("type") == "text")


def native_body(body: dict[str, Any]) -> dict[str, Any]:
    """The client's body as an Anthropic upstream must see it: system-role messages folded
    into `system`, and thinking blocks this router made up (no signature: they came from
    another model) left out, since "thinking blocks ... must have a valid signature"."""
    folded = [m for m in body["messages"] if m["role"] == "system"]
    out = dict(body)
    if folded:
        extra = [{"type": "text", "text": _text_of(m["content"], "messages")} for m in folded]
        system = body.get("system")
        blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system or []
        out["system"] = [*blocks, *(b for b in extra if b["text"].strip())]
    out["messages"] = [_signed_only(m) for m in body["messages"] if m["role"] != "system"]
    return out


def _signed_only(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if message["role"] != "assistant" or not isinstance(content, list):
        return message
    kept = [b for b in content if b.get("type") != "thinking" or b.get("signature")]
    return message if len(kept) == len(content) else {**message, "content": kept}


def _message(message: dict[str, Any], where: str, recall: Recall) -> list[dict[str, Any]]:
    content = message["content"]
    blocks: list[Block] = (
        [{"type": "text", "text": content}] if isinstance(content, str) else content
    )
    if message["role"] == "assistant":
        return [_assistant(blocks, where, recall)]
    return _user(blocks, where, recall)


def _assistant(blocks: list[Block], where: str, recall: Recall) -> dict[str, Any]:
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        kind = block["type"]
        if kind == "text":
            texts.append(str(block.get("text") or ""))
        elif kind == "thinking":
            thinking.append(str(block.get("thinking") or ""))
        elif kind in ("tool_use", "server_tool_use"):
            calls.append(_tool_call(block, f"{where}.content.{j}", recall))
    out: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        out["tool_calls"] = calls
    elif out["content"] is None:
        out["content"] = ""
    if any(t.strip() for t in thinking):
        out["reasoning_content"] = "".join(thinking)
    return out


def _tool_call(block: Block, where: str, recall: Recall) -> dict[str, Any]:
    call_id = block.get("id")
    if not isinstance(call_id, str) or not call_id:
        raise BadRequest(f"{where}.id: Field required", param=f"{where}.id")
    tool_input = block.get("input", {})
    if not isinstance(tool_input, dict):
        raise BadRequest(
            f"{where}.input: Input should be a valid dictionary", param=f"{where}.input"
        )
    return {
        "id": recall(call_id) or call_id,
        "type": "function",
        "function": {
            "name": str(block.get("name") or ""),
            "arguments": orjson.dumps(tool_input).decode(),
        },
    }


def _user(blocks: list[Block], where: str, recall: Recall) -> list[dict[str, Any]]:
    """Tool results first, as `tool` messages (OpenAI wants them right after the calls), then
    the rest of the turn as one user message."""
    results: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        path = f"{where}.content.{j}"
        if block["type"] == "tool_result":
            tool_message, images = _tool_result(block, path, recall)
            results.append(tool_message)
            parts.extend(images)
        else:
            parts.extend(_part(block, path))
    if parts:
        results.append({"role": "user", "content": _simplest(parts)})
    return results


def _tool_result(
    block: Block, where: str, recall: Recall
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A tool_result → a `tool` message with its text; its images (OpenAI tool messages take
    text only) follow in the user message."""
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or not call_id:
        raise BadRequest(f"{where}.tool_use_id: Field required", param=f"{where}.tool_use_id")
    content = block.get("content")
    inner: list[Block] = (
        [{"type": "text", "text": content}] if isinstance(content, str) else content or []
    )
    if not isinstance(inner, list):
        raise BadRequest(f"{where}.content: Input should be a valid string or list", param=where)
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    for k, part in enumerate(inner):
        for converted in _part(part, f"{where}.content.{k}"):
            if converted["type"] == "text":
                texts.append(converted["text"])
            else:
                images.append(converted)
    text = "\n".join(texts)
    if block.get("is_error"):
        text = f"Error: {text}" if text else "Error"
    message = {"role": "tool", "tool_call_id": recall(call_id) or call_id, "content": text}
    return message, images


def _part(block: Block, where: str) -> list[dict[str, Any]]:
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str):
            raise BadRequest(f"{where}.text: Field required", param=f"{where}.text")
        return [{"type": "text", "text": text}] if text else []
    if kind == "image":
        return [{"type": "image_url", "image_url": {"url": _source_url(block, where)}}]
    if kind == "document":
        url = _source_url(block, where)
        if url.startswith("data:application/pdf;base64,"):
            return [{"type": "file", "file": {"file_data": url}}]
        if url.startswith("data:text/plain"):
            return [{"type": "text", "text": str(block["source"].get("data") or "")}]
        raise BadRequest(
            f"{where}.source: only base64 PDF and plain-text documents can be sent to this model.",
            param=f"{where}.source",
        )
    if kind in ("thinking", "redacted_thinking", "tool_use", "tool_result"):
        raise BadRequest(f"{where}.type: {kind!r} is not allowed here", param=f"{where}.type")
    return []  # search results, container uploads, ...: nothing another model can read


def _source_url(block: Block, where: str) -> str:
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "url" and isinstance(source, dict) and isinstance(source.get("url"), str):
        return str(source["url"])
    if kind == "text" and isinstance(source, dict):
        return "data:text/plain," + str(source.get("data") or "")
    if kind == "base64" and isinstance(source, dict):
        media, data = source.get("media_type"), source.get("data")
        if isinstance(media, str) and isinstance(data, str) and data:
            return f"data:{media};base64,{data}"
    raise BadRequest(
        f"{where}.source: expected a base64 source with media_type and data, or a url",
        param=f"{where}.source",
    )


def _simplest(parts: list[dict[str, Any]]) -> Any:
    """One text part → a plain string (every upstream reads that)."""
    if len(parts) == 1 and parts[0]["type"] == "text":
        return parts[0]["text"]
    return parts


def _tools(body: dict[str, Any], out: dict[str, Any]) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                **({"description": t["description"]} if t.get("description") else {}),
                "parameters": t["input_schema"],
            },
        }
        for t in body.get("tools") or ()
        if isinstance(t.get("input_schema"), dict)  # server tools (web_search_...) have none
    ]
    if tools:
        out["tools"] = tools
    choice = body.get("tool_choice")
    if not isinstance(choice, dict):
        return
    kind = choice.get("type")
    if tools and kind in TOOL_CHOICES:
        out["tool_choice"] = TOOL_CHOICES[kind]
    elif tools and kind == "tool" and isinstance(choice.get("name"), str):
        out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    if tools and choice.get("disable_parallel_tool_use") is True:
        out["parallel_tool_calls"] = False


def _effort(body: dict[str, Any]) -> str | None:
    """`thinking` (enabled with a budget, or adaptive with `output_config.effort`) →
    reasoning_effort; disabled or absent: none."""
    thinking = body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind == "enabled" and isinstance(thinking, dict):
        budget = thinking.get("budget_tokens")
        budget = budget if isinstance(budget, int) else 4096
        return next((name for limit, name in EFFORT_BY_BUDGET if budget <= limit), "high")
    config = body.get("output_config")
    effort = config.get("effort") if isinstance(config, dict) else None
    if kind == "adaptive" and isinstance(effort, str):
        return EFFORTS.get(effort)
    return None
