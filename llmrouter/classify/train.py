"""Train the built-in classifier: ``python -m llmrouter.classify.train [FILES...] --out PATH``.

Owns: turning labelled JSONL into the parameter file ``builtin.py`` reads. The
items whose ``group`` falls in the held-out split (``evaluate.is_heldout``) are
never seen here. Model: multinomial logistic regression with L2, soft targets for
items with an ``acceptable`` adjacent level, mildly balanced class weights, fitted
by full-batch Adam for a fixed number of steps.

Must not: be imported at run time (it needs numpy, the ``train`` extra), use
threads, randomness or the clock: the same data on the same machine gives a
byte-identical file (sums run in a fixed order through ``np.add.reduceat``;
parameters are rounded when written).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # single-threaded, so sums never reorder

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import orjson  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from llmrouter.classify import LEVEL_INDEX, LEVELS  # noqa: E402
from llmrouter.classify.builtin import DEFAULT_MODEL, FORMAT, BuiltinClassifier  # noqa: E402
from llmrouter.classify.evaluate import (  # noqa: E402
    Item,
    default_files,
    format_report,
    is_heldout,
    load_items,
    score,
)
from llmrouter.classify.extract import extract_ask  # noqa: E402
from llmrouter.classify.features import featurize  # noqa: E402

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
K = len(LEVELS)
DECIMALS = 3


@dataclass(frozen=True)
class Params:
    """Hyper-parameters.

    Chosen by grouped 5-fold CV on the training split and by training on some data
    writers' files and scoring on the others' (a weak L2 generalised better across
    writers); ``guard`` is the lowest that kept CV severe under-routing below 1 %.
    """

    l2: float = 3e-6
    steps: int = 400
    lr: float = 0.05
    min_df: int = 2
    soft: float = 0.25
    balance: float = 0.5
    offsets: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)
    guard: float = 0.07
    prune: float = 0.005  # features whose weights all stay below this are dropped


@dataclass(frozen=True)
class Dataset:
    """Training items as a sparse matrix sorted by row, plus a column-sorted view."""

    rows: Ints
    cols: Ints
    vals: Floats
    row_starts: Ints
    col_order: Ints
    col_starts: Ints
    targets: Floats
    weights: Floats
    vocab: list[str]


def featurize_items(items: Sequence[Item]) -> list[dict[str, float]]:
    """Feature name -> value for each item, exactly as ``builtin`` scores them."""
    out: list[dict[str, float]] = []
    for item in items:
        text, shape = featurize(extract_ask(item.messages))
        scale = 1.0 / float(np.sqrt(len(text))) if text else 0.0
        feats = {name: scale for name in text}
        feats.update((name, 1.0) for name in shape)
        out.append(feats)
    return out


def build_dataset(items: Sequence[Item], params: Params) -> Dataset:
    """Vocabulary (features in >= min_df items), sparse matrix, soft targets, weights."""
    feats = featurize_items(items)
    df = Counter(name for f in feats for name in f)
    vocab = sorted(n for n, c in df.items() if c >= params.min_df or n.startswith("s:"))
    index = {name: i for i, name in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, f in enumerate(feats):
        for name in sorted(f):
            if name in index:
                rows.append(r)
                cols.append(index[name])
                vals.append(f[name])
    row_arr, col_arr = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    order = np.argsort(col_arr, kind="stable")
    return Dataset(
        rows=row_arr,
        cols=col_arr,
        vals=np.array(vals, dtype=np.float64),
        row_starts=_starts(row_arr, len(items)),
        col_order=order,
        col_starts=_starts(col_arr[order], len(vocab)),
        targets=soft_targets(items, params.soft),
        weights=class_weights(items, params.balance),
        vocab=vocab,
    )


def _starts(sorted_ids: Ints, count: int) -> Ints:
    starts = np.searchsorted(sorted_ids, np.arange(count), side="left")
    return np.asarray(starts, dtype=np.int64)


def soft_targets(items: Sequence[Item], soft: float) -> Floats:
    """One-hot labels, with ``soft`` of the mass on the acceptable adjacent level."""
    y = np.zeros((len(items), K))
    for r, item in enumerate(items):
        strict = LEVEL_INDEX[item.level]
        other = [LEVEL_INDEX[a] for a in item.acceptable if LEVEL_INDEX[a] != strict]
        y[r, strict] = 1.0
        if other and abs(other[0] - strict) == 1:
            y[r, strict] -= soft
            y[r, other[0]] += soft
    return y


def class_weights(items: Sequence[Item], balance: float) -> Floats:
    """Per-item weight (n / (K * n_class)) ** balance, normalised to mean 1."""
    counts = Counter(item.level for item in items)
    w = np.array([(len(items) / (K * counts[i.level])) ** balance for i in items])
    return np.asarray(w / w.mean(), dtype=np.float64)


def _scores(data: Dataset, w: Floats, b: Floats) -> Floats:
    contrib = data.vals[:, None] * w[data.cols]
    return np.add.reduceat(contrib, data.row_starts, axis=0) + b


def _grad_w(data: Dataset, g: Floats) -> Floats:
    contrib = (data.vals[:, None] * g[data.rows])[data.col_order]
    return np.add.reduceat(contrib, data.col_starts, axis=0)


def _softmax(z: Floats) -> Floats:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def fit(data: Dataset, params: Params) -> tuple[Floats, Floats]:
    """Full-batch Adam on weighted soft-target cross-entropy + L2; returns (W, b)."""
    n_feat = len(data.vocab)
    w, b = np.zeros((n_feat, K)), np.zeros(K)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros(K), np.zeros(K)
    sw = data.weights[:, None] / data.weights.sum()
    for step in range(1, params.steps + 1):
        g = (_softmax(_scores(data, w, b)) - data.targets) * sw
        gw = _grad_w(data, g) + params.l2 * w
        gb = g.sum(axis=0)
        lr = params.lr * (1.0 - 0.9 * step / params.steps)
        for p, grad, m, v in ((w, gw, mw, vw), (b, gb, mb, vb)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            p -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w, b


def cross_validate(items: Sequence[Item], params: Params, folds: int) -> dict[str, Any]:
    """Grouped k-fold figures (``evaluate.score``) for choosing parameters on your data."""
    predicted: list[str] = []
    ordered: list[Item] = []
    for k in range(folds):
        fit_items = [i for i in items if _fold(i.group, folds) != k]
        test_items = [i for i in items if _fold(i.group, folds) == k]
        if not fit_items or not test_items:
            continue
        model = classifier(train(fit_items, params))
        predicted += [model.classify(i.messages).level for i in test_items]
        ordered += test_items
    return score(ordered, predicted)


def _fold(group: str, folds: int) -> int:
    digest = hashlib.sha256(b"cv:" + group.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % folds


def classifier(model: dict[str, Any]) -> BuiltinClassifier:
    """A classifier straight from a model dict (no file round trip)."""
    return BuiltinClassifier(
        model["weights"], model["bias"], model["offsets"], guard=model["guard"]
    )


def train(items: Sequence[Item], params: Params) -> dict[str, Any]:
    """Fit on ``items`` and return the model as a JSON-able dict."""
    data = build_dataset(items, params)
    w, b = fit(data, params)
    weights = {}
    for name, row in zip(data.vocab, w, strict=True):
        rounded = [round(float(x), DECIMALS) for x in row]
        if max(map(abs, rounded)) >= params.prune:
            weights[name] = rounded
    return {
        "format": FORMAT,
        "levels": list(LEVELS),
        "bias": [round(float(x), DECIMALS) for x in b],
        "offsets": list(params.offsets),
        "guard": params.guard,
        "weights": weights,
        "meta": {},
    }


def dumps_model(model: dict[str, Any]) -> bytes:
    """Serialise with one feature per line, keys sorted (stable diffs, stable bytes)."""
    head = {k: v for k, v in model.items() if k != "weights"}
    lines = [orjson.dumps(head, option=orjson.OPT_SORT_KEYS)[:-1] + b', "weights": {']
    entries = [
        orjson.dumps(name) + b": " + orjson.dumps(model["weights"][name])
        for name in sorted(model["weights"])
    ]
    lines.append(b",\n".join(entries))
    lines.append(b"}}\n")
    return b"\n".join(lines)


def data_digest(paths: Sequence[Path]) -> str:
    """sha256 over the training files, to tie a model file to its data."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m llmrouter.classify.train", description=__doc__)
    parser.add_argument(
        "files", nargs="*", type=Path, help="labelled JSONL (default: data/classify)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--steps", type=int, default=Params.steps)
    parser.add_argument("--l2", type=float, default=Params.l2)
    parser.add_argument(
        "--cv",
        type=int,
        default=0,
        metavar="K",
        help="also print grouped K-fold cross-validation figures on the training split",
    )
    parser.add_argument(
        "--include-heldout",
        action="store_true",
        help="also train on the held-out split (only for your own data, then score elsewhere)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the parameter file; returns the exit status."""
    args = _parser().parse_args(argv)
    files = sorted(args.files) if args.files else default_files()
    items = load_items(files)
    train_items = [i for i in items if args.include_heldout or not is_heldout(i.group)]
    if not train_items:
        print("no training items found", file=sys.stderr)
        return 1
    params = Params(steps=args.steps, l2=args.l2)
    model = train(train_items, params)
    counts = Counter(i.level for i in train_items)
    model["meta"] = {
        "data": [p.name for p in files],
        "data_sha256": data_digest(files),
        "n_train": len(train_items),
        "n_heldout": len(items) - len(train_items),
        "train_counts": {lv: counts.get(lv, 0) for lv in LEVELS},
        "params": asdict(params),
        "n_features": len(model["weights"]),
    }
    args.out.write_bytes(dumps_model(model))
    print(f"wrote {args.out}: {len(model['weights'])} features, {len(train_items)} items")
    if args.cv > 1:
        print(format_report(cross_validate(train_items, params, args.cv), f"{args.cv}-fold CV"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
