"""The one error tree of the router; each class knows its HTTP status and OpenAI error type.

    RouterError                    500 server_error (never raised on purpose for client input)
    ├── BadRequest                 400 invalid_request_error
    │   └── PayloadTooLarge        413 invalid_request_error
    ├── Unauthorized               401 authentication_error
    ├── ModelNotFound              404 invalid_request_error / model_not_found
    ├── NoProviderConfigured       503 service_unavailable
    └── UpstreamError              the upstream's own status, its message kept
        ├── UpstreamUnreachable    502 upstream_error (refused, reset, DNS)
        ├── UpstreamTimeout        504 upstream_error
        └── UpstreamProtocolError  502 upstream_error (a stream the router cannot read)

Only the error middleware and the stream writer render these; nothing here does I/O.
"""

from __future__ import annotations

from typing import Any


class RouterError(Exception):
    """Base class: an error the router answers with an OpenAI-shaped body."""

    status = 500
    type = "server_error"
    code: str | None = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The OpenAI error body: {"error": {"message", "type", "param", "code"}}."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class BadRequest(RouterError):
    status = 400
    type = "invalid_request_error"


class PayloadTooLarge(BadRequest):
    status = 413
    code = "request_too_large"


class Unauthorized(RouterError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class ModelNotFound(RouterError):
    status = 404
    type = "invalid_request_error"
    code = "model_not_found"


class NoProviderConfigured(RouterError):
    status = 503
    type = "service_unavailable"
    code = "no_provider_configured"


class UpstreamError(RouterError):
    """An upstream answered with an error; status and message are the provider's own."""

    type = "upstream_error"

    def __init__(self, message: str, *, provider: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.provider = provider
        self.type = _TYPE_BY_STATUS.get(self.status, "upstream_error")


class UpstreamUnreachable(UpstreamError):
    status = 502
    code = "upstream_unreachable"


class UpstreamTimeout(UpstreamError):
    status = 504
    code = "upstream_timeout"


class UpstreamProtocolError(UpstreamError):
    status = 502
    code = "upstream_protocol_error"


_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable",
    529: "service_unavailable",
}
