"""Upstream bytes → client bytes for one attempt: the pure half of relaying a stream.

A provider that speaks the client's wire format gets a byte filter (the passthrough); any other
is decoded (SSE / NDJSON), translated to OpenAI chunks and encoded by the client's egress. No
I/O: `forward.py` feeds it what it reads and writes what it returns.
"""

from __future__ import annotations

from typing import Any

from llmrouter.egress import Egress
from llmrouter.providers.base import PassthroughFilter, Provider, RequestContext, native


class Pipe:
    """Upstream bytes → client bytes: a byte filter for passthrough, else decode → translate →
    encode. Pure; `usage` holds the upstream's token counts once seen."""

    def __init__(self, provider: Provider, ctx: RequestContext, egress: Egress) -> None:
        self._usage: dict[str, Any] | None = None
        self.finished = False
        self.egress = egress
        self.filter: PassthroughFilter | None = None
        same = native(provider, egress.wire)
        if same is not None:
            self.filter = same.passthrough_filter(ctx)
            return
        self.decoder = provider.decoder()
        self.translator = provider.translator(ctx)

    def feed(self, data: bytes) -> bytes:
        if self.filter is not None:
            return self.filter.feed(data)
        chunks = []
        for event in self.decoder.decode(data):
            chunks.extend(self.translator.feed(event))
        return self._encode(chunks)

    def finish(self) -> bytes:
        if self.filter is not None:
            return self.filter.finish()
        chunks = []
        for event in self.decoder.flush():
            chunks.extend(self.translator.feed(event))
        chunks.extend(self.translator.finish())
        return self._encode(chunks) + self.egress.done()

    @property
    def usage(self) -> dict[str, Any] | None:
        return self.filter.usage if self.filter is not None else self._usage

    def _encode(self, chunks: list[dict[str, Any]]) -> bytes:
        for chunk in chunks:
            if chunk.get("usage"):
                self._usage = chunk["usage"]
        return self.egress.encode(chunks) if chunks else b""
