"""Gemini's error bodies → the router's `UpstreamError`, with the key scrubbed from the text.

Google answers `{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}`
(a JSON array holding that object on some streaming paths). The HTTP status follows the
canonical `status` name where the two disagree, so a RESOURCE_EXHAUSTED inside a 200 stream
is still a 429. The key never reaches an error text: it travels in a header, and any
message that quotes it anyway is redacted here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from llmrouter.errors import UpstreamError
from llmrouter.providers.base import retry_headers

# google.rpc.Code names → HTTP status (https://cloud.google.com/apis/design/errors).
STATUS_BY_CODE = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ABORTED": 409,
    "ALREADY_EXISTS": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL": 500,
    "UNKNOWN": 500,
    "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


def error_from_gemini(
    provider: str,
    status: int,
    body: Any,
    headers: Mapping[str, str],
    secrets: Iterable[str] = (),
) -> UpstreamError:
    """A Gemini error body (parsed JSON, or text) → UpstreamError."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        name = str(error.get("status") or "")
        status = STATUS_BY_CODE.get(name, status if status >= 400 else 502)
        message = str(error.get("message") or f"{provider} returned HTTP {status}")
        code: str | None = name.lower() or None
        if status == 404 and "model" in message.lower():
            code = "model_not_found"
    else:
        text = body if isinstance(body, str) else ""
        message = f"{provider} returned HTTP {status}" + (f": {text}" if text else "")
        code = None
    return UpstreamError(
        redact(message, secrets),
        provider=provider,
        status=status,
        code=code,
        headers=retry_headers(headers),
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[redacted]")
    return text
