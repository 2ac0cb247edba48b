"""An OpenAI chat request → the body of `POST /v1/messages`.

Owns the parameter mapping (a table where it is a rename, code where it is a conversion),
tools and tool_choice, extended thinking, prompt caching and the Claude Code identity that
OAuth tokens need. Message content is `messages.py`'s. Parameters Anthropic does not have
(n, seed, penalties, logprobs, response_format, ...) are dropped, never sent. Pure; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmrouter.providers.anthropic.messages import (
    Block,
    Recall,
    Turn,
    system_blocks,
    to_anthropic_messages,
)

CACHE = {"type": "ephemeral"}
DEFAULT_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}
# OpenAI effort names without an Anthropic budget of their own.
EFFORT_ALIASES = {"minimal": "low", "xhigh": "high", "max": "high"}
# Default max_tokens when neither the client nor providers.anthropic.max_tokens sets one
# ("max_tokens: Field required"): within each family's documented output limit.
DEFAULT_MAX_TOKENS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"claude-3-(opus|sonnet|haiku)(-\d|$)"), 4096),
    (re.compile(r"claude-3-5-"), 8192),
    (re.compile(r""), 32000),
)
CLAUDE_CODE_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
# Claude Code's own tool names; OAuth requests send tools in this casing.
CLAUDE_CODE_TOOLS = {
    name.lower(): name
    for name in (
        "Read", "Write", "Edit", "MultiEdit", "Bash", "Grep", "Glob", "LS", "AskUserQuestion",
        "EnterPlanMode", "ExitPlanMode", "KillShell", "NotebookEdit", "Skill", "Task",
        "TaskOutput", "TodoWrite", "WebFetch", "WebSearch",
    )
}  # fmt: skip


@dataclass(frozen=True)
class AnthropicOptions:
    """`providers.<name>.*` keys this provider reads (validated by `from_mapping`)."""

    max_tokens: int | None = None
    thinking_budgets: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    cache_prompt: bool = True
    version: str = "2023-06-01"
    claude_code_version: str = "2.1.251"


@dataclass(frozen=True)
class Translated:
    """The Messages body, and upstream tool name → the client's own spelling (OAuth only)."""

    body: dict[str, Any]
    tool_names: dict[str, str]


def to_anthropic_request(
    body: dict[str, Any],
    model: str,
    options: AnthropicOptions,
    *,
    oauth: bool = False,
    recall: Recall | None = None,
) -> Translated:
    messages = body["messages"]
    names = _claude_code_names(body) if oauth else {}
    turns = to_anthropic_messages(messages, rename=lambda n: names.get(n, n), recall=recall)
    out: dict[str, Any] = {"model": model, "messages": turns}
    out["max_tokens"] = _max_tokens(body, model, options)
    system = system_blocks(messages)
    if oauth:
        system.insert(0, {"type": "text", "text": CLAUDE_CODE_IDENTITY})
    if system:
        out["system"] = system
    _sampling(body, out)
    tools = to_anthropic_tools(body.get("tools"), names) or _tools_from_history(turns)
    if tools:
        out["tools"] = tools
        choice = to_anthropic_tool_choice(body, names, has_tools=bool(body.get("tools")))
        if choice is not None:
            out["tool_choice"] = choice
    if isinstance(body.get("user"), str) and body["user"]:
        out["metadata"] = {"user_id": body["user"][:256]}
    _thinking(body, out, options)
    if options.cache_prompt:
        _cache(out)
    return Translated(out, {v: k for k, v in names.items()})


def _max_tokens(body: dict[str, Any], model: str, options: AnthropicOptions) -> int:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and value > 0:
            return value
    if options.max_tokens:
        return options.max_tokens
    return next(n for pattern, n in DEFAULT_MAX_TOKENS if pattern.search(model))


def _sampling(body: dict[str, Any], out: dict[str, Any]) -> None:
    temperature = body.get("temperature")
    if isinstance(temperature, (int, float)):
        out["temperature"] = min(max(float(temperature), 0.0), 1.0)  # OpenAI 0–2, Anthropic 0–1
    top_p = body.get("top_p")
    if isinstance(top_p, (int, float)):
        out["top_p"] = min(max(float(top_p), 0.0), 1.0)
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    # "stop_sequences: each stop sequence must contain non-whitespace"
    stops = [s for s in stops if isinstance(s, str) and s.strip()]
    if stops:
        out["stop_sequences"] = stops


def to_anthropic_tools(tools: Any, names: Mapping[str, str] | None = None) -> list[Block]:
    """OpenAI function tools → `{name, description, input_schema}` (other tool types left out)."""
    out: list[Block] = []
    for tool in tools or ():
        function = tool.get("function") if tool.get("type", "function") == "function" else None
        if not isinstance(function, dict):
            continue
        schema = function.get("parameters")
        schema = dict(schema) if isinstance(schema, dict) else {"properties": {}}
        schema.setdefault("type", "object")  # "input_schema.type: Input should be 'object'"
        name = str(function["name"])
        entry: Block = {"name": (names or {}).get(name, name), "input_schema": schema}
        if function.get("description"):
            entry["description"] = str(function["description"])
        out.append(entry)
    return out


def _tools_from_history(turns: list[Turn]) -> list[Block]:
    """ "Requests which include tool_use or tool_result blocks must define tools": a client
    that sends tool history without tools gets minimal definitions (and tool_choice none)."""
    used = {b["name"]: None for t in turns for b in t["content"] if b.get("type") == "tool_use"}
    return [{"name": n, "input_schema": {"type": "object", "properties": {}}} for n in used]


def to_anthropic_tool_choice(
    body: dict[str, Any], names: Mapping[str, str], *, has_tools: bool
) -> dict[str, Any] | None:
    choice = body.get("tool_choice") if has_tools else "none"
    out: dict[str, Any] | None
    if choice == "none":
        return {"type": "none"}
    if choice == "required":
        out = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        name = str(choice["function"].get("name") or "")
        out = {"type": "tool", "name": names.get(name, name)}
    else:
        out = {"type": "auto"} if body.get("parallel_tool_calls") is False else None
    if out is not None and body.get("parallel_tool_calls") is False:
        out["disable_parallel_tool_use"] = True
    return out


def _thinking(body: dict[str, Any], out: dict[str, Any], options: AnthropicOptions) -> None:
    """reasoning_effort → extended thinking, within the API's rules: budget ≥ 1024 and below
    max_tokens; no temperature or top_k and top_p ≥ 0.95; no forced tool use; and, inside a
    tool loop, "a final assistant message must start with a thinking block"."""
    effort = body.get("reasoning_effort")
    effort = EFFORT_ALIASES.get(effort, effort) if isinstance(effort, str) else None
    budget = options.thinking_budgets.get(effort or "")
    forced = (out.get("tool_choice") or {}).get("type") in ("any", "tool")
    if not budget or forced or not _thinking_allowed(out["messages"]):
        _strip_thinking(out["messages"])
        return
    budget = max(1024, int(budget))
    out["thinking"] = {"type": "enabled", "budget_tokens": budget}
    if out["max_tokens"] <= budget:
        out["max_tokens"] += budget  # the client's limit is for the answer, thinking is extra
    out.pop("temperature", None)
    if out.get("top_p", 1.0) < 0.95:
        out.pop("top_p")


def _thinking_allowed(turns: list[Turn]) -> bool:
    """False inside a tool loop whose last assistant turn has no (remembered) thinking."""
    if len(turns) < 2 or not any(b["type"] == "tool_result" for b in turns[-1]["content"]):
        return True
    first = turns[-2]["content"][0]["type"]
    return first in ("thinking", "redacted_thinking")


def _strip_thinking(turns: list[Turn]) -> None:
    for turn in turns:
        if turn["role"] == "assistant":
            turn["content"] = [
                b for b in turn["content"] if b["type"] not in ("thinking", "redacted_thinking")
            ]


def _cache(out: dict[str, Any]) -> None:
    """Cache breakpoints (at most 4 allowed): the last tool, the last system block, and the
    last block of the final user turn, so an agent loop re-reads its history from cache."""
    if out.get("tools"):
        out["tools"][-1]["cache_control"] = CACHE
    if out.get("system"):
        out["system"][-1]["cache_control"] = CACHE
    last = out["messages"][-1]
    if last["role"] == "user":
        last["content"][-1]["cache_control"] = CACHE


def _claude_code_names(body: dict[str, Any]) -> dict[str, str]:
    """Client tool name → Claude Code's casing, where it differs and does not clash."""
    client = [
        str(t["function"]["name"])
        for t in body.get("tools") or ()
        if isinstance(t.get("function"), dict)
    ]
    taken = set(client)
    names: dict[str, str] = {}
    for name in client:
        canonical = CLAUDE_CODE_TOOLS.get(name.lower())
        if canonical and canonical != name and canonical not in taken:
            names[name] = canonical
            taken.add(canonical)
    return names
