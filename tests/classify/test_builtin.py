"""The shipped model, its accuracy on the held-out split, training determinism, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmrouter.classify import LEVELS, BuiltinClassifier
from llmrouter.classify.builtin import DEFAULT_MODEL
from llmrouter.classify.evaluate import (
    default_files,
    is_heldout,
    load_items,
    passes,
    score,
)
from llmrouter.classify.evaluate import (
    main as classify_main,
)

RUNTIME = "\n\nRuntime: agent=main | sessionId=abc-123 | host=vm | model=router/llm-router"


@pytest.fixture(scope="module")
def model() -> BuiltinClassifier:
    return BuiltinClassifier.from_file()


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def openclaw_wrapped(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same conversation as OpenClaw would send it."""
    out: list[dict[str, Any]] = [{"role": "system", "content": "You are OpenClaw. " * 300}]
    for message in messages:
        content = message.get("content")
        already = isinstance(content, str) and "\n\nRuntime: " in content  # OpenClaw-shaped
        if message.get("role") == "user" and isinstance(content, str) and not already:
            message = {
                "role": "user",
                "content": f"[Thu 2026-11-26 08:09 UTC] {message['content']}{RUNTIME}",
            }
        out.append(message)
    out.append(
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": (
                        "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>x<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
                    ),
                }
            ],
        }
    )
    return out


def test_model_file_is_small_and_well_formed(model: BuiltinClassifier) -> None:
    assert DEFAULT_MODEL.stat().st_size < 5_000_000
    assert model.meta["n_train"] > 0


@pytest.mark.parametrize(
    "text, allowed",
    [
        ("thanks so much!", {"super_easy"}),
        ("hi", {"super_easy"}),
        ("What's the capital of Canada?", {"easy"}),
        ("Write a Python function that merges two sorted lists, with unit tests.", {"medium"}),
        ("Prove that there are infinitely many primes of the form 4k+3.", {"hard", "super_hard"}),
        (
            "Design a multi-region payments platform with exactly-once settlement, PCI-DSS "
            "compliance, 99.999% availability and a zero-downtime migration from our monolith.",
            {"super_hard"},
        ),
    ],
)
def test_clear_cases(model: BuiltinClassifier, text: str, allowed: set[str]) -> None:
    decision = model.classify(user(text))
    assert decision.level in allowed, decision
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.classifier == "builtin"


def test_empty_request_is_cheap_with_zero_confidence(model: BuiltinClassifier) -> None:
    decision = model.classify([])
    assert decision.level in LEVELS[:2]
    assert decision.confidence == 0.0


def heldout() -> list[Any]:
    return [i for i in load_items(default_files()) if is_heldout(i.group)]


@pytest.mark.skipif(not default_files(), reason="no training data in data/classify")
def test_shipped_model_meets_targets_on_heldout(model: BuiltinClassifier) -> None:
    items = heldout()
    figures = score(items, [model.classify(i.messages).level for i in items])
    assert figures["n"] >= 50
    assert passes(figures), figures


@pytest.mark.skipif(not default_files(), reason="no training data in data/classify")
def test_openclaw_context_does_not_change_the_level(model: BuiltinClassifier) -> None:
    items = heldout()[:150]
    for item in items:
        plain = model.classify(item.messages).level
        assert model.classify(openclaw_wrapped(item.messages)).level == plain, item.id


def small_fixture(path: Path) -> None:
    rows = []
    texts = {
        "super_easy": ["thanks!", "hi there", "ok cool", "bye now", "lol nice", "got it"],
        "easy": [
            "capital of peru?",
            "convert 3 km to miles",
            "who wrote hamlet?",
            "define entropy",
            "what is 15% of 80",
            "spell necessary",
        ],
        "medium": [
            "write a python script to rename files",
            "draft an email to my landlord",
            "explain how dns works",
            "summarise this article",
            "write a sql join",
            "plan a three day trip to rome",
        ],
        "hard": [
            "find the deadlock in this code",
            "prove sqrt 2 is irrational rigorously",
            "debug this race condition",
            "design a lock-free queue with proof",
            "analyse confounding in this experiment",
            "security review of this login",
        ],
        "super_hard": [
            "design a global payments platform",
            "prove the riemann hypothesis",
            "architecture for multi-tenant saas migration",
            "is p vs np independent",
            "design a distributed database",
            "18 month migration programme",
        ],
    }
    for level, examples in texts.items():
        for n, text in enumerate(examples):
            rows.append(
                {
                    "id": f"{level}-{n}",
                    "group": f"{level}-{n}",
                    "level": level,
                    "messages": [{"role": "user", "content": text}],
                    "tags": [],
                    "lang": "en",
                }
            )
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def test_training_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    from llmrouter.classify import train

    data = tmp_path / "small.jsonl"
    small_fixture(data)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert train.main([str(data), "--out", str(first), "--steps", "60"]) == 0
    assert train.main([str(data), "--out", str(second), "--steps", "60"]) == 0
    assert first.read_bytes() == second.read_bytes()
    trained = BuiltinClassifier.from_file(first)
    assert trained.classify(user("thanks!")).level == "super_easy"


def test_cli_prints_level_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert classify_main(["thank you!"]) == 0
    assert capsys.readouterr().out.strip() in LEVELS
    assert classify_main(["--json", "what is 2+2?"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) >= {"level", "confidence", "classifier", "time_ms"}


def test_cli_test_mode_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "t.jsonl"
    rows = [
        {
            "id": "1",
            "group": "g1",
            "level": "super_hard",
            "messages": [{"role": "user", "content": "hello!"}],
        }
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert classify_main(["--test", str(data)]) == 1
    out = capsys.readouterr().out
    assert "severe under-route" in out and "FAIL" in out


def test_model_files_load_in_either_layout(tmp_path: Path) -> None:
    import orjson

    from llmrouter.classify import BuiltinClassifier
    from llmrouter.classify.builtin import DEFAULT_MODEL

    shipped = BuiltinClassifier.from_file(DEFAULT_MODEL)
    compact = tmp_path / "model.json"
    compact.write_bytes(orjson.dumps(orjson.loads(DEFAULT_MODEL.read_bytes())))
    reloaded = BuiltinClassifier.from_file(compact)
    ask = [{"role": "user", "content": "Find the race condition in this Go worker pool."}]
    assert reloaded.classify(ask) == shipped.classify(ask)
