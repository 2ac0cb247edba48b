"""`llmrouter service install|uninstall|status`: run the router as a user service.

    llmrouter service install [--openclaw] [--port N] [--config PATH] [--print]
                              [--platform linux|macos]
    llmrouter service uninstall | status

Linux gets a systemd user unit (~/.config/systemd/user/llmrouter.service, logs in the journal),
macOS a launchd agent (~/Library/LaunchAgents/com.llmrouter.plist, logs in `logs/` of the
working directory). Both are rendered from the templates in `config/` with absolute paths: the
interpreter of the environment this package runs from (`sys.executable`, never a `python3`
looked up on PATH) and the current directory as working directory. `--print` writes the file to
stdout and touches nothing. Commands (systemctl, launchctl) go through one injectable runner, so
the tests never start a real service; nothing else here runs a process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

TEMPLATES = Path(__file__).resolve().parent.parent / "config"
UNIT = "llmrouter.service"
LABEL = "com.llmrouter"
Runner = Callable[[Sequence[str]], int]


@dataclass(frozen=True)
class Service:
    """What the service runs: the command line and where."""

    python: str
    workdir: Path
    args: tuple[str, ...]

    @property
    def argv(self) -> list[str]:
        return [self.python, "-m", "llmrouter", "serve", *self.args]


def make_service(
    *, port: int | None, config: str | None, openclaw: bool, workdir: Path | None = None
) -> Service:
    args: list[str] = []
    if port is not None:
        args += ["--port", str(port)]
    if config is not None:
        args += ["--config", str(Path(config).expanduser().absolute())]
    if openclaw:
        args.append("--openclaw")
    # absolute() and not resolve(): a venv's python is a symlink, and resolving it would name
    # the base interpreter, which does not see the venv's packages.
    python = str(Path(sys.executable).absolute())
    return Service(python, (workdir or Path.cwd()).absolute(), tuple(args))


def systemd_unit(service: Service) -> str:
    return _render(
        "llmrouter.service.in",
        WORKDIR=_systemd_escape(str(service.workdir)),
        EXEC=" ".join(_systemd_quote(a) for a in service.argv),
    )


def launchd_plist(service: Service) -> str:
    arguments = "\n".join(f"    <string>{escape(a)}</string>" for a in service.argv)
    return _render(
        "com.llmrouter.plist.in", ARGUMENTS=arguments, WORKDIR=escape(str(service.workdir))
    )


def _render(name: str, **values: str) -> str:
    path = TEMPLATES / name
    if not path.is_file():
        raise SystemExit(f"llmrouter: the service template {path} is missing")
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _systemd_escape(text: str) -> str:
    """`%` starts a systemd specifier and `$` an environment expansion; both taken literally."""
    return text.replace("%", "%%")


def _systemd_quote(arg: str) -> str:
    """One ExecStart word: double-quoted when it holds anything systemd would split on."""
    arg = _systemd_escape(arg).replace("$", "$$")
    if arg and not any(c in arg for c in " \t\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_path(home: Path) -> Path:
    return home / ".config" / "systemd" / "user" / UNIT


def plist_path(home: Path) -> Path:
    return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def _run(argv: Sequence[str]) -> int:
    print("+", " ".join(argv))
    try:
        return subprocess.run(list(argv), check=False).returncode
    except FileNotFoundError:
        print(f"llmrouter: {argv[0]} not found", file=sys.stderr)
        return 127


class Installer:
    """Writes, enables, removes and queries the service of one platform."""

    def __init__(self, platform: str, home: Path, run: Runner = _run) -> None:
        self.platform = platform
        self.home = home
        self.run = run

    def render(self, service: Service) -> str:
        return systemd_unit(service) if self.platform == "linux" else launchd_plist(service)

    @property
    def path(self) -> Path:
        return unit_path(self.home) if self.platform == "linux" else plist_path(self.home)

    def install(self, service: Service) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.render(service), encoding="utf-8")
        print(f"wrote {self.path}")
        if self.platform == "linux":
            code = self._all(
                ["systemctl", "--user", "daemon-reload"],
                ["systemctl", "--user", "enable", "--now", UNIT],
            )
            print(
                "logs: journalctl --user -u llmrouter -f   (run without a login session: "
                "loginctl enable-linger)"
            )
            return code
        (service.workdir / "logs").mkdir(exist_ok=True)
        self.run(["launchctl", "bootout", self._target()])  # a stale copy; failure is fine
        code = self.run(["launchctl", "bootstrap", self._domain(), str(self.path)])
        print(f"logs: {service.workdir / 'logs'}/llmrouter.log, llmrouter.err.log")
        return code

    def uninstall(self) -> int:
        if self.platform == "linux":
            self.run(["systemctl", "--user", "disable", "--now", UNIT])
        else:
            self.run(["launchctl", "bootout", self._target()])
        if self.path.exists():
            self.path.unlink()
            print(f"removed {self.path}")
        if self.platform == "linux":
            return self.run(["systemctl", "--user", "daemon-reload"])
        return 0

    def status(self) -> int:
        if self.platform == "linux":
            return self.run(["systemctl", "--user", "status", "--no-pager", UNIT])
        return self.run(["launchctl", "print", self._target()])

    def _all(self, *commands: list[str]) -> int:
        for argv in commands:
            code = self.run(argv)
            if code:
                return code
        return 0

    def _domain(self) -> str:
        return f"gui/{os.getuid()}"

    def _target(self) -> str:
        return f"{self._domain()}/{LABEL}"


def current_platform() -> str:
    return "macos" if sys.platform == "darwin" else "linux"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmrouter service", description="Run llmrouter as a user service."
    )
    parser.add_argument("action", choices=("install", "uninstall", "status"))
    parser.add_argument("--port", type=int, help="port the service listens on")
    parser.add_argument("--config", help="config file (made absolute)")
    parser.add_argument("--openclaw", action="store_true", help="OpenClaw compatibility mode")
    parser.add_argument("--print", action="store_true", help="write the file to stdout only")
    parser.add_argument(
        "--platform",
        choices=("linux", "macos"),
        default=current_platform(),
        help="systemd (linux) or launchd (macos); default: this machine",
    )
    return parser


def main(argv: Sequence[str], *, home: Path | None = None, run: Runner = _run) -> int:
    args = _parser().parse_args(argv)
    installer = Installer(args.platform, home or Path.home(), run)
    if args.action != "install":
        return installer.uninstall() if args.action == "uninstall" else installer.status()
    service = make_service(port=args.port, config=args.config, openclaw=args.openclaw)
    if args.print:
        sys.stdout.write(installer.render(service))
        return 0
    if args.platform != current_platform():
        print(
            "llmrouter: --platform other than this machine's works only with --print",
            file=sys.stderr,
        )
        return 2
    return installer.install(service)
