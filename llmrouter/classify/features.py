"""Turn an ``Ask`` into the sparse features the built-in model scores.

Owns: tokenisation (words; character uni/bigrams for scripts written without
spaces), the feature names, the kinds of work named near the ask (``k:``, from
``lexicon``), and the cheap structural features (``s:``: input and ask length
buckets, code, maths, questions, list items, constraint-like words, image,
delegation).

Must not: import numpy (inference is pure Python), look at anything but the
``Ask`` (system prompts, tools and tool history never change the level), or do
more than linear work in the bounded text.

The same function feeds training and inference, so a feature can never mean one
thing at training time and another at run time. Text features are binary and
share one weight ``1/sqrt(n)`` (so a long text does not shout); structural
features have weight 1. A long paste contributes words only from its two ends,
where the ask is; its bulk counts through the shape features (length, code lines,
lists, constraint words).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from llmrouter.classify.extract import Ask
from llmrouter.classify.lexicon import CONSTRAINT_WORDS, INTENTS

EDGE_TOKENS = 24  # "where the ask is": intent and e: features
TEXT_TOKENS = 64  # word features come from this many tokens at each end of a long text
MATH_CHARS = 1000  # maths notation is looked for at the two ends only (it is the slow part)
_WORD = re.compile(r"[\w\u0300-\u036f\u0900-\u0dff]+")
_WIDE = "\u3040"  # kana, CJK ideographs, hangul and beyond: no spaces between words
_LENGTH_EDGES = (12, 40, 100, 250, 600, 1500, 4000)
_WORD_EDGES = (2, 5, 10, 20, 40, 80, 160, 400)
_MATH = re.compile(r"[∫∑∏√π≤≥≠∞∀∃∈⊂⊆⇒∂λθσμ²³ℝℕℤ]|\\(?:frac|sum|int|sqrt|forall|mathbb)")
_FORMULA = re.compile(r"[\d)] ?[-+*/^=<>] ?[\d(a-z]|[a-z] ?\^ ?\d|\$[^$\n]+\$")
_OPERATOR = re.compile(r"[-+*/^=<>$]")  # every _FORMULA match has one: a fast first look
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|[a-z][.)])\s+\S", re.M)
_WIDE_CHAR = re.compile(r"[\u3040-\ud7af\uf900-\ufaff]")
_CODE_STARTS = (
    "def ",
    "class ",
    "import ",
    "from ",
    "#include",
    "func ",
    "fn ",
    "let ",
    "const ",
    "var ",
    "public ",
    "select ",
    "SELECT ",
    "return ",
    "if (",
    "for (",
    "$ ",
    ">>> ",
)
_CODE_ENDS = (";", "{", "}", "):", ");", "*/")


def featurize(ask: Ask) -> tuple[set[str], list[str]]:
    """Return (binary text features, structural features) for one ask.

    A delegating follow-up ("yes, go ahead") is judged on the work it approves:
    its context stands in for the text, and ``s:delegating`` marks the swap.
    """
    if ask.context:
        work = Ask(
            ask.context, ask.has_image, chars=len(ask.context), fences=ask.context.count("```")
        )
        text, shape = featurize(work)
        shape.append("s:delegating")
        return text, shape
    tokens = tokenize(ask.text)
    shape = structural_features(ask, tokens)
    shape.extend(intent_features(tokens))
    if len(tokens) > 2 * TEXT_TOKENS:
        tokens = tokens[:TEXT_TOKENS] + tokens[-TEXT_TOKENS:]
    return text_features(tokens), shape


def text_features(tokens: Sequence[str]) -> set[str]:
    """Word uni/bigrams (CJK: character uni/bigrams), first word, edge words of the ask."""
    feats = {"w:" + t for t in tokens}
    prev = "^"
    for tok in tokens:
        feats.add("b:" + prev + " " + tok)
        prev = tok
    feats.add("b:" + prev + " $")
    if tokens:
        feats.add("f:" + tokens[0])
    for tok in tokens[:EDGE_TOKENS]:
        feats.add("e:" + tok)
    for tok in tokens[-EDGE_TOKENS:]:
        feats.add("e:" + tok)
    return feats


def intent_features(tokens: tuple[str, ...]) -> set[str]:
    """Kinds of work named where the ask usually is (first and last words)."""
    edges = (
        tokens if len(tokens) <= 2 * EDGE_TOKENS else (tokens[:EDGE_TOKENS] + tokens[-EDGE_TOKENS:])
    )
    get = INTENTS.get
    return {kind for kind in map(get, edges) if kind is not None}


@functools.lru_cache(maxsize=16)
def tokenize(text: str) -> tuple[str, ...]:
    """Lower-cased word tokens; runs of wide-script characters become char n-grams.

    Remembered for the last few texts: the model and the ROUTES.md anchors both look at the
    words of the same ask (a str keeps its hash, so a repeat costs one look-up)."""
    words = _WORD.findall(text.lower())
    if text.isascii():
        return tuple([("#" * min(len(t), 4)) if t.isdigit() else t for t in words])
    out: list[str] = []
    for tok in words:
        if tok.isdigit():
            out.append("#" * min(len(tok), 4))
        elif len(tok) > 1 and not tok.isascii() and max(tok) >= _WIDE:
            out.extend(_char_ngrams(tok))
        else:
            out.append(tok)
    return tuple(out)


def _char_ngrams(tok: str) -> list[str]:
    grams = [tok[i : i + 2] for i in range(len(tok) - 1)]
    grams.extend(tok)
    return grams


def structural_features(ask: Ask, tokens: Sequence[str]) -> list[str]:
    """Cheap, language-independent shape features of the ask (``tokens``: its words)."""
    text = ask.text
    feats = [
        "s:len" + str(_bucket(ask.chars, _LENGTH_EDGES)),
        "s:words" + str(_bucket(_word_count(text), _WORD_EDGES)),
        "s:q" + str(min(text.count("?") + text.count("？"), 3)),
        "s:lists" + str(_bucket(len(_LIST_ITEM.findall(text)), (1, 3, 6))),
        "s:cons" + str(_bucket(sum(map(CONSTRAINT_WORDS.__contains__, tokens)), (1, 3, 6))),
        "s:code" + str(_bucket(_code_lines(text), (1, 4, 15))),
        _ask_length(text),
    ]
    if ask.fences >= 2:
        feats.append("s:fence")
    ends = text if len(text) <= MATH_CHARS else text[: MATH_CHARS // 2] + text[-MATH_CHARS // 2 :]
    if _has_math(ends):
        feats.append("s:math")
    if ask.has_image:
        feats.append("s:image")
    if "\n" in text.strip():
        feats.append("s:multiline")
    return feats


def _has_math(text: str) -> bool:
    """Maths notation or a formula. Most text has neither, and is ruled out by the cheap
    looks first: _MATH needs a non-ASCII symbol or a backslash, _FORMULA an operator."""
    if (not text.isascii() or "\\" in text) and _MATH.search(text):
        return True
    return _OPERATOR.search(text) is not None and _FORMULA.search(text) is not None


def _ask_length(text: str) -> str:
    """Words in the shorter of the first and last paragraphs: the ask beside a paste.

    "What's the title?" above a 2,000-word article is a short ask in a long input;
    the rubric levels it by the ask, not by the input's length.
    """
    text = text.strip()
    split = text.find("\n\n")
    if split < 0:
        return "s:ask_whole"
    first, last = text[:split], text[text.rfind("\n\n") :]
    return "s:ask" + str(_bucket(min(_word_count(first), _word_count(last)), _WORD_EDGES))


def _word_count(text: str) -> int:
    words = len(text.split())
    if not text.isascii():
        words += len(_WIDE_CHAR.findall(text)) // 2  # about two characters a word
    return words


def _code_lines(text: str) -> int:
    count = 0
    for line in text.splitlines():
        line = line.strip()
        if line.endswith(_CODE_ENDS) or line.startswith(_CODE_STARTS):
            count += 1
    return count


def _bucket(value: int, edges: tuple[int, ...]) -> int:
    for i, edge in enumerate(edges):
        if value < edge:
            return i
    return len(edges)
