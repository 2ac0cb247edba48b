"""Latency of the built-in classifier, text extraction included.

``bench_classifier()`` returns p50/p99 milliseconds for a small chat and for a
~10 KB OpenClaw-shaped agent conversation (system prompt, tool calls, tool
results, a long pasted log, the synthetic internal-context message). Run alone:
``python benchmarks/classify_bench.py``. Target: p99 < 1 ms on one core.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from llmrouter.classify.builtin import BuiltinClassifier

SMALL: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What's the capital of Australia?"},
]


def large_conversation(target_bytes: int = 10_000) -> list[dict[str, Any]]:
    """An OpenClaw-shaped agent turn of about ``target_bytes`` of JSON."""
    log = "\n".join(
        f"12:00:{i % 60:02d}.{i:03d} worker-{i % 7} WARN retrying job {i * 37} after timeout"
        for i in range(60)
    )
    ask = (
        "[Thu 2026-11-26 08:09 UTC] Our nightly billing job double-charges a few customers. "
        "Here is the log:\n\n```\n" + log + "\n```\n\nFind the root cause and propose a fix "
        "that keeps the job idempotent under retries.\n\nRuntime: agent=main | "
        "session=agent:main:explicit:1b2c | sessionId=1b2c3d4e | host=vm | os=Linux | "
        "model=router/llm-router | shell=bash"
    )
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are OpenClaw. " + "Follow the tool rules. " * 60},
        {"role": "user", "content": ask},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "callRead1",
                    "type": "function",
                    "function": {"name": "read", "arguments": '{"path":"billing/job.py"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "callRead1", "content": "def run():\n    pass\n" * 20},
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": (
                        "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>turn bookkeeping"
                        "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
                    ),
                }
            ],
        },
    ]
    while len(json.dumps(messages)) < target_bytes:
        messages[3]["content"] += "    charge(customer)\n"
    return messages


_PROSE = (
    "the service queue retry worker latency budget customer invoice ledger payment "
    "should must without partition replica leader election timeout clock skew "
    "we need a design that scales to millions of users across three regions while "
    "keeping costs low and meeting compliance requirements for audit trails and "
    "deletion requests within thirty days of the original request being filed"
)
_WORDS = _PROSE.split()


def long_paste(target_bytes: int = 10_000) -> list[dict[str, Any]]:
    """One user message: a ~10 KB pasted document (varied words) and the ask at the end."""
    words: list[str] = []
    state = 7
    size = 0
    while size < target_bytes - 200:
        state = (state * 1103515245 + 12345) % 2**31
        word = _WORDS[state % len(_WORDS)]
        words.append(word + (str(state % 97) if state % 5 == 0 else ""))
        size += len(words[-1]) + 1
    text = " ".join(words) + "\n\nSummarise the document above in three bullet points."
    return [{"role": "user", "content": text}]


def _percentiles(
    clf: BuiltinClassifier, messages: list[dict[str, Any]], n: int
) -> dict[str, float]:
    for _ in range(200):
        clf.classify(messages)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        clf.classify(messages)
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return {"p50_ms": round(times[n // 2], 4), "p99_ms": round(times[int(n * 0.99)], 4)}


def bench_classifier(n: int = 3000) -> dict[str, Any]:
    """p50/p99 classification latency (ms) for a small and a ~10 KB conversation."""
    clf = BuiltinClassifier.from_file()
    large = large_conversation()
    return {
        "small": _percentiles(clf, SMALL, n),
        "large_10kb": {**_percentiles(clf, large, n), "bytes": len(json.dumps(large))},
        "paste_10kb": _percentiles(clf, long_paste(), n),
    }


if __name__ == "__main__":
    print(json.dumps(bench_classifier(), indent=2))
