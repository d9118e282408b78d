"""Effects per axis: how the score moves with each searched value, and whether it moves beyond noise.

For every configuration axis (``repeat`` and ``seed`` only tell runs of one
configuration apart) each value gets its best run, its mean over the other axes and the
repeats, a 95% bootstrap interval of that mean, the difference to the best value with
its interval, and a verdict:

* A *cell* is one value of the axis together with one combination of the other axes'
  values; its score is the mean of its configurations' means over repeats. A value's
  mean is the mean over its cells, so every combination of the other axes weighs the same.
* With repeats (a configuration's median run count is 2 or more), intervals are over
  repeats, as rliable's stratified bootstrap: runs are redrawn within each configuration,
  the other axes stay as they are. One resample draws the same repeat slots for every
  configuration, so runs sharing a repeat (and hence a seed) stay paired.
* With one run per configuration, intervals are over the other axes: a value's cells
  are redrawn. With nothing to redraw there is no interval.
* The difference to the best value pairs cells that share the other axes' values (and,
  with repeats, the repeat slot), so the other axes' spread cancels out; in a full grid
  it is exactly the value's mean minus the best value's mean. Where no cell pairs up, the
  two values' resampled means are subtracted unpaired. Its 95% interval decides the
  verdict: "clearly worse" when it excludes 0, "within noise" when it includes 0,
  "cannot tell" when nothing can be resampled.

Diverged runs count as their sweep's worst score (:mod:`analysis.runs`). Numeric axes
with more than :data:`MAX_VALUES` distinct values (random search) are cut into bins of
equal counts (on a log scale for log axes); a bin's ``value`` is its median.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis._bootstrap import config_draws, interval, mean_by, resample_groups
from analysis.noise_floor import variance_split
from analysis.runs import CONFIG, DIVERGED, SCORE, configuration_axes, runs
from analysis.summarise import format_value, metric_range
from sweeps.results import constants as c

CATEGORICAL, NUMERIC, LOG = "categorical", "numeric", "log"
REPEATS, OTHER_AXES, NONE = "repeats", "other axes", "none"
BEST, WITHIN, WORSE, UNKNOWN = "best", "within noise", "clearly worse", "cannot tell"
COLUMNS = ("value", "runs", "diverged", "best", "mean", "low", "high", "diff", "diff_low", "diff_high", "verdict")
"""The columns of :attr:`AxisEffect.table`; scores and differences are in the metric's units."""
MAX_VALUES = 12
"""Numeric axes with more distinct values than this are binned into this many bins."""
LOG_RATIO = 8.0
"""A positive numeric axis whose max/min reaches this is drawn and binned on a log scale (widths 16 to 256,
batch sizes 32 to 512, learning rates), as the capacity figure does."""


@dataclass(frozen=True)
class AxisEffect:
    """How one axis moves the score: a row per value, in axis order, and the same in words.

    ``table`` has :data:`COLUMNS` (``diff`` is the value's mean minus the best value's
    mean); ``table.attrs`` holds ``metric``, ``mode`` and ``worst`` (the score diverged
    runs count as). ``interval_over`` is
    :data:`REPEATS`, :data:`OTHER_AXES` or :data:`NONE`. ``effect_sd`` is the largest
    difference between value means in repeat standard deviations (NaN without repeats).
    """

    axis: str
    kind: str
    table: pd.DataFrame
    interval_over: str
    sentence: str
    effect_sd: float = float("nan")


@dataclass(frozen=True)
class _Replicates:
    """One axis's bootstrap state: cell and value replicates (row 0 the data), scores lower-is-better."""

    over: str
    cells: pd.DataFrame
    cell_reps: np.ndarray
    value_reps: np.ndarray
    cell_varies: np.ndarray
    value_varies: np.ndarray
    value_units: np.ndarray
    """Independent units each value's interval resampled: repeats, or cells with one repeat."""


def axis_effects(best: pd.DataFrame, trials: pd.DataFrame | None, metric: str, mode: str, axes: Sequence[str],
                 *, resamples: int = 1000, seed: int = 0) -> dict[str, AxisEffect]:
    """The effect of every configuration axis on ``metric``, keyed by axis, in ``axes`` order.

    Args:
        best: :func:`analysis.summarise.best_epochs` output (one row per scored trial).
        trials: ``Results.trials`` (for diverged trials), or None.
        metric: the score column, as in ``best``.
        mode: "min" or "max".
        axes: the searched axes (``SweepInfo.axes``); ``repeat`` and ``seed`` are skipped.
        resamples: bootstrap resamples per interval.
        seed: the bootstrap's seed; the same seed gives the same tables.

    Example:
        >>> effects = axis_effects(best, results.trials, "val_accuracy", "max", info.axes)
        >>> print(effects["dropout"].sentence)
        dropout: 0 best (val_accuracy 0.9497 [0.943, 0.9553]); 0.9 clearly worse, by 0.3089 [0.306, 0.3112]; the
        values' means differ by up to 73.5 repeat SDs
    """
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    names = configuration_axes(axes)
    frame = runs(best, trials, metric, mode, names)
    if frame.empty:
        return {}
    rng = np.random.default_rng(seed)
    worst = float(frame[SCORE].max()) * (1.0 if mode == "min" else -1.0)
    size = frame.groupby(CONFIG).size()
    over = REPEATS if size.median() >= 2 else OTHER_AXES
    draws = None
    if over == REPEATS:
        draws = config_draws(frame[CONFIG].to_numpy(), frame[SCORE].to_numpy(dtype=float), resamples, rng)
    repeat_sd = variance_split(frame[SCORE].to_numpy(dtype=float), frame[CONFIG].to_numpy()).repeat_sd
    frame["_runs"] = size.reindex(frame[CONFIG].to_numpy()).to_numpy()
    effects = {axis: _effect(frame, axis, [a for a in names if a != axis], metric, mode, over, draws, resamples,
                             rng, repeat_sd) for axis in names}
    for effect in effects.values():
        effect.table.attrs["worst"] = worst
    return effects


def axis_kind(values: pd.Series) -> str:
    """"categorical", "numeric" or "log" (numeric, every value > 0 and max/min >= :data:`LOG_RATIO`)."""
    numbers = _numbers(values)
    if numbers is None:
        return CATEGORICAL
    finite = numbers[np.isfinite(numbers)]
    if len(finite) and finite.min() > 0 and finite.max() / finite.min() >= LOG_RATIO:
        return LOG
    return NUMERIC


def _effect(frame: pd.DataFrame, axis: str, others: list[str], metric: str, mode: str, over: str,
            draws: np.ndarray | None, resamples: int, rng: np.random.Generator, repeat_sd: float) -> AxisEffect:
    part = frame.loc[frame[axis].notna()]
    kind = axis_kind(part[axis])
    values, code = _values(part[axis], kind)
    reps = _replicates(part.assign(_value=code), others, len(values), over, draws, resamples, rng)
    low, high = interval(reps.value_reps, reps.value_units)
    low, high = np.where(reps.value_varies, low, np.nan), np.where(reps.value_varies, high, np.nan)
    point = reps.value_reps[0]
    top = int(np.nanargmin(point)) if np.isfinite(point).any() else -1
    diffs = np.array([_difference(v, top, reps, resamples, rng) for v in range(len(values))]).reshape(-1, 3)
    verdicts = [_verdict(v, top, diffs[v]) for v in range(len(values))]
    sign = 1.0 if mode == "min" else -1.0
    by_value = part.assign(_value=code).groupby("_value")
    ok = part.loc[~part[DIVERGED].to_numpy()]
    best_score = ok.groupby(code[~part[DIVERGED].to_numpy()])[SCORE].min().reindex(range(len(values)))
    table = pd.DataFrame({
        "value": values,
        "runs": by_value.size().reindex(range(len(values)), fill_value=0).to_numpy(dtype=np.int64),
        "diverged": by_value[DIVERGED].sum().reindex(range(len(values)), fill_value=0).to_numpy(dtype=np.int64),
        "best": best_score.to_numpy(dtype=float) * sign,
        "mean": point * sign, "low": _lower(low, high, sign), "high": _upper(low, high, sign),
        "diff": diffs[:, 0] * sign + 0.0, "diff_low": _lower(diffs[:, 1], diffs[:, 2], sign),
        "diff_high": _upper(diffs[:, 1], diffs[:, 2], sign), "verdict": verdicts,
    }, columns=list(COLUMNS))
    table[["low", "high"]] = table[["low", "high"]].clip(*metric_range(metric))
    table.attrs.update(metric=metric, mode=mode)
    interval_over = over if reps.value_varies.any() else NONE
    spread = float(np.nanmax(point) - np.nanmin(point)) if np.isfinite(point).any() else np.nan
    effect_sd = spread / repeat_sd if repeat_sd > 0 else np.nan
    return AxisEffect(axis=axis, kind=kind, table=table, interval_over=interval_over, effect_sd=effect_sd,
                      sentence=_sentence(axis, table, metric, interval_over, effect_sd))


def _lower(low: np.ndarray, high: np.ndarray, sign: float) -> np.ndarray:
    return (low if sign > 0 else high) * sign


def _upper(low: np.ndarray, high: np.ndarray, sign: float) -> np.ndarray:
    return (high if sign > 0 else low) * sign


def _replicates(part: pd.DataFrame, others: list[str], n_values: int, over: str, draws: np.ndarray | None,
                resamples: int, rng: np.random.Generator) -> _Replicates:
    """Cells (value x other axes) and their replicates: over repeats, or over cells redrawn."""
    part = part.assign(_other=part.groupby([c.SWEEP, *others], dropna=False, sort=False).ngroup())
    part["_cell"] = part.groupby(["_value", "_other"], sort=True).ngroup()
    cells = part.groupby("_cell").agg(value=("_value", "first"), other=("_other", "first"),
                                      runs=("_runs", "max"))
    value = cells["value"].to_numpy()
    if over == REPEATS and draws is not None:
        pairs = part[["_cell", CONFIG]].drop_duplicates()
        cell_reps = mean_by(draws[:, pairs[CONFIG].to_numpy()], pairs["_cell"].to_numpy(), len(cells))
        cell_varies = cells["runs"].to_numpy() > 1
        value_reps = mean_by(cell_reps, value, n_values)
        value_varies = np.bincount(value, weights=cell_varies, minlength=n_values) > 0
        value_units = np.full(n_values, float(part["_runs"].median()))
    else:
        cell_reps = part.groupby("_cell")[SCORE].mean().to_numpy()[None, :]
        cell_varies = np.zeros(len(cells), dtype=bool)
        value_reps = resample_groups(cell_reps[0], value, n_values, resamples, rng)
        value_units = np.bincount(value, minlength=n_values).astype(float)
        value_varies = value_units >= 2
    return _Replicates(over, cells, cell_reps, value_reps, cell_varies, value_varies, value_units)


def _difference(v: int, top: int, reps: _Replicates, resamples: int,
                rng: np.random.Generator) -> tuple[float, float, float]:
    """Value ``v``'s mean minus the best value's (lower-is-better units) and its 95% interval."""
    nan = np.nan
    if top < 0 or not np.isfinite(reps.value_reps[0, v]):
        return nan, nan, nan
    if v == top:
        return 0.0, nan, nan
    cells = reps.cells
    mine = cells.loc[cells["value"] == v].reset_index().set_index("other")["_cell"]
    theirs = cells.loc[cells["value"] == top].reset_index().set_index("other")["_cell"]
    shared = mine.index.intersection(theirs.index)
    a, b = mine[shared].to_numpy(), theirs[shared].to_numpy()
    if reps.over == REPEATS and (reps.cell_varies[a] | reps.cell_varies[b]).any():
        if len(shared) == len(mine) == len(theirs):
            diff = reps.value_reps[:, v] - reps.value_reps[:, top]
        else:
            diff = reps.cell_reps @ _pair_weights(a, b, reps.cell_reps.shape[1])
        units = max(reps.value_units[v], reps.value_units[top])
    elif reps.over != REPEATS and len(shared) >= 2:
        each = reps.cell_reps[0, a] - reps.cell_reps[0, b]
        diff = np.concatenate([[each.mean()], each[rng.integers(0, len(each), (resamples, len(each)))].mean(axis=1)])
        units = len(shared)
    elif reps.value_varies[v] or reps.value_varies[top]:
        diff = reps.value_reps[:, v] - reps.value_reps[:, top]
        units = max(min(reps.value_units[v], reps.value_units[top]), 2)
    else:
        return float(reps.value_reps[0, v] - reps.value_reps[0, top]), nan, nan
    low, high = interval(diff[:, None], units)
    return float(diff[0]), float(low[0]), float(high[0])


def _pair_weights(a: np.ndarray, b: np.ndarray, cells: int) -> np.ndarray:
    """Weights that turn cell replicates into the mean of paired differences (cells a minus cells b)."""
    weights = np.zeros(cells)
    np.add.at(weights, a, 1.0 / len(a))
    np.add.at(weights, b, -1.0 / len(b))
    return weights


def _verdict(v: int, top: int, diff: np.ndarray) -> str:
    if v == top:
        return BEST
    if not np.isfinite(diff[1]):
        return UNKNOWN
    return WORSE if diff[1] > 0 else WITHIN


def _values(series: pd.Series, kind: str) -> tuple[list[Any], np.ndarray]:
    """The axis' values in order (bin medians past :data:`MAX_VALUES`) and each row's index into them."""
    if kind == CATEGORICAL:
        text = series.astype(str)
        labels = sorted(text.unique(), key=_natural)
        first = series.groupby(text.to_numpy()).first()
        codes = text.map({v: i for i, v in enumerate(labels)}).to_numpy(dtype=np.int64)
        return [_item(first[label]) for label in labels], codes
    numbers = np.asarray(_numbers(series), dtype=float)
    distinct = np.unique(numbers)
    if len(distinct) <= MAX_VALUES:
        values = [_plain(v, series) for v in distinct]
        return values, np.searchsorted(distinct, numbers)
    scale = np.log(numbers) if kind == LOG else numbers
    bins = pd.qcut(scale, MAX_VALUES, labels=False, duplicates="drop")
    codes = pd.Series(bins).rank(method="dense").to_numpy(dtype=np.int64) - 1
    medians = pd.Series(numbers).groupby(codes).median()
    return [float(v) for v in medians.to_numpy()], codes


def _item(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _plain(value: float, series: pd.Series) -> Any:
    if pd.api.types.is_integer_dtype(series.dtype) or float(value).is_integer() and series.dtype == object:
        return int(value)
    return float(value)


def _numbers(values: pd.Series) -> np.ndarray | None:
    """The values as floats, or None when the axis is not numeric (strings, bools, lists)."""
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values.dtype) or any(isinstance(v, (bool, np.bool_)) for v in present[:50]):
        return None
    if pd.api.types.is_numeric_dtype(values.dtype):
        return present.to_numpy(dtype=float)
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.isna().any() or not all(isinstance(v, (int, float, np.number)) for v in present):
        return None
    return numbers.to_numpy(dtype=float)


def _natural(text: str) -> tuple[Any, ...]:
    """Sort key: '50' before '100', '64-32' after '64', else alphabetical."""
    parts = text.split("-")
    return (0, *map(int, parts)) if all(p.isdigit() for p in parts) else (1, text)


def _sentence(axis: str, table: pd.DataFrame, metric: str, over: str, effect_sd: float) -> str:
    labels = [format_value(v) for v in table["value"]]
    verdicts = table["verdict"].to_numpy()
    tops = np.flatnonzero(verdicts == BEST)
    if not len(tops):
        return f"{axis}: no value has a score."
    top = table.iloc[int(tops[0])]
    if np.isfinite(top["low"]):
        head = (f"{axis}: {labels[tops[0]]} best ({metric} {format_value(top['mean'])} "
                f"[{format_value(top['low'])}, {format_value(top['high'])}])")
    else:
        head = f"{axis}: {labels[tops[0]]} best ({metric} {format_value(top['mean'])}, no interval)"
    parts = [head]
    within = [labels[i] for i in np.flatnonzero(verdicts == WITHIN)]
    if within:
        parts.append(f"{_join(within)} within noise")
    worse: list[str] = []
    for i in np.flatnonzero(verdicts == WORSE):
        row = table.iloc[i]
        low, high = sorted((abs(row["diff_low"]), abs(row["diff_high"])))
        by = f"by {format_value(abs(row['diff']))} [{format_value(low)}, {format_value(high)}]"
        worse.append(f"{labels[i]} clearly worse, {by}" if not worse else f"{labels[i]} {by}")
    if worse:
        parts.append(", ".join(worse))
    unknown = [labels[i] for i in np.flatnonzero(verdicts == UNKNOWN)]
    if unknown:
        why = "one run per value" if over == NONE else "too few runs"
        parts.append(f"{_join(unknown)} cannot be told from noise ({why})")
    if over == OTHER_AXES:
        parts.append("intervals over the other axes' values (one run per configuration)")
    blown = [f"{labels[i]} ({int(r.diverged)} of {int(r.runs)})" for i, r in enumerate(table.itertuples())
             if r.diverged]
    if blown:
        parts.append(f"diverged runs, counted as the worst score: {_join(blown)}")
    if np.isfinite(effect_sd):
        parts.append(f"the values' means differ by up to {effect_sd:.1f} repeat SDs")
    return "; ".join(parts)


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
