"""The status page in a real headless Chromium, driven over the DevTools protocol: it loads,
shows the figures /stats reports after known traffic, refreshes itself, and logs no console
error. Skipped when no Chromium binary is installed (CI installs Debian's `chromium`)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests import traffic
from tests.conftest import RouterFactory
from tests.fakes import OpenAIFake

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((path for name in BROWSERS if (path := shutil.which(name))), None)
SCREENSHOT = Path(os.environ.get("LLMROUTER_SCREENSHOT", "/tmp/llmrouter-status.png"))
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium binary found (apt-get install chromium)"
)
FIELDS_JS = """JSON.stringify(Object.fromEntries(
  [...document.querySelectorAll('[data-field]')].map(e => [e.dataset.field, e.textContent])))"""


class Page:
    """One browser tab over the DevTools protocol: commands by id, errors collected."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.errors: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = msg.json()
            if "id" in data:
                self.waiting.pop(data["id"]).set_result(data)
            else:
                self._event(data.get("method", ""), data.get("params", {}))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append(f"console.{params['type']}: {params['args']}")
        elif method == "Runtime.exceptionThrown":
            self.errors.append(f"exception: {params['exceptionDetails']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry']['text']}")

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        self.waiting[n] = asyncio.get_running_loop().create_future()
        await self.ws.send_json({"id": n, "method": method, "params": params})
        reply = await asyncio.wait_for(self.waiting[n], 30)
        assert "error" not in reply, reply
        result: dict[str, Any] = reply["result"]
        return result

    async def eval(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 15) -> None:
        for _ in range(int(timeout / 0.1)):
            if await self.eval(expression):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}; errors: {self.errors}")


@contextlib.asynccontextmanager
async def browser(tmp_path: Path) -> AsyncIterator[Page]:
    assert BROWSER is not None
    proc = await asyncio.create_subprocess_exec(
        BROWSER, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
        "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1000", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        port = None
        while port is None:
            line = await asyncio.wait_for(proc.stderr.readline(), 30)
            assert line, "chromium exited before it listened"
            found = re.search(rb"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            port = int(found.group(1)) if found else None
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as r:
                targets = await r.json()
            url = next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]
            async with session.ws_connect(url, max_msg_size=0) as ws:
                page = Page(ws)
                try:
                    yield page
                finally:
                    page.reader.cancel()
    finally:
        proc.kill()
        await proc.wait()


def money(value: float) -> str:
    return f"${value:.4f}" if abs(value) < 100 else f"${value:.2f}"


async def get_stats(base: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession(headers=traffic.headers()) as session,
        session.get(base + "/stats") as r,
    ):
        result: dict[str, Any] = await r.json()
        return result


async def test_status_page_shows_what_stats_reports(
    openai_fake: OpenAIFake, make_router: RouterFactory, tmp_path: Path
) -> None:
    base = await make_router(traffic.config(openai_fake))
    want = await traffic.play(base, openai_fake)
    async with browser(tmp_path) as page:
        for domain in ("Runtime", "Log", "Page", "Network"):
            await page.send(f"{domain}.enable")
        # every route but /health follows server.api_keys: the page and its fetches send one
        await page.send("Network.setExtraHTTPHeaders", headers=traffic.headers())
        await page.send(
            "Emulation.setDeviceMetricsOverride", width=1280, height=1000,
            deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        await page.send("Page.navigate", url=base + "/")
        await page.wait_for("document.body.dataset.loaded === '1'")
        stats = await get_stats(base)
        shown = json.loads(await page.eval(FIELDS_JS))
        for window in ("since_start", "last_hour"):
            v = stats[window]
            assert shown[f"{window}.requests"] == str(v["requests"]) == str(want["requests"])
            assert shown[f"{window}.errors"] == str(v["errors"])
            assert shown[f"{window}.tokens.input"] == f"{v['tokens']['input']:,}"
            assert shown[f"{window}.tokens.output"] == f"{v['tokens']['output']:,}"
            assert shown[f"{window}.cost_usd"] == money(v["cost_usd"])
            assert shown[f"{window}.baseline_cost_usd"] == money(v["baseline_cost_usd"])
            assert shown[f"{window}.saved_usd"] == money(v["saved_usd"])
            assert shown[f"{window}.saved_pct"] == f"{v['saved_pct']:.1f}%"
        for level, n in want["by_level"].items():
            assert shown[f"level.{level}"] == str(n)
        for model, n in want["by_model"].items():
            assert shown[f"model.{model}"] == str(n)
        assert shown["latency.total.p50"] == f"{stats['latency_ms']['total']['p50']:.1f}"
        rows = await page.eval("document.querySelectorAll('#recent tbody tr').length")
        assert rows == len(stats["recent"]) == 6
        assert await page.eval("document.getElementById('baseline').textContent") == ("openai:best")
        # the page refreshes itself: one more request shows up without a reload
        openai_fake.queue(traffic.completion("cheap"))
        await traffic.send(base, "easy")
        await page.wait_for(
            "document.querySelector('[data-field=\"since_start.requests\"]').textContent === '7'"
        )
        shot = await page.send("Page.captureScreenshot", format="png")
        assert page.errors == [], page.errors
    SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))  # noqa: ASYNC240 (test, after I/O)
