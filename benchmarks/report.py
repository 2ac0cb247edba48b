"""Benchmark results → summary rows, the printed tables, the target check, JSON and a PNG chart.

Pure except for `write_json` and `write_chart`. A row is one (lane, pacing, concurrency) with the
three targets (direct, floor, router) measured side by side; the ratios the issue sets targets
on are computed here and nowhere else.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson

TARGETS = ("direct", "floor", "router")
STALL_MS = 5000.0  # a gap this long between two reads of one stream counts as a stall


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def summarise(target: dict[str, Any]) -> dict[str, Any]:
    """Pooled rounds of one target → its summary numbers."""
    ttfb, ttlb = target["ttfb"], target["ttlb"]
    out = {
        "requests": target["requests"],
        "errors": sum(target["errors"].values()),
        "error_kinds": target["errors"],
        "rps": len(ttlb) / target["wall_s"] if target["wall_s"] else math.nan,  # complete ones
        "ttfb_p50": pct(ttfb, 50),
        "ttfb_p99": pct(ttfb, 99),
        "ttlb_p50": pct(ttlb, 50),
        "ttlb_p99": pct(ttlb, 99),
        "max_gap_ms": target["max_gap_ms"],
    }
    if "cpu_s" in target:
        out["cpu_ms_per_req"] = target["cpu_s"] * 1000 / max(target["requests"], 1)
        out["peak_rss_mib"] = target.get("peak_rss_mib", math.nan)
    return out


def row(key: dict[str, Any], targets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    s = {name: summarise(t) for name, t in targets.items()}
    d, f, r = s["direct"], s["floor"], s["router"]
    derived = {
        "floor_added_ttfb_p50": f["ttfb_p50"] - d["ttfb_p50"],
        "router_added_ttfb_p50": r["ttfb_p50"] - d["ttfb_p50"],
        "floor_added_ttlb_p50": f["ttlb_p50"] - d["ttlb_p50"],
        "router_added_ttlb_p50": r["ttlb_p50"] - d["ttlb_p50"],
        "router_added_ttlb_p99": r["ttlb_p99"] - d["ttlb_p99"],
        "floor_added_ttlb_p99": f["ttlb_p99"] - d["ttlb_p99"],
        "rps_router_to_floor": r["rps"] / f["rps"],
        "rps_floor_to_direct": f["rps"] / d["rps"],
        "cpu_router_to_floor": r["cpu_ms_per_req"] / f["cpu_ms_per_req"]
        if f.get("cpu_ms_per_req")
        else math.nan,
    }
    return {**key, **s, **derived}


def _f(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def tables(rows: list[dict[str, Any]]) -> str:
    head1 = (
        f"{'lane':<20}{'pacing':<10}{'conc':>5} |{'rps direct':>11}{'floor':>8}"
        f"{'router':>8}{'R/F':>6} |{'CPU ms/req floor':>17}{'router':>7}{'R/F':>6} |"
        f"{'RSS MiB':>8} |{'errors D/F/R':>13}{'max gap ms':>11}"
    )
    lines = ["Throughput, cost and errors", head1, "-" * len(head1)]
    for x in rows:
        d, f, r = x["direct"], x["floor"], x["router"]
        errs = f"{d['errors']}/{f['errors']}/{r['errors']}"
        lines.append(
            f"{x['lane']:<20}{x['pacing']:<10}{x['concurrency']:>5} |{_f(d['rps']):>11}"
            f"{_f(f['rps']):>8}{_f(r['rps']):>8}{_f(x['rps_router_to_floor'], 2):>6} |"
            f"{_f(f.get('cpu_ms_per_req', math.nan), 3):>17}"
            f"{_f(r.get('cpu_ms_per_req', math.nan), 3):>7}"
            f"{_f(x['cpu_router_to_floor'], 2):>6} |{_f(r.get('peak_rss_mib', math.nan)):>8} |"
            f"{errs:>13}{_f(r['max_gap_ms'], 0):>11}"
        )
    head2 = (
        f"{'lane':<20}{'pacing':<10}{'conc':>5} |{'TTFB p50 D':>11}{'F':>7}{'R':>7}"
        f" |{'p99 D':>7}{'F':>7}{'R':>7} |{'TTLB p50 D':>11}{'F':>7}{'R':>7} |"
        f"{'p99 D':>7}{'F':>7}{'R':>7} |{'added p50 F':>12}{'R':>6}"
    )
    lines += [
        "",
        "Latency (ms); added = proxy minus direct, TTFB for streams, TTLB otherwise",
        head2,
        "-" * len(head2),
    ]
    for x in rows:
        d, f, r = x["direct"], x["floor"], x["router"]
        what = "ttfb" if x["stream"] else "ttlb"
        lines.append(
            f"{x['lane']:<20}{x['pacing']:<10}{x['concurrency']:>5} |{_f(d['ttfb_p50'], 2):>11}"
            f"{_f(f['ttfb_p50'], 2):>7}{_f(r['ttfb_p50'], 2):>7} |{_f(d['ttfb_p99']):>7}"
            f"{_f(f['ttfb_p99']):>7}{_f(r['ttfb_p99']):>7} |{_f(d['ttlb_p50'], 2):>11}"
            f"{_f(f['ttlb_p50'], 2):>7}{_f(r['ttlb_p50'], 2):>7} |{_f(d['ttlb_p99']):>7}"
            f"{_f(f['ttlb_p99']):>7}{_f(r['ttlb_p99']):>7} |"
            f"{_f(x[f'floor_added_{what}_p50'], 2):>12}{_f(x[f'router_added_{what}_p50'], 2):>6}"
        )
    return "\n".join(lines)


def _find(rows: list[dict[str, Any]], lane: str, pacing: str, conc: int) -> dict[str, Any] | None:
    for x in rows:
        if (x["lane"], x["pacing"], x["concurrency"]) == (lane, pacing, conc):
            return x
    return None


def targets(
    rows: list[dict[str, Any]], micro: dict[str, Any], soak: dict[str, Any] | None
) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for every target of the issue that this run measured."""
    out: list[tuple[str, str, bool | None]] = []
    for pacing, limit in (("realistic", 1.5), ("instant", 2.0)):
        x = _find(rows, "openai-stream", pacing, 50)
        if x:
            v = x["cpu_router_to_floor"]
            out.append(
                (
                    f"CPU/req router÷floor, openai-stream c=50 {pacing} ≤ {limit}",
                    f"{v:.2f} ({x['router']['cpu_ms_per_req']:.3f} vs "
                    f"{x['floor']['cpu_ms_per_req']:.3f} ms)",
                    v <= limit,
                )
            )
    x = _find(rows, "openai-stream", "instant", 1)
    if x:
        gap = x["router_added_ttfb_p50"] - x["floor_added_ttfb_p50"]
        out.append(("added TTFB p50 at c=1: router − floor ≤ 0.5 ms", f"{gap:.2f} ms", gap <= 0.5))
    for lane in ("anthropic-stream", "gemini-stream", "ollama-stream"):
        for pacing in ("realistic", "instant"):
            x = _find(rows, lane, pacing, 50)
            if x:
                v, errs = x["cpu_router_to_floor"], x["router"]["errors"]
                out.append(
                    (
                        f"CPU/req router÷floor, {lane} c=50 {pacing} ≤ 3",
                        f"{v:.2f}" + (f" ({errs} errors)" if errs else ""),
                        v <= 3.0 and not errs,
                    )
                )
    for x in rows:
        if x["pacing"] == "realistic" and x["concurrency"] in (50, 200) and x["stream"]:
            v, errs = x["rps_router_to_floor"], x["router"]["errors"] + x["floor"]["errors"]
            out.append(
                (
                    f"rps router÷floor ≥ 0.95 and 0 errors, {x['lane']} c={x['concurrency']}",
                    f"{v:.3f}, {errs} errors",
                    v >= 0.95 and errs == 0,
                )
            )
    for x in rows:
        if x["concurrency"] >= 1000:
            r = x["router"]
            out.append(
                (
                    f"{x['concurrency']} streams: 0 errors, no stall ({x['lane']})",
                    f"{r['errors']} errors, longest gap in a stream {r['max_gap_ms']:.0f} ms",
                    r["errors"] == 0 and r["max_gap_ms"] < STALL_MS,
                )
            )
            out.append(
                (
                    f"peak RSS < 100 MiB at {x['concurrency']} streams",
                    f"{r['peak_rss_mib']:.1f} MiB",
                    r["peak_rss_mib"] < 100,
                )
            )
    if soak:
        growth = soak["growth_mib"]
        out.append(
            (
                "RSS growth over the soak after warm-up < 5 MiB",
                f"{growth:.2f} MiB over {soak['minutes']:g} min",
                growth < 5 if soak["minutes"] >= 10 else None,
            )
        )
    for name, res in (micro.get("translators") or {}).items():
        if "events_per_s" in res:
            v = res["events_per_s"]
            out.append((f"translator {name} ≥ 200k chunks/s", f"{v / 1000:.0f}k", v >= 200_000))
    clf = micro.get("classifier") or {}
    if "large_10kb" in clf:
        v = clf["large_10kb"]["p99_ms"]
        out.append(("classifier p99 at 10 KB < 1 ms", f"{v:.3f} ms", v < 1.0))
    return out


def target_lines(checks: list[tuple[str, str, bool | None]]) -> str:
    marks = {True: "met", False: "MISSED", None: "n/a"}
    width = max((len(name) for name, _, _ in checks), default=10)
    return "\n".join(f"  {marks[ok]:<7}{name:<{width}}  {value}" for name, value, ok in checks)


def micro_lines(micro: dict[str, Any]) -> str:
    lines = []
    for name, res in (micro.get("decoders") or {}).items():
        lines.append(f"  {name:<28}{res['events_per_s'] / 1000:>8.0f}k events/s")
    for name, res in (micro.get("translators") or {}).items():
        if "note" in res:
            lines.append(f"  translator {name:<17}skipped: {res['note']}")
        else:
            lines.append(
                f"  translator {name:<17}{res['events_per_s'] / 1000:>8.0f}k chunks/s "
                f"(translate only), {res['pipeline_per_s'] / 1000:.0f}k/s decode+"
                "translate+encode"
            )
    clf = micro.get("classifier") or {}
    if "note" in clf:
        lines.append(f"  classifier: skipped: {clf['note']}")
    for size, res in clf.items():
        if isinstance(res, dict):
            lines.append(
                f"  classifier {size:<17}p50 {res['p50_ms']:.3f} ms  p99 {res['p99_ms']:.3f} ms"
            )
    return "\n".join(lines)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))


def write_chart(path: Path, samples: list[dict[str, Any]]) -> str:
    """ECDFs of time to last byte for direct, floor and router, one panel per row; returns a
    note (the path, or why there is no chart)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no chart: matplotlib is not installed (pip install matplotlib)"
    if not samples:
        return "no chart: nothing was measured"
    cols = 4
    rows = math.ceil(len(samples) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, item in zip(axes.flat, samples, strict=False):
        for name, color in zip(TARGETS, ("#555555", "#1f77b4", "#d62728"), strict=True):
            values = sorted(item["ttlb"][name])
            if values:
                ys = [(i + 1) / len(values) for i in range(len(values))]
                ax.step(values, ys, where="post", label=name, color=color, linewidth=1.2)
        ax.set_title(f"{item['lane']} {item['pacing']} c={item['concurrency']}", fontsize=9)
        ax.set_xlabel("time to last byte (ms)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(samples) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return f"chart: {path}"
