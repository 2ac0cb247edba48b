"""Typed reads from an untyped YAML tree for the config loader.

Each read either returns a value of the wanted type or records a problem under its key path
(`server.port: must be a number ≥ 1, got 'eighty'`) and returns the default, so that the
loader can report every problem of a config at once. Nothing here knows a config key.
"""

from __future__ import annotations

from typing import Any


class Reader:
    """Typed reads from an untyped YAML tree that record problems instead of raising."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def mapping(self, path: str, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.problems.append(f"{path}: must be a mapping")
        return {}

    def number(self, path: str, value: Any, default: float, *, minimum: float = 0.0) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            self.problems.append(f"{path}: must be a number ≥ {minimum:g}, got {value!r}")
            return default
        return float(value)

    def string(self, path: str, value: Any, default: str) -> str:
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.problems.append(f"{path}: must be a string")
            return default
        return value

    def choice(self, path: str, value: Any, default: str, choices: tuple[str, ...]) -> str:
        text = self.string(path, value, default)
        if text not in choices:
            self.problems.append(f"{path}: must be one of {', '.join(choices)}, got {text!r}")
            return default
        return text

    def boolean(self, path: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(f"{path}: must be true or false")
            return default
        return value

    def seconds(self, path: str, value: Any, defaults: dict[str, float]) -> dict[str, float]:
        """A mapping of named durations (e.g. timeouts), each a positive number; names outside
        `defaults` are problems, names left out keep their default."""
        table = self.mapping(path, value)
        for key in table:
            if key not in defaults:
                self.problems.append(f"{path}.{key}: unknown name (known: {', '.join(defaults)})")
        return {
            key: self.number(f"{path}.{key}", table.get(key), default, minimum=0.001)
            for key, default in defaults.items()
        }
