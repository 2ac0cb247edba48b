"""``llmrouter classify``: classify one text, or score a labelled JSONL (``--test``).

Owns: reading labelled JSONL, the deterministic held-out split (shared with
``train.py``), the scores (exact, exact-or-acceptable, within-one, confusion
matrix, severe under-routing, cost relative to always using the top tier), and
the pass/fail gate on the targets.

Must not: import numpy (it runs where only the run-time dependencies are
installed) or train anything.

Labelled JSONL: one object per line, ``{"id", "group", "level",
"acceptable"?: [level, adjacent level], "messages": [...], "tags", "lang"}``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from llmrouter.classify import LEVEL_INDEX, LEVELS, Decision
from llmrouter.classify.builtin import DEFAULT_MODEL, BuiltinClassifier
from llmrouter.classify.extract import Ask, extract_ask
from llmrouter.classify.routes import Routes, apply_rules, load_routes

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "classify"
HELDOUT_PERCENT = 15
# Relative price of the tier each level routes to (cheap, cheap, mid, top, top);
# "cost" is the sum over requests divided by sending every request to the top tier.
TIER_COST: tuple[float, ...] = (1.0, 1.0, 5.0, 25.0, 25.0)
TARGETS = {"exact_or_acceptable": 0.85, "within_one": 0.97, "severe_under": 0.01}


@dataclass(frozen=True)
class Item:
    """One labelled request."""

    id: str
    group: str
    level: str
    acceptable: tuple[str, ...]
    messages: list[dict[str, Any]]
    tags: tuple[str, ...] = ()


def is_heldout(group: str) -> bool:
    """Deterministic ~15 % split by group: whole groups go to one side."""
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


def default_files() -> list[Path]:
    """The repository's training data files."""
    return sorted(DATA_DIR.glob("*.jsonl"))


def load_items(paths: Iterable[str | Path]) -> list[Item]:
    """Read labelled JSONL files; lines that are not valid items are skipped."""
    items: list[Item] = []
    for path in paths:
        for line in Path(path).read_bytes().splitlines():
            item = _parse_item(line)
            if item is not None:
                items.append(item)
    return items


def _parse_item(line: bytes) -> Item | None:
    if not line.strip():
        return None
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(row, dict) or row.get("level") not in LEVEL_INDEX:
        return None
    messages = row.get("messages")
    if not isinstance(messages, list):
        return None
    ident = str(row.get("id", ""))
    acceptable = tuple(a for a in row.get("acceptable") or () if a in LEVEL_INDEX)
    return Item(
        id=ident,
        group=str(row.get("group") or ident),
        level=row["level"],
        acceptable=acceptable,
        messages=messages,
        tags=tuple(str(t) for t in row.get("tags") or ()),
    )


def score(items: Sequence[Item], predicted: Sequence[str]) -> dict[str, Any]:
    """All the figures ``--test`` prints, as a JSON-able dict."""
    n = max(len(items), 1)
    confusion = [[0] * len(LEVELS) for _ in LEVELS]
    exact = ok = within = hard_total = severe = 0
    for item, pred in zip(items, predicted, strict=True):
        true_i, pred_i = LEVEL_INDEX[item.level], LEVEL_INDEX[pred]
        confusion[true_i][pred_i] += 1
        exact += pred_i == true_i
        ok += pred_i == true_i or pred in item.acceptable
        within += abs(pred_i - true_i) <= 1
        if true_i >= LEVEL_INDEX["hard"]:
            hard_total += 1
            severe += pred_i <= LEVEL_INDEX["easy"]
    cost = sum(TIER_COST[LEVEL_INDEX[p]] for p in predicted)
    oracle = sum(TIER_COST[LEVEL_INDEX[i.level]] for i in items)
    return {
        "n": len(items),
        "exact": exact / n,
        "exact_or_acceptable": ok / n,
        "within_one": within / n,
        "severe_under": severe / max(hard_total, 1),
        "severe_under_count": severe,
        "hard_or_above": hard_total,
        "relative_cost": cost / (n * TIER_COST[-1]),
        "oracle_relative_cost": oracle / (n * TIER_COST[-1]),
        "confusion": confusion,
    }


def passes(figures: dict[str, Any]) -> bool:
    """True when the figures meet the accuracy and under-routing targets."""
    return bool(
        figures["exact_or_acceptable"] >= TARGETS["exact_or_acceptable"]
        and figures["within_one"] >= TARGETS["within_one"]
        and figures["severe_under"] <= TARGETS["severe_under"]
    )


def format_report(figures: dict[str, Any], label: str) -> str:
    """Human-readable report of ``score`` output."""
    width = max(len(level) for level in LEVELS)
    lines = [
        f"{label}: {figures['n']} items",
        f"  exact                {figures['exact']:.1%}",
        f"  exact-or-acceptable  {figures['exact_or_acceptable']:.1%}"
        f"  (target >= {TARGETS['exact_or_acceptable']:.0%})",
        f"  within one level     {figures['within_one']:.1%}"
        f"  (target >= {TARGETS['within_one']:.0%})",
        f"  severe under-route   {figures['severe_under']:.1%}"
        f"  ({figures['severe_under_count']}/{figures['hard_or_above']} hard+ items sent to"
        f" super_easy/easy; target <= {TARGETS['severe_under']:.0%})",
        f"  cost vs always-top   {figures['relative_cost']:.1%}"
        f"  (perfect labels: {figures['oracle_relative_cost']:.1%};"
        f" tier weights {'/'.join(f'{c:g}' for c in TIER_COST)})",
        "  confusion (rows = label, columns = predicted):",
        "    " + " " * width + " " + " ".join(f"{lv[:6]:>6}" for lv in LEVELS),
    ]
    for level, row in zip(LEVELS, figures["confusion"], strict=True):
        lines.append(f"    {level:>{width}} " + " ".join(f"{c:>6}" for c in row))
    return "\n".join(lines)


Classify = Callable[[Ask], Decision]


def make_classifier(model: Path, routes: Routes | None) -> Classify:
    """The built-in model, followed by ROUTES.md anchors and rules when given."""
    builtin = BuiltinClassifier.from_file(model)
    if routes is None:
        return builtin.classify_ask
    return lambda ask: apply_rules(routes, ask, builtin.classify_ask(ask))


def run_test(files: Sequence[Path], classify: Classify, as_json: bool) -> int:
    """Score ``files`` (the held-out split of the training data when empty)."""
    items = load_items(files or default_files())
    if not files:
        items = [i for i in items if is_heldout(i.group)]
    label = ", ".join(str(f) for f in files) if files else "held-out split"
    predicted = [classify(extract_ask(item.messages)).level for item in items]
    figures = score(items, predicted)
    ok = passes(figures)
    if as_json:
        print(orjson.dumps({**figures, "label": label, "pass": ok}).decode())
    else:
        print(format_report(figures, label))
        print("PASS" if ok else "FAIL: below target")
    return 0 if ok else 1


Describe = Callable[[Decision], Mapping[str, Any]]


def run_text(text: str, classify: Classify, as_json: bool, describe: Describe | None) -> int:
    """Classify one user text and print the level (or a JSON record)."""
    start = time.perf_counter()
    decision = classify(extract_ask([{"role": "user", "content": text}]))
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    if not as_json:
        print(decision.level)
        return 0
    record = {
        "level": decision.level,
        "confidence": decision.confidence,
        "classifier": decision.classifier,
        "reason": decision.reason,
        "time_ms": round(elapsed_ms, 3),
        **(describe(decision) if describe else {}),
    }
    print(orjson.dumps(record).decode())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``llmrouter classify`` arguments (a caller may add its own before parsing)."""
    parser = argparse.ArgumentParser(prog="llmrouter classify", description=__doc__)
    parser.add_argument("text", nargs="*", help="a request to classify")
    parser.add_argument(
        "--test",
        nargs="*",
        metavar="FILE",
        default=None,
        help="score labelled JSONL files (default: the held-out split)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--routes", type=Path, default=None, help="ROUTES.md to apply")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    routes: Routes | None = None,
    describe: Describe | None = None,
) -> int:
    """Entry point for ``llmrouter classify``; returns the exit status.

    ``routes`` (already loaded, e.g. the router's own) applies unless ``--routes``
    names a file; ``describe`` adds fields to the ``--json`` record (e.g. the model
    the decision would route to).
    """
    args = build_parser().parse_args(argv)
    if args.routes:
        routes = load_routes(args.routes)
    classify = make_classifier(args.model, routes)
    if args.test is not None:
        return run_test([Path(f) for f in args.test], classify, args.json)
    if not args.text:
        build_parser().print_usage(sys.stderr)
        return 2
    return run_text(" ".join(args.text), classify, args.json, describe)


if __name__ == "__main__":
    sys.exit(main())
