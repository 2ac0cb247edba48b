"""llmrouter: one OpenAI-compatible endpoint that sends each request to the cheapest model able to
answer it. The package's entry points are `llmrouter.cli:main` and `llmrouter.app:create_app`."""

__version__ = "0.1.0"
