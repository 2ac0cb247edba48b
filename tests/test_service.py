"""`llmrouter service`: the generated systemd unit and launchd plist are valid and run this
environment's interpreter; install/uninstall/status run the right commands (recorded, never
executed)."""

from __future__ import annotations

import configparser
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from llmrouter import service
from llmrouter.service import Installer, launchd_plist, make_service, systemd_unit

WEIRD = "/tmp/my dir/100% $HOME.yaml"


def render(platform: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert service.main(["install", "--print", "--platform", platform, *args]) == 0
    return capsys.readouterr().out


def unit_sections(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_systemd_unit_runs_this_interpreter_from_here(capsys: pytest.CaptureFixture[str]) -> None:
    text = render("linux", capsys, "--port", "4002", "--openclaw", "--config", "c.yaml")
    unit = unit_sections(text)
    s = unit["Service"]
    argv = shlex.split(s["ExecStart"])
    assert argv[0] == str(Path(sys.executable).absolute()) and Path(argv[0]).is_absolute()
    assert argv[1:] == [
        "-m",
        "llmrouter",
        "serve",
        "--port",
        "4002",
        "--config",
        str(Path("c.yaml").absolute()),
        "--openclaw",
    ]
    assert s["WorkingDirectory"] == str(Path.cwd())
    assert s["Restart"] == "on-failure"
    assert s["StandardOutput"] == s["StandardError"] == "journal"
    assert unit["Install"]["WantedBy"] == "default.target"


def test_systemd_quoting_keeps_odd_paths_whole() -> None:
    svc = make_service(port=None, config=WEIRD, openclaw=False, workdir=Path("/srv/a%b"))
    unit = unit_sections(systemd_unit(svc))
    exec_start = unit["Service"]["ExecStart"]
    assert '"/tmp/my dir/100%% $$HOME.yaml"' in exec_start
    assert unit["Service"]["WorkingDirectory"] == "/srv/a%%b"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    svc = make_service(port=4002, config=WEIRD, openclaw=True, workdir=tmp_path)
    path = tmp_path / "llmrouter.service"
    path.write_text(systemd_unit(svc))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    if "Failed to initialize manager" in done.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert "llmrouter.service" not in done.stderr, done.stderr  # no warning about our unit


def test_launchd_plist_is_valid_xml_with_absolute_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = render("macos", capsys, "--port", "4002", "--config", WEIRD)
    plist = plistlib.loads(text.encode())
    assert plist["Label"] == "com.llmrouter"
    assert plist["ProgramArguments"] == [
        str(Path(sys.executable).absolute()),
        "-m",
        "llmrouter",
        "serve",
        "--port",
        "4002",
        "--config",
        WEIRD,
    ]
    assert plist["WorkingDirectory"] == str(Path.cwd())
    assert plist["KeepAlive"] == {"SuccessfulExit": False}  # restart on failure
    assert plist["RunAtLoad"] is True
    assert plist["StandardOutPath"] == str(Path.cwd() / "logs" / "llmrouter.log")
    assert plist["StandardErrorPath"] == str(Path.cwd() / "logs" / "llmrouter.err.log")


def test_plist_escapes_xml_in_paths(tmp_path: Path) -> None:
    odd = tmp_path / "a&b<c>"
    svc = make_service(port=None, config=str(odd / "x.yaml"), openclaw=False, workdir=odd)
    plist = plistlib.loads(launchd_plist(svc).encode())
    assert plist["WorkingDirectory"] == str(odd)
    assert plist["ProgramArguments"][-1] == str(odd / "x.yaml")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> int:
        self.calls.append(list(argv))
        return 0


def test_systemd_install_uninstall_status(tmp_path: Path) -> None:
    run = Recorder()
    installer = Installer("linux", tmp_path, run)
    svc = make_service(port=4002, config=None, openclaw=False, workdir=tmp_path)
    assert installer.install(svc) == 0
    unit = tmp_path / ".config/systemd/user/llmrouter.service"
    assert "--port 4002" in unit.read_text()
    assert run.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "llmrouter.service"],
    ]
    run.calls.clear()
    installer.status()
    assert run.calls == [["systemctl", "--user", "status", "--no-pager", "llmrouter.service"]]
    run.calls.clear()
    assert installer.uninstall() == 0
    assert not unit.exists()
    assert run.calls == [
        ["systemctl", "--user", "disable", "--now", "llmrouter.service"],
        ["systemctl", "--user", "daemon-reload"],
    ]


def test_launchd_install_uninstall(tmp_path: Path) -> None:
    run = Recorder()
    installer = Installer("macos", tmp_path, run)
    svc = make_service(port=None, config=None, openclaw=False, workdir=tmp_path)
    installer.install(svc)
    plist = tmp_path / "Library/LaunchAgents/com.llmrouter.plist"
    plistlib.loads(plist.read_bytes())
    assert (tmp_path / "logs").is_dir()
    assert run.calls[-1][:2] == ["launchctl", "bootstrap"]
    assert run.calls[-1][2].startswith("gui/") and run.calls[-1][3] == str(plist)
    run.calls.clear()
    installer.uninstall()
    assert not plist.exists()
    assert run.calls[0][:2] == ["launchctl", "bootout"]


def test_install_for_another_platform_only_prints(capsys: pytest.CaptureFixture[str]) -> None:
    other = "macos" if service.current_platform() == "linux" else "linux"
    assert service.main(["install", "--platform", other], run=Recorder()) == 2
