"""A table (CSV or Parquet) -> features, fitted on the training split only.

scikit-learn's ``ColumnTransformer`` does the preprocessing: median imputation and scaling
for numbers, a "(missing)" category and one-hot encoding for everything else. It is kept
(scikit-learn is already a dependency and loads the bundled datasets), runs on the driver
once per sweep, and its fit/transform split makes "fitted on training rows only" one call:
validation and test rows are only ever transformed. ``keras.utils.FeatureSpace`` would do the
same inside TensorFlow, which the driver does not import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

IDENTIFIER_SHARE = 0.5
"""A string column with distinct values in more than this share of rows looks like an identifier."""


def read_table(path: str | Path, columns: Sequence[str] | None = None) -> Any:
    """The table as a DataFrame (only ``columns`` when given)."""
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, usecols=list(columns) if columns else None)
    return pd.read_parquet(path, columns=list(columns) if columns else None)


def feature_columns(frame: Any, data: Mapping[str, Any]) -> list[str]:
    """The columns used as features: ``features``, or every column but the target and ``drop``."""
    if data.get("features") is not None:
        return list(data["features"])
    dropped = set(data.get("drop") or [])
    return [str(col) for col in frame.columns if col != data["target"] and col not in dropped]


def make_preprocessor(frame: Any, columns: Sequence[str]) -> Any:
    """An unfitted ColumnTransformer for ``columns`` of ``frame``, by each column's kind."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [col for col in columns if _is_numeric(frame[col])]
    other = [col for col in columns if col not in numeric]
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                               StandardScaler()), numeric))
    if other:
        parts.append(("categorical", make_pipeline(
            SimpleImputer(strategy="constant", fill_value="(missing)"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32)), other))
    return ColumnTransformer(parts, sparse_threshold=0.0)


def as_strings(frame: Any, columns: Sequence[str]) -> Any:
    """Non-numeric columns as Python strings (missing as NaN), which the encoder and imputer expect."""
    out = frame[list(columns)].copy()
    for col in columns:
        if not _is_numeric(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), np.nan).map(
                lambda v: v if isinstance(v, float) else str(v))
    return out


def feature_plan(frame: Any, columns: Sequence[str]) -> list[tuple[str, str, int]]:
    """(column, kind, number of model inputs) per feature column, for ``sweeps validate``."""
    plan = []
    for col in columns:
        if _is_numeric(frame[col]):
            plan.append((col, "numeric (median-imputed, scaled)", 1))
        else:
            distinct = int(frame[col].nunique(dropna=True)) + int(frame[col].isna().any())
            plan.append((col, "categorical (one-hot)", distinct))
    return plan


def identifier_columns(frame: Any, columns: Sequence[str]) -> list[str]:
    """String columns whose values are distinct in more than ``IDENTIFIER_SHARE`` of the rows."""
    rows = max(1, len(frame))
    return [col for col in columns
            if not _is_numeric(frame[col]) and frame[col].nunique(dropna=True) > IDENTIFIER_SHARE * rows]


def _is_numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)
