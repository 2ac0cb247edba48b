"""OpenAI chat requests → Gemini request bodies (pure mapping, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from llmrouter.errors import BadRequest
from llmrouter.providers.google.request import to_gemini_request
from llmrouter.providers.google.schema import clean_schema
from llmrouter.store import MemoryStore

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def gemini(
    body: dict[str, Any], store: MemoryStore[str] | None = None, **kw: Any
) -> dict[str, Any]:
    return to_gemini_request(body, "gemini-2.5-flash", signatures=store or MemoryStore(), **kw)


def test_roles_system_and_merging() -> None:
    out = gemini(
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "developer", "content": [{"type": "text", "text": "use French"}]},
                {"role": "user", "content": "hi"},
                {"role": "user", "content": [{"type": "text", "text": "there"}]},
                {"role": "assistant", "content": "bonjour", "reasoning_content": "greet"},
                {"role": "user", "content": "ça va?"},
            ]
        }
    )
    assert out["systemInstruction"] == {"parts": [{"text": "be brief\n\nuse French"}]}
    assert out["contents"] == [
        {"role": "user", "parts": [{"text": "hi"}, {"text": "there"}]},
        {"role": "model", "parts": [{"text": "bonjour"}]},
        {"role": "user", "parts": [{"text": "ça va?"}]},
    ]


def test_images_inline_and_by_url() -> None:
    out = gemini(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                        {"type": "image_url", "image_url": {"url": "https://x.test/cat.webp?s=1"}},
                    ],
                }
            ]
        }
    )
    parts = out["contents"][0]["parts"]
    assert parts[1] == {"inlineData": {"mimeType": "image/png", "data": PNG}}
    assert parts[2] == {
        "fileData": {"mimeType": "image/webp", "fileUri": "https://x.test/cat.webp?s=1"}
    }


def test_bad_image_is_a_400_naming_the_field() -> None:
    bad = {"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}
    with pytest.raises(BadRequest) as info:
        gemini({"messages": [{"role": "user", "content": [bad]}]})
    assert info.value.param == "messages[0].content[0].image_url"


HISTORY: list[dict[str, Any]] = [
    {"role": "user", "content": "weather in Paris and Tokyo, and read notes"},
    {
        "role": "assistant",
        "content": None,
        "reasoning_content": "two cities",
        "tool_calls": [
            {
                "id": "functions.get_weather:0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "toolu_01A09q90qw90lq917835lq9",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'},
            },
            {"id": "call_abc", "type": "function", "function": {"name": "read", "arguments": ""}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_abc", "content": "notes body"},
    {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9", "content": '{"t": 21}'},
    {
        "role": "tool",
        "tool_call_id": "functions.get_weather:0",
        "content": [{"type": "text", "text": "18C"}],
    },
    {"role": "user", "content": "thanks"},
]


def test_tool_calls_and_results_carry_real_names_whatever_the_id_form() -> None:
    out = gemini({"messages": HISTORY})
    model, results = out["contents"][1], out["contents"][2]
    assert model["role"] == "model"
    assert [p["functionCall"] for p in model["parts"]] == [
        {"name": "get_weather", "args": {"city": "Paris"}},
        {"name": "get_weather", "args": {"city": "Tokyo"}},
        {"name": "read", "args": {}},
    ]
    assert results["role"] == "user"
    assert results["parts"] == [
        {"functionResponse": {"name": "read", "response": {"result": "notes body"}}},
        {"functionResponse": {"name": "get_weather", "response": {"t": 21}}},
        {"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}},
        {"text": "thanks"},
    ]


def test_signature_reattached_from_memory_else_placeholder_on_first_call_only() -> None:
    store: MemoryStore[str] = MemoryStore()
    out = gemini(
        {"messages": HISTORY}, store, fallback_signature="skip_thought_signature_validator"
    )
    sigs = [p.get("thoughtSignature") for p in out["contents"][1]["parts"]]
    assert sigs == ["skip_thought_signature_validator", None, None]
    store.set("functions.get_weather:0", "SIG-A", 60)
    store.set("call_abc", "SIG-C", 60)
    out = gemini({"messages": HISTORY}, store, fallback_signature="x")
    assert [p.get("thoughtSignature") for p in out["contents"][1]["parts"]] == [
        "SIG-A",
        None,
        "SIG-C",
    ]


def test_signature_memory_expires() -> None:
    now = [0.0]
    store: MemoryStore[str] = MemoryStore(clock=lambda: now[0])
    store.set("functions.get_weather:0", "SIG-A", 60)
    now[0] = 61
    out = gemini({"messages": HISTORY}, store)
    assert "thoughtSignature" not in out["contents"][1]["parts"][0]


def test_tool_result_without_a_matching_call_is_a_400() -> None:
    messages = [
        {"role": "user", "content": "x"},
        {"role": "tool", "tool_call_id": "nope", "content": "r"},
    ]
    with pytest.raises(BadRequest) as info:
        gemini({"messages": messages})
    assert info.value.param == "messages[1].tool_call_id"


def test_malformed_arguments_in_history_is_a_400_naming_the_field() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{oops"}}
    messages = [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [call]}]
    with pytest.raises(BadRequest) as info:
        gemini({"messages": messages})
    assert info.value.param == "messages[1].tool_calls[0].function.arguments"


OPENCLAW_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "path": {"type": "string", "description": "file", "format": "uri", "~optional": False},
        "mode": {"const": "read"},
        "limit": {"type": ["integer", "null"], "minimum": 1},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
        "meta": {"type": "object", "patternProperties": {"^x-": {"type": "string"}}},
        "target": {"anyOf": [{"$ref": "#/$defs/Target"}, {"type": "null"}]},
        "kind": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    },
    "required": ["path", "ghost"],
    "$defs": {
        "Target": {
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "additionalProperties": False,
        }
    },
}


def test_schema_cleaned_to_what_gemini_accepts() -> None:
    assert clean_schema(OPENCLAW_SCHEMA) == {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "file"},
            "mode": {"enum": ["read"], "type": "string"},
            "limit": {"type": "integer", "nullable": True, "minimum": 1},
            "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
            "meta": {"type": "object"},
            "target": {
                "nullable": True,
                "type": "object",
                "properties": {"id": {"type": "string"}},
            },
            "kind": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "required": ["path"],
    }


def test_tools_tool_choice_and_generation_config() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "read",
                "description": "Read a file",
                "parameters": OPENCLAW_SCHEMA,
            },
        },
        {
            "type": "function",
            "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
        },
    ]
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": "hi"}],
        "tools": tools,
        "tool_choice": {"type": "function", "function": {"name": "read"}},
        "max_tokens": 100,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": "END",
        "seed": 3,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "x",
                "schema": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
        },
        "reasoning_effort": "low",
    }
    out = gemini(body)
    decls = out["tools"][0]["functionDeclarations"]
    assert decls[0]["name"] == "read" and "additionalProperties" not in str(decls[0])
    assert decls[1] == {"name": "now"}, "an empty OBJECT schema is refused by Gemini"
    assert out["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["read"]}
    }
    assert out["generationConfig"] == {
        "maxOutputTokens": 100,
        "temperature": 0.2,
        "topP": 0.9,
        "seed": 3,
        "stopSequences": ["END"],
        "responseMimeType": "application/json",
        "responseSchema": {"type": "object", "properties": {"a": {"type": "string"}}},
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 1024},
    }
    for choice, mode in (("auto", "AUTO"), ("none", "NONE"), ("required", "ANY")):
        assert gemini({**body, "tool_choice": choice})["toolConfig"] == {
            "functionCallingConfig": {"mode": mode}
        }


def test_thinking_levels_for_gemini_3_and_budget_floor_for_pro() -> None:
    body = {"messages": [{"role": "user", "content": "x"}], "reasoning_effort": "minimal"}
    pro = to_gemini_request(body, "gemini-2.5-pro", signatures=MemoryStore())
    assert pro["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": False,
        "thinkingBudget": 128,
    }
    three = to_gemini_request(
        {**body, "reasoning_effort": "high"}, "gemini-3-pro-preview", signatures=MemoryStore()
    )
    assert three["generationConfig"]["thinkingConfig"] == {
        "includeThoughts": True,
        "thinkingLevel": "high",
    }


def test_system_only_request_is_asked_as_user() -> None:
    out = gemini({"messages": [{"role": "system", "content": "say hi"}]})
    assert out == {"contents": [{"role": "user", "parts": [{"text": "say hi"}]}]}
