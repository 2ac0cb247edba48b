"""Fake upstream servers for the tests: they speak a provider's wire format byte for byte.

A fake records every request it receives and answers from a queue of scripted replies; with an
empty queue it answers with its default recording. It validates requests as strictly as the real
API on the points the router is responsible for, and answers a 400 in the provider's own error
shape otherwise, so a test fails loudly when the router sends something the API would reject.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    """One scripted answer. `kind`: sse (replay `body` in `pieces`), json, hang, cut (send
    `body` then drop the connection)."""

    kind: str
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    pieces: int = 0  # split the body into this many writes (0: one write per event)
    delay: float = 0.0  # seconds between writes
    content_type: str = "text/event-stream"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any


class FakeUpstream:
    """Base: an aiohttp app with a reply queue and a request log."""

    def __init__(self, default: Callable[[Any], Reply]) -> None:
        self.default = default
        self.replies: list[Reply] = []
        self.seen: list[Seen] = []
        self.closed_early = asyncio.Event()
        self.url = ""
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.handle)

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def validate(self, request: web.Request, body: Any) -> tuple[int, str] | None:
        """The status and reason with which the real API would reject this request, or None."""
        return None

    def reject(self, status: int, reason: str) -> web.Response:
        return web.json_response(
            {
                "error": {
                    "message": reason,
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            },
            status=status,
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.seen.append(Seen(request.path, dict(request.headers), body))
        problem = self.validate(request, body)
        if problem is not None:
            return self.reject(*problem)
        reply = self.replies.pop(0) if self.replies else self.default(body)
        if reply.kind == "json":
            return web.Response(
                body=reply.body,
                status=reply.status,
                headers=reply.headers,
                content_type="application/json",
            )
        if reply.kind == "hang":
            try:
                await asyncio.sleep(30)  # bounded: a test never waits for ever
            except asyncio.CancelledError:
                self.closed_early.set()
                raise
        response = web.StreamResponse(status=reply.status, headers=reply.headers)
        response.content_type = reply.content_type
        await response.prepare(request)
        try:
            for piece in split(reply.body, reply.pieces):
                await response.write(piece)
                if reply.delay:
                    await asyncio.sleep(reply.delay)
        except (ConnectionResetError, asyncio.CancelledError):
            self.closed_early.set()
            raise
        if reply.kind == "cut":
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write_eof()
        return response


def split(data: bytes, pieces: int) -> list[bytes]:
    """`pieces` roughly equal slices, or (0) one slice per SSE event / NDJSON line."""
    if pieces <= 0:
        sep = b"\n\n" if b"\n\n" in data else b"\n"
        parts = data.split(sep)
        out = [p + sep for p in parts[:-1]]
        return out + ([parts[-1]] if parts[-1] else [])
    size = max(1, -(-len(data) // pieces))
    return [data[i : i + size] for i in range(0, len(data), size)]


class OpenAIFake(FakeUpstream):
    """POST /v1/chat/completions as OpenAI serves it."""

    def __init__(self, *, require_key: str | None = None) -> None:
        super().__init__(self._default)
        self.require_key = require_key

    def _default(self, body: Any) -> Reply:
        if body.get("stream"):
            return Reply("sse", fixture("openai/text.sse"))
        return Reply("json", fixture("openai/completion.json"))

    def validate(self, request: web.Request, body: Any) -> tuple[int, str] | None:
        if request.path != "/v1/chat/completions":
            return 404, f"unknown path {request.path}"
        expected = f"Bearer {self.require_key}"
        if self.require_key is not None and request.headers.get("Authorization") != expected:
            return 401, "Incorrect API key provided"
        if request.content_type != "application/json" or not isinstance(body, dict):
            return 400, "body must be JSON"
        if not isinstance(body.get("model"), str) or not body.get("messages"):
            return 400, "model and messages are required"
        if body.get("stream"):
            if not (body.get("stream_options") or {}).get("include_usage"):
                return 400, "the router must always ask for usage"
        elif "stream_options" in body:
            return 400, "stream_options is only allowed with stream=true"
        return None
