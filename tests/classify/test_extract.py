"""extract_ask: which text is classified, OpenClaw wrappers, bounds, odd shapes."""

from __future__ import annotations

from typing import Any

import pytest

from llmrouter.classify.extract import HEAD_CHARS, TAIL_CHARS, extract_ask, follow_up_kind

SESSION = "7f1c2a4e-0b9d-4c55-9e61-2f0d3b8a9c10"
RUNTIME = (
    f"\n\nRuntime: agent=main | session=agent:main:explicit:{SESSION} | sessionId={SESSION}"
    " | host=vm | os=Linux 6.1 | node=v24.21.0 | active_node=unknown"
    " | model=router/llm-router | default_model=router/llm-router | shell=bash"
)
INTERNAL = {
    "role": "user",
    "content": [
        {
            "type": "text",
            "text": "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nturn 3 bookkeeping\n"
            "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>",
        }
    ],
}


def openclaw_user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": f"[Thu 2026-11-26 08:09 UTC] {text}{RUNTIME}"}


def test_plain_last_user_message_is_the_ask() -> None:
    ask = extract_ask(
        [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "answer"},
            {"role": "user", "content": "What is 2+2?"},
        ]
    )
    assert ask.text == "What is 2+2?"
    assert ask.n_turns == 2
    assert ask.context == ""
    assert ask.conversation_key is None


def test_openclaw_wrappers_are_stripped_and_session_kept() -> None:
    ask = extract_ask(
        [
            {"role": "system", "content": "<!-- openclaw:attempt:STABLE -->" + "x" * 5000},
            openclaw_user("Refactor the billing module"),
            INTERNAL,
        ]
    )
    assert ask.text == "Refactor the billing module"
    assert ask.conversation_key == SESSION
    assert ask.n_turns == 1


def test_mid_tool_loop_keeps_the_users_request() -> None:
    ask = extract_ask(
        [
            openclaw_user("Find why the nightly job double-charges"),
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "callRead1",
                        "type": "function",
                        "function": {"name": "read", "arguments": '{"path":"job.py"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "callRead1", "content": "Read image file [image/png]"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Image(s) from tool result #1 (read):"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                ],
            },
            INTERNAL,
        ]
    )
    assert ask.text == "Find why the nightly job double-charges"
    assert not ask.has_image  # the tool's image is not part of the user's request


def test_user_image_is_a_feature_not_text() -> None:
    ask = extract_ask(
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what colour is the car?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/car.jpg"}},
                ],
            }
        ]
    )
    assert ask.text == "what colour is the car?"
    assert ask.has_image


def test_queued_turn_header_is_removed() -> None:
    ask = extract_ask(
        [
            {
                "role": "user",
                "content": (
                    "[Queued user message from a previous active turn; preserved as context only. "
                    "Continue with the active prompt below.]\nadd a --verbose flag"
                ),
            }
        ]
    )
    assert ask.text == "add a --verbose flag"


def test_long_paste_is_bounded_keeping_head_and_tail() -> None:
    article = "Lorem ipsum dolor sit amet. " * 2000
    ask = extract_ask([{"role": "user", "content": "TITLE?\n" + article + "\nWhat's the title?"}])
    assert len(ask.text) <= HEAD_CHARS + TAIL_CHARS + 8
    assert ask.text.startswith("TITLE?")
    assert ask.text.endswith("What's the title?")
    assert ask.chars > 50_000


@pytest.mark.parametrize(
    "proposal, follow_up",
    [
        (
            "I can migrate all nine services to the event bus. Shall I write the full plan?",
            "yes, go ahead",
        ),
        ("Here is the fix for /login.", "do the same for the other three endpoints"),
    ],
)
def test_delegating_follow_up_carries_the_proposal(proposal: str, follow_up: str) -> None:
    ask = extract_ask(
        [
            {"role": "user", "content": "our services poll each other"},
            {"role": "assistant", "content": proposal},
            {"role": "user", "content": follow_up},
        ]
    )
    assert ask.text == follow_up
    assert proposal[:20] in ask.context
    assert "our services poll" in ask.context


@pytest.mark.parametrize("follow_up", ["thanks, that fixed it!", "what does line 3 do?", "ok"])
def test_non_delegating_follow_up_has_no_context(follow_up: str) -> None:
    ask = extract_ask(
        [
            {"role": "user", "content": "fix my loop"},
            {"role": "assistant", "content": "Change line 3 to use range(len(xs))."},
            {"role": "user", "content": follow_up},
        ]
    )
    assert ask.context == ""


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "user", "content": None}],
        [{"role": "user"}],
        [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}],
        [{"role": "user", "content": [{"type": "text"}, {"type": "text", "text": 3}, "bare"]}],
        [{"role": "user", "content": 42}],
        [{"role": "assistant", "content": None, "tool_calls": []}],
        [{"role": "tool", "content": "x", "tool_call_id": "a"}, {"role": "user", "content": ""}],
        [{"role": "user", "content": "yes"}],
    ],
)
def test_odd_shapes_never_raise(messages: list[dict[str, Any]]) -> None:
    ask = extract_ask(messages)
    assert isinstance(ask.text, str)


def test_extraction_is_fast_on_a_huge_message() -> None:
    import time

    messages = [{"role": "user", "content": "word " * 200_000}]
    start = time.perf_counter()
    extract_ask(messages)
    assert time.perf_counter() - start < 0.05


@pytest.mark.parametrize(
    "text, proposal, kind",
    [
        ("yes, go ahead", "", "handback"),
        ("Approved. Write the full programme document.", "", "handback"),
        ("yes", "Found it at src/api.py:88. Remove it?", "handback"),
        ("yes", "Here is the answer.", None),
        ("tomorrow 8am", "Sure, when would you like the reminder?", "rework"),
        ("What if it is not a binary tree?", "", "rework"),
        ("Can you parallelize it?", "", "rework"),
        ("no thanks, that's all", "Anything else I can help with?", None),
        ("thanks, that fixed it!", "Want me to add a test too?", None),
        ("what does line 3 do?", "Here is the fix.", None),
    ],
)
def test_follow_up_kind(text: str, proposal: str, kind: str | None) -> None:
    assert follow_up_kind(text, proposal) == kind


def test_rework_keeps_its_own_words_in_the_context() -> None:
    ask = extract_ask(
        [
            {"role": "user", "content": "Write a function to find the height of a binary tree."},
            {"role": "assistant", "content": "def height(node): ..."},
            {"role": "user", "content": "What if it is not a binary tree?"},
        ]
    )
    assert "height of a binary tree" in ask.context
    assert ask.context.endswith("What if it is not a binary tree?")


def test_claude_code_system_reminders_are_not_the_ask() -> None:
    reminder = (
        "<system-reminder>\nEnd git commit messages with a co-author line; follow the "
        "repository's contribution rules.\n</system-reminder>\n"
    )
    messages = [
        {
            "role": "user",
            "content": [{"type": "text", "text": reminder}, {"type": "text", "text": "Say hello."}],
        }
    ]
    assert extract_ask(messages).text == "Say hello."
