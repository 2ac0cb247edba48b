"""`llmrouter stats [--url URL] [--config PATH] [--json]`: a running router's figures as a
terminal table.

It asks `GET /stats` of the router at the configured host and port (or `--url`), sending the
first of `server.api_keys` when the config has any, and renders what comes back. It owns only
the rendering and that one HTTP GET (stdlib urllib: a one-shot client, not the router's
upstream I/O); the figures themselves are computed in `stats.py`.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from llmrouter.config import Config, ConfigError

WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def default_url(config: Config) -> str:
    host = WILDCARD_HOSTS.get(config.server.host, config.server.host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{config.server.port}"


def fetch(url: str, key: str | None, timeout: float = 5.0) -> dict[str, Any]:
    request = urllib.request.Request(url.rstrip("/") + "/stats")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def table(rows: list[list[str]]) -> str:
    """Left-aligned first column, right-aligned numbers, two spaces between columns."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _usd(value: float) -> str:
    return f"${value:,.4f}"


def render(stats: dict[str, Any]) -> str:
    start, hour = stats["since_start"], stats["last_hour"]
    out = [
        f"llmrouter: up {stats['uptime_s'] / 3600:.1f} h, baseline {stats['baseline_model']}, "
        f"classifier {stats['classifier']['name']}",
        "",
    ]
    rows = [["", "requests", "errors", "tokens in", "tokens out", "cost", "baseline", "saved"]]
    for name, v in (("since start", start), ("last hour", hour)):
        rows.append(
            [
                name,
                f"{v['requests']:,}",
                f"{v['errors']:,}",
                f"{v['tokens']['input']:,}",
                f"{v['tokens']['output']:,}",
                _usd(v["cost_usd"]),
                _usd(v["baseline_cost_usd"]),
                f"{_usd(v['saved_usd'])} ({v['saved_pct']:.1f}%)",
            ]
        )
    out += [table(rows), ""]
    rows = [["level", "requests", "share", "last hour"]]
    for level, v in start["by_level"].items():
        last = hour["by_level"].get(level, {}).get("requests", 0)
        rows.append([level, f"{v['requests']:,}", f"{100 * v['share']:.1f}%", f"{last:,}"])
    out += [table(rows), ""]
    rows = [["model", "requests", "tokens in", "tokens out", "cost"]]
    for model, v in start["by_model"].items():
        rows.append(
            [
                model,
                f"{v['requests']:,}",
                f"{v['tokens_in']:,}",
                f"{v['tokens_out']:,}",
                _usd(v["cost_usd"]),
            ]
        )
    out += [table(rows), ""]
    rows = [["latency ms", "p50", "p90", "p99"]]
    for name, v in stats["latency_ms"].items():
        if isinstance(v, dict):
            rows.append([name, *(f"{v[p]:.1f}" if v[p] is not None else "-" for p in v)])
    out.append(table(rows))
    return "\n".join(out) + "\n"


def main(argv: Sequence[str], load: Callable[[str | None], Config]) -> int:
    parser = argparse.ArgumentParser(
        prog="llmrouter stats", description="Show a running router's figures."
    )
    parser.add_argument("--url", help="router base URL (default: the configured host and port)")
    parser.add_argument("--config", help="config file (default config.yaml, else built-in)")
    parser.add_argument("--json", action="store_true", help="print /stats as it is")
    args = parser.parse_args(argv)
    try:
        config = load(args.config)
    except ConfigError as exc:
        print("llmrouter stats: the configuration has errors:", *exc.problems, sep="\n  ")
        return 2
    url = args.url or default_url(config)
    key = config.server.api_keys[0] if config.server.api_keys else None
    try:
        stats = fetch(url, key)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"llmrouter stats: cannot read {url}/stats: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(stats, indent=2) + "\n" if args.json else render(stats))
    return 0
