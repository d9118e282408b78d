"""The task a target asks for, and what each task needs from its labels.

A leaf that every stage may import. One rule, used by the spec's checks (tables) and by the
data loader (user arrays): a target
of strings or booleans, or of few integer values, is classes; floats with a fractional part, or
more than ``MAX_CLASSES`` distinct integers, are numbers to regress.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sweeps.errors import SpecError

MAX_CLASSES = 20
"""More distinct integer values than this make a numeric target a regression target."""


def infer_task(y: Any) -> str:
    """'classification' or 'regression' for the target values ``y``."""
    values = np.asarray(y)
    if values.dtype.kind not in "iuf":
        return "classification"
    if values.ndim > 1 and values.shape[-1] > 1:
        return "regression"
    flat = values.reshape(-1)
    if values.dtype.kind == "f":
        finite = flat[np.isfinite(flat)]
        if len(finite) and not np.all(finite == np.round(finite)):
            return "regression"
    return "regression" if len(np.unique(flat[~_nan(flat)])) > MAX_CLASSES else "classification"


def read_table(path: str | Path, columns: Sequence[str] | None = None) -> Any:
    """A CSV or Parquet file as a DataFrame (only ``columns`` when given)."""
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, usecols=list(columns) if columns else None)
    return pd.read_parquet(path, columns=list(columns) if columns else None)


def encode_labels(field: str, y: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class labels -> int32 indices and the class names (sorted), or one clear line naming ``field``."""
    values = np.asarray(y).reshape(-1)
    if values.dtype.kind == "f" and _nan(values).any():
        raise SpecError(f"{field} has {int(_nan(values).sum())} missing (NaN) labels; drop those rows")
    classes, indices = np.unique(values.astype(str) if values.dtype.kind not in "iub" else values,
                                 return_inverse=True)
    if len(classes) < 2:
        raise SpecError(f"{field} must have at least 2 classes for classification, got {len(classes)}")
    return indices.astype("int32"), tuple(str(c) for c in classes)


def regression_targets(field: str, y: Any) -> np.ndarray:
    """Numbers to regress as float32 rows x outputs (one column for one target), or one line on a bad value."""
    try:
        values = np.asarray(y, dtype="float64")
    except (TypeError, ValueError):
        raise SpecError(f"{field} must be numbers for a regression task") from None
    bad = ~np.isfinite(values)
    if bad.any():
        raise SpecError(f"{field} has {int(bad.sum())} NaN or infinite values; a regression target must be finite")
    return values.reshape(len(values), -1).astype("float32")


def _nan(values: np.ndarray) -> np.ndarray:
    return np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
