"""End-to-end: the real Claude Code CLI, through the router's /v1/messages, against scripted
upstreams.

`make e2e-claude-code` (not part of `make test`). Installs `@anthropic-ai/claude-code` from
npm into `.e2e/claude-code/` (its native binary comes as the npm package
`@anthropic-ai/claude-code-linux-x64`, so nothing else is downloaded), starts the scripted
model on 127.0.0.1, then for each upstream kind (OpenAI-compatible: translated; Anthropic:
passed through) starts the router and runs two headless turns (`claude -p ... --output-format
json`) with a temporary HOME and a clean environment: a plain greeting, and a turn that must
read a file through Claude Code's `Read` tool. Prints what Claude Code answered and exits
non-zero if any turn is wrong.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, run_turns, workspace

PREFIX = ROOT / ".e2e" / "claude-code"
PACKAGE = "@anthropic-ai/claude-code@2.1.332"
QUIET = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}


def install() -> Path:
    """The native `claude` binary: the platform package npm installed next to the wrapper
    (whose postinstall, which would copy it into place, npm may not run)."""
    arch = {"x86_64": "x64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    modules = PREFIX / "node_modules" / "@anthropic-ai"
    binary = modules / f"claude-code-linux-{arch}" / "claude"
    if not binary.exists():
        PREFIX.mkdir(parents=True, exist_ok=True)
        npm = ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--silent"]
        subprocess.run([*npm, PACKAGE], check=True)
    return binary


def claude_turn(binary: Path, router_port: int, message: str, tmp: Path) -> dict[str, object]:
    home, work = workspace(tmp)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{router_port}",  # the root, without /v1
        "ANTHROPIC_API_KEY": "sk-ant-dummy",
        "ANTHROPIC_MODEL": "llm-router",
        "ANTHROPIC_SMALL_FAST_MODEL": "llm-router",
        **QUIET,
    }
    started = time.monotonic()
    run = subprocess.run(
        [str(binary), "-p", message, "--output-format", "json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    try:
        envelope = json.loads(run.stdout)
    except json.JSONDecodeError:
        envelope = {"unparsed": run.stdout[-2000:]}
    envelope["_exit"] = run.returncode
    envelope["_seconds"] = round(time.monotonic() - started, 1)
    envelope["_stderr"] = run.stderr[-1500:]
    return envelope


def main() -> int:
    binary = install()
    return run_turns(
        lambda port, message, tmp: claude_turn(binary, port, message, tmp),
        lambda envelope: str(envelope.get("result", "")),
    )


if __name__ == "__main__":
    sys.exit(main())
