"""The live state a request needs, built from a config, and its replacement on reload.

`build_state(config, ...)` makes the providers, checks which can be used (keys; a start-up
probe for keyless local servers), and builds the classifier pipeline and the router. `Runtime`
holds the current `State` and swaps it whole on `reload()`: a request keeps the State it
started with, so requests in flight finish on their own config. The HTTP session, the breaker
and the sticky-routing memory outlive reloads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp

from llmrouter.breaker import Breaker
from llmrouter.classify.llm import DEFAULT_MODELS
from llmrouter.classify.pipeline import Pipeline
from llmrouter.classify.routes import RoutesError
from llmrouter.classify.sticky import Sticky, Stuck
from llmrouter.config import Config, ConfigError, ModelRef
from llmrouter.deadlines import Streams
from llmrouter.errors import NoProviderConfigured
from llmrouter.forward import Attempt, Relay, complete, probe
from llmrouter.openclaw import rewrite_identity
from llmrouter.providers import Provider, RequestContext, make_provider
from llmrouter.routing import KEY_HINT, Route, Router
from llmrouter.store import MemoryStore

log = logging.getLogger(__name__)


@dataclass
class State:
    config: Config
    providers: dict[str, Provider]
    status: dict[str, str]
    router: Router
    pipeline: Pipeline
    session: aiohttp.ClientSession
    relay: Relay  # the breaker, the live streams, and the OpenClaw rewrite when it is on

    def attempts(self, route: Route) -> list[Attempt]:
        """The route's candidates that have a provider module, cooling ones moved aside."""
        refs = [ref for ref in route.candidates if ref.provider in self.providers]
        if not refs:
            names = ", ".join(sorted({r.provider for r in route.candidates}))
            raise NoProviderConfigured(
                f"No usable provider for this request ({names}): {KEY_HINT}."
            )
        return [
            Attempt(self.providers[ref.provider], ref, self.providers[ref.provider].config.timeouts)
            for ref in self.relay.breaker.usable(refs)
        ]


async def build_state(
    config: Config,
    session: aiohttp.ClientSession,
    breaker: Breaker,
    sticky_store: MemoryStore[Stuck],
    streams: Streams,
) -> State:
    providers: dict[str, Provider] = {}
    status: dict[str, str] = {}
    for name, pc in config.providers.items():
        provider = make_provider(pc)
        if provider is None:
            status[name] = f"unsupported type '{pc.type}'"
            continue
        providers[name] = provider
        if pc.needs_key:
            status[name] = "configured" if pc.api_key else "missing key"
        else:
            status[name] = "reachable" if await probe(session, pc.base_url) else "not running"
    usable = {n: s in ("configured", "reachable") for n, s in status.items()}
    sticky = Sticky(config.routing.sticky, config.routing.sticky_ttl_s, sticky_store)
    pipeline = _pipeline(config, providers, session, sticky)
    router = Router(config, usable, pipeline)
    if not any(router.levels.values()):
        log.warning("no provider is available: %s", KEY_HINT)
    shared = Relay(breaker, streams, rewrite_identity if config.openclaw else None)
    return State(config, providers, status, router, pipeline, session, shared)


def _pipeline(
    config: Config, providers: dict[str, Provider], session: aiohttp.ClientSession, sticky: Sticky
) -> Pipeline:
    """The classifier of the config; an LLM one calls through the router's own provider code."""
    cc = config.classifier
    routes = Pipeline.load_routes(config.routes_path)
    provider = providers.get(cc.provider)
    if cc.mode == "builtin" or provider is None:
        return Pipeline(cc, routes, sticky=sticky)
    ref = ModelRef(cc.provider, cc.model or DEFAULT_MODELS.get(cc.provider, ""))
    limits = replace(provider.config.timeouts, first_byte=cc.timeout_s, total=cc.timeout_s)
    attempt = Attempt(provider, ref, limits)

    async def ask_llm(body: dict[str, Any]) -> dict[str, Any]:
        return await complete(session, attempt, body, RequestContext(ref=ref, stream=False))

    return Pipeline(cc, routes, llm=ask_llm, llm_name=str(ref), sticky=sticky)


class Runtime:
    """The current State; `reload()` builds a new one from `loader` and swaps it in."""

    def __init__(
        self,
        config: Config,
        session: aiohttp.ClientSession,
        loader: Callable[[], Config] | None = None,
    ) -> None:
        self.config = config
        self.session = session
        self.loader = loader
        rc = config.routing
        self.breaker = Breaker(rc.breaker_failures, rc.breaker_cooldown_s)
        self.sticky_store: MemoryStore[Stuck] = MemoryStore(50_000)
        self.streams = Streams()
        self._state: State | None = None

    @property
    def state(self) -> State:
        assert self._state is not None, "Runtime.start() was not awaited"
        return self._state

    async def start(self) -> None:
        self._state = await build_state(
            self.config, self.session, self.breaker, self.sticky_store, self.streams
        )

    async def reload(self) -> bool:
        """Re-read config and ROUTES.md; on any error keep the running state and log why."""
        if self.loader is None:
            log.warning("reload asked for, but this router was not started from a config file")
            return False
        try:
            config = self.loader()
            state = await build_state(
                config, self.session, self.breaker, self.sticky_store, self.streams
            )
        except ConfigError as exc:
            log.error(
                "reload rejected, keeping the running config:\n  %s", "\n  ".join(exc.problems)
            )
            return False
        except (RoutesError, OSError) as exc:
            log.error("reload rejected, keeping the running config: %s", exc)
            return False
        self.config, self._state = config, state
        log.info("reloaded the config from %s", config.source)
        return True
