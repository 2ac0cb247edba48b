"""Requests shaped like the ones OpenClaw 2026.9 sends (our own text; the shapes follow
shared/reference/openclaw-requests.md): a ~30K-character system prompt with its attempt markers
and identity line, up to 54 tools with the schema keywords OpenClaw uses, a `[date]` prefix and a
`Runtime:` suffix on user messages, tool loops with replayed ids, an image tool result, and the
synthetic internal-context message at the end of every request."""

from __future__ import annotations

from typing import Any

SESSION = "7f1c2a9e-3b4d-4e5f-8a6b-0c1d2e3f4a5b"
INTERNAL = (
    "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nturn bookkeeping for the agent loop; nothing the "
    "user typed\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
)
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
    "rkJggg=="
)


def system_prompt(provider_name: str = "router") -> str:
    stable = "\n".join(
        f"Rule {i}: keep edits small, explain what changed, and prefer the workspace tools "
        f"over guessing file contents. " * 3
        for i in range(90)
    )
    return (
        f"<!-- openclaw:attempt:STABLE -->\nYou are a personal agent.\n{stable}\n"
        "<!-- /openclaw:attempt:STABLE --><!-- openclaw:attempt:DYNAMIC -->\n## Runtime\n"
        f"Current model identity: {provider_name}/llm-router. If asked what model you are, "
        "answer with this value for the current run.\n"
    )


def user_text(text: str, provider_name: str = "router") -> str:
    runtime = (
        f"Runtime: agent=main | session=agent:main:explicit:{SESSION} | sessionId={SESSION} | "
        f"host=vm | os=Linux 6.1 | node=v24.21.0 | active_node=unknown | "
        f"model={provider_name}/llm-router | default_model={provider_name}/llm-router | "
        "shell=bash"
    )
    return f"[Thu 2026-11-26 08:09 UTC] {text}\n\n{runtime}"


def tools(count: int = 54) -> list[dict[str, Any]]:
    names = [
        "read",
        "write",
        "edit",
        "exec",
        "ls",
        "apply_patch",
        "process",
        "tool_search",
        "tool_describe",
        "tool_call",
        "sessions_yield",
    ]
    names += [f"extra_tool_{i}" for i in range(count - len(names))]
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "File path", "pattern": "^[^\\0]+$"},
            "mode": {"anyOf": [{"const": "text"}, {"const": "bytes"}], "~optional": True},
            "limit": {"type": "integer", "minimum": 1, "maximum": 2000},
            "env": {"type": "object", "patternProperties": {"^[A-Z_]+$": {"type": "string"}}},
            "kind": {"type": "string", "enum": ["file", "dir"]},
        },
        "required": ["path"],
    }
    return [
        {
            "type": "function",
            "function": {"name": n, "description": f"The {n} tool. " * 40, "parameters": schema},
        }
        for n in names[:count]
    ]


def first_turn(text: str, provider_name: str = "router") -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": system_prompt(provider_name)},
        {"role": "user", "content": user_text(text, provider_name)},
        {"role": "user", "content": [{"type": "text", "text": INTERNAL}]},
    ]


def tool_loop(text: str, call_id: str, result: Any, image: bool = False) -> list[dict[str, Any]]:
    """The request after the model asked to `read` a file and the tool answered."""
    messages = first_turn(text)[:-1]
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": "read", "arguments": '{"path":"hello.txt"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": result},
    ]
    if image:
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Image(s) from tool result #1 (read):"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            }
        )
    messages.append({"role": "user", "content": [{"type": "text", "text": INTERNAL}]})
    return messages


def request(messages: list[dict[str, Any]], tool_count: int = 11) -> dict[str, Any]:
    return {
        "model": "llm-router",
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_completion_tokens": 4096,
        "tools": tools(tool_count),
        "tool_choice": "auto",
    }
