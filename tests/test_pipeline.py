"""The classification pipeline in the running app: LLM classifiers against fake upstreams,
cascade, fallbacks, sticky routing through tool loops, and the /v1/classify dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from llmrouter.classify.llm import parse_level
from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake, Reply, fixture

LEVEL_MODELS = {
    "super_easy": "openai:m-super-easy",
    "easy": "openai:m-easy",
    "medium": "openai:m-medium",
    "hard": "openai:m-hard",
    "super_hard": "openai:m-super-hard",
}
# Rules make the built-in path deterministic here, whatever the shipped model says.
ROUTES = """# Routes
## Rules
- `^refactor everything` -> super_hard
- `^fix the typo` -> easy
- `^thanks` -> super_easy
"""


def answer(text: str) -> Reply:
    body = orjson.loads(fixture("openai/completion.json"))
    body["choices"][0]["message"]["content"] = text
    return Reply("json", orjson.dumps(body))


def config(fake: OpenAIFake, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    routes = tmp_path / "ROUTES.md"
    routes.write_text(ROUTES, encoding="utf-8")
    raw: dict[str, Any] = {
        "providers": {"openai": {"base_url": fake.url + "/v1", "api_key": "sk-test-openai"}},
        "models": LEVEL_MODELS,
        "routes": str(routes),
    }
    raw.update(extra)
    return raw


async def chat(base: str, messages: list[Any], **extra: Any) -> tuple[str, str]:
    async with aiohttp.ClientSession() as http:
        body = {"model": "llm-router", "messages": messages, **extra}
        async with http.post(base + "/v1/chat/completions", json=body) as resp:
            assert resp.status == 200, await resp.text()
            await resp.read()
            return resp.headers["x-llmrouter-level"], resp.headers["x-llmrouter-model"]


async def dry_run(base: str, payload: dict[str, Any]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/v1/classify", json=payload) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("hard", "hard"),
        ("Level: super_hard.", "super_hard"),
        ("<think>could be easy... or medium</think>\nsuper easy", "super_easy"),
        ("<think>unterminated easy", None),
        ("MEDIUM", "medium"),
        ("banana", None),
    ],
)
def test_any_level_name_in_the_answer_is_accepted(text: str, level: str | None) -> None:
    assert parse_level(text) == level


async def test_llm_classifier_decides_and_is_cached(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path
) -> None:
    raw = config(openai_fake, tmp_path, classifier={"provider": "openai", "model": "gpt-4o-mini"})
    base = await make_router(raw)
    openai_fake.queue(answer("<think>tricky</think> hard"))
    result = await dry_run(base, {"text": "What is 2 + 2?"})
    assert (result["level"], result["model"]) == ("hard", "m-hard")
    assert result["classifier"] == "openai:gpt-4o-mini"
    sent = openai_fake.seen[-1].body
    assert sent["model"] == "gpt-4o-mini" and sent["temperature"] == 0
    assert "super_easy" in sent["messages"][0]["content"]
    assert sent["messages"][1]["content"] == "What is 2 + 2?"
    calls = len(openai_fake.seen)
    again = await dry_run(base, {"text": "what is   2 + 2?"})
    assert again["level"] == "hard" and len(openai_fake.seen) == calls


@pytest.mark.parametrize("reply", [Reply("hang"), answer("banana"), Reply("json", b"{}", 500)])
async def test_llm_failure_falls_back_to_the_builtin_classifier(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path, reply: Reply
) -> None:
    classifier = {"provider": "openai", "model": "gpt-4o-mini", "timeout_s": 0.3}
    base = await make_router(config(openai_fake, tmp_path, classifier=classifier))
    openai_fake.queue(reply)
    result = await dry_run(base, {"text": "refactor everything in the repo to async"})
    assert result["level"] == "super_hard"  # from the built-in path and the rules
    assert "LLM classifier failed" in result["reason"]
    assert result["ms"] < 3000


async def test_cascade_asks_the_llm_only_when_unsure(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path
) -> None:
    sure = {"provider": "openai", "mode": "cascade", "cascade_threshold": 0.0}
    base = await make_router(config(openai_fake, tmp_path, classifier=sure))
    await dry_run(base, {"text": "hello there"})
    assert not openai_fake.seen
    unsure = {"provider": "openai", "mode": "cascade", "cascade_threshold": 1.01}
    base = await make_router(config(openai_fake, tmp_path, classifier=unsure))
    openai_fake.queue(answer("medium"))
    assert (await dry_run(base, {"text": "hello there"}))["level"] == "medium"
    assert len(openai_fake.seen) == 1


def tool_loop_step(messages: list[Any], n: int) -> list[Any]:
    call = {
        "id": f"call_{n}",
        "type": "function",
        "function": {"name": "read", "arguments": '{"path": "a.py"}'},
    }
    return [
        *messages,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"call_{n}", "content": f"contents {n}"},
    ]


@pytest.mark.parametrize(
    ("mode", "after_thanks"), [("task", "super_easy"), ("upgrade_only", "super_hard")]
)
async def test_sticky_routing_through_a_tool_loop(
    openai_fake: OpenAIFake,
    make_router: RouterFactory,
    tmp_path: Path,
    mode: str,
    after_thanks: str,
) -> None:
    base = await make_router(config(openai_fake, tmp_path, routing={"sticky": mode}))
    messages: list[Any] = [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": "refactor everything to async"},
    ]
    assert await chat(base, messages) == ("super_hard", "m-super-hard")
    for step in range(3):  # the agent works on the same request: the model stays
        messages = tool_loop_step(messages, step)
        assert await chat(base, messages) == ("super_hard", "m-super-hard")
    messages += [{"role": "assistant", "content": "Done."}, {"role": "user", "content": "thanks"}]
    assert (await chat(base, messages))[0] == after_thanks


async def test_sticky_keys_on_openclaw_session_id(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path
) -> None:
    base = await make_router(config(openai_fake, tmp_path, routing={"sticky": "upgrade_only"}))

    def first(session: str, text: str) -> list[Any]:
        runtime = f"\n\nRuntime: agent=main | sessionId={session} | model=router/llm-router"
        return [{"role": "user", "content": f"[Thu 2026-11-26 08:09 UTC] {text}{runtime}"}]

    assert (await chat(base, first("s-1", "refactor everything now")))[0] == "super_hard"
    assert (await chat(base, first("s-1", "thanks")))[0] == "super_hard"
    assert (await chat(base, first("s-2", "thanks")))[0] == "super_easy"


async def test_sticky_off_reclassifies_every_call(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path
) -> None:
    raw = config(openai_fake, tmp_path, routing={"sticky": "off"})
    raw["classifier"] = {"provider": "openai", "model": "gpt-4o-mini"}
    base = await make_router(raw)
    messages: list[Any] = [{"role": "user", "content": "fix the typo in README"}]
    openai_fake.queue(answer("easy"))
    await chat(base, messages)
    openai_fake.queue(answer("hard"))  # a new answer for the same text is not asked: cached
    assert (await chat(base, tool_loop_step(messages, 1)))[0] == "easy"


async def test_classify_endpoint_rejects_bad_input(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path
) -> None:
    base = await make_router(config(openai_fake, tmp_path))
    async with aiohttp.ClientSession() as http:
        for payload in (b"nope", b"[]", b'{"messages": 3}', b"{}"):
            async with http.post(base + "/v1/classify", data=payload) as resp:
                assert resp.status == 400
                assert set((await resp.json())["error"]) == {"message", "type", "param", "code"}
