"""OpenAI chat messages → Anthropic `system` blocks and strictly alternating `messages`.

Owns the content conversion (text, images, PDFs, tool calls, tool results) and the rules the
Messages API enforces on a conversation: roles alternate starting with `user`; every
`tool_use` is answered by a `tool_result` in the very next user message, results first; no
empty text block; tool-use ids match `^[a-zA-Z0-9_-]+$` (≤ 64) and are unique. Bad client
input is a `BadRequest` naming the field. Pure functions; no I/O, no provider options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmrouter.errors import BadRequest
from llmrouter.providers.content import call_arguments, image_of, parts, text_of
from llmrouter.toolids import safe_id

Block = dict[str, Any]
Turn = dict[str, Any]  # {"role": "user" | "assistant", "content": [Block, ...]}
Recall = Callable[[str], "list[Block] | None"]

# "The supported media types are image/jpeg, image/png, image/gif, and image/webp" (Vision).
IMAGE_TYPES = {
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/png": "image/png",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
}
# Sent when the API's rules need a turn the client did not write (a conversation that opens
# with an assistant turn, or has no turn at all): "first message must use the user role".
PLACEHOLDER = "(continued)"
NO_RESULT = "No result was returned for this tool call."


def system_blocks(messages: list[dict[str, Any]]) -> list[Block]:
    """Every `system` and `developer` message, in order, as text blocks."""
    return [
        {"type": "text", "text": text}
        for m in messages
        if m.get("role") in ("system", "developer")
        for text in [text_of(m.get("content"))]
        if text.strip()
    ]


def image_block(part: dict[str, Any], where: str) -> Block:
    """An OpenAI `image_url` part → an Anthropic image block (base64 or url source)."""
    image = image_of(part, where)
    if image.url:
        return {"type": "image", "source": {"type": "url", "url": image.url}}
    media_type = IMAGE_TYPES.get(image.media_type)
    if media_type is None:
        raise BadRequest(
            f"'{where}' has media type {image.media_type or 'unknown'!r}; Anthropic accepts "
            "image/jpeg, image/png, image/gif and image/webp.",
            param=where,
        )
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": media_type, "data": image.data},
    }


def content_blocks(content: Any, where: str) -> list[Block]:
    """User or tool content → text, image and document blocks (empty text left out)."""
    blocks: list[Block] = []
    for j, part in enumerate(parts(content)):
        kind = part.get("type")
        path = f"{where}[{j}]" if isinstance(content, list) else where
        if kind == "text":
            if str(part.get("text") or "").strip():
                blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url":
            blocks.append(image_block(part, f"{path}.image_url"))
        elif kind == "file":
            blocks.append(_document(part, f"{path}.file"))
        elif kind == "refusal" and str(part.get("refusal") or "").strip():
            blocks.append({"type": "text", "text": part["refusal"]})
        elif kind not in ("text", "refusal"):
            raise BadRequest(f"'{path}.type' {kind!r} is not supported by Anthropic.", param=path)
    return blocks


def _document(part: dict[str, Any], where: str) -> Block:
    file = part.get("file")
    data = str(file.get("file_data") or "") if isinstance(file, dict) else ""
    prefix = "data:application/pdf;base64,"
    if not data.startswith(prefix):
        raise BadRequest(f"'{where}' must carry a base64 PDF as file_data.", param=where)
    source = {"type": "base64", "media_type": "application/pdf", "data": data[len(prefix) :]}
    return {"type": "document", "source": source}


class _Ids:
    """Client tool-call ids → Anthropic ids. The n-th reuse of an id (some clients number
    calls per turn: `call_0` again and again) gets its own id, since the API wants them unique;
    history only grows, so the n-th occurrence maps the same way in every later request."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.current: dict[str, str] = {}

    def use(self, original: str) -> str:
        n = self.seen.get(original, 0)
        self.seen[original] = n + 1
        self.current[original] = safe_id(original if n == 0 else f"{original}#{n}")
        return self.current[original]

    def result(self, original: str) -> str:
        return self.current.get(original) or safe_id(original)


def to_anthropic_messages(
    messages: list[dict[str, Any]],
    *,
    rename: Callable[[str], str] = str,
    recall: Recall | None = None,
) -> list[Turn]:
    """OpenAI messages (system ones skipped) → alternating Anthropic turns."""
    turns: list[Turn] = []
    ids = _Ids()
    for i, message in enumerate(messages):
        role, where = message.get("role"), f"messages[{i}]"
        if role == "user":
            _add(turns, "user", content_blocks(message.get("content"), f"{where}.content"))
        elif role == "assistant":
            _add(turns, "assistant", _assistant(message, where, ids, rename, recall))
        elif role == "tool":
            _add(turns, "user", [_tool_result(message, where, ids)])
        elif role == "function":  # legacy function-calling result without an id: plain text
            text = (
                f"Result of {message.get('name') or 'function'}: {text_of(message.get('content'))}"
            )
            _add(turns, "user", [{"type": "text", "text": text}])
    turns = _pair_tool_results(turns)
    if not turns or turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": [{"type": "text", "text": PLACEHOLDER}]})
    _trim_prefill(turns)
    return turns


def _add(turns: list[Turn], role: str, blocks: list[Block]) -> None:
    """Append blocks as a turn, merged into the previous turn when it has the same role."""
    if not blocks:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1]["content"].extend(blocks)
    else:
        turns.append({"role": role, "content": blocks})


def _assistant(
    message: dict[str, Any],
    where: str,
    ids: _Ids,
    rename: Callable[[str], str],
    recall: Recall | None,
) -> list[Block]:
    blocks: list[Block] = [
        {"type": "text", "text": text}
        for part in parts(message.get("content"))
        for text in [str(part.get("text") or part.get("refusal") or "")]
        if text.strip()
    ]
    calls = message.get("tool_calls") or []
    for j, call in enumerate(calls):
        function = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": ids.use(str(call.get("id") or f"call_{j}")),
                "name": rename(str(function.get("name") or "")),
                "input": call_arguments(function, f"{where}.tool_calls[{j}]", "Anthropic"),
            }
        )
    if calls and recall is not None:
        thinking = recall(str(calls[0].get("id") or ""))
        if thinking:
            blocks[:0] = thinking  # "thinking blocks must come first" in an assistant turn
    return blocks


def _tool_result(message: dict[str, Any], where: str, ids: _Ids) -> Block:
    block: Block = {"type": "tool_result", "tool_use_id": ids.result(str(message["tool_call_id"]))}
    content = message.get("content")
    if isinstance(content, str):
        if content:
            block["content"] = content
    else:
        inner = content_blocks(content, f"{where}.content")
        if inner:
            block["content"] = inner
    return block


def _pair_tool_results(turns: list[Turn]) -> list[Turn]:
    """Every tool_use answered in the next user turn, results first; stray results → text."""
    out: list[Turn] = []
    pending: list[str] = []
    for turn in turns:
        if turn["role"] == "assistant":
            if pending:
                out.append({"role": "user", "content": _results_first([], pending)})
            out.append(turn)
            pending = [b["id"] for b in turn["content"] if b["type"] == "tool_use"]
            continue
        out.append({"role": "user", "content": _results_first(turn["content"], pending)})
        pending = []
    if pending:
        out.append({"role": "user", "content": _results_first([], pending)})
    return out


def _results_first(blocks: list[Block], expected: list[str]) -> list[Block]:
    results: dict[str, Block] = {}
    others: list[Block] = []
    for block in blocks:
        if block["type"] != "tool_result":
            others.append(block)
        elif block["tool_use_id"] in expected and block["tool_use_id"] not in results:
            results[block["tool_use_id"]] = block
        else:
            others.extend(_as_text(block))
    answered = [
        results.get(i)
        or {"type": "tool_result", "tool_use_id": i, "content": NO_RESULT, "is_error": True}
        for i in expected
    ]
    return answered + others


def _as_text(result: Block) -> list[Block]:
    """A tool result with no matching call (history trimmed by the client) → plain content."""
    content = result.get("content")
    head = f"Result of tool call {result['tool_use_id']}:"
    if isinstance(content, list):
        return [{"type": "text", "text": head}, *content]
    return [{"type": "text", "text": f"{head}\n{content or ''}"}]


def _trim_prefill(turns: list[Turn]) -> None:
    """ "final assistant content cannot end with trailing whitespace" (a prefilled answer)."""
    last = turns[-1]
    if last["role"] != "assistant" or last["content"][-1]["type"] != "text":
        return
    text = last["content"][-1]["text"].rstrip()
    if text:
        last["content"][-1]["text"] = text
        return
    last["content"].pop()
    if not last["content"]:
        turns.pop()
