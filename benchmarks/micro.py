"""Micro-benchmarks of the pure parts, on one core: decoders, translators, the classifier.

Streams come from the fake upstream's canned answers (the same bytes the lanes send), fed one
event per read, which is the worst case for per-read overhead. Rates are events per CPU second
(`time.process_time`), so a busy machine slows them less than wall time would. A provider type
that is not registered, or whose translator fails, is reported with a note, not raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks.answers import BUILDERS
from benchmarks.lanes import LANES, Lane, router_config, unavailable

FAKE = "http://127.0.0.1:9"  # never contacted: providers only build requests and translate
TOKENS = 200


def _rate(work: Callable[[], int], seconds: float) -> float:
    """Events per CPU second of `work` (which returns how many events it handled)."""
    work()  # warm up
    events, start = 0, time.process_time()
    while (spent := time.process_time() - start) < seconds:
        events += work()
    return events / spent


def _raw_events(fmt: str) -> list[bytes]:
    answer = BUILDERS[fmt]("bench-model", TOKENS, True)
    data = answer.head + b"".join(answer.tokens) + answer.tail
    sep = b"\n" if fmt == "ollama" else b"\r\n\r\n" if fmt == "gemini" else b"\n\n"
    return [part + sep for part in data.split(sep) if part]


def decoders(seconds: float) -> dict[str, Any]:
    from llmrouter.providers.openai_stream import PassthroughFilter
    from llmrouter.sse import SSEDecoder

    raw = _raw_events("openai")

    def sse() -> int:
        dec = SSEDecoder()
        for piece in raw:
            dec.decode(piece)
        dec.flush()
        return len(raw)

    def passthrough() -> int:
        flt = PassthroughFilter("bench", keep_usage=False)
        for piece in raw:
            flt.feed(piece)
        flt.finish()
        return len(raw)

    return {
        "sse_decode (openai stream)": {"events_per_s": _rate(sse, seconds)},
        "passthrough_filter": {"events_per_s": _rate(passthrough, seconds)},
    }


def _translator(lane: Lane, seconds: float) -> dict[str, Any]:
    from llmrouter.config import ModelRef, parse_config
    from llmrouter.egress import OpenAIEgress
    from llmrouter.providers import RequestContext, make_provider

    provider = make_provider(parse_config(router_config(FAKE), {}).providers[lane.provider])
    assert provider is not None
    ctx = RequestContext(ref=ModelRef(lane.provider, lane.model), stream=True)
    raw = _raw_events(lane.fmt)
    decoder = provider.decoder()
    events = [e for piece in raw for e in decoder.decode(piece)] + decoder.flush()

    def translate() -> int:
        tr = provider.translator(ctx)
        for event in events:
            tr.feed(event)
        tr.finish()
        return len(events)

    def pipeline() -> int:
        dec, tr, egress = (
            provider.decoder(),
            provider.translator(ctx),
            OpenAIEgress(include_usage=False),
        )
        for piece in raw:
            chunks = []
            for event in dec.decode(piece):
                chunks.extend(tr.feed(event))
            egress.encode(chunks)
        chunks = []
        for event in dec.flush():
            chunks.extend(tr.feed(event))
        egress.encode(chunks + tr.finish())
        return len(events)

    return {
        "events_per_s": _rate(translate, seconds),
        "pipeline_per_s": _rate(pipeline, seconds),
        "events_per_answer": len(events),
    }


def translators(seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    picks = {"openai (ChunkParser)": LANES[0]}
    picks.update({lane.fmt: lane for lane in LANES if lane.fmt != "openai"})
    for name, lane in picks.items():
        note = unavailable(lane, FAKE)
        if note:
            out[name] = {"note": note}
            continue
        try:
            out[name] = _translator(lane, seconds)
        except Exception as exc:  # a translator still being written must not stop the run
            out[name] = {"note": f"failed: {exc!r}"[:200]}
    return out


def classifier(n: int) -> dict[str, Any]:
    try:
        from benchmarks.classify_bench import bench_classifier
    except ImportError as exc:
        return {"note": f"benchmarks/classify_bench.py not available: {exc}"}
    result: dict[str, Any] = bench_classifier(n)
    return result


def run_all(quick: bool) -> dict[str, Any]:
    seconds = 0.2 if quick else 1.0
    return {
        "decoders": decoders(seconds),
        "translators": translators(seconds),
        "classifier": classifier(300 if quick else 3000),
    }
