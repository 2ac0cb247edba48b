"""Router errors in the Anthropic Messages error shape, for Anthropic clients.

`{"type": "error", "error": {"type": ..., "message": ...}}` with the API's statuses
(Errors docs): 400 invalid_request_error, 401 authentication_error, 402 billing_error,
403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
500 api_error, 504 timeout_error, 529 overloaded_error. Rendering only; no I/O.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from llmrouter.errors import RouterError

TYPES_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
# "529 - overloaded_error: Anthropic's API is temporarily overloaded": the status Anthropic
# clients retry on. An upstream that said it is overloaded is passed on as that.
OVERLOADED_CODES = frozenset({"overloaded"})


def status_of(error: RouterError) -> int:
    if error.code in OVERLOADED_CODES:
        return 529
    return error.status


def error_body(error: RouterError) -> dict[str, Any]:
    status = status_of(error)
    kind = TYPES_BY_STATUS.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": error.message}}


def error_response(error: RouterError) -> web.Response:
    return web.Response(
        body=orjson.dumps(error_body(error)),
        status=status_of(error),
        headers=error.headers,
        content_type="application/json",
    )
