"""Provider modules, one per upstream wire format, and the table that picks one by type.

Shared code never compares provider names: it asks this table for the module of a
provider's `type` and talks to it through the `Provider` contract in `base.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from llmrouter.config import ProviderConfig
from llmrouter.providers.anthropic import AnthropicProvider
from llmrouter.providers.base import Provider, RequestContext, UpstreamRequest
from llmrouter.providers.google import GoogleProvider
from llmrouter.providers.ollama import OllamaProvider
from llmrouter.providers.openai import OpenAIProvider

FACTORIES: dict[str, Callable[[ProviderConfig], Provider]] = {
    "anthropic": AnthropicProvider,
    "openai": OpenAIProvider,
    "ollama": OllamaProvider,
    "google": GoogleProvider,
}


def make_provider(config: ProviderConfig) -> Provider | None:
    """The provider module for a config, or None when its type has no module yet."""
    factory = FACTORIES.get(config.type)
    return factory(config) if factory is not None else None


__all__ = ["FACTORIES", "Provider", "RequestContext", "UpstreamRequest", "make_provider"]
