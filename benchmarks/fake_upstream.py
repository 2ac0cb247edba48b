"""A paced fake LLM upstream: OpenAI SSE, Anthropic SSE, Gemini SSE and Ollama NDJSON.

It sends the canned answers of answers.py with a pacing (time to first token, time between
tokens, tokens per answer). It must not be the bottleneck, so it is
a bare asyncio protocol (HTTP/1.1 keep-alive, chunked replies, pre-encoded events, one timer per
stream that catches up when late) rather than an aiohttp app; it binds 127.0.0.1 only.

    python benchmarks/fake_upstream.py --port N [--preset instant|realistic]

The format is chosen by path: `…/chat/completions` OpenAI, `…/messages` Anthropic,
`…:streamGenerateContent` / `…:generateContent` Gemini, `/api/chat` Ollama. `POST /__pacing`
with `{"ttft_ms", "tbt_ms", "tokens"}` changes the pacing; `GET /` answers 200 (readiness, and
the router's start-up probe of a local Ollama).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.answers import BUILDERS, Answer, format_of, whole_body

PRESETS: dict[str, dict[str, float]] = {
    "instant": {"ttft_ms": 0.0, "tbt_ms": 0.0, "tokens": 50},
    "realistic": {"ttft_ms": 150.0, "tbt_ms": 10.0, "tokens": 50},
}


class Upstream:
    """Shared state: the pacing and the cache of pre-encoded answers."""

    def __init__(self, pacing: dict[str, float]) -> None:
        self.pacing = dict(pacing)
        self._cache: dict[tuple[str, str, int, bool], Answer] = {}
        self.requests = 0

    def answer(self, fmt: str, model: str, usage: bool) -> Answer:
        n = int(self.pacing["tokens"])
        key = (fmt, model, n, usage)
        if key not in self._cache:
            self._cache[key] = BUILDERS[fmt](model, n, usage)
        return self._cache[key]


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


def _head(status: int, content_type: str, length: int | None = None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\n{framing}\r\n"
        "Cache-Control: no-cache\r\n\r\n"
    ).encode()


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; requests are answered one at a time."""

    def __init__(self, upstream: Upstream) -> None:
        self.up = upstream
        self.buf = b""
        self.busy = False
        self.closed = False
        self.timer: asyncio.TimerHandle | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._next()

    def _next(self) -> None:
        while not self.busy and not self.closed:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4 : end + 4 + length]
            self.buf = self.buf[end + 4 + length :]
            method, target = lines[0].split(" ")[:2]
            self.busy = True
            self._handle(method, target, body)

    def _write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self._write(_head(status, content_type, len(body)) + body)
        self.busy = False

    def _handle(self, method: str, target: str, body: bytes) -> None:
        path = target.partition("?")[0]
        if method == "GET":
            return self._reply(200, b'{"status":"ok"}')
        if path == "/__pacing":
            self.up.pacing.update(orjson.loads(body))
            return self._reply(200, orjson.dumps(self.up.pacing))
        fmt = format_of(path)
        if fmt is None:
            return self._reply(404, b'{"error":{"message":"no such path","type":"not_found"}}')
        self.up.requests += 1
        try:
            req = orjson.loads(body)
        except orjson.JSONDecodeError:
            return self._reply(400, b'{"error":{"message":"not JSON","type":"invalid_request"}}')
        model = str(req.get("model") or path.rpartition("/models/")[2].partition(":")[0])
        if fmt == "gemini":
            stream = ":streamGenerateContent" in path
        else:
            stream = bool(req.get("stream", fmt == "ollama"))  # Ollama streams by default
        if not stream:
            return self._whole(fmt, model)
        usage = bool((req.get("stream_options") or {}).get("include_usage"))
        self._stream(self.up.answer(fmt, model, usage))

    def _whole(self, fmt: str, model: str) -> None:
        p = self.up.pacing
        data = whole_body(fmt, model, int(p["tokens"]))
        delay = (p["ttft_ms"] + p["tbt_ms"] * max(int(p["tokens"]) - 1, 0)) / 1000
        if delay <= 0:
            return self._reply(200, data)
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(delay, self._reply_later, data)

    def _reply_later(self, data: bytes) -> None:
        self.timer = None
        self._reply(200, data)
        self._next()

    def _stream(self, answer: Answer) -> None:
        self._write(_head(200, answer.content_type))
        p = self.up.pacing
        ttft, tbt = p["ttft_ms"] / 1000, p["tbt_ms"] / 1000
        if ttft <= 0 and tbt <= 0:
            self._write(_chunk(answer.head + b"".join(answer.tokens) + answer.tail) + b"0\r\n\r\n")
            self.busy = False
            return
        loop = asyncio.get_running_loop()
        start = loop.time()
        state = {"sent": 0}

        def tick() -> None:
            self.timer = None
            if self.closed:
                return
            n = len(answer.tokens)
            sent = state["sent"]
            late = int((loop.time() - start - ttft) / tbt) + 1 if tbt > 0 else n
            due = min(n, max(late, sent + 1))  # a timer may fire a hair early: still one token
            data = answer.head if sent == 0 else b""
            data += b"".join(answer.tokens[sent:due])
            state["sent"] = due
            if due >= n:
                self._write(_chunk(data + answer.tail) + b"0\r\n\r\n")
                self.busy = False
                self._next()
                return
            self._write(_chunk(data))
            self.timer = loop.call_at(start + ttft + due * tbt, tick)

        self.timer = loop.call_at(start + ttft, tick)

    def __del__(self) -> None:  # pragma: no cover - belt and braces for a cancelled timer
        if self.timer is not None:
            self.timer.cancel()


async def serve(port: int, pacing: dict[str, float]) -> None:
    loop = asyncio.get_running_loop()
    upstream = Upstream(pacing)
    server = await loop.create_server(
        lambda: Connection(upstream), "127.0.0.1", port, backlog=4096, reuse_address=True
    )
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="instant")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        run(serve(args.port, PRESETS[args.preset]))


def run(coro: Coroutine[Any, Any, None]) -> None:
    """Run under uvloop when it is installed (as the router does)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
        return
    uvloop.run(coro)


if __name__ == "__main__":
    main()
