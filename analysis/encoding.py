"""Searched axes as numbers a tree can split: how importance reads numbers, categories and lists.

Which runs form a configuration and how a diverged run scores is :mod:`analysis.runs`'
rule; this module only turns an axis's values into floats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.runs import hashable

LOG_RATIO = 20.0
"""A positive numeric axis whose max/min reaches this is compared on a log scale."""


def encode_axis(values: pd.Series) -> tuple[np.ndarray, str]:
    """An axis as floats a tree can split, and how it was read: 'log', 'numeric' or 'category'.

    Booleans are 0/1; numbers stay numbers, on a log10 scale when positive with
    max/min >= :data:`LOG_RATIO`; anything else (strings, list values) is a category coded
    in sorted order. Missing values sit below every present one (a branch of their own).
    """
    if pd.api.types.infer_dtype(values, skipna=True) == "boolean":
        return _missing_below(values.astype(float).to_numpy()), "numeric"
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == values.notna().sum() and values.notna().any():
        array = numbers.to_numpy(dtype=float, na_value=np.nan)
        low, high = np.nanmin(array), np.nanmax(array)
        if low > 0 and high / low >= LOG_RATIO:
            return _missing_below(np.log10(array)), "log"
        return _missing_below(array), "numeric"
    labels = hashable(values).astype(object).where(values.notna(), None)
    codes = {name: float(i) for i, name in enumerate(sorted({str(v) for v in labels.dropna()}))}
    coded = labels.map(lambda v: np.nan if v is None else codes[str(v)])
    return _missing_below(coded.to_numpy(dtype=float)), "category"


def _missing_below(array: np.ndarray) -> np.ndarray:
    present = array[np.isfinite(array)]
    if present.size == len(array):
        return array
    below = (present.min() - 1.0 - (present.max() - present.min())) if present.size else 0.0
    return np.where(np.isfinite(array), array, below)
