"""The client driver: closed-loop load against one target, every answer checked for completeness.

Runs as its own process (`python benchmarks/load.py`) so the client is never on the router's
core budget by accident; the harness sends it one JSON command per line on stdin and reads one
JSON result per line on stdout. A command names the URL, body, wire format, concurrency and a
request count (or a duration, for the soak). Each answer is reassembled and checked (text equal
to the fake's canned answer, a finish reason, the format's end marker: `[DONE]`, `message_stop`,
Gemini's `finishReason`, Ollama's `"done": true`); a wrong answer counts as an error.
Times are in milliseconds from just before the request is sent.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.answers import answer_tokens
from benchmarks.fake_upstream import run

STALL_S = 30.0  # no byte for this long: the stream is stalled (and counted as an error)


def _events(body: bytes) -> list[bytes]:
    return [e for e in body.replace(b"\r\n", b"\n").split(b"\n\n") if e.strip()]


def _data(event: bytes) -> bytes:
    return b"\n".join(line[5:].strip() for line in event.split(b"\n") if line.startswith(b"data:"))


def check_openai_stream(body: bytes) -> tuple[str, str | None]:
    events = _events(body)
    if not events or _data(events[-1]) != b"[DONE]":
        return "", "no [DONE] at the end"
    text, finish = [], None
    for event in events[:-1]:
        chunk = orjson.loads(_data(event))
        if "error" in chunk:
            return "", f"error event: {chunk['error'].get('message')}"
        for choice in chunk.get("choices") or ():
            text.append((choice.get("delta") or {}).get("content") or "")
            finish = choice.get("finish_reason") or finish
    return "".join(text), None if finish else "no finish_reason"


def check_anthropic_stream(body: bytes) -> tuple[str, str | None]:
    events = [orjson.loads(_data(e)) for e in _events(body)]
    if not events or events[-1].get("type") != "message_stop":
        return "", "no message_stop at the end"
    text = [e["delta"].get("text", "") for e in events if e.get("type") == "content_block_delta"]
    stop = any(e.get("type") == "message_delta" and e["delta"].get("stop_reason") for e in events)
    return "".join(text), None if stop else "no stop_reason"


def check_gemini_stream(body: bytes) -> tuple[str, str | None]:
    text, finish = [], None
    for event in _events(body):
        for cand in orjson.loads(_data(event)).get("candidates") or ():
            text += [p.get("text", "") for p in (cand.get("content") or {}).get("parts") or ()]
            finish = cand.get("finishReason") or finish
    return "".join(text), None if finish else "no finishReason"


def check_ollama_stream(body: bytes) -> tuple[str, str | None]:
    lines = [orjson.loads(line) for line in body.split(b"\n") if line.strip()]
    if not lines or not lines[-1].get("done"):
        return "", 'no "done": true at the end'
    return "".join((m.get("message") or {}).get("content", "") for m in lines), None


def check_whole(fmt: str, body: bytes) -> tuple[str, str | None]:
    obj = orjson.loads(body)
    if fmt == "openai":
        choice = obj["choices"][0]
        return choice["message"]["content"], None if choice.get("finish_reason") else "no finish"
    if fmt == "anthropic":
        return "".join(b.get("text", "") for b in obj["content"]), None
    if fmt == "gemini":
        return "".join(p["text"] for p in obj["candidates"][0]["content"]["parts"]), None
    return obj["message"]["content"], None


STREAM_CHECKS = {
    "openai": check_openai_stream,
    "anthropic": check_anthropic_stream,
    "gemini": check_gemini_stream,
    "ollama": check_ollama_stream,
}


def check(fmt: str, stream: bool, body: bytes, tokens: int) -> str | None:
    """None when `body` is the complete canned answer in format `fmt`, else what is wrong."""
    try:
        text, problem = STREAM_CHECKS[fmt](body) if stream else check_whole(fmt, body)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        return f"malformed answer: {type(exc).__name__}: {exc}"
    if problem:
        return problem
    if text != "".join(answer_tokens(tokens)):
        return f"content differs ({len(text)} chars)"
    return None


class Run:
    """One command's results."""

    def __init__(self) -> None:
        self.ttfb: list[float] = []
        self.ttlb: list[float] = []
        self.errors: dict[str, int] = {}
        self.max_gap = 0.0
        self.bytes = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def one(session: aiohttp.ClientSession, cmd: dict[str, Any], run: Run) -> None:
    start = time.perf_counter()
    first = last = start
    parts: list[bytes] = []
    try:
        async with session.post(cmd["url"], data=cmd["body"], headers=cmd["headers"]) as resp:
            async for data in resp.content.iter_any():
                now = time.perf_counter()
                if parts:  # a stall is a gap inside a stream; connecting shows in the TTFB
                    run.max_gap = max(run.max_gap, now - last)
                else:
                    first = now
                last = now
                parts.append(data)
            status = resp.status
    except TimeoutError:
        run.error(f"stalled (no byte for {STALL_S:g} s) or timed out")
        return
    except aiohttp.ClientError as exc:
        run.error(f"{type(exc).__name__}: {exc}"[:160])
        return
    end = time.perf_counter()
    body = b"".join(parts)
    run.bytes += len(body)
    if status != 200:
        run.error(f"HTTP {status}: {body[:120].decode('utf-8', 'replace')}")
        return
    problem = check(cmd["format"], cmd["stream"], body, cmd["tokens"])
    if problem:
        run.error(problem)
        return
    run.ttfb.append(round((first - start) * 1000, 3))
    run.ttlb.append(round((end - start) * 1000, 3))


async def execute(session: aiohttp.ClientSession, cmd: dict[str, Any]) -> dict[str, Any]:
    run = Run()
    total, duration = int(cmd.get("requests", 0)), float(cmd.get("duration", 0))
    issued = 0
    started = time.perf_counter()

    async def worker() -> None:
        nonlocal issued
        while True:
            if duration > 0 and time.perf_counter() - started >= duration:
                return
            if duration <= 0 and issued >= total:
                return
            issued += 1
            await one(session, cmd, run)

    await asyncio.gather(*(worker() for _ in range(int(cmd["concurrency"]))))
    wall = time.perf_counter() - started
    return {
        "ttfb": run.ttfb,
        "ttlb": run.ttlb,
        "errors": run.errors,
        "wall_s": wall,
        "max_gap_ms": round(run.max_gap * 1000, 1),
        "requests": issued,
        "bytes": run.bytes,
    }


def new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, force_close=False),
        timeout=aiohttp.ClientTimeout(total=600, sock_read=STALL_S),
        skip_auto_headers=("User-Agent",),
    )


async def serve_commands() -> None:
    loop = asyncio.get_running_loop()
    session = new_session()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            cmd = orjson.loads(line)
            if cmd.get("cmd") == "reset":  # drop pooled connections between lanes
                await session.close()
                session = new_session()
                result: dict[str, Any] = {"ok": True}
            else:
                cmd["body"] = cmd["body"].encode()
                result = await execute(session, cmd)
            sys.stdout.buffer.write(orjson.dumps(result) + b"\n")
            sys.stdout.flush()
    finally:
        await session.close()


if __name__ == "__main__":
    run(serve_commands())
