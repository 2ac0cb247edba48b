"""Configuration: typed, frozen dataclasses, parsed and validated once at start-up.

`load_config(path, env)` reads YAML, expands `${VAR}` / `${VAR:-default}` from `env` (the only
place the environment is read), fills in the built-in providers, and reports every problem at
once as a `ConfigError` whose lines each name their key path (`providers.google.base_url: ...`).
Nothing here does network I/O and nothing here logs a secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from llmrouter.configread import Reader
from llmrouter.prices import Price, read_prices

LEVELS: tuple[str, ...] = ("super_easy", "easy", "medium", "hard", "super_hard")
ProviderType = Literal["openai", "anthropic", "google", "ollama"]
DEFAULT_CONFIG = Path(__file__).parent / "defaults" / "config.yaml"

# Built-in providers: type, API root, and the environment variables that may hold the key.
BUILTIN_PROVIDERS: dict[str, tuple[ProviderType, str, tuple[str, ...]]] = {
    "anthropic": ("anthropic", "https://api.anthropic.com", ("ANTHROPIC_API_KEY",)),
    "openai": ("openai", "https://api.openai.com/v1", ("OPENAI_API_KEY",)),
    "google": (
        "google",
        "https://generativelanguage.googleapis.com",
        ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    ),
    "kimi": ("openai", "https://api.moonshot.ai/v1", ("MOONSHOT_API_KEY",)),
    "deepseek": ("openai", "https://api.deepseek.com/v1", ("DEEPSEEK_API_KEY",)),
    "local": ("ollama", "http://localhost:11434", ()),
}
# Endpoint paths an older `url:` may carry; the API root is what is left.
_ENDPOINT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "openai": ("/chat/completions",),
    "anthropic": ("/v1/messages", "/messages", "/v1"),
    "google": ("/v1beta", "/v1"),
    "ollama": ("/api/chat", "/api/generate", "/api", "/v1/chat/completions", "/v1"),
}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """Every problem found in a config, one `key.path: message` per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    first_byte: float = 180.0
    idle: float = 120.0
    total: float = 900.0


@dataclass(frozen=True)
class ModelRef:
    """A `provider:model` pair; `str()` gives it back in that form."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    type: ProviderType
    base_url: str
    api_key: str = field(default="", repr=False)
    timeouts: Timeouts = Timeouts()
    reasoning_models: Mapping[str, bool] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def needs_key(self) -> bool:
        return self.type != "ollama"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 4001
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    max_body_mb: float = 32.0
    timeouts: Timeouts = Timeouts()
    reasoning_content: bool = True
    shutdown_grace_s: float = 30.0


@dataclass(frozen=True)
class ClassifierConfig:
    provider: str = "builtin"
    model: str = ""
    mode: Literal["builtin", "llm", "cascade"] = "builtin"
    cascade_threshold: float = 0.6
    timeout_s: float = 3.0


@dataclass(frozen=True)
class ToolsConfig:
    min_complexity: str = "easy"
    model: ModelRef | None = None


@dataclass(frozen=True)
class RoutingConfig:
    sticky: Literal["off", "task", "upgrade_only"] = "task"
    sticky_ttl_s: float = 1800.0
    breaker_failures: int = 3
    breaker_cooldown_s: float = 30.0


@dataclass(frozen=True)
class Config:
    server: ServerConfig
    providers: Mapping[str, ProviderConfig]
    models: Mapping[str, tuple[ModelRef, ...]]  # level → candidates, most preferred first
    fallbacks: Mapping[str, tuple[ModelRef, ...]]
    classifier: ClassifierConfig
    tools: ToolsConfig
    routing: RoutingConfig
    routes_path: Path | None = None
    openclaw: bool = False
    source: str = "<defaults>"
    prices: Mapping[str, Price] = field(default_factory=dict)  # overrides config/prices.yaml


def parse_model_ref(text: str) -> ModelRef:
    """Split on the first colon (`local:qwen2.5:3b`); a bare model id means anthropic."""
    provider, sep, model = text.partition(":")
    if not sep:
        return ModelRef("anthropic", text)
    return ModelRef(provider, model)


def expand_env(value: Any, env: Mapping[str, str]) -> Any:
    """Expand `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: expand_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, env) for v in value]
    return value


def load_config(path: str | Path | None, env: Mapping[str, str]) -> Config:
    """Read and validate a config file (the shipped default when `path` is None)."""
    source = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}: not valid YAML: {exc}"]) from exc
    config = parse_config(expand_env(raw or {}, env), env, source=str(source))
    if config.routes_path is not None and not config.routes_path.is_absolute():
        config = replace(config, routes_path=source.parent / config.routes_path)
    return config


def parse_config(raw: Any, env: Mapping[str, str], *, source: str = "<dict>") -> Config:
    """Validate an already expanded YAML tree; raise ConfigError listing every problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ConfigError([f"{source}: the top level must be a mapping"])
    reader = Reader(problems)
    server = _server(reader, raw.get("server") or {}, env)
    providers = _providers(reader, raw.get("providers") or {}, env, server.timeouts)
    models = _models(reader, raw.get("models") or {})
    fallbacks = {
        str(key): tuple(_refs(reader, f"fallbacks.{key}", value))
        for key, value in reader.mapping("fallbacks", raw.get("fallbacks") or {}).items()
    }
    classifier = _classifier(reader, raw.get("classifier") or {})
    tools = _tools(reader, raw.get("tools") or {})
    routing = _routing(reader, raw.get("routing") or {})
    routes = raw.get("routes")
    prices = read_prices(raw.get("prices") or {}, "prices", problems)
    for key in ("models", "fallbacks"):
        for ref in _all_refs(models if key == "models" else fallbacks):
            if ref.provider not in providers:
                problems.append(
                    f"{key}: unknown provider '{ref.provider}' in '{ref}' "
                    f"(known: {', '.join(sorted(providers))})"
                )
    if classifier.provider != "builtin" and classifier.provider not in providers:
        problems.append(
            f"classifier.provider: unknown provider '{classifier.provider}' "
            f"(builtin or one of: {', '.join(sorted(providers))})"
        )
    if classifier.provider == "builtin" and classifier.mode != "builtin":
        problems.append(f"classifier.mode: '{classifier.mode}' needs an LLM classifier.provider")
    if tools.model is not None and tools.model.provider not in providers:
        problems.append(f"tools.model: unknown provider '{tools.model.provider}'")
    if problems:
        raise ConfigError(problems)
    return Config(
        server=server,
        providers=providers,
        models=models,
        fallbacks=fallbacks,
        classifier=classifier,
        tools=tools,
        routing=routing,
        routes_path=Path(routes) if isinstance(routes, str) and routes else None,
        source=source,
        prices=prices,
    )


def _all_refs(table: Mapping[str, tuple[ModelRef, ...]]) -> list[ModelRef]:
    return [ref for refs in table.values() for ref in refs]


def _timeouts(r: Reader, path: str, value: Any, base: Timeouts) -> Timeouts:
    return Timeouts(**r.seconds(path, value or {}, asdict(base)))


def _server(r: Reader, raw: Any, env: Mapping[str, str]) -> ServerConfig:
    table = r.mapping("server", raw)
    keys = table.get("api_keys") or env.get("LLMROUTER_API_KEYS", "")
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",")]
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        r.problems.append("server.api_keys: must be a list of strings")
        keys = []
    port = r.number("server.port", table.get("port"), 4001, minimum=1)
    if port > 65535 or port != int(port):
        r.problems.append(f"server.port: must be a whole number from 1 to 65535, got {port:g}")
    return ServerConfig(
        host=r.string("server.host", table.get("host"), "127.0.0.1"),
        port=int(port),
        api_keys=tuple(k for k in keys if k),
        max_body_mb=r.number("server.max_body_mb", table.get("max_body_mb"), 32.0, minimum=0.001),
        timeouts=_timeouts(r, "server.timeouts", table.get("timeouts"), Timeouts()),
        reasoning_content=r.boolean(
            "server.reasoning_content", table.get("reasoning_content"), True
        ),
        shutdown_grace_s=r.number("server.shutdown_grace_s", table.get("shutdown_grace_s"), 30.0),
    )


def _providers(
    r: Reader, raw: Any, env: Mapping[str, str], timeouts: Timeouts
) -> dict[str, ProviderConfig]:
    table = r.mapping("providers", raw)
    providers: dict[str, ProviderConfig] = {}
    for name in dict.fromkeys([*BUILTIN_PROVIDERS, *table]):
        path = f"providers.{name}"
        entry = r.mapping(path, table.get(name) or {})
        builtin = BUILTIN_PROVIDERS.get(name)
        default_type, default_url, key_vars = builtin or ("openai", "", ())
        kind = r.choice(
            f"{path}.type",
            entry.get("type"),
            default_type,
            ("openai", "anthropic", "google", "ollama"),
        )
        url = r.string(f"{path}.base_url", entry.get("base_url") or entry.get("url"), "")
        url = _normalise_url(url, kind) or (default_url if kind == default_type else "")
        if not url:
            r.problems.append(f"{path}.base_url: required for a custom provider")
        elif not url.startswith(("http://", "https://")):
            r.problems.append(f"{path}.base_url: must start with http:// or https://")
        key = r.string(f"{path}.api_key", entry.get("api_key"), "")
        if not key and "api_key" not in entry:
            key = next((env[var] for var in key_vars if env.get(var)), "")
        reasoning = r.mapping(f"{path}.reasoning_models", entry.get("reasoning_models") or {})
        known = {"type", "base_url", "url", "api_key", "timeouts", "reasoning_models"}
        providers[name] = ProviderConfig(
            name=name,
            type=kind,  # type: ignore[arg-type]
            base_url=url,
            api_key=key.strip(),
            timeouts=_timeouts(r, f"{path}.timeouts", entry.get("timeouts"), timeouts),
            reasoning_models={str(k): bool(v) for k, v in reasoning.items()},
            options={k: v for k, v in entry.items() if k not in known},
        )
    return providers


def _normalise_url(url: str, kind: str) -> str:
    url = url.strip().rstrip("/")
    for suffix in _ENDPOINT_SUFFIXES.get(kind, ()):
        if url.endswith(suffix):
            url = url[: -len(suffix)].rstrip("/")
    return url


def _refs(r: Reader, path: str, value: Any) -> list[ModelRef]:
    items = value if isinstance(value, list) else [value]
    refs = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            where = f"{path}[{i}]" if isinstance(value, list) else path
            r.problems.append(f'{where}: must be a "provider:model" string')
            continue
        refs.append(parse_model_ref(item.strip()))
    return refs


def _models(r: Reader, raw: Any) -> dict[str, tuple[ModelRef, ...]]:
    table = r.mapping("models", raw)
    models: dict[str, tuple[ModelRef, ...]] = {}
    for level, value in table.items():
        if level not in LEVELS:
            r.problems.append(f"models.{level}: unknown level (levels: {', '.join(LEVELS)})")
            continue
        models[level] = tuple(_refs(r, f"models.{level}", value))
    return models


def _classifier(r: Reader, raw: Any) -> ClassifierConfig:
    table = r.mapping("classifier", raw)
    provider = r.string("classifier.provider", table.get("provider"), "builtin")
    default_mode = "builtin" if provider == "builtin" else "llm"
    mode = r.choice(
        "classifier.mode", table.get("mode"), default_mode, ("builtin", "llm", "cascade")
    )
    return ClassifierConfig(
        provider=provider,
        model=r.string("classifier.model", table.get("model"), ""),
        mode=mode,  # type: ignore[arg-type]
        cascade_threshold=r.number(
            "classifier.cascade_threshold", table.get("cascade_threshold"), 0.6
        ),
        timeout_s=r.number("classifier.timeout_s", table.get("timeout_s"), 3.0, minimum=0.01),
    )


def _tools(r: Reader, raw: Any) -> ToolsConfig:
    table = r.mapping("tools", raw)
    model = table.get("model")
    refs = _refs(r, "tools.model", model) if model else []
    return ToolsConfig(
        min_complexity=r.choice(
            "tools.min_complexity", table.get("min_complexity"), "easy", LEVELS
        ),
        model=refs[0] if refs else None,
    )


def _routing(r: Reader, raw: Any) -> RoutingConfig:
    table = r.mapping("routing", raw)
    sticky = table.get("sticky")
    if sticky is False:  # YAML reads a bare `off` as false
        sticky = "off"
    breaker = r.mapping("routing.circuit_breaker", table.get("circuit_breaker") or {})
    return RoutingConfig(
        sticky=r.choice("routing.sticky", sticky, "task", ("off", "task", "upgrade_only")),  # type: ignore[arg-type]
        sticky_ttl_s=r.number("routing.sticky_ttl_s", table.get("sticky_ttl_s"), 1800.0),
        breaker_failures=int(
            r.number("routing.circuit_breaker.failures", breaker.get("failures"), 3, minimum=1)
        ),
        breaker_cooldown_s=r.number(
            "routing.circuit_breaker.cooldown_s", breaker.get("cooldown_s"), 30.0
        ),
    )
