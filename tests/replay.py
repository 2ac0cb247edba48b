"""Replaying a recorded upstream stream through a decoder and a translator, cut anywhere.

`replay(data, cuts, decoder, translator)` feeds `data` in the pieces `cuts` make and returns
the OpenAI chunks with their random parts (id, created, router-made tool-call ids) fixed, so
that any two cuttings of the same stream can be compared. `every_split` checks every two-piece
cut and a byte-by-byte feed give the same chunks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from llmrouter.chunks import Chunk
from llmrouter.providers.base import Decoder, Translator


def replay(data: bytes, cuts: list[int], decoder: Decoder, translator: Translator) -> list[Chunk]:
    chunks: list[Chunk] = []
    for start, end in itertools.pairwise([0, *cuts, len(data)]):
        for event in decoder.decode(data[start:end]):
            chunks.extend(translator.feed(event))
    for event in decoder.flush():
        chunks.extend(translator.feed(event))
    chunks.extend(translator.finish())
    return [stable(c) for c in chunks]


def stable(chunk: Chunk) -> Chunk:
    chunk = {**chunk, "id": "x", "created": 0}
    for choice in chunk["choices"]:
        for call in choice["delta"].get("tool_calls") or ():
            assert call["id"].startswith("call") and call["id"].isalnum() and len(call["id"]) == 28
            call["id"] = "call"
    return chunk


def every_split(data: bytes, run: Callable[[bytes, list[int]], list[Chunk]]) -> list[Chunk]:
    """The chunks of `data`, after checking that every split gives the same."""
    whole = run(data, [])
    for i in range(1, len(data)):
        assert run(data, [i]) == whole, f"split at byte {i}"
    assert run(data, list(range(1, len(data)))) == whole
    return whole
