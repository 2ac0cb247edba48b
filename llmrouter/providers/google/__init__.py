"""Google Gemini (`google:<model>`): the Gemini API's `generateContent` family.

`POST {base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse` for streams and
`:generateContent` otherwise. The key travels in the `x-goog-api-key` header, never in the
URL, so it cannot leak through a logged URL or an error message. Request mapping lives in
`request.py` (schemas in `schema.py`), the stream translator in `stream.py`, error bodies in
`errors.py`. This module wires them and owns the one piece of state a Gemini provider keeps:
the thought signatures of the calls it streamed, keyed by the tool-call id the client got.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson

from llmrouter.chunks import completion_of
from llmrouter.config import ProviderConfig
from llmrouter.errors import UpstreamError
from llmrouter.providers.base import (
    RequestContext,
    UpstreamRequest,
    api_key,
    error_payload,
    json_body,
)
from llmrouter.providers.google.errors import error_from_gemini
from llmrouter.providers.google.request import to_gemini_request
from llmrouter.providers.google.stream import GeminiTranslator
from llmrouter.sse import SSEDecoder
from llmrouter.store import MemoryStore

# The documented placeholder for calls Gemini did not issue (history from another model or a
# signature that expired): "skip_thought_signature_validator".
DEFAULT_FALLBACK_SIGNATURE = "skip_thought_signature_validator"


class GoogleProvider:
    passthrough = False

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        options = config.options
        self.signature_ttl = float(options.get("thought_signature_ttl_s", 6 * 3600))
        self.signatures: MemoryStore[str] = MemoryStore(
            int(options.get("thought_signature_max", 50_000))
        )
        self.fallback_signature = str(
            options.get("thought_signature_fallback", DEFAULT_FALLBACK_SIGNATURE)
        )

    def build_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest:
        model = ctx.ref.model.removeprefix("models/")
        payload = to_gemini_request(
            body,
            model,
            signatures=self.signatures,
            fallback_signature=self.fallback_signature,
            include_thoughts=ctx.reasoning_content,
        )
        method = "streamGenerateContent?alt=sse" if ctx.stream else "generateContent"
        url = f"{self.config.base_url}/v1beta/models/{quote(model, safe='-._~')}:{method}"
        headers = {"content-type": "application/json", **ctx.extra_headers}
        if ctx.stream:
            headers["accept"] = "text/event-stream"
        key = api_key(self.config, ctx)
        if key:
            headers["x-goog-api-key"] = key
        return UpstreamRequest(url, headers, orjson.dumps(payload))

    def decoder(self) -> SSEDecoder:
        return SSEDecoder()

    def translator(self, ctx: RequestContext) -> GeminiTranslator:
        return GeminiTranslator(
            self.config.name,
            ctx.ref.model,
            remember=self._remember,
            reasoning=ctx.reasoning_content,
            secrets=(self.config.api_key, ctx.client_key),
        )

    def _remember(self, call_id: str, signature: str) -> None:
        self.signatures.set(call_id, signature, self.signature_ttl)

    def parse_response(self, data: bytes, ctx: RequestContext) -> dict[str, Any]:
        response = json_body(data, self.config.name)
        translator = self.translator(ctx)
        return completion_of([*translator.response(response), *translator.finish()])

    def parse_error(
        self, status: int, data: bytes, headers: Mapping[str, str], ctx: RequestContext
    ) -> UpstreamError:
        body = error_payload(data)
        secrets = (self.config.api_key, ctx.client_key)
        return error_from_gemini(self.config.name, status, body, headers, secrets)


__all__ = ["GoogleProvider"]
