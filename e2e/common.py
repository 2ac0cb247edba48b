"""What the end-to-end runs share: ports, the scripted model, the router under test, and the
two upstream lanes (OpenAI-compatible, translated or passed through; Anthropic)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE_TEXT = "the quick brown fox is 42 years old"
LEVELS = ("super_easy", "easy", "medium", "hard", "super_hard")


def workspace(tmp: Path) -> tuple[Path, Path]:
    """A fresh home for one agent turn and, inside it, the working directory with the file the
    agent is asked to read: (home, work)."""
    home = Path(tempfile.mkdtemp(dir=tmp))
    work = home / "work"
    work.mkdir()
    (work / "hello.txt").write_text(FILE_TEXT + "\n", encoding="utf-8")
    return home, work


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def scripted_model() -> Iterator[str]:
    """The scripted model on 127.0.0.1; yields its root URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "e2e" / "scripted_llm.py"), str(port)])
    try:
        time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def router(config: dict[str, object], tmp: Path, *flags: str) -> Iterator[int]:
    """The router from this checkout with `config` and `flags`; yields its port. Its log
    goes to `tmp/router.log`."""
    path = tmp / f"router-{time.monotonic_ns()}.json"  # JSON is YAML
    path.write_text(json.dumps(config), encoding="utf-8")
    port = free_port()
    with open(tmp / "router.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llmrouter", *flags, "--config", str(path), "--port", str(port)],
            cwd=ROOT,
            stderr=log,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def lanes(upstream: str) -> dict[str, dict[str, object]]:
    """Every level to the scripted model, once as an OpenAI-compatible upstream and once as
    Anthropic's API."""
    return {
        "openai-compatible": {
            "providers": {
                "scripted": {"type": "openai", "base_url": upstream + "/v1", "api_key": "k"}
            },
            "models": {level: "scripted:scripted-model" for level in LEVELS},
        },
        "anthropic": {
            "providers": {"anthropic": {"base_url": upstream, "api_key": "sk-ant-e2e"}},
            "models": {level: "anthropic:claude-sonnet-4-5" for level in LEVELS},
        },
    }


# One agent turn: (router port, message, temporary folder) → the client's JSON envelope, with
# `_exit` and `_seconds` added; and what of the envelope to show and to search for the answer.
Turn = Callable[[int, str, Path], dict[str, object]]
TURNS = {
    "plain": ("Say hello.", "Hello from the scripted model"),
    "read tool": ("Please read the file hello.txt and tell me what it says.", FILE_TEXT),
}


def run_turns(turn: Turn, answer: Callable[[dict[str, object]], str], *flags: str) -> int:
    """Every turn on every lane; prints one line per turn and the router's access log.
    Returns the exit status (1 when any turn went wrong)."""
    failures = 0
    with scripted_model() as upstream, tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for lane, config in lanes(upstream).items():
            with router(config, tmp, *flags) as port:
                for label, (message, expected) in TURNS.items():
                    envelope = turn(port, message, tmp)
                    text = answer(envelope)
                    ok = envelope["_exit"] == 0 and expected in text
                    failures += not ok
                    print(
                        f"[{'ok' if ok else 'FAIL'}] {lane} / {label}: "
                        f"{envelope['_seconds']} s, answer={text[:120]!r}"
                    )
                    if not ok:
                        print(json.dumps(envelope, indent=2)[:3000])
        log = (tmp / "router.log").read_text(encoding="utf-8", errors="replace")
        print("router access log:")
        print("\n".join(line for line in log.splitlines() if "level=" in line))
    print("passed" if not failures else f"{failures} turn(s) failed")
    return 1 if failures else 0
