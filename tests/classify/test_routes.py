"""ROUTES.md parsing, anchors and rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrouter.classify import LEVELS, Decision
from llmrouter.classify.extract import Ask
from llmrouter.classify.routes import RoutesError, apply_rules, load_routes, parse_routes

REPO_ROUTES = Path(__file__).resolve().parents[2] / "ROUTES.md"

SAMPLE = """
# Routes
| Level | Use Case | Examples |
|---|---|---|
| super_easy | chit-chat | "hi there"; "thanks a lot" |
| easy | facts | "capital of France?" |
| medium | recipes | |
| hard | diagnosis | "find the race condition in my worker pool" |
| super_hard | systems | |

## Anchors
- anchor_threshold: 0.7
- super_hard: "design a payments platform"

## Rules
- `\\bCVE-\\d+` -> at least hard
- `^ping$` -> super_easy
- `\\btranslate\\b` → at most easy

    - `never` -> super_hard
```
- `fenced` -> super_hard
```
"""


def decision(level: str) -> Decision:
    return Decision(level, 0.9, "builtin", "model")


def test_repo_routes_md_parses_with_all_levels() -> None:
    routes = load_routes(REPO_ROUTES)
    assert [row.name for row in routes.levels] == list(LEVELS)
    assert all(row.use_case for row in routes.levels)
    assert {a.level for a in routes.anchors} == set(LEVELS)


def test_sample_table_anchors_rules_and_threshold() -> None:
    routes = parse_routes(SAMPLE)
    assert [row.name for row in routes.levels] == list(LEVELS)
    assert routes.levels[0].examples == ("hi there", "thanks a lot")
    assert routes.anchor_threshold == 0.7
    assert [(r.op, r.level) for r in routes.rules] == [
        (">=", "hard"),
        ("=", "super_easy"),
        ("<=", "easy"),
    ]


def test_anchor_close_to_example_takes_its_level() -> None:
    routes = parse_routes(SAMPLE)
    out = apply_rules(routes, Ask(text="Design a payments platform!"), decision("medium"))
    assert out.level == "super_hard"
    assert out.classifier == "builtin+anchor"
    far = apply_rules(routes, Ask(text="design a logo for my bakery"), decision("medium"))
    assert far.level == "medium"


def test_anchors_can_be_turned_off_for_other_classifiers() -> None:
    routes = parse_routes(SAMPLE)
    out = apply_rules(routes, Ask(text="hi there"), decision("easy"), anchors=False)
    assert out.level == "easy"


@pytest.mark.parametrize(
    "text, before, after",
    [
        ("patch CVE-2024 now", "easy", "hard"),
        ("patch CVE-2024 now", "super_hard", "super_hard"),
        ("ping", "medium", "super_easy"),
        ("translate this contract clause", "hard", "easy"),
        ("translate hello", "super_easy", "super_easy"),
        ("never", "easy", "easy"),
        ("fenced", "easy", "easy"),
    ],
)
def test_rules_set_raise_and_lower(text: str, before: str, after: str) -> None:
    routes = parse_routes(SAMPLE)
    assert apply_rules(routes, Ask(text=text), decision(before), anchors=False).level == after


def test_later_rules_override_earlier_ones() -> None:
    routes = parse_routes("## Rules\n- `x` -> hard\n- `x` -> at most medium\n")
    assert apply_rules(routes, Ask(text="x"), decision("easy")).level == "medium"


def test_all_errors_are_reported_with_line_numbers() -> None:
    bad = "| mega | nope | |\n## Rules\n- `(` -> hard\n- `ok` -> extreme\n"
    with pytest.raises(RoutesError) as info:
        parse_routes(bad, source="R.md")
    message = str(info.value)
    assert "R.md:1" in message and "R.md:3" in message and "R.md:4" in message


def test_reload_picks_up_edits(tmp_path: Path) -> None:
    path = tmp_path / "ROUTES.md"
    path.write_text("## Rules\n- `report` -> medium\n", encoding="utf-8")
    assert apply_rules(load_routes(path), Ask(text="report"), decision("easy")).level == "medium"
    path.write_text("## Rules\n- `report` -> hard\n", encoding="utf-8")
    assert apply_rules(load_routes(path), Ask(text="report"), decision("easy")).level == "hard"


def test_handback_follow_up_is_anchored_on_the_work_not_its_ok() -> None:
    routes = parse_routes('| super_easy | chit-chat | "ok" |\n')
    handback = Ask(text="ok", context="I can rewrite the billing service. Shall I?")
    assert apply_rules(routes, handback, decision("hard")).level == "hard"
    assert apply_rules(routes, Ask(text="ok"), decision("easy")).level == "super_easy"


def test_rules_also_see_the_work_a_follow_up_approves() -> None:
    routes = parse_routes("## Rules\n- `threat model` -> at least hard\n")
    handback = Ask(text="yes go ahead", context="Shall I write the threat model?")
    assert apply_rules(routes, handback, decision("easy")).level == "hard"
