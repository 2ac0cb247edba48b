"""Local Ollama (`local:<model>`) through its native `POST /api/chat` (NDJSON streaming).

Owns the request mapping (OpenAI chat → Ollama chat), the NDJSON stream translator and
Ollama's error bodies. No key is needed: an `Authorization` header is sent only when one is
configured (an Ollama behind a proxy); the client's own bearer is never passed to it. Images
go as base64 in `images` (Ollama takes no URLs, and a provider does no I/O to fetch one).
Tool calls arrive whole, without ids: each gets a fresh, unique id here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from llmrouter.chunks import Chunk, ChunkMaker, Usage, completion_of, make_usage, new_tool_call_id
from llmrouter.config import ProviderConfig
from llmrouter.errors import BadRequest, UpstreamError, UpstreamProtocolError
from llmrouter.ndjson import NDJSONDecoder
from llmrouter.providers.base import RequestContext, UpstreamRequest, error_payload, retry_headers
from llmrouter.providers.content import call_arguments, image_of, parts, text_of

# OpenAI parameter → Ollama `options` field.
OPTIONS = {
    "max_tokens": "num_predict",
    "max_completion_tokens": "num_predict",
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
# reasoning_effort → `think`; gpt-oss takes the level itself, the other thinking models a bool.
THINK_OFF = frozenset({"none", "minimal"})
_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


class OllamaProvider:
    passthrough = False
    unreachable_hint = "Is Ollama running? Start it with `ollama serve`."

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.url = config.base_url + "/api/chat"
        self.keep_alive = config.options.get("keep_alive")

    def build_request(self, body: dict[str, Any], ctx: RequestContext) -> UpstreamRequest:
        payload = to_ollama_request(body, ctx.ref.model, stream=ctx.stream)
        if self.keep_alive is not None:
            payload["keep_alive"] = self.keep_alive
        headers = {"content-type": "application/json", **ctx.extra_headers}
        if self.config.api_key:
            headers["authorization"] = f"Bearer {self.config.api_key}"
        return UpstreamRequest(self.url, headers, orjson.dumps(payload))

    def decoder(self) -> NDJSONDecoder:
        return NDJSONDecoder()

    def translator(self, ctx: RequestContext) -> OllamaTranslator:
        return OllamaTranslator(self.config.name, ctx.ref.model, reasoning=ctx.reasoning_content)

    def parse_response(self, data: bytes, ctx: RequestContext) -> dict[str, Any]:
        translator = self.translator(ctx)
        return completion_of([*translator.feed(data), *translator.finish()])

    def parse_error(
        self, status: int, data: bytes, headers: Mapping[str, str], ctx: RequestContext
    ) -> UpstreamError:
        body = error_payload(data)
        message = body.get("error") if isinstance(body, dict) else body
        text = str(message or f"HTTP {status}")
        if status == 404 and "not found" in text:
            model = ctx.ref.model
            return UpstreamError(
                f"Ollama has no model '{model}' ({text}): run `ollama pull {model}`.",
                provider=self.config.name,
                status=404,
                code="model_not_found",
            )
        return UpstreamError(
            f"{self.config.name} (Ollama) returned HTTP {status}: {text}",
            provider=self.config.name,
            status=status,
            headers=retry_headers(headers),
        )


def to_ollama_request(body: dict[str, Any], model: str, *, stream: bool) -> dict[str, Any]:
    messages = _Messages()
    for i, message in enumerate(body["messages"]):
        messages.add(message, f"messages[{i}]")
    out: dict[str, Any] = {"model": model, "messages": messages.out, "stream": stream}
    tools = body.get("tools")
    if tools and body.get("tool_choice") != "none":  # Ollama has no tool_choice
        out["tools"] = tools
    options = {field: body[key] for key, field in OPTIONS.items() if body.get(key) is not None}
    stop = body.get("stop")
    if stop:
        options["stop"] = [stop] if isinstance(stop, str) else list(stop)
    if options:
        out["options"] = options
    fmt = _format(body.get("response_format"))
    if fmt is not None:
        out["format"] = fmt
    effort = body.get("reasoning_effort")
    if effort is not None:
        on = effort not in THINK_OFF
        out["think"] = effort if on and model.startswith("gpt-oss") else on
    return out


class _Messages:
    """OpenAI messages → Ollama messages, remembering each call id's function name."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.out: list[dict[str, Any]] = []

    def add(self, message: dict[str, Any], where: str) -> None:
        role = message.get("role")
        if role in ("tool", "function"):
            self.out.append(self._tool(message))
        elif role == "assistant":
            self.out.append(self._assistant(message, where))
        elif role in _ROLES:
            self.out.append(_user(str(_ROLES[str(role)]), message.get("content"), where))

    def _assistant(self, message: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {"role": "assistant", "content": text_of(message.get("content"))}
        if message.get("reasoning_content"):
            out["thinking"] = str(message["reasoning_content"])
        calls = []
        for j, call in enumerate(message.get("tool_calls") or ()):
            function = call.get("function") or {}
            self.names[str(call.get("id"))] = str(function.get("name") or "")
            arguments = call_arguments(function, f"{where}.tool_calls[{j}]", "Ollama")
            calls.append({"function": {"name": function.get("name"), "arguments": arguments}})
        if calls:
            out["tool_calls"] = calls
        return out

    def _tool(self, message: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"role": "tool", "content": text_of(message.get("content"))}
        name = self.names.get(str(message.get("tool_call_id"))) or message.get("name")
        if name:
            out["tool_name"] = name
        return out


def _user(role: str, content: Any, where: str) -> dict[str, Any]:
    texts, images = [], []
    for j, part in enumerate(parts(content)):
        if part.get("type") == "text":
            texts.append(str(part.get("text") or ""))
        elif part.get("type") == "image_url":
            image = image_of(part, f"{where}.content[{j}].image_url")
            if image.url:
                raise BadRequest(
                    f"'{where}.content[{j}].image_url' must be a base64 data: URL: "
                    "Ollama takes images only inline.",
                    param=f"{where}.content[{j}].image_url",
                )
            images.append(image.data)
    out: dict[str, Any] = {"role": role, "content": "\n".join(texts)}
    if images:
        out["images"] = images
    return out


def _format(fmt: Any) -> Any:
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_object":
        return "json"
    if kind == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else "json"
    return None


class OllamaTranslator:
    """Grammar: NDJSON lines `{"model", "created_at", "message": {"role": "assistant",
    "content", "thinking"?, "tool_calls"?}, "done": false}`, each tool call whole in one
    line; then one `{"done": true, "done_reason": "stop"|"length"|..., "prompt_eval_count",
    "eval_count", ...}`. An `{"error": "..."}` line is a failure. The non-streaming answer is
    a single line with `done: true` carrying the whole message.
    """

    def __init__(self, provider: str, model: str, *, reasoning: bool = True) -> None:
        self.provider = provider
        self.model = model
        self.reasoning = reasoning
        self.maker: ChunkMaker | None = None
        self.tool_calls = 0
        self.done = False
        self.usage: Usage | None = None

    def feed(self, line: bytes) -> list[Chunk]:
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise UpstreamProtocolError(
                f"{self.provider} sent a line that is not JSON", provider=self.provider
            ) from exc
        if not isinstance(event, dict):
            raise UpstreamProtocolError(
                f"{self.provider} sent a line that is not an object", provider=self.provider
            )
        if "error" in event:
            raise UpstreamError(
                f"{self.provider} (Ollama) failed: {event['error']}",
                provider=self.provider,
                status=502,
            )
        out = self._start(event)
        out.extend(self._message(event.get("message") or {}))
        if event.get("done"):
            out.extend(self._done(event))
        return out

    def _start(self, event: dict[str, Any]) -> list[Chunk]:
        if self.maker is not None:
            return []
        self.maker = ChunkMaker(str(event.get("model") or self.model))
        return [self.maker.role()]

    def _message(self, message: dict[str, Any]) -> list[Chunk]:
        assert self.maker is not None
        out = []
        if message.get("thinking") and self.reasoning:
            out.append(self.maker.reasoning(str(message["thinking"])))
        if message.get("content"):
            out.append(self.maker.content(str(message["content"])))
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            arguments = function.get("arguments")
            text = arguments if isinstance(arguments, str) else orjson.dumps(arguments or {})
            out.append(
                self.maker.tool_call_start(
                    self.tool_calls,
                    new_tool_call_id(),
                    str(function.get("name") or ""),
                    text if isinstance(text, str) else text.decode(),
                )
            )
            self.tool_calls += 1
        return out

    def _done(self, event: dict[str, Any]) -> list[Chunk]:
        assert self.maker is not None
        if self.done:
            return []
        self.done = True
        if "prompt_eval_count" in event or "eval_count" in event:
            prompt = int(event.get("prompt_eval_count") or 0)
            self.usage = make_usage(prompt, int(event.get("eval_count") or 0))
        reason = "length" if event.get("done_reason") == "length" else "stop"
        if reason == "stop" and self.tool_calls:
            reason = "tool_calls"
        return [self.maker.finish(reason)]

    def finish(self) -> list[Chunk]:
        if not self.done or self.maker is None:
            raise UpstreamProtocolError(
                f"{self.provider} closed the stream before it was complete",
                provider=self.provider,
            )
        return [self.maker.usage(self.usage)] if self.usage is not None else []


__all__ = ["OllamaProvider", "OllamaTranslator", "to_ollama_request"]
