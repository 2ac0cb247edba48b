"""The router as a real process: SIGTERM drains streams, SIGHUP reloads the config."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.fakes import OpenAIFake, Reply, fixture

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
HI = [{"role": "user", "content": "hi"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RouterProcess:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "llmrouter",
            "--config",
            str(self.config_path),
            "--port",
            str(self.port),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(self.base + "/health") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
        raise RuntimeError("router did not start")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def wait(self) -> tuple[int, str]:
        assert self.proc is not None and self.proc.stderr is not None
        err = await asyncio.wait_for(self.proc.stderr.read(), 20)
        return await asyncio.wait_for(self.proc.wait(), 20), err.decode()

    def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


@pytest.fixture
async def upstream(serve_fake: Any) -> OpenAIFake:
    return await serve_fake(OpenAIFake())  # type: ignore[no-any-return]


@pytest.fixture
async def router(tmp_path: Path, upstream: OpenAIFake) -> AsyncIterator[RouterProcess]:
    path = tmp_path / "config.yaml"
    write_config(path, upstream, "model-a", grace=5)
    process = RouterProcess(path)
    await process.start()
    yield process
    process.stop()


def write_config(path: Path, upstream: OpenAIFake, model: str, grace: float) -> None:
    raw = {
        "providers": {"openai": {"base_url": upstream.url + "/v1", "api_key": "k"}},
        "models": {"easy": f"openai:{model}"},
        "server": {"shutdown_grace_s": grace},
    }
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")


async def test_sigterm_lets_streams_in_flight_finish(
    router: RouterProcess, upstream: OpenAIFake
) -> None:
    upstream.queue(Reply("sse", fixture("openai/text.sse"), delay=0.1))
    async with aiohttp.ClientSession() as http:
        body = {"model": "easy", "stream": True, "messages": HI}
        async with http.post(router.base + "/v1/chat/completions", json=body) as resp:
            assert (await resp.content.readline()).startswith(b"data: ")
            router.signal(signal.SIGTERM)
            rest = await resp.read()
    assert rest.endswith(b"data: [DONE]\n\n")
    code, _ = await router.wait()
    assert code == 0


async def test_streams_past_the_grace_period_end_with_an_error_event(
    tmp_path: Path, upstream: OpenAIFake
) -> None:
    path = tmp_path / "config.yaml"
    write_config(path, upstream, "model-a", grace=0.3)
    router = RouterProcess(path)
    await router.start()
    try:
        upstream.queue(Reply("sse", fixture("openai/text.sse"), delay=1.0))
        async with aiohttp.ClientSession() as http:
            body = {"model": "easy", "stream": True, "messages": HI}
            async with http.post(router.base + "/v1/chat/completions", json=body) as resp:
                await resp.content.readline()
                router.signal(signal.SIGTERM)
                rest = await resp.read()
        assert b'"code":"router_shutdown"' in rest and b"[DONE]" not in rest
        code, _ = await router.wait()
        assert code == 0
    finally:
        router.stop()


async def test_sighup_reloads_and_a_bad_config_is_refused(
    router: RouterProcess, upstream: OpenAIFake
) -> None:
    async def model_used() -> str:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                router.base + "/v1/chat/completions", json={"model": "easy", "messages": HI}
            ) as resp,
        ):
            assert resp.status == 200
            return resp.headers["x-llmrouter-model"]

    assert await model_used() == "model-a"
    write_config(router.config_path, upstream, "model-b", grace=5)
    router.signal(signal.SIGHUP)
    for _ in range(100):
        if await model_used() == "model-b":
            break
        await asyncio.sleep(0.05)
    assert await model_used() == "model-b"
    router.config_path.write_text("models:\n  easy: nosuch:thing\n", encoding="utf-8")
    router.signal(signal.SIGHUP)
    await asyncio.sleep(0.5)
    assert await model_used() == "model-b"
    router.signal(signal.SIGTERM)
    code, err = await router.wait()
    assert code == 0
    assert "reload rejected" in err and "unknown provider 'nosuch'" in err
