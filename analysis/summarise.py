"""Pure summaries of epoch rows: best epoch per trial, capacity, optimizers, pruning.

Every function takes DataFrames (as :func:`analysis.load` returns them) plus the sweep's
metric and mode and returns a new DataFrame; nothing is read, drawn or written here.
Trials are compared at their best epoch, not their last, because early stopping and
pruning end them at different epochs. A non-finite value (a diverged trial's NaN or inf
loss) is never best.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sweeps.results import constants as c

KEYS = [c.SWEEP, c.TRIAL_ID]
"""A trial is known by its sweep and its id (ids are unique only within a sweep)."""

EPOCHS_REACHED = "epochs_reached"
TRIALS = "trials"
GAP = "gap"
SURVIVORS = "survivors"
RUNG = "rung"


def best_epochs(epochs: pd.DataFrame, metric: str, mode: str) -> pd.DataFrame:
    """The best epoch of every trial, best trial first.

    Returns one row per trial: its epoch row where ``metric`` is best by ``mode`` (the
    earliest such epoch on ties), with ``epoch`` renamed ``best_epoch`` and the trial's
    last epoch added as ``epochs_reached``. A trial with no finite value is left out.

    Example:
        >>> best = best_epochs(results.epochs, "val_loss", "min")
        >>> best.iloc[0][["trial_id", "best_epoch", "val_loss"]]
    """
    require(epochs, [*KEYS, c.EPOCH, metric])
    if not epochs.index.is_unique:
        epochs = epochs.reset_index(drop=True)
    score = _score(epochs[metric], mode)
    finite = np.isfinite(score)
    frame = epochs.loc[finite, [*KEYS, c.EPOCH]].assign(_score=score[finite])
    lowest = frame.groupby(KEYS, observed=True, sort=False)["_score"].transform("min")
    hits = frame.loc[frame["_score"].to_numpy() == lowest.to_numpy()]
    rows = hits.groupby(KEYS, observed=True, sort=False)[c.EPOCH].idxmin().to_numpy()
    best = epochs.loc[rows].rename(columns={c.EPOCH: c.BEST_EPOCH})
    reached = epochs.groupby(KEYS, observed=True, sort=False)[c.EPOCH].max().rename(EPOCHS_REACHED)
    best = best.join(reached, on=KEYS)
    return rank(best, metric, mode)


def rank(frame: pd.DataFrame, metric: str, mode: str) -> pd.DataFrame:
    """Rows sorted best first by ``metric``; non-finite values last, ties by trial id."""
    order = np.lexsort((frame[c.TRIAL_ID].astype(str).to_numpy(), _score(frame[metric], mode)))
    return frame.iloc[order].reset_index(drop=True)


def gap_columns(metric: str, columns: Iterable[str]) -> tuple[str, str] | None:
    """The (validation, training) pair a gap is measured on: the metric's own pair, else the losses."""
    names = set(columns)
    if metric.startswith("val_") and metric[4:] in names:
        return metric, metric[4:]
    if {"val_loss", "loss"} <= names:
        return "val_loss", "loss"
    return None


def gap_label(metric: str, mode: str, columns: Iterable[str]) -> str:
    """What :func:`train_validation_gap` subtracts, for axis labels: 'val_loss − loss'."""
    pair = gap_columns(metric, columns)
    if pair is None:
        return GAP
    val, train = pair
    return f"{val} − {train}" if mode == "min" or val != metric else f"{train} − {val}"


def train_validation_gap(frame: pd.DataFrame, metric: str, mode: str) -> pd.Series:
    """How much worse validation is than training, row by row; positive means overfitting.

    Measured on ``metric`` and its training counterpart (``val_loss - loss``; for a metric
    where higher is better, ``accuracy - val_accuracy``), else on the losses.
    """
    pair = gap_columns(metric, frame.columns)
    if pair is None:
        raise ValueError(f"a gap needs a validation metric and its training counterpart (val_loss and loss); "
                         f"available columns are: {', '.join(map(str, frame.columns))}")
    val, train = pair
    lower_is_better = mode == "min" if val == metric else True
    gap = frame[val] - frame[train] if lower_is_better else frame[train] - frame[val]
    return gap.rename(GAP)


def capacity(best: pd.DataFrame, metric: str, mode: str, rows: str = "depth", cols: str = "width") -> pd.DataFrame:
    """Best ``metric`` per (rows, cols) cell, say depth x width, and the gap of that best trial.

    Each cell holds its best trial (every other axis at its best), the trial's best epoch,
    the train-validation gap there, and how many trials the cell had.
    """
    require(best, [*KEYS, c.BEST_EPOCH, metric, rows, cols])
    frame = best.dropna(subset=[rows, cols])
    if gap_columns(metric, frame.columns) is not None:
        frame = frame.assign(**{GAP: train_validation_gap(frame, metric, mode)})
    else:
        frame = frame.assign(**{GAP: np.nan})
    return _best_per_cell(frame, metric, mode, [rows, cols], [metric, GAP, c.BEST_EPOCH])


def optimizers(best: pd.DataFrame, metric: str, mode: str) -> pd.DataFrame:
    """Best ``metric`` per optimizer and learning rate, and the epochs it took to reach it."""
    require(best, [*KEYS, c.BEST_EPOCH, metric, "optimizer", "learning_rate"])
    frame = best.dropna(subset=["optimizer", "learning_rate"])
    return _best_per_cell(frame, metric, mode, ["optimizer", "learning_rate"], [metric, c.BEST_EPOCH])


def _best_per_cell(frame: pd.DataFrame, metric: str, mode: str, cells: list[str], values: list[str]) -> pd.DataFrame:
    ranked = rank(frame, metric, mode)
    groups = ranked.groupby(cells, observed=True, sort=True)
    top = groups.head(1).set_index(cells)[[*values, c.SWEEP, c.TRIAL_ID]]
    out = top.join(groups.size().rename(TRIALS)).sort_index().reset_index()
    return out[[*cells, TRIALS, *values, c.SWEEP, c.TRIAL_ID]]


def epochs_reached(epochs: pd.DataFrame) -> pd.DataFrame:
    """The last epoch every trial reported, diverged ones included."""
    require(epochs, [*KEYS, c.EPOCH])
    reached = epochs.groupby(KEYS, observed=True)[c.EPOCH].max().rename(EPOCHS_REACHED)
    return reached.reset_index()


def survivors(reached: pd.DataFrame | pd.Series, rungs: Sequence[int]) -> pd.DataFrame:
    """How many trials reached each rung epoch (reached it or went past it), and what fraction."""
    values = reached[EPOCHS_REACHED] if isinstance(reached, pd.DataFrame) else reached
    ordered = np.sort(values.dropna().to_numpy(dtype=float))
    rung = np.asarray(sorted(set(rungs)), dtype=np.int64)
    counts = len(ordered) - np.searchsorted(ordered, rung, side="left")
    fraction = counts / len(ordered) if len(ordered) else np.full(len(rung), np.nan)
    return pd.DataFrame({RUNG: rung, SURVIVORS: counts.astype(np.int64), "fraction": fraction})


def status_counts(trials: pd.DataFrame) -> dict[str, int]:
    """Trials per status, in the order reports list statuses; unknown statuses last."""
    if c.STATUS not in trials.columns:
        return {}
    counts = trials[c.STATUS].fillna("unknown").astype(str).value_counts()
    order = [s for s in c.STATUSES if s in counts.index] + sorted(set(counts.index) - set(c.STATUSES))
    return {s: int(counts[s]) for s in order}


def configuration(row: Mapping[str, Any] | pd.Series, axes: Sequence[str]) -> dict[str, Any]:
    """The values of ``axes`` in a row, as plain Python (missing ones left out)."""
    out = {}
    for axis in axes:
        value = row.get(axis) if isinstance(row, Mapping) else row.get(axis, None)
        if value is not None and not (isinstance(value, float) and np.isnan(value)) and value is not pd.NA:
            out[axis] = value.item() if isinstance(value, np.generic) else value
    return out


def describe(config: Mapping[str, Any]) -> str:
    """A configuration in words: 'optimizer=adam, learning_rate=0.003'."""
    return ", ".join(f"{k}={format_value(v)}" for k, v in config.items()) or "(no searched axes)"


def format_value(value: Any) -> str:
    """A value for tables and text: floats to 4 significant digits, the rest as is."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


def metric_range(metric: str) -> tuple[float, float]:
    """Where a metric's values can lie: every loss and error is >= 0, an accuracy is a share in [0, 1].

    Intervals are clipped to it, so a bootstrap over few values never claims an accuracy above 1.
    """
    return (0.0, 1.0) if "accuracy" in metric else (0.0, np.inf)


def require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Fail with the missing and the available column names, not a KeyError deep inside pandas."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}; "
                         f"available columns are: {', '.join(map(str, frame.columns))}")


def _score(values: pd.Series, mode: str) -> np.ndarray:
    """Lower is better; non-finite values become +inf so they are never best."""
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    score = array if mode == "min" else -array
    return np.where(np.isfinite(score), score, np.inf)
