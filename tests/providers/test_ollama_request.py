"""OpenAI chat requests → Ollama /api/chat bodies (pure mapping)."""

from __future__ import annotations

from typing import Any

import pytest

from llmrouter.errors import BadRequest
from llmrouter.providers.ollama import to_ollama_request

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_messages_images_tools_and_results() -> None:
    body: dict[str, Any] = {
        "messages": [
            {"role": "developer", "content": "be brief"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is it?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "reasoning_content": "look",
                "tool_calls": [
                    {
                        "id": "functions.read:0",
                        "type": "function",
                        "function": {"name": "read", "arguments": '{"path": "a"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "functions.read:0", "content": "A"},
        ],
        "tools": [
            {"type": "function", "function": {"name": "read", "parameters": {"type": "object"}}}
        ],
    }
    out = to_ollama_request(body, "qwen3:8b", stream=True)
    assert out["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "what is it?", "images": [PNG]},
        {
            "role": "assistant",
            "content": "",
            "thinking": "look",
            "tool_calls": [{"function": {"name": "read", "arguments": {"path": "a"}}}],
        },
        {"role": "tool", "content": "A", "tool_name": "read"},
    ]
    assert out["tools"] == body["tools"] and out["stream"] is True and out["model"] == "qwen3:8b"


def test_options_format_and_think() -> None:
    body = {
        "messages": [{"role": "user", "content": "x"}],
        "max_tokens": 9,
        "temperature": 0.1,
        "top_p": 0.5,
        "seed": 4,
        "stop": "END",
        "response_format": {"type": "json_object"},
        "reasoning_effort": "high",
    }
    out = to_ollama_request(body, "qwen3:8b", stream=False)
    assert out["options"] == {
        "num_predict": 9,
        "temperature": 0.1,
        "top_p": 0.5,
        "seed": 4,
        "stop": ["END"],
    }
    assert out["format"] == "json" and out["think"] is True
    gpt = to_ollama_request(body, "gpt-oss:20b", stream=False)
    assert gpt["think"] == "high"
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "n", "schema": schema}}
    assert (
        to_ollama_request({**body, "response_format": fmt}, "m", stream=False)["format"] == schema
    )


def test_http_image_is_a_400_naming_the_field() -> None:
    part = {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}
    with pytest.raises(BadRequest) as info:
        to_ollama_request({"messages": [{"role": "user", "content": [part]}]}, "m", stream=True)
    assert info.value.param == "messages[0].content[0].image_url"


def test_bad_arguments_is_a_400_naming_the_field() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1]"}}
    with pytest.raises(BadRequest) as info:
        to_ollama_request(
            {"messages": [{"role": "assistant", "tool_calls": [call]}]}, "m", stream=True
        )
    assert info.value.param == "messages[0].tool_calls[0].function.arguments"
