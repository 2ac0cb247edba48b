"""Tool-call ids rewritten to fit a provider's id rules, deterministically and collision-free.

Providers disagree on what a tool-call id may look like: Anthropic accepts only
`^[a-zA-Z0-9_-]+$` of at most 64 characters, while Kimi issues `functions.read:0` and the
Responses API issues ids longer than that. A conversation that moves between providers must
keep its ids paired (`tool_use` ↔ `tool_result`), so every provider that needs to rewrite
ids calls `safe_id` on both sides with the same rules and gets the same answer.

This module owns only the id function; it knows no provider and keeps no state.
"""

from __future__ import annotations

import hashlib
import re

ANTHROPIC_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]")
DIGEST_LEN = 24  # hex characters: 96 bits of SHA-256


def safe_id(
    original: str,
    allowed: re.Pattern[str] = ANTHROPIC_DISALLOWED,
    max_len: int = 64,
    *,
    digest_len: int = DIGEST_LEN,
) -> str:
    """`original` if it already fits, else a sanitized prefix + "_" + a hash of `original`.

    `allowed` is the substitution pattern: it matches every character *outside* the allowed
    set (a negated class such as `[^A-Za-z0-9_-]`). `max_len` bounds the result.

    Why two different ids never give the same output:
    - An id that fits (no character matched by `allowed`, non-empty, at most `max_len`) is
      returned unchanged, and the identity is injective on those ids.
    - Any other id becomes `prefix + "_" + digest`, where `digest` is the first `digest_len`
      hex characters (96 bits by default) of SHA-256 over the *whole original* (UTF-8). Two
      rewritten ids can only coincide when their digests coincide; the prefix is decoration.
      For n distinct ids in one conversation that chance is about n² / 2⁹⁷ (for 10,000 ids,
      under 10⁻²⁰), i.e. never in practice.
    - A rewritten id could equal a kept one only if a client itself sent an id that spells
      out `prefix_<the 96-bit digest of another id in the same conversation>`, which ids
      issued by providers do not do (the same 2⁻⁹⁶ odds for an id that happens to).
    The function is pure, so the same input always gives the same output, in every request
    and in every router process: both halves of a tool call are rewritten identically.
    Hex digits are used because every provider's id alphabet includes them.
    """
    if original and len(original) <= max_len and not allowed.search(original):
        return original
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:digest_len]
    joiner = "" if allowed.search("_") else "_"
    replacement = "" if allowed.search("_") else "_"
    prefix = allowed.sub(replacement, original)
    room = max(0, max_len - len(digest) - len(joiner))
    prefix = prefix[:room]
    return f"{prefix}{joiner}{digest}" if prefix else digest[:max_len]


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def fixed_alnum_id(original: str, length: int = 9) -> str:
    """Ids for upstreams that accept exactly `length` letters and digits (Mistral-style: 9).

    An id that already has that form is kept; any other becomes the first `length` base-62
    digits of SHA-256 over the whole original (53 bits for 9 digits: for the few hundred ids
    of one conversation a collision has odds below 10⁻¹¹). Pure, like `safe_id`."""
    if len(original) == length and original.isascii() and original.isalnum():
        return original
    number = int.from_bytes(
        hashlib.sha256(original.encode("utf-8", "surrogatepass")).digest(), "big"
    )
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(digits)


__all__ = ["ANTHROPIC_DISALLOWED", "fixed_alnum_id", "safe_id"]
