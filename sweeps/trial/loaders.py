"""``data: {load: "module:function"}``: a user's own arrays, checked and split like a built-in dataset.

The function takes no arguments and returns ``(x, y)`` (split here, as the spec says) or a
mapping with ``x_train, y_train, x_val, y_val`` and optionally ``x_test, y_test`` for fixed
splits (without a test split one is held out of the training rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from sweeps.errors import SpecError
from sweeps.tasks import encode_labels, infer_task, regression_targets
from sweeps.trial.audit import audit_arrays
from sweeps.trial.data import Splits, shape_for, split
from sweeps.trial.user_code import import_callable

FIELD = "data.load"
SPLIT_KEYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")


def load_user_data(data: Mapping[str, Any], family: str, base: str | Path | None) -> Splits:
    loader = import_callable(FIELD, data["load"], base, parameters=0)
    try:
        returned = loader()
    except Exception as exc:
        raise SpecError(f"{FIELD} {data['load']!r} raised {type(exc).__name__}: {exc}") from None
    if isinstance(returned, Mapping):
        return _fixed_splits(returned, data, family)
    if not isinstance(returned, (tuple, list)) or len(returned) != 2:
        raise SpecError(f"{FIELD} must return (x, y) or a mapping with {', '.join(SPLIT_KEYS[:4])}"
                        f"[, x_test, y_test]; got {type(returned).__name__}")
    x, y = (_array(f"{FIELD} {name}", value) for name, value in zip(("x", "y"), returned))
    _same_length(("x", x), ("y", y))
    task = data.get("task") or infer_task(y)
    y, classes = _targets(f"{FIELD} y", y, task)
    return _audited(x, split(shape_for(_features(f"{FIELD} x", x), family), y, data, classes, task))


def _fixed_splits(parts: Mapping[str, Any], data: Mapping[str, Any], family: str) -> Splits:
    missing = [k for k in SPLIT_KEYS[:4] if k not in parts]
    unknown = [k for k in parts if k not in SPLIT_KEYS]
    if missing or unknown or (("x_test" in parts) != ("y_test" in parts)):
        raise SpecError(f"{FIELD} must return a mapping with {', '.join(SPLIT_KEYS[:4])} and optionally "
                        f"x_test with y_test; got keys {', '.join(map(str, parts))}")
    arrays = {k: _array(f"{FIELD} {k}", v) for k, v in parts.items()}
    for name in ("train", "val", "test"):
        if f"x_{name}" in arrays:
            _same_length((f"x_{name}", arrays[f"x_{name}"]), (f"y_{name}", arrays[f"y_{name}"]))
    given = [arrays[f"x_{n}"] for n in ("train", "val", "test") if f"x_{n}" in arrays]
    if "x_test" not in arrays:
        from sklearn.model_selection import train_test_split

        keep, test_idx = train_test_split(np.arange(len(arrays["y_train"])), test_size=data["test_split"],
                                          random_state=data["seed"])
        arrays["x_test"], arrays["y_test"] = arrays["x_train"][test_idx], arrays["y_train"][test_idx]
        arrays["x_train"], arrays["y_train"] = arrays["x_train"][keep], arrays["y_train"][keep]
    names = ("train", "val", "test")
    y_all = np.concatenate([arrays[f"y_{n}"] for n in names])
    task = data.get("task") or infer_task(y_all)
    encoded, classes = _targets(f"{FIELD} y", y_all, task)
    sizes = np.cumsum([0] + [len(arrays[f"y_{n}"]) for n in names])
    ys = [encoded[sizes[i]:sizes[i + 1]] for i in range(3)]
    xs = [shape_for(_features(f"{FIELD} x_{n}", arrays[f"x_{n}"]), family) for n in names]
    if len({x.shape[1:] for x in xs}) != 1:
        raise SpecError(f"{FIELD}: x_train, x_val and x_test must have the same shape per row, "
                        f"got {', '.join(str(x.shape[1:]) for x in xs)}")
    return _audited(np.concatenate(given), Splits(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], classes, task))


def _audited(x: np.ndarray, splits: Splits) -> Splits:
    """``splits`` with the column checks of ``x``, the loader's features in the order it returned them."""
    x = x[:, np.newaxis] if x.ndim == 1 else x
    audit = audit_arrays(x, splits.x_train, splits.y_train, splits.x_val, splits.y_val, splits.task)
    return replace(splits, audit=audit)


def _array(field: str, value: Any) -> np.ndarray:
    try:
        return np.asarray(value)
    except Exception:
        raise SpecError(f"{field} must be an array, got {type(value).__name__}") from None


def _same_length(*named: tuple[str, np.ndarray]) -> None:
    lengths = {name: len(a) if a.ndim else 0 for name, a in named}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        shown = ", ".join(f"{name} has {n} rows" for name, n in lengths.items())
        raise SpecError(f"{FIELD} returned mismatched or empty arrays: {shown}")


def _features(field: str, x: np.ndarray) -> np.ndarray:
    if x.dtype.kind not in "iufb":
        raise SpecError(f"{field} must be numbers (got dtype {x.dtype}); encode text columns first, "
                        "or use dataset: table")
    x = x.astype("float32")
    if x.ndim == 1:
        x = x[:, np.newaxis]
    bad = ~np.isfinite(x)
    if bad.any():
        raise SpecError(f"{field} has {int(bad.sum())} NaN or infinite values; features must be finite")
    return x


def _targets(field: str, y: np.ndarray, task: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if task == "classification":
        return encode_labels(field, y)
    return regression_targets(field, y), ()
