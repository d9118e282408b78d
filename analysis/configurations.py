"""Configurations: trials that differ only in ``repeat`` and ``seed``, and their scores.

Importance and paired comparisons both reason about configurations rather than single
runs, so what a configuration is, how its axes become numbers and how a diverged run
scores are decided here once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.summarise import KEYS, require
from sweeps.results import constants as c
from sweeps.results.records import cell

CONFIG = "configuration"
"""Column of :func:`configuration_ids`: one integer per distinct configuration."""

LOG_RATIO = 20.0
"""A positive numeric axis whose max/min reaches this is compared on a log scale."""

UNFINISHED = (c.RUNNING, c.INTERRUPTED)
"""Statuses of trials that have no outcome yet, so no score to count."""


def searched(axes: Sequence[str]) -> list[str]:
    """The axes that define a configuration: every searched axis except repeat and seed."""
    return [a for a in axes if a not in (c.REPEAT, c.SEED)]


def configuration_columns(axes: Sequence[str]) -> list[str]:
    """A configuration's key columns: its sweep and its searched axes."""
    return [c.SWEEP, *searched(axes)]


def with_unscored(best: pd.DataFrame, trials: pd.DataFrame | None) -> pd.DataFrame:
    """``best`` plus a row without a score for each finished trial of ``trials`` it lacks.

    :func:`analysis.summarise.best_epochs` leaves out a trial with no finite score (one that
    diverged at once, or failed before its first epoch); such a run still counts against its
    configuration, so it comes back here with its hyperparameters and no metric.
    """
    if trials is None or not set(KEYS) <= set(trials.columns) or trials.empty:
        return best
    known = pd.MultiIndex.from_frame(best[KEYS].astype(str))
    missing = ~pd.MultiIndex.from_frame(trials[KEYS].astype(str)).isin(known)
    if c.STATUS in trials.columns:
        missing &= ~trials[c.STATUS].isin(UNFINISHED).to_numpy()
    if not missing.any():
        return best
    extra = trials.loc[missing, [name for name in best.columns if name in trials.columns]]
    return pd.concat([best.assign(**{k: best[k].astype(str) for k in KEYS}), extra], ignore_index=True)


def hashable(values: pd.Series) -> pd.Series:
    """Values that group and compare: list values become ``"100-50"`` as the runner stores them."""
    if values.dtype == object:
        return values.map(lambda v: cell(list(v)) if isinstance(v, np.ndarray) else cell(v))
    return values


def configuration_ids(best: pd.DataFrame, axes: Sequence[str]) -> np.ndarray:
    """One integer per row naming its configuration (missing values are a value of their own)."""
    columns = configuration_columns(axes)
    require(best, columns)
    keys = pd.DataFrame({name: hashable(best[name]) for name in columns}, index=best.index)
    return keys.groupby(columns, dropna=False, sort=False, observed=True).ngroup().to_numpy()


def lower_is_better(best: pd.DataFrame, metric: str, mode: str) -> np.ndarray:
    """``metric`` as a loss (negated when ``mode`` is max); a non-finite run scores its sweep's worst.

    A diverged run is worse than any finite one, but an infinity would swamp every mean and
    every surrogate fit, so it gets the worst finite score of its own sweep (NaN when that
    sweep has none).
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    require(best, [c.SWEEP, metric])
    values = pd.to_numeric(best[metric], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    score = pd.Series(values if mode == "min" else -values, index=best.index)
    finite = score.where(np.isfinite(score))
    worst = finite.groupby(best[c.SWEEP].to_numpy(), sort=False).transform("max")
    return finite.fillna(worst).to_numpy(dtype=float)


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
