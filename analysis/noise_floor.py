"""The noise floor: how much of the score's spread is the configuration, and how finely it is measured.

Two limits bound what a sweep can say. Runs of one configuration differ (seeds, data
order), so a one-way ANOVA of run scores grouped by configuration splits the variance
into a between-configuration part and a within-configuration (repeat) part; the repeat
standard deviation is the unit an axis's effect is stated in. And an accuracy on n
validation rows moves in steps of 1/n: configurations that tie at that resolution are
not ranked by the data, only by the order they happened to be listed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.load import SweepInfo
from analysis.runs import CONFIG, SCORE, runs
from analysis.summarise import format_value

MAX_ROWS = 5000
"""The largest validation row count inferred from the scores; past it the steps are too fine to matter."""
MIN_DISTINCT = 4
"""Distinct scores needed before a row count is inferred from them (fewer fit small denominators by chance)."""


@dataclass(frozen=True)
class VarianceSplit:
    """A one-way ANOVA of run scores grouped by configuration, in the metric's units.

    ``between_share`` is the between-configuration variance component over the total
    (components, not sums of squares, so it does not grow with the number of repeats);
    ``repeat_sd`` is the within-configuration standard deviation, sqrt(``within_ms``).
    Fields that need repeats are NaN without them.
    """

    configurations: int
    runs: int
    between_ss: float
    within_ss: float
    between_df: int
    within_df: int
    between_ms: float
    within_ms: float
    f: float
    between_var: float
    within_var: float
    between_share: float
    repeat_sd: float


def variance_split(scores: Sequence[float] | np.ndarray | pd.Series,
                   groups: Sequence[object] | np.ndarray | pd.Series) -> VarianceSplit:
    """Split the variance of ``scores`` into between- and within-group parts (non-finite scores are left out)."""
    values = np.asarray(scores, dtype=float)
    keep = np.isfinite(values)
    codes = pd.factorize(np.asarray(groups, dtype=object)[keep])[0]
    values = values[keep]
    k, n = int(codes.max()) + 1 if len(codes) else 0, len(values)
    size = np.bincount(codes, minlength=k).astype(float)
    mean = np.bincount(codes, weights=values, minlength=k) / np.where(size > 0, size, 1)
    grand = values.mean() if n else np.nan
    between_ss = float((size * (mean - grand) ** 2).sum()) if n else np.nan
    within_ss = float(((values - mean[codes]) ** 2).sum()) if n else np.nan
    between_df, within_df = max(k - 1, 0), max(n - k, 0)
    between_ms = between_ss / between_df if between_df else np.nan
    within_ms = within_ss / within_df if within_df else np.nan
    n0 = (n - (size ** 2).sum() / n) / between_df if between_df else np.nan
    between_var = max(0.0, (between_ms - within_ms) / n0) if np.isfinite(between_ms - within_ms) else np.nan
    total = between_var + within_ms
    with np.errstate(divide="ignore", invalid="ignore"):
        f = between_ms / within_ms if within_ms > 0 else np.inf if between_ms > 0 else np.nan
        share = between_var / total if total > 0 else np.nan
    return VarianceSplit(configurations=k, runs=n, between_ss=between_ss, within_ss=within_ss,
                         between_df=between_df, within_df=within_df, between_ms=between_ms, within_ms=within_ms,
                         f=float(f), between_var=between_var, within_var=within_ms, between_share=float(share),
                         repeat_sd=float(np.sqrt(within_ms)) if np.isfinite(within_ms) else np.nan)


@dataclass(frozen=True)
class Resolution:
    """How finely the metric is measured: ``step`` = 1/``rows`` for an accuracy, else None.

    ``source``: "run.json" (the runner counted the rows), "inferred" (the smallest
    denominator all scores fit), "unknown" (an accuracy whose rows are not known) or
    "continuous" (not an accuracy).
    """

    rows: int | None
    source: str

    @property
    def step(self) -> float | None:
        return 1.0 / self.rows if self.rows else None


def validation_rows(info: SweepInfo) -> int | None:
    """The validation row count the runner stored in run.json, if it did."""
    value = info.split_rows.get("validation")
    return value if value else None


def resolution(metric: str, values: Sequence[float] | np.ndarray | pd.Series, rows: int | None = None) -> Resolution:
    """The metric's resolution: from ``rows`` when given, else inferred from the observed accuracies."""
    if "accuracy" not in metric:
        return Resolution(None, "continuous")
    if rows:
        return Resolution(int(rows), "run.json")
    inferred = infer_rows(values)
    return Resolution(inferred, "inferred") if inferred else Resolution(None, "unknown")


def infer_rows(values: Sequence[float] | np.ndarray | pd.Series) -> int | None:
    """The smallest n <= :data:`MAX_ROWS` such that every value is a multiple of 1/n, or None.

    Keras divides whole counts in float32, so the tolerance allows float32 rounding and
    nothing more; with fewer than :data:`MIN_DISTINCT` distinct values nothing is inferred.
    """
    array = np.asarray(values, dtype=float)
    distinct = np.unique(array[np.isfinite(array) & (array >= 0) & (array <= 1)])
    if len(distinct) < MIN_DISTINCT or len(distinct) < len(np.unique(array[np.isfinite(array)])):
        return None
    n = np.arange(1, MAX_ROWS + 1, dtype=float)[:, None]
    sample = distinct[:: max(1, len(distinct) // 64)]
    fits = np.abs(sample * n - np.round(sample * n)) <= 1e-5 + n * 1e-7
    for candidate in np.flatnonzero(fits.all(axis=1)) + 1:
        product = distinct * candidate
        if np.all(np.abs(product - np.round(product)) <= 1e-5 + candidate * 1e-7):
            return int(candidate)
    return None


@dataclass(frozen=True)
class NoiseFloor:
    """The variance split, the resolution, the leading tie, and all of it in sentences."""

    metric: str
    split: VarianceSplit
    resolution: Resolution
    ties: int
    tie_value: float
    sentences: tuple[str, ...]


def noise_floor(best: pd.DataFrame, trials: pd.DataFrame | None, metric: str, mode: str, axes: Sequence[str],
                *, rows: int | None = None) -> NoiseFloor:
    """The noise floor of one sweep's ``metric``; ``rows`` is :func:`validation_rows`' count, if known.

    Example:
        >>> info = results.sweeps["wine"]
        >>> floor = noise_floor(best, results.trials, info.metric, info.mode, info.axes, rows=validation_rows(info))
        >>> print(" ".join(floor.sentences))
    """
    frame = runs(best, trials, metric, mode, axes)
    sign = 1.0 if mode == "min" else -1.0
    scores = frame[SCORE].to_numpy(dtype=float) * sign
    split = variance_split(scores, frame[CONFIG].to_numpy())
    res = resolution(metric, best[metric], rows)
    means = pd.Series(scores * sign).groupby(frame[CONFIG].to_numpy()).agg(["mean", "size"])
    ties, top = 0, np.nan
    if len(means):
        leader = float(means["mean"].min())
        tolerance = res.step / (2 * means["size"].max()) if res.step else 1e-12 * max(1.0, abs(leader))
        ties, top = int((means["mean"] - leader < tolerance).sum()), leader * sign
    return NoiseFloor(metric=metric, split=split, resolution=res, ties=ties, tie_value=top,
                      sentences=tuple(_sentences(metric, split, res, ties, top)))


def _sentences(metric: str, split: VarianceSplit, res: Resolution, ties: int, top: float) -> list[str]:
    out = []
    if split.within_df == 0:
        out.append(f"Every configuration ran once, so the repeat noise of {metric} is unknown; set "
                   "search.num_samples to 2 or more to measure it.")
    elif np.isfinite(split.between_share):
        out.append(f"Of the variance of {metric} over runs, {split.between_share:.1%} lies between configurations "
                   f"and {1 - split.between_share:.1%} between repeats of one configuration (repeat SD "
                   f"{format_value(split.repeat_sd)}; F = {format_value(split.f)} on {split.between_df} and "
                   f"{split.within_df} degrees of freedom).")
    if res.source == "run.json":
        out.append(f"{metric} on {res.rows} validation rows moves in steps of {format_value(res.step)} (1/{res.rows}).")
    elif res.source == "inferred":
        out.append(f"{metric} moves in steps of {format_value(res.step)}: every score is a multiple of "
                   f"1/{res.rows}, so the validation split has {res.rows} rows (inferred from the scores).")
    elif res.source == "unknown":
        out.append(f"The resolution of {metric} is unknown: run.json gives no validation row count and the "
                   "scores fit no small denominator.")
    if ties >= 2:
        why = (f"the {res.rows} validation rows cannot separate them" if res.rows
               else "the data does not rank them")
        out.append(f"{ties} configurations tie at {metric} {format_value(top)}: {why}.")
    return out
