"""LLM-backed classification: ask a small model which level a request is.

The prompt is built from ROUTES.md's level table; the call goes through the router's own
provider code (`forward.complete`), at temperature 0 with a few output tokens. The answer may
wrap the level in prose or in a `<think>` block: the first level name outside `<think>` wins.
This module builds requests and reads answers; it holds no network code of its own.
"""

from __future__ import annotations

import re

from llmrouter.classify import LEVELS
from llmrouter.classify.extract import Ask
from llmrouter.classify.routes import Routes

# The model each provider classifies with when `classifier.model` is not set.
DEFAULT_MODELS = {
    "local": "qwen2.5:3b",
    "anthropic": "claude-haiku-4-5",
    "openai": "gpt-4o-mini",
    "google": "gemini-2.0-flash",
    "kimi": "moonshot-v1-8k",
}
_THINK = re.compile(r"<think>.*?(</think>|$)", re.S | re.I)
_LEVEL = re.compile(r"super[\s_-]?easy|super[\s_-]?hard|easy|medium|hard", re.I)
MAX_ASK_CHARS = 4000

_FALLBACK_TABLE = (
    ("super_easy", "greetings, thanks, acknowledgements: no information needed"),
    ("easy", "one fact, a conversion, a short rewrite, a one-liner"),
    ("medium", "ordinary code, writing, summaries, explanations"),
    ("hard", "debugging, proofs, algorithms, careful multi-step analysis"),
    ("super_hard", "system architecture, research-level or open problems"),
)


def system_prompt(routes: Routes | None) -> str:
    rows = (
        [(row.name, "; ".join([row.use_case, *row.examples[:3]])) for row in routes.levels]
        if routes is not None and routes.levels
        else list(_FALLBACK_TABLE)
    )
    table = "\n".join(f"- {name}: {what}" for name, what in rows)
    return (
        "You classify how much work a request needs, to pick the cheapest model that can answer "
        "it well. Judge the work the answer requires, not the topic, length or wording.\n"
        f"Levels:\n{table}\n"
        "Reply with exactly one level name and nothing else."
    )


def user_prompt(ask: Ask) -> str:
    text = ask.text[:MAX_ASK_CHARS]
    if ask.context:
        return f"Earlier work this message refers to:\n{ask.context[:1500]}\n\nRequest:\n{text}"
    return text


def parse_level(answer: str) -> str | None:
    """The first level name in `answer` outside any `<think>` block, or None."""
    match = _LEVEL.search(_THINK.sub(" ", answer))
    if match is None:
        return None
    word = re.sub(r"[\s-]", "_", match.group(0).lower())
    if word in ("supereasy", "superhard"):
        word = word.replace("super", "super_")
    return word if word in LEVELS else None
