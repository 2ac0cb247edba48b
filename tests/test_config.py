"""Config loading: env expansion, URL normalisation, defaults, and every problem reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmrouter.config import (
    DEFAULT_CONFIG,
    ConfigError,
    ModelRef,
    expand_env,
    load_config,
    parse_config,
    parse_model_ref,
)


def test_model_refs_split_on_the_first_colon() -> None:
    assert parse_model_ref("local:qwen2.5:3b") == ModelRef("local", "qwen2.5:3b")
    assert parse_model_ref("claude-haiku-4-5") == ModelRef("anthropic", "claude-haiku-4-5")
    assert str(parse_model_ref("openai:gpt-4o")) == "openai:gpt-4o"


def test_env_references_expand_with_defaults() -> None:
    env = {"KEY": "sk-1", "EMPTY": ""}
    raw = {"a": "${KEY}", "b": ["x-${MISSING:-fallback}"], "c": {"d": "${EMPTY:-dflt}"}, "e": 3}
    assert expand_env(raw, env) == {"a": "sk-1", "b": ["x-fallback"], "c": {"d": "dflt"}, "e": 3}


def test_builtin_providers_take_keys_from_the_usual_variables() -> None:
    config = parse_config({}, {"GOOGLE_API_KEY": "g-key", "MOONSHOT_API_KEY": "m-key"})
    assert config.providers["google"].api_key == "g-key"
    assert config.providers["kimi"].api_key == "m-key"
    assert config.providers["kimi"].base_url == "https://api.moonshot.ai/v1"
    assert config.providers["anthropic"].api_key == ""
    assert config.providers["local"].type == "ollama" and not config.providers["local"].needs_key


def test_old_url_key_is_normalised_to_the_api_root() -> None:
    config = parse_config(
        {
            "providers": {
                "openai": {"url": "https://api.openai.com/v1/chat/completions"},
                "anthropic": {"url": "https://api.anthropic.com/v1/messages"},
                "local": {"url": "http://localhost:11434/api/chat"},
                "vllm": {"type": "openai", "base_url": "http://gpu-box:8000/v1/"},
            }
        },
        {},
    )
    assert config.providers["openai"].base_url == "https://api.openai.com/v1"
    assert config.providers["anthropic"].base_url == "https://api.anthropic.com"
    assert config.providers["local"].base_url == "http://localhost:11434"
    assert config.providers["vllm"].base_url == "http://gpu-box:8000/v1"


def test_timeouts_inherit_from_server_and_override_per_provider() -> None:
    config = parse_config(
        {
            "server": {"timeouts": {"connect": 3, "idle": 50}},
            "providers": {"openai": {"timeouts": {"idle": 7}}},
        },
        {},
    )
    assert config.providers["openai"].timeouts.idle == 7
    assert config.providers["openai"].timeouts.connect == 3
    assert config.providers["anthropic"].timeouts.idle == 50


def test_every_problem_is_reported_with_its_key_path() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            {
                "server": {"port": "eighty", "timeouts": {"idle": -1, "forever": 3}},
                "models": {"medium": "nosuch:model", "extreme": "openai:gpt-4o"},
                "providers": {"custom": {"type": "openai"}, "google": {"type": "smoke"}},
                "classifier": {"mode": "dice"},
                "routing": {"sticky": "glue"},
            },
            {},
        )
    text = "\n".join(info.value.problems)
    for path in (
        "server.port",
        "server.timeouts.idle",
        "server.timeouts.forever",
        "models.extreme",
        "unknown provider 'nosuch'",
        "providers.custom.base_url",
        "providers.google.type",
        "classifier.mode",
        "routing.sticky",
    ):
        assert path in text, path


def test_shipped_default_loads_and_lists_preferences() -> None:
    config = load_config(DEFAULT_CONFIG, {})
    assert config.models["super_easy"][0] == ModelRef("anthropic", "claude-haiku-4-5")
    assert any(ref.provider == "local" for ref in config.models["medium"])


def test_cli_exits_2_listing_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("server:\n  port: -5\nmodels:\n  huge: openai:x\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "llmrouter", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "server.port" in run.stderr and "models.huge" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_example_config_loads() -> None:
    example = Path(__file__).parent.parent / "config" / "config.example.yaml"
    config = load_config(example, {"ANTHROPIC_API_KEY": "sk-ant-x"})
    assert config.providers["anthropic"].api_key == "sk-ant-x"
    assert config.models["hard"] == (ModelRef("anthropic", "claude-opus-4-5"),)


def test_classify_command_names_the_model_and_uses_the_configs_routes(tmp_path: Path) -> None:
    routes = tmp_path / "ROUTES.md"
    routes.write_text("# Routes\n## Rules\n- `^zebra` -> super_hard\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"routes: {routes}\nmodels:\n  super_hard: openai:o3\n  easy: openai:gpt-4o-mini\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "llmrouter",
            "classify",
            "zebra crossing",
            "--json",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)
    assert record["level"] == "super_hard" and record["model"] == "openai:o3"
    assert record["classifier"] and record["time_ms"] >= 0
