"""safe_id: deterministic, fitting, collision-free tool-call ids."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from llmrouter.toolids import safe_id

ANTHROPIC = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_ids_that_fit_are_kept() -> None:
    for original in ("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "call_abc-123", "x" * 64):
        assert safe_id(original) == original


def test_kimi_and_long_ids_are_rewritten_to_fit() -> None:
    kimi = safe_id("functions.read:0")
    assert ANTHROPIC.match(kimi) and kimi.startswith("functions_read_0_")
    long = "fc_" + "a" * 200
    assert ANTHROPIC.match(safe_id(long)) and len(safe_id(long)) == 64


def test_rewrites_that_look_alike_stay_apart() -> None:
    # same sanitized form, same 64-char prefix, or a kept id equal to the sanitized form
    pairs = [
        ("functions.read:0", "functions:read.0"),
        ("functions.read:0", "functions_read_0"),
        ("a" * 100 + "1", "a" * 100 + "2"),
        ("", "_"),
    ]
    for a, b in pairs:
        assert safe_id(a) != safe_id(b), (a, b)


def test_other_alphabets_and_lengths() -> None:
    alnum = re.compile(r"[^A-Za-z0-9]")
    out = safe_id("call-1.x", alnum, 9)
    assert re.fullmatch(r"[A-Za-z0-9]{1,9}", out)
    assert safe_id("abc", alnum, 9) == "abc"


@given(st.text(max_size=120), st.text(max_size=120))
def test_deterministic_fitting_and_injective(a: str, b: str) -> None:
    assert safe_id(a) == safe_id(a)
    assert ANTHROPIC.match(safe_id(a))
    if a != b:
        assert safe_id(a) != safe_id(b)


def test_fixed_alnum_ids_are_nine_letters_and_digits_and_stable() -> None:
    from llmrouter.toolids import fixed_alnum_id

    ids = ["call_abc", "functions.read:0", "toolu_01XyZ", "a" * 200, "", "ab"]
    out = [fixed_alnum_id(i) for i in ids]
    assert all(len(o) == 9 and o.isalnum() and o.isascii() for o in out)
    assert len(set(out)) == len(ids)
    assert out == [fixed_alnum_id(i) for i in ids]
    assert fixed_alnum_id("Ab3dE6gH9") == "Ab3dE6gH9"
