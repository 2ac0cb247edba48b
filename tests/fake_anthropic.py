"""A fake Anthropic Messages API (`POST /v1/messages`) on 127.0.0.1, as strict as the real one.

It validates what the real API validates on the points a translating client can get wrong
(headers, auth, required fields, roles, block shapes, tool_use/tool_result pairing, id
pattern, image sources, sampling ranges, the extended-thinking rules, cache breakpoints) and
answers a violation with Anthropic's own error shape and status:
`{"type": "error", "error": {"type": "invalid_request_error", "message": ...}}`.
Messages quote the real API's wording where it is known. Replies come from the FakeUpstream
queue, else from the recorded fixtures in tests/fixtures/anthropic/.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tests.fakes import FakeUpstream, Reply, fixture

ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
FIELDS = {
    "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
    "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking", "service_tier",
}  # fmt: skip
USER_BLOCKS = {"text", "image", "document", "tool_result"}
ASSISTANT_BLOCKS = {"text", "tool_use", "thinking", "redacted_thinking"}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
}
Problem = tuple[int, str]


class Invalid(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class AnthropicFake(FakeUpstream):
    """The Messages API. `require_key`: the x-api-key it accepts (OAuth tokens starting with
    sk-ant-oat are accepted as a bearer with the oauth beta)."""

    def __init__(self, *, require_key: str | None = "sk-ant-test") -> None:
        super().__init__(self._default)
        self.require_key = require_key

    def _default(self, body: Any) -> Reply:
        if body.get("stream"):
            return Reply("sse", fixture("anthropic/text.sse"))
        return Reply("json", fixture("anthropic/message.json"))

    def reject(self, status: int, reason: str) -> web.Response:
        error = {"type": ERROR_TYPES.get(status, "api_error"), "message": reason}
        return web.json_response(
            {"type": "error", "error": error, "request_id": "req_fake"}, status=status
        )

    def validate(self, request: web.Request, body: Any) -> Problem | None:
        try:
            self._headers(request)
            check_body(body)
        except Invalid as exc:
            return exc.status, str(exc)
        return None

    def _headers(self, request: web.Request) -> None:
        if request.method != "POST" or request.path != "/v1/messages":
            raise Invalid(f"Not found: {request.method} {request.path}", 404)
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer sk-ant-oat"):
            if "oauth-2025-04-20" not in request.headers.get("anthropic-beta", ""):
                raise Invalid("OAuth authentication is currently not supported.", 401)
        elif self.require_key is not None and request.headers.get("x-api-key") != self.require_key:
            raise Invalid("invalid x-api-key", 401)
        if not request.headers.get("anthropic-version"):
            raise Invalid("anthropic-version: header is required")
        if request.content_type != "application/json":
            raise Invalid("content-type must be application/json")


def check_body(body: Any) -> None:
    """Raise Invalid the way the real API would for this request body."""
    if not isinstance(body, dict):
        raise Invalid("The request body is not valid JSON.")
    for key in body:
        if key not in FIELDS:
            raise Invalid(f"{key}: Extra inputs are not permitted")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise Invalid("model: Field required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise Invalid("max_tokens: Field required")
    for key, low, high in (("temperature", 0, 1), ("top_p", 0, 1)):
        value = body.get(key)
        if value is not None and not (isinstance(value, (int, float)) and low <= value <= high):
            raise Invalid(f"{key}: Input should be less than or equal to {high}")
    _system(body.get("system"))
    tools = _tools(body.get("tools"), body.get("tool_choice"))
    _messages(body.get("messages"), tools)
    _thinking(body)
    _stop_and_metadata(body)
    if _count_cache(body) > 4:
        raise Invalid("A maximum of 4 blocks with cache_control may be provided. Found more.")


def _system(system: Any) -> None:
    if system is None or (isinstance(system, str) and system):
        return
    if not isinstance(system, list) or not system:
        raise Invalid("system: Input should be a valid string or list")
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise Invalid(f"system.{i}.type: Input should be 'text'")
        _text(block, f"system.{i}")


def _text(block: dict[str, Any], where: str) -> None:
    if not isinstance(block.get("text"), str) or not block["text"].strip():
        raise Invalid(f"{where}: text content blocks must contain non-whitespace text")


def _tools(tools: Any, choice: Any) -> set[str]:
    names: set[str] = set()
    for i, tool in enumerate(tools or ()):
        name = tool.get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise Invalid(f"tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        if name in names:
            raise Invalid(f"tools: Tool names must be unique. Duplicate: {name}")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise Invalid(f"tools.{i}.input_schema.type: Input should be 'object'")
        names.add(name)
    if choice is None:
        return names
    if not tools:
        raise Invalid("tool_choice may only be specified while providing tools.")
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind not in ("auto", "any", "tool", "none"):
        raise Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if kind == "tool" and choice.get("name") not in names:
        raise Invalid(f"tool_choice: Tool '{choice.get('name')}' not found in tools")
    if kind == "none" and "disable_parallel_tool_use" in choice:
        raise Invalid("tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted")
    return names


def _messages(messages: Any, tools: set[str]) -> None:
    if not isinstance(messages, list) or not messages:
        raise Invalid("messages: Field required")
    pending: list[str] = []
    seen_ids: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages.{i}"
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            raise Invalid(f"{where}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise Invalid('messages: first message must use the "user" role')
        if i > 0 and messages[i - 1]["role"] == role:
            raise Invalid('messages: roles must alternate between "user" and "assistant"')
        blocks = _blocks(message.get("content"), where, role, last=i == len(messages) - 1)
        if role == "user":
            _answers(blocks, pending, where)
            pending = []
            continue
        pending = _uses(blocks, where, seen_ids, tools)
    if pending:
        raise Invalid(
            f"messages.{len(messages) - 1}: `tool_use` ids were found without `tool_result` "
            f"blocks immediately after: {', '.join(pending)}"
        )


def _blocks(content: Any, where: str, role: str, *, last: bool) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if not content.strip() and not (last and role == "assistant"):
            raise Invalid(f"{where}: all messages must have non-empty content")
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list) or (not content and not (last and role == "assistant")):
        raise Invalid(f"{where}: all messages must have non-empty content")
    allowed = USER_BLOCKS if role == "user" else ASSISTANT_BLOCKS
    for j, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in allowed:
            raise Invalid(f"{where}.content.{j}.type: {kind!r} is not allowed in a {role} message")
        _block(block, f"{where}.content.{j}")
    final = content[-1] if last and role == "assistant" and content else {}
    if final.get("type") == "text" and final["text"] != final["text"].rstrip():
        raise Invalid("messages: final assistant content cannot end with trailing whitespace")
    return content


def _block(block: dict[str, Any], where: str) -> None:
    kind = block["type"]
    if kind == "text":
        _text(block, where)
    elif kind in ("image", "document"):
        _source(block.get("source"), f"{where}.source", kind)
    elif kind == "tool_use":
        if not isinstance(block.get("id"), str) or not ID.match(block["id"]):
            raise Invalid(f"{where}.id: String should match pattern '^[a-zA-Z0-9_-]+$'")
        if not isinstance(block.get("input"), dict):
            raise Invalid(f"{where}.input: Input should be a valid dictionary")
    elif kind == "tool_result":
        if not isinstance(block.get("tool_use_id"), str) or not ID.match(block["tool_use_id"]):
            raise Invalid(f"{where}.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'")
        inner = block.get("content")
        if isinstance(inner, list):
            for k, part in enumerate(inner):
                if part.get("type") not in ("text", "image", "document"):
                    raise Invalid(f"{where}.content.{k}.type: Input tag is not allowed")
                _block(part, f"{where}.content.{k}")
        elif inner is not None and not isinstance(inner, str):
            raise Invalid(f"{where}.content: Input should be a valid string or list")
    elif kind == "thinking" and not block.get("signature"):
        raise Invalid(f"{where}.signature: Field required")


def _source(source: Any, where: str, kind: str) -> None:
    kind_of = source.get("type") if isinstance(source, dict) else None
    if kind_of == "url":
        if not str(source.get("url", "")).startswith(("http://", "https://")):
            raise Invalid(f"{where}.url: must be an http(s) URL")
        return
    if kind_of != "base64" or not isinstance(source.get("data"), str) or not source["data"]:
        raise Invalid(f"{where}: Input tag {kind_of!r} does not match any of the expected tags")
    allowed = IMAGE_TYPES if kind == "image" else ("application/pdf",)
    if source.get("media_type") not in allowed:
        raise Invalid(f"{where}.media_type: Input should be {' or '.join(allowed)}")


def _answers(blocks: list[dict[str, Any]], pending: list[str], where: str) -> None:
    results = [b for b in blocks if b["type"] == "tool_result"]
    if any(b["type"] == "tool_result" for b in blocks[len(results) :]):
        raise Invalid(f"{where}: tool_result blocks must come first in the content array")
    ids = [b["tool_use_id"] for b in results]
    for tool_id in ids:
        if tool_id not in pending:
            raise Invalid(
                f"{where}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{tool_id}. Each `tool_result` block must have a corresponding `tool_use` "
                "block in the previous message."
            )
    missing = [p for p in pending if p not in ids]
    if missing or len(ids) != len(set(ids)):
        raise Invalid(
            f"{where}: `tool_use` ids were found without `tool_result` blocks immediately "
            f"after: {', '.join(missing) or 'duplicates'}"
        )


def _uses(blocks: list[dict[str, Any]], where: str, seen: set[str], tools: set[str]) -> list[str]:
    uses = [b for b in blocks if b["type"] == "tool_use"]
    for block in uses:
        if block["id"] in seen:
            raise Invalid(f"{where}: `tool_use` ids must be unique: {block['id']}")
        seen.add(block["id"])
        if not tools:
            raise Invalid(
                "Requests which include `tool_use` or `tool_result` blocks must define tools."
            )
    return [b["id"] for b in uses]


def _thinking(body: dict[str, Any]) -> None:
    thinking = body.get("thinking")
    if thinking is None:
        return
    budget = thinking.get("budget_tokens") if isinstance(thinking, dict) else None
    if thinking.get("type") != "enabled" or not isinstance(budget, int) or budget < 1024:
        raise Invalid(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        )
    if budget >= body["max_tokens"]:
        raise Invalid("`max_tokens` must be greater than `thinking.budget_tokens`.")
    if body.get("temperature", 1) != 1:
        raise Invalid("`temperature` may only be set to 1 when thinking is enabled.")
    if "top_k" in body:
        raise Invalid("`top_k` is not supported when thinking is enabled.")
    if body.get("top_p", 1) < 0.95:
        raise Invalid("`top_p` must be greater than or equal to 0.95 when thinking is enabled.")
    if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
        raise Invalid("Thinking may not be enabled when `tool_choice` forces tool use.")
    messages = body["messages"]
    last = messages[-1]["content"]
    in_loop = isinstance(last, list) and any(b.get("type") == "tool_result" for b in last)
    if in_loop and messages[-2]["content"][0].get("type") not in ("thinking", "redacted_thinking"):
        raise Invalid(
            "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
            "`tool_use`. When `thinking` is enabled, a final `assistant` message must start "
            "with a thinking block."
        )


def _stop_and_metadata(body: dict[str, Any]) -> None:
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or not all(isinstance(s, str) and s.strip() for s in stops)
    ):
        raise Invalid("stop_sequences: each stop sequence must contain non-whitespace")
    metadata = body.get("metadata")
    if metadata is not None and (not isinstance(metadata, dict) or set(metadata) - {"user_id"}):
        raise Invalid("metadata: Extra inputs are not permitted")


def _count_cache(body: dict[str, Any]) -> int:
    count = sum(1 for t in body.get("tools") or () if "cache_control" in t)
    system = body.get("system")
    if isinstance(system, list):
        count += sum(1 for b in system if "cache_control" in b)
    for message in body["messages"]:
        if isinstance(message["content"], list):
            count += sum(1 for b in message["content"] if "cache_control" in b)
    return count
