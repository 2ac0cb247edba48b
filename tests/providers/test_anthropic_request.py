"""OpenAI chat requests → Anthropic Messages bodies; every body must pass the strict fake."""

from __future__ import annotations

from typing import Any

import pytest

from llmrouter.errors import BadRequest
from llmrouter.providers.anthropic.request import AnthropicOptions, to_anthropic_request
from llmrouter.toolids import safe_id
from tests.fake_anthropic import Invalid, check_body

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
    "2mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
OPTIONS = AnthropicOptions()
TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "read",
        "description": "read a file",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
    },
}


def translate(body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    out = to_anthropic_request(body, "claude-sonnet-4-5", kw.pop("options", OPTIONS), **kw).body
    check_body(out)  # the strict fake accepts it
    return out


def call(call_id: str, name: str = "read", args: str = '{"path": "a.txt"}') -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def test_all_system_and_developer_messages_in_order() -> None:
    out = translate(
        {
            "messages": [
                {"role": "system", "content": "one"},
                {"role": "user", "content": "hi"},
                {"role": "developer", "content": [{"type": "text", "text": "two"}]},
                {"role": "system", "content": "three"},
            ]
        }
    )
    assert [b["text"] for b in out["system"]] == ["one", "two", "three"]
    assert out["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert out["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}],
        }
    ]


def test_roles_merge_and_conversation_starts_with_user() -> None:
    out = translate(
        {
            "messages": [
                {"role": "assistant", "content": "Welcome!"},
                {"role": "assistant", "content": "Ask me anything."},
                {"role": "user", "content": "a"},
                {"role": "user", "content": ""},
                {"role": "user", "content": "b"},
            ]
        }
    )
    roles = [m["role"] for m in out["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert [b["text"] for b in out["messages"][1]["content"]] == ["Welcome!", "Ask me anything."]
    assert [b["text"] for b in out["messages"][2]["content"]] == ["a", "b"]


def test_tool_loop_with_foreign_ids_pairs_results() -> None:
    kimi, long_id = "functions.read:0", "fc_" + "9" * 90
    out = translate(
        {
            "tools": [TOOL],
            "messages": [
                {"role": "user", "content": "read both"},
                {"role": "assistant", "content": None, "tool_calls": [call(kimi), call(long_id)]},
                {"role": "tool", "tool_call_id": long_id, "content": "B"},
                {"role": "tool", "tool_call_id": kimi, "content": [{"type": "text", "text": "A"}]},
                {"role": "user", "content": "thanks"},
            ],
        },
        options=AnthropicOptions(cache_prompt=False),
    )
    uses = out["messages"][1]["content"]
    assert [u["id"] for u in uses] == [safe_id(kimi), safe_id(long_id)]
    assert uses[0]["input"] == {"path": "a.txt"}
    results = out["messages"][2]["content"]
    assert [r.get("tool_use_id") for r in results] == [safe_id(kimi), safe_id(long_id), None]
    assert results[0]["content"] == [{"type": "text", "text": "A"}]
    assert results[2] == {"type": "text", "text": "thanks"}


def test_missing_results_reused_ids_and_stray_results_still_make_a_valid_request() -> None:
    out = translate(
        {
            "tools": [TOOL],
            "messages": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "tool_calls": [call("call_0")]},
                {"role": "user", "content": "never mind the result"},
                {"role": "assistant", "tool_calls": [call("call_0")]},  # id reused
                {"role": "tool", "tool_call_id": "call_0", "content": "ok"},
                {"role": "tool", "tool_call_id": "gone", "content": "stray"},
            ],
        }
    )
    first, second = out["messages"][1]["content"][0]["id"], out["messages"][3]["content"][0]["id"]
    assert first != second
    assert out["messages"][2]["content"][0]["is_error"] is True
    assert out["messages"][4]["content"][0]["tool_use_id"] == second
    assert out["messages"][4]["content"][1]["text"].startswith("Result of tool call gone")


def test_tool_history_without_tools_gets_definitions_and_choice_none() -> None:
    out = translate(
        {
            "messages": [
                {"role": "user", "content": "summarise"},
                {"role": "assistant", "tool_calls": [call("c1")]},
                {"role": "tool", "tool_call_id": "c1", "content": "x"},
            ]
        }
    )
    assert [t["name"] for t in out["tools"]] == ["read"]
    assert out["tool_choice"] == {"type": "none"}


def test_malformed_arguments_are_a_400_naming_the_message() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "tool_calls": [call("c1", args='{"path": ')]},
        ]
    }
    with pytest.raises(BadRequest) as info:
        translate(body)
    assert info.value.param == "messages[1].tool_calls[0].function.arguments"


def test_images_base64_and_url() -> None:
    out = translate(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                    ],
                }
            ]
        }
    )
    blocks = out["messages"][0]["content"]
    assert blocks[1]["source"] == {"type": "base64", "media_type": "image/png", "data": PNG}
    assert blocks[2]["source"] == {"type": "url", "url": "https://example.com/cat.jpg"}


def test_unsupported_image_type_is_a_400() -> None:
    part = {"type": "image_url", "image_url": {"url": f"data:image/bmp;base64,{PNG}"}}
    with pytest.raises(BadRequest) as info:
        translate({"messages": [{"role": "user", "content": [part]}]})
    assert info.value.param == "messages[0].content[0].image_url"
    assert "image/bmp" in info.value.message


def test_parameters_map_and_unknown_ones_are_dropped() -> None:
    out = translate(
        {
            "messages": [{"role": "user", "content": "hi"}],
            "max_completion_tokens": 300,
            "temperature": 1.7,
            "top_p": 0.9,
            "stop": "END",
            "user": "u-1",
            "n": 1,
            "seed": 3,
            "presence_penalty": 0.5,
            "response_format": {"type": "json_object"},
            "logprobs": True,
            "tools": [TOOL],
            "tool_choice": "required",
            "parallel_tool_calls": False,
        }
    )
    assert out["max_tokens"] == 300 and out["temperature"] == 1.0 and out["top_p"] == 0.9
    assert out["stop_sequences"] == ["END"]
    assert out["metadata"] == {"user_id": "u-1"}
    assert out["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert out["tools"][0] == {
        "name": "read",
        "description": "read a file",
        "input_schema": TOOL["function"]["parameters"],
        "cache_control": {"type": "ephemeral"},
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", None),
        ("none", {"type": "none"}),
        ({"type": "function", "function": {"name": "read"}}, {"type": "tool", "name": "read"}),
    ],
)
def test_tool_choice(choice: Any, expected: Any) -> None:
    out = translate(
        {"messages": [{"role": "user", "content": "x"}], "tools": [TOOL], "tool_choice": choice}
    )
    assert out.get("tool_choice") == expected


def test_default_max_tokens_by_model_and_option() -> None:
    body = {"messages": [{"role": "user", "content": "x"}]}
    assert to_anthropic_request(body, "claude-3-haiku-20240307", OPTIONS).body["max_tokens"] == 4096
    assert to_anthropic_request(body, "claude-sonnet-4-5", OPTIONS).body["max_tokens"] == 32000
    opts = AnthropicOptions(max_tokens=1000)
    assert to_anthropic_request(body, "claude-sonnet-4-5", opts).body["max_tokens"] == 1000


def test_reasoning_effort_enables_thinking_within_the_rules() -> None:
    out = translate(
        {
            "messages": [{"role": "user", "content": "x"}],
            "reasoning_effort": "high",
            "max_tokens": 1000,
            "temperature": 0.2,
            "top_p": 0.5,
        }
    )
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 16384}
    assert out["max_tokens"] == 17384
    assert "temperature" not in out and "top_p" not in out
    budgets = AnthropicOptions(thinking_budgets={"low": 2000, "medium": 3000, "high": 5000})
    low = translate(
        {"messages": [{"role": "user", "content": "x"}], "reasoning_effort": "minimal"},
        options=budgets,
    )
    assert low["thinking"]["budget_tokens"] == 2000


def test_thinking_off_when_tool_use_is_forced_or_mid_loop_without_signature() -> None:
    base = {"messages": [{"role": "user", "content": "x"}], "reasoning_effort": "low"}
    forced = translate({**base, "tools": [TOOL], "tool_choice": "required"})
    assert "thinking" not in forced
    loop = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": [call("toolu_1")]},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "r"},
    ]
    assert "thinking" not in translate({**base, "messages": loop, "tools": [TOOL]})
    remembered = [{"type": "thinking", "thinking": "t", "signature": "sig"}]
    kept = translate(
        {**base, "messages": loop, "tools": [TOOL]},
        recall=lambda i: remembered if i == "toolu_1" else None,
    )
    assert kept["thinking"]["budget_tokens"] == 1024
    assert kept["messages"][1]["content"][0] == remembered[0]


def test_oauth_identity_and_claude_code_tool_names() -> None:
    todo = {"type": "function", "function": {"name": "todowrite", "parameters": {}}}
    translated = to_anthropic_request(
        {
            "messages": [
                {"role": "system", "content": "be helpful"},
                {"role": "user", "content": "x"},
                {"role": "assistant", "tool_calls": [call("c1", name="todowrite", args="{}")]},
                {"role": "tool", "tool_call_id": "c1", "content": "done"},
            ],
            "tools": [TOOL, todo],
            "tool_choice": {"type": "function", "function": {"name": "read"}},
        },
        "claude-sonnet-4-5",
        OPTIONS,
        oauth=True,
    )
    out = translated.body
    check_body(out)
    assert out["system"][0]["text"] == "You are Claude Code, Anthropic's official CLI for Claude."
    assert out["system"][1]["text"] == "be helpful"
    assert [t["name"] for t in out["tools"]] == ["Read", "TodoWrite"]
    assert out["tool_choice"] == {"type": "tool", "name": "Read"}
    assert out["messages"][1]["content"][0]["name"] == "TodoWrite"
    assert translated.tool_names == {"Read": "read", "TodoWrite": "todowrite"}


def test_prefill_loses_trailing_whitespace() -> None:
    out = translate(
        {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "{ "}]}
    )
    assert out["messages"][-1]["content"] == [{"type": "text", "text": "{"}]


def test_fake_rejects_what_the_api_rejects() -> None:
    good = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    check_body(good)
    bad = [
        {**good, "max_tokens": None},
        {**good, "n": 1},
        {**good, "temperature": 1.5},
        {**good, "messages": [{"role": "assistant", "content": "x"}]},
        {**good, "messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]},
        {
            **good,
            "tools": [{"name": "f", "input_schema": {"type": "object"}}],
            "messages": [
                {"role": "user", "content": "x"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "a.b", "name": "f", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "a.b", "content": "r"}],
                },
            ],
        },
        {**good, "thinking": {"type": "enabled", "budget_tokens": 1024}},
    ]
    for body in bad:
        with pytest.raises(Invalid):
            check_body(body)


def test_tool_result_keeps_text_and_images() -> None:
    image = {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{PNG}"}}
    out = translate(
        {
            "tools": [TOOL],
            "messages": [
                {"role": "user", "content": "screenshot?"},
                {"role": "assistant", "tool_calls": [call("c1")]},
                {
                    "role": "tool",
                    "tool_call_id": "c1",
                    "content": [{"type": "text", "text": "here"}, image],
                },
            ],
        }
    )
    result = out["messages"][2]["content"][0]
    assert result["content"][0] == {"type": "text", "text": "here"}
    assert result["content"][1]["source"]["media_type"] == "image/jpeg"
