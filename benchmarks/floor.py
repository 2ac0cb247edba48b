"""The floor: the smallest useful aiohttp pass-through proxy, the yardstick the router is held to.

Any method and path is sent on to `--upstream` unchanged and the answer is streamed back as it
arrives (`iter_any` → `write`). No parsing, routing or logging: what is left is the cost of
aiohttp on both sides of a proxy. Run: `python benchmarks/floor.py --port N --upstream URL`.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)
PASS = ("content-type", "authorization", "x-api-key", "anthropic-version", "x-goog-api-key")


async def proxy(request: web.Request) -> web.StreamResponse:
    headers = {k: v for k, v in request.headers.items() if k.lower() in PASS}
    url = request.app[UPSTREAM] + request.path_qs
    body = await request.read()
    async with request.app[SESSION].request(request.method, url, data=body, headers=headers) as up:
        response = web.StreamResponse(status=up.status)
        response.content_type = up.content_type
        await response.prepare(request)
        async for data in up.content.iter_any():
            await response.write(data)
        await response.write_eof()
        return response


async def session_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SESSION] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    yield
    await app[SESSION].close()


def main() -> None:
    parser = argparse.ArgumentParser(description="minimal aiohttp pass-through proxy")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    app = web.Application()
    app[UPSTREAM] = args.upstream.rstrip("/")
    app.cleanup_ctx.append(session_ctx)
    app.router.add_route("*", "/{tail:.*}", proxy)
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = None
    web.run_app(
        app,
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
        handler_cancellation=True,
        loop=loop,
    )


if __name__ == "__main__":
    main()
