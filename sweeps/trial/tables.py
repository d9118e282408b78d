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
from typing import Any

import numpy as np

from sweeps.tasks import read_table
from sweeps.trial.audit import Audit, PlanRow, audit_columns

__all__ = ["read_table"]

NUMERIC_KIND = "numeric (median-imputed, scaled)"
CATEGORICAL_KIND = "categorical (one-hot)"


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

    numeric = [col for col in columns if is_numeric(frame[col])]
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
        if not is_numeric(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), np.nan).map(
                lambda v: v if isinstance(v, float) else str(v))
    return out


def fitted_plan(preprocessor: Any, features: Any, held_out: Sequence[Any]) -> tuple[PlanRow, ...]:
    """Each column's model inputs as the fitted ``preprocessor`` makes them, and per held-out split
    (validation, test) the rows whose category it never saw in training."""
    rows = {}
    for name, pipeline, columns in preprocessor.transformers_:
        if name == "numeric":
            rows.update({col: PlanRow(col, NUMERIC_KIND, 1) for col in columns})
        elif name == "categorical":
            encoder = pipeline[-1]
            imputed = [pipeline[:-1].transform(part[columns]) for part in held_out]
            for i, col in enumerate(columns):
                unseen = tuple(int((~np.isin(values[:, i], encoder.categories_[i])).sum()) for values in imputed)
                rows[col] = PlanRow(col, CATEGORICAL_KIND, len(encoder.categories_[i]), (unseen[0], unseen[1]))
    return tuple(rows[col] for col in features.columns)


def audit_table(data: Mapping[str, Any], ordered: Any, features: Any, preprocessor: Any, y: np.ndarray,
                splits: Sequence[np.ndarray], task: str) -> Audit:
    """The fitted plan and the column warnings; ``ordered`` holds the feature columns in the file's row order."""
    train_idx, val_idx, test_idx = splits
    plan = fitted_plan(preprocessor, features, [features.iloc[val_idx], features.iloc[test_idx]])
    columns = [(f"column {col!r}", ordered[col], features[col].iloc[train_idx], features[col].iloc[val_idx],
                _remedy(data, col)) for col in features.columns]
    return Audit(plan, audit_columns(columns, y[train_idx], y[val_idx], task))


def _remedy(data: Mapping[str, Any], column: str) -> str:
    if data.get("features") is not None:
        return "remove it from data.features"
    return f"add  drop: [{', '.join([*(data.get('drop') or []), column])}]"


def is_numeric(series: Any) -> bool:
    """Numbers are imputed and scaled (booleans are categories)."""
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)
