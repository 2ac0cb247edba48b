"""Child processes of the benchmark: start, wait until ready, read CPU and memory, stop.

Every process the harness starts is registered here and stopped on every exit path (normal
end, exception, Ctrl-C, SIGTERM, interpreter exit): each child leads its own process group, and
that group, and only that, is signalled. CPU time and RSS are read from /proc (no psutil):
`/proc/<pid>/task/*/schedstat` gives nanosecond CPU time, `/proc/<pid>/stat` is the fallback;
`VmHWM` after writing 5 to `clear_refs` is the peak RSS since the reset, a sampling thread the
fallback.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
_CHILDREN: list[Child] = []
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_open_files() -> int:
    """Soft open-files limit up to the hard one (children inherit it); returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LLMROUTER_API_KEYS"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Child:
    """One started process; `log` receives its stderr (and stdout unless piped)."""

    def __init__(self, name: str, argv: list[str], log: Path, *, pipe: bool = False) -> None:
        self.name = name
        self.log_file: IO[bytes] = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE if pipe else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe else self.log_file,
            stderr=self.log_file,
            start_new_session=True,
        )
        self.pid = self.proc.pid
        self.peak_sampled = 0
        _CHILDREN.append(self)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_s(self) -> float:
        """User + system CPU seconds used so far."""
        total = 0
        try:
            for task in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            return total / 1e9
        except (OSError, ValueError, IndexError):
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _status(self, key: str) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
        return 0

    def rss_mib(self) -> float:
        return self._status("VmRSS") / 1024

    def reset_peak(self) -> None:
        self.peak_sampled = 0
        with contextlib.suppress(OSError), open(f"/proc/{self.pid}/clear_refs", "w") as f:
            f.write("5")

    def peak_mib(self) -> float:
        """Peak RSS since the last reset_peak (VmHWM when the kernel reset it, else sampled)."""
        return max(self._status("VmHWM"), self.peak_sampled) / 1024 if self.alive() else 0.0

    def sample(self) -> None:
        with contextlib.suppress(OSError):
            self.peak_sampled = max(self.peak_sampled, self._status("VmRSS"))

    def stop(self) -> None:
        if self.alive():
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, sig)
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.log_file.close()
        if self in _CHILDREN:
            _CHILDREN.remove(self)


def stop_all() -> None:
    for child in list(reversed(_CHILDREN)):
        child.stop()


def _on_signal(signum: int, frame: Any) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)


class Sampler(threading.Thread):
    """Samples the RSS of some children every 50 ms (the fallback for peak RSS)."""

    def __init__(self, children: list[Child]) -> None:
        super().__init__(daemon=True)
        self.children = children
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.05):
            for child in self.children:
                child.sample()


def listen_overflows() -> int:
    """TcpExt ListenOverflows: connections dropped because an accept backlog was full."""
    try:
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return 0


def get_json(url: str) -> bytes:
    with _NO_PROXY.open(url, timeout=5.0) as resp:
        return bytes(resp.read())


def post_json(url: str, data: bytes) -> bytes:
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with _NO_PROXY.open(req, timeout=5.0) as resp:
        return bytes(resp.read())


def wait_ready(child: Child, url: str, timeout: float = 30.0) -> None:
    """Poll `url` until it answers 200; raise with the child's log tail if it dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            break
        try:
            with _NO_PROXY.open(url, timeout=1.0) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    child.log_file.flush()
    log = Path(child.log_file.name).read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{child.name} did not become ready at {url}:\n{log}")


def python(*args: str) -> list[str]:
    return [sys.executable, *args]
