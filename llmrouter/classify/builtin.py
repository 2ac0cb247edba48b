"""The built-in classifier: a linear model over ``features.featurize`` in pure Python.

Owns: loading the parameter file (``model.json`` beside this module, written by
``train.py``) once per instance, scoring an ``Ask``, and the decision rule
(softmax, a per-level offset, and a guard: when hard + super_hard together
reach ``guard`` probability, the level is at least medium, so that hard work is
rarely sent to the cheapest tiers).

Must not: import numpy, touch the network, or keep state between calls; an
instance is immutable after construction and safe to share across requests.

Parameter file (JSON)::

    {"format": "llmrouter-classifier/1", "levels": [5 names],
     "bias": [5 floats], "offsets": [5 floats], "guard": float,
     "weights": {"<feature>": [5 floats], ...}, "meta": {...}}
"""

from __future__ import annotations

import io
import math
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from llmrouter.classify import LEVELS, Decision
from llmrouter.classify.extract import Ask, extract_ask
from llmrouter.classify.features import featurize

DEFAULT_MODEL = Path(__file__).with_name("model.json")
_WEIGHTS_OPEN = b', "weights": {'  # where the trainer's header ends and its rows begin
FORMAT = "llmrouter-classifier/1"
NAME = "builtin"
_MEDIUM, _HARD = 2, 3


class ModelFileError(ValueError):
    """The parameter file is missing, unreadable or not in the expected format."""


class BuiltinClassifier:
    """Multinomial logistic model over hashed-free sparse text and shape features."""

    def __init__(
        self,
        weights: Mapping[str, Sequence[float]] | Iterable[tuple[str, Sequence[float]]],
        bias: Sequence[float],
        offsets: Sequence[float] | None = None,
        meta: Mapping[str, Any] | None = None,
        guard: float = 1.0,
    ) -> None:
        # One flat array of doubles plus an index, rather than a tuple of five float objects
        # per feature: the same look-ups in about a third of the memory (27k features).
        self._index: dict[str, int] = {}
        self._flat = array("d")
        rows = weights.items() if isinstance(weights, Mapping) else weights
        for name, w in rows:
            if len(w) != len(LEVELS):
                raise ModelFileError(f"weights of {name!r} must have one entry per level")
            self._index[name] = len(self._flat)
            self._flat.extend(map(float, w))
        self._bias = tuple(map(float, bias))
        self._offsets = tuple(map(float, offsets or [0.0] * len(LEVELS)))
        self._guard = float(guard)
        self.meta: Mapping[str, Any] = dict(meta or {})
        if len(self._bias) != len(LEVELS) or len(self._offsets) != len(LEVELS):
            raise ModelFileError("bias/offsets must have one entry per level")

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_MODEL) -> BuiltinClassifier:
        """Load a parameter file written by ``llmrouter.classify.train``.

        The trainer writes one feature per line; reading it line by line keeps the loader
        from building the whole JSON tree at once (megabytes of short-lived objects that
        would stay in the process's arenas for its whole life)."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ModelFileError(f"{path}: cannot read model: {exc}") from exc
        cut = raw.find(_WEIGHTS_OPEN)
        try:
            if cut < 0:  # not in the trainer's layout: read it whole
                data = orjson.loads(raw)
                rows: Any = data.get("weights", {}) if isinstance(data, dict) else {}
            else:
                data = orjson.loads(raw[:cut] + b"}")
                rows = _rows(io.BytesIO(raw[cut + len(_WEIGHTS_OPEN) :]))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ModelFileError(f"{path}: not a {FORMAT} file")
            if list(data.get("levels", [])) != list(LEVELS):
                raise ModelFileError(f"{path}: levels must be {list(LEVELS)}")
            return cls(
                rows,
                data["bias"],
                data.get("offsets"),
                data.get("meta"),
                guard=data.get("guard", 1.0),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(f"{path}: cannot read model: {exc}") from exc

    def classify(self, messages: Sequence[Mapping[str, Any]]) -> Decision:
        """Classify an OpenAI ``messages`` list."""
        return self.classify_ask(extract_ask(messages))

    def classify_ask(self, ask: Ask) -> Decision:
        """Classify an already extracted ask."""
        if not ask.text and not ask.has_image:
            return Decision(LEVELS[1], 0.0, NAME, "no user text")
        probs = self.probabilities(ask)
        best, top = 0, -math.inf  # the first level with the highest offset log-probability
        for i, (p, offset) in enumerate(zip(probs, self._offsets, strict=True)):
            score = math.log(p + 1e-12) + offset
            if score > top:
                best, top = i, score
        if best < _MEDIUM and probs[_HARD] + probs[_HARD + 1] >= self._guard:
            best = _MEDIUM  # some real chance of hard work: never the cheapest tiers
        first = probs.index(max(probs))  # the two likeliest levels, for the reason
        second = max((i for i in range(len(probs)) if i != first), key=probs.__getitem__)
        reason = f"{LEVELS[first]} {probs[first]:.2f}, {LEVELS[second]} {probs[second]:.2f}"
        return Decision(LEVELS[best], round(probs[best], 4), NAME, reason)

    def probabilities(self, ask: Ask) -> list[float]:
        """Softmax probabilities for each level, cheapest first."""
        text, shape = featurize(ask)
        return _softmax(self._scores(text, shape))

    def _scores(self, text: set[str], shape: list[str]) -> list[float]:
        t = self._sums(text)
        scale = 1.0 / math.sqrt(len(text)) if text else 0.0
        s = self._sums(shape)
        return [x * scale + y + b for x, y, b in zip(t, s, self._bias, strict=True)]

    def _sums(self, features: Iterable[str]) -> tuple[float, float, float, float, float]:
        """The weights of `features` summed per level (one pass, no lists: it runs on every
        request, over every feature)."""
        get, w = self._index.get, self._flat
        t0 = t1 = t2 = t3 = t4 = 0.0
        for name in features:
            i = get(name)
            if i is not None:
                t0 += w[i]
                t1 += w[i + 1]
                t2 += w[i + 2]
                t3 += w[i + 3]
                t4 += w[i + 4]
        return t0, t1, t2, t3, t4


def _rows(lines: Iterable[bytes]) -> Iterator[tuple[str, list[float]]]:
    """`"name": [w, ...],` lines (the trainer's layout) → (name, weights), one at a time."""
    for line in lines:
        line = line.strip().rstrip(b",")
        if line and line != b"}}":
            ((name, weights),) = orjson.loads(b"{" + line + b"}").items()
            yield name, weights


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]
