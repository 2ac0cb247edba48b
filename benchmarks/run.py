"""llmrouter benchmark: the router against direct calls and a minimal pass-through proxy (floor).

    python benchmarks/run.py [--quick] [--soak MINUTES] [--lanes a,b] [--rounds N] [--no-micro]

Starts, on 127.0.0.1 only and each as its own process, a paced fake upstream (OpenAI, Anthropic,
Gemini and Ollama wire formats), the floor (benchmarks/floor.py), the router
(`python -m llmrouter`) and a client driver (benchmarks/load.py); measures direct, floor and
router side by side, interleaved round by round, on every lane the router can serve today (the
others are skipped with a note); then micro-benchmarks the pure parts. Prints a table and the
target check, writes benchmarks/results/latest.json (and a PNG chart when matplotlib is
installed), and stops every process it started on every exit path. Every answer is checked for
completeness (text, finish reason, end marker); timings are never asserted.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import micro, report
from benchmarks.fake_upstream import PRESETS
from benchmarks.lanes import LANES, Lane, router_config, unavailable
from benchmarks.procs import (
    Child,
    Sampler,
    free_port,
    get_json,
    install_cleanup,
    listen_overflows,
    post_json,
    python,
    raise_open_files,
    stop_all,
    wait_ready,
)

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Step:
    lane: Lane
    pacing: str
    concurrency: int
    requests: int
    rounds: int


def plan(lanes: list[Lane], quick: bool, rounds: int, big: bool) -> list[Step]:
    if quick:
        shape = [("instant", 1, 40), ("instant", 50, 200), ("realistic", 50, 50)]
        rounds = 1
    else:
        shape = [
            ("instant", 1, 300),
            ("instant", 50, 4000),  # about a second a window: CPU per request steadies
            ("realistic", 50, 150),
            ("realistic", 200, 600),
        ]
    steps = [Step(lane, p, c, n, rounds) for lane in lanes for p, c, n in shape]
    if big and not quick and lanes and lanes[0].name == "openai-stream":
        steps.append(Step(lanes[0], "realistic", 1000, 2000, 1))
    return steps


class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{time.monotonic() - self.started:5.0f}s {label}"
        )
        if self.tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if self.done == self.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


class Bench:
    """The started processes and the commands that drive them."""

    def __init__(self, logs: Path) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        fake_port, floor_port, router_port = free_port(), free_port(), free_port()
        self.fake_url = f"http://127.0.0.1:{fake_port}"
        self.floor_url = f"http://127.0.0.1:{floor_port}"
        self.router_url = f"http://127.0.0.1:{router_port}"
        self.fake = Child(
            "fake upstream",
            python("benchmarks/fake_upstream.py", "--port", str(fake_port)),
            logs / "fake.log",
        )
        wait_ready(self.fake, self.fake_url + "/")
        self.floor = Child(
            "floor",
            python("benchmarks/floor.py", "--port", str(floor_port), "--upstream", self.fake_url),
            logs / "floor.log",
        )
        config = logs / "router-config.json"  # JSON is YAML
        config.write_bytes(orjson.dumps(router_config(self.fake_url), option=orjson.OPT_INDENT_2))
        self.router = Child(
            "router",
            python("-m", "llmrouter", "--config", str(config), "--port", str(router_port)),
            logs / "router.log",
        )
        self.load = Child("load", python("benchmarks/load.py"), logs / "load.log", pipe=True)
        wait_ready(self.floor, self.floor_url + "/")
        wait_ready(self.router, self.router_url + "/health")
        self.sampler = Sampler([self.router, self.floor])
        self.sampler.start()

    def command(self, cmd: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self.load.proc.stdin, self.load.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(orjson.dumps(cmd) + b"\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the load driver died; see {self.load.log_file.name}")
        result: dict[str, Any] = orjson.loads(line)
        return result

    def pacing(self, preset: str) -> None:
        post_json(self.fake_url + "/__pacing", orjson.dumps(PRESETS[preset]))

    def request(self, lane: Lane, target: str) -> dict[str, Any]:
        if target == "router":
            url, headers, body = lane.openai(self.router_url)
            fmt = "openai"
        else:
            url, headers, body = lane.native(
                self.fake_url if target == "direct" else self.floor_url
            )
            fmt = lane.fmt
        return {
            "url": url,
            "headers": headers,
            "body": body.decode(),
            "format": fmt,
            "stream": lane.stream,
        }

    def serves(self, lane: Lane) -> str | None:
        """None when the running router reports the lane's provider usable (a provider module
        that landed after the router started is not in it)."""
        status = orjson.loads(get_json(self.router_url + "/health"))["providers"]
        state = status.get(lane.provider, "absent")
        return None if state in ("configured", "reachable") else f"router: {lane.provider} {state}"

    def proc(self, target: str) -> Child | None:
        return {"floor": self.floor, "router": self.router}.get(target)


def run_step(bench: Bench, step: Step, progress: Progress) -> tuple[dict[str, Any], dict]:
    lane, tokens = step.lane, int(PRESETS[step.pacing]["tokens"])
    bench.pacing("instant")
    overflows = listen_overflows()
    for target in report.TARGETS:  # warm-up, not measured: open every connection the step uses
        bench.command(
            {
                **bench.request(lane, target),
                "concurrency": step.concurrency,
                "requests": step.concurrency,
                "tokens": tokens,
            }
        )
    warm_overflows = listen_overflows() - overflows
    bench.pacing(step.pacing)
    overflows = listen_overflows()
    bench.router.reset_peak()
    bench.floor.reset_peak()
    pooled: dict[str, dict[str, Any]] = {
        t: {"ttfb": [], "ttlb": [], "errors": {}, "requests": 0, "wall_s": 0.0, "max_gap_ms": 0.0}
        for t in report.TARGETS
    }
    for rnd in range(step.rounds):
        order = report.TARGETS[rnd % 3 :] + report.TARGETS[: rnd % 3]
        for target in order:
            proc = bench.proc(target)
            cpu0 = proc.cpu_s() if proc else 0.0
            res = bench.command(
                {
                    **bench.request(lane, target),
                    "concurrency": step.concurrency,
                    "requests": step.requests,
                    "tokens": tokens,
                }
            )
            acc = pooled[target]
            if proc:
                acc["cpu_s"] = acc.get("cpu_s", 0.0) + proc.cpu_s() - cpu0
            acc["ttfb"] += res["ttfb"]
            acc["ttlb"] += res["ttlb"]
            acc["requests"] += res["requests"]
            acc["wall_s"] += res["wall_s"]
            acc["max_gap_ms"] = max(acc["max_gap_ms"], res["max_gap_ms"])
            for kind, n in res["errors"].items():
                acc["errors"][kind] = acc["errors"].get(kind, 0) + n
            progress.step(f"{lane.name} {step.pacing} c={step.concurrency} {target}")
    pooled["router"]["peak_rss_mib"] = bench.router.peak_mib()
    pooled["floor"]["peak_rss_mib"] = bench.floor.peak_mib()
    key = {
        "lane": lane.name,
        "pacing": step.pacing,
        "concurrency": step.concurrency,
        "stream": lane.stream,
        "classify": lane.classify,
        "rounds": step.rounds,
        "listen_overflows": {"warm_up": warm_overflows, "measured": listen_overflows() - overflows},
    }
    samples = {
        **key,
        "ttlb": {t: pooled[t]["ttlb"] for t in report.TARGETS},
        "ttfb": {t: pooled[t]["ttfb"] for t in report.TARGETS},
    }
    return report.row(key, pooled), samples


def soak(bench: Bench, lanes: list[Lane], minutes: float, concurrency: int) -> dict[str, Any]:
    """Steady realistic load through the router; RSS at start, after warm-up and at the end."""
    streams = [lane for lane in lanes if lane.stream] or lanes
    bench.pacing("realistic")
    total = minutes * 60
    warm = min(60.0, total * 0.2)
    started = time.monotonic()
    series = [(0.0, bench.router.rss_mib())]
    warm_rss: float | None = None
    requests, errors = 0, 0
    i = 0
    while (elapsed := time.monotonic() - started) < total:
        lane = streams[i % len(streams)]
        i += 1
        slice_s = min(20.0, total - elapsed, (warm - elapsed) if warm_rss is None else 20.0)
        res = bench.command(
            {
                **bench.request(lane, "router"),
                "concurrency": concurrency,
                "duration": max(slice_s, 1.0),
                "tokens": PRESETS["realistic"]["tokens"],
            }
        )
        requests += res["requests"]
        errors += sum(res["errors"].values())
        now = time.monotonic() - started
        series.append((round(now, 1), bench.router.rss_mib()))
        if warm_rss is None and now >= warm:
            warm_rss = series[-1][1]
        sys.stderr.write(
            f"\rsoak {now / 60:5.1f}/{minutes:g} min  RSS {series[-1][1]:.1f} MiB"
            f"  {requests} requests  {errors} errors"
        )
        sys.stderr.flush()
    sys.stderr.write("\n")
    end = series[-1][1]
    warm_rss = warm_rss if warm_rss is not None else end
    return {
        "minutes": minutes,
        "concurrency": concurrency,
        "rss_start_mib": series[0][1],
        "rss_after_warmup_mib": warm_rss,
        "rss_end_mib": end,
        "growth_mib": end - warm_rss,
        "requests": requests,
        "errors": errors,
        "series": series,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark the router against direct and the floor.")
    p.add_argument("--quick", action="store_true", help="smoke run, under a minute")
    p.add_argument("--soak", type=float, metavar="MINUTES", help="soak the router instead")
    p.add_argument("--soak-concurrency", type=int, default=50)
    p.add_argument("--lanes", help="comma-separated lane names (default: all)")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds per step")
    p.add_argument("--no-1000", action="store_true", help="skip the 1,000-stream lane")
    p.add_argument("--no-micro", action="store_true", help="skip the micro-benchmarks")
    p.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_cleanup()
    started = time.monotonic()
    nofile = raise_open_files()
    wanted = set(args.lanes.split(",")) if args.lanes else None
    try:
        bench = Bench(RESULTS / "logs")
        lanes, skipped = [], {}
        for lane in LANES:
            if wanted is not None and lane.name not in wanted:
                continue
            note = unavailable(lane, bench.fake_url) or bench.serves(lane)
            if note:
                skipped[lane.name] = note
            else:
                lanes.append(lane)
        for name, note in skipped.items():
            print(f"skipped lane {name}: {note}", file=sys.stderr)
        data: dict[str, Any] = {
            "meta": {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": _cpus(),
                "quick": args.quick,
                "open_files_limit": nofile,
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "presets": PRESETS,
            },
            "skipped": skipped,
        }
        if args.soak:
            data["soak"] = soak(bench, lanes, args.soak, args.soak_concurrency)
        else:
            steps = plan(lanes, args.quick, args.rounds, not args.no_1000 and nofile > 2500)
            progress = Progress(sum(3 * s.rounds for s in steps))
            rows, samples = [], []
            for step in steps:
                row, sample = run_step(bench, step, progress)
                rows.append(row)
                samples.append(sample)
                bench.command({"cmd": "reset"})
            data["rows"], data["samples"] = rows, samples
    finally:
        stop_all()
    if not args.soak and not args.no_micro:
        sys.stderr.write("micro-benchmarks…\n")
        data["micro"] = micro.run_all(args.quick)
    checks = report.targets(data.get("rows", []), data.get("micro", {}), data.get("soak"))
    data["targets"] = [{"target": n, "measured": v, "met": ok} for n, v, ok in checks]
    data["meta"]["seconds"] = round(time.monotonic() - started, 1)
    report.write_json(args.out, data)
    print()
    if data.get("rows"):
        print(report.tables(data["rows"]))
    if data.get("micro"):
        print("\nMicro-benchmarks (one core)\n" + report.micro_lines(data["micro"]))
    if data.get("soak"):
        s = data["soak"]
        print(
            f"\nSoak {s['minutes']:g} min at c={s['concurrency']}: RSS start "
            f"{s['rss_start_mib']:.1f}, after warm-up {s['rss_after_warmup_mib']:.1f}, end "
            f"{s['rss_end_mib']:.1f} MiB ({s['requests']} requests, {s['errors']} errors)"
        )
    for x in data.get("rows", []):
        for target in report.TARGETS:
            for kind, n in x[target]["error_kinds"].items():
                print(
                    f"errors {x['lane']} {x['pacing']} c={x['concurrency']} {target}: {n}× {kind}"
                )
    for name, note in skipped.items():
        print(f"skipped {name}: {note}")
    print("\nTargets\n" + report.target_lines(checks))
    chart = report.write_chart(args.out.with_suffix(".png"), data.get("samples", []))
    print(f"\nresults: {args.out}; {chart}; {data['meta']['seconds']:.0f} s")
    failures = sum(
        r["router"]["errors"] + r["floor"]["errors"] + r["direct"]["errors"]
        for r in data.get("rows", [])
    ) + (data.get("soak") or {}).get("errors", 0)
    if failures:
        print(f"{failures} requests failed their completeness check or errored", file=sys.stderr)
    return 1 if failures else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
