"""The held-out test score with an interval: how far the sweep's answer is from a new sample.

The test split is scored once, for the chosen configuration. Its rows are a sample, so a
test accuracy of 0.77 on 200 rows is 0.77 give or take six points; the report says so.
Accuracy gets a Wilson interval (it needs only the count of rows); losses and regression
errors get a bootstrap over the rows the runner stored in ``test_predictions.parquet``.
Without that file only accuracy has an interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.summarise import format_value
from sweeps.results import constants as c

Z95 = 1.959963984540054
SMALL_TEST = 100
"""A test split with fewer rows than this gets a warning: its score moves by several points from sample to sample."""
BOOTSTRAP_CELLS = 20_000_000
"""Rows x resamples above which a normal interval replaces the bootstrap (the mean of many rows is normal)."""
PROBABILITY_FLOOR = 1e-7
"""Keras clips predicted probabilities to [1e-7, 1 - 1e-7] before the log of its cross-entropy."""

TARGET, PREDICTION, PROBABILITY = c.TARGET, c.PREDICTION, c.PROBABILITY


@dataclass(frozen=True)
class Estimate:
    """A score with its 95% interval; ``method`` says how the interval was made ("none" when it was not)."""

    metric: str
    value: float
    low: float
    high: float
    method: str
    rows: int | None

    @property
    def text(self) -> str:
        if not np.isfinite(self.low):
            return format_value(self.value)
        return f"{format_value(self.value)} [{format_value(self.low)}, {format_value(self.high)}]"

    def as_dict(self) -> dict[str, object]:
        return {"value": finite_or_none(self.value), "low": finite_or_none(self.low), "high": finite_or_none(self.high),
                "interval": self.method, "rows": self.rows}


def wilson(successes: float, n: int) -> tuple[float, float]:
    """Wilson's 95% interval of a proportion: unlike value +- 1.96 sd it stays inside [0, 1] near 0 and 1."""
    if n <= 0:
        return np.nan, np.nan
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def per_row(predictions: pd.DataFrame, task: str, loss: str) -> dict[str, np.ndarray]:
    """Each metric's per-row contribution; a metric is the mean of its rows (rmse: the root of that mean)."""
    target = predictions[TARGET].to_numpy(dtype=float)
    predicted = predictions[PREDICTION].to_numpy(dtype=float)
    if task == "classification":
        rows = {"accuracy": (target == predicted).astype(float)}
        if PROBABILITY in predictions.columns:
            truth = np.clip(predictions[PROBABILITY].to_numpy(dtype=float), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
            rows["loss"] = -np.log(truth)
        return rows
    return regression_rows(target - predicted, loss)


def regression_rows(error: np.ndarray, loss: str) -> dict[str, np.ndarray]:
    """Per-row mae, rmse (squared, see :func:`per_row`) and the training loss of regression errors."""
    absolute = np.abs(error)
    losses = {"mse": error**2, "mae": absolute,
              "huber": np.where(absolute <= 1.0, 0.5 * error**2, absolute - 0.5)}
    return {"mae": absolute, "rmse": error**2, "loss": losses.get(loss, error**2)}


def finish(metric: str) -> Callable[[np.ndarray], np.ndarray]:
    """From the mean of a metric's rows to the metric: the square root for rmse, else the mean itself."""
    return np.sqrt if metric.endswith("rmse") else (lambda mean: mean)


def mean_interval(rows: np.ndarray, metric: str, *, resamples: int = 1000, seed: int = 0) -> tuple[float, float, str]:
    """95% interval of a metric that is a mean of ``rows``: bootstrap, or normal for very many rows."""
    rows = rows[np.isfinite(rows)]
    n = len(rows)
    if n < 2:
        return np.nan, np.nan, "none"
    to_metric = finish(metric)
    if n * resamples > BOOTSTRAP_CELLS:
        half = Z95 * rows.std(ddof=1) / np.sqrt(n)
        low, high = to_metric(np.array([max(rows.mean() - half, 0.0) if metric.endswith("rmse")
                                        else rows.mean() - half, rows.mean() + half]))
        return float(low), float(high), "normal"
    rng = np.random.default_rng(seed)
    means = rows[rng.integers(0, n, (resamples, n))].mean(axis=1)
    low, high = np.quantile(to_metric(means), [0.025, 0.975])
    return float(low), float(high), "bootstrap"


def held_out_estimates(stored: Mapping[str, float], predictions: pd.DataFrame | None, rows: int | None, task: str,
                   loss: str) -> dict[str, Estimate]:
    """Each stored ``test_<metric>`` with its interval, keyed by the metric without the prefix."""
    contributions = per_row(predictions, task, loss) if predictions is not None and len(predictions) else {}
    n = len(predictions) if contributions and predictions is not None else rows
    out = {}
    for name, value in stored.items():
        metric = name.removeprefix(c.TEST_PREFIX)
        if metric in contributions:
            low, high, method = mean_interval(contributions[metric], metric)
        elif metric.endswith("accuracy") and n:
            (low, high), method = wilson(round(value * n), n), "wilson"
        else:
            low, high, method = np.nan, np.nan, "none"
        out[metric] = Estimate(metric, float(value), low, high, method, n)
    return out


def held_out_warnings(estimates: Mapping[str, Estimate], validation: Mapping[str, float],
                      rows: int | None) -> list[str]:
    """Say when the test split is small, and when validation and test disagree beyond the test interval."""
    out = []
    if rows is not None and rows < SMALL_TEST:
        out.append(f"The test split has only {rows} rows: its score moves by several points from one sample to "
                   "the next, so read it with its interval.")
    for metric, estimate in estimates.items():
        seen = validation.get(metric)
        if seen is None or not np.isfinite(estimate.low):
            continue
        if not estimate.low <= seen <= estimate.high:
            out.append(f"Validation {metric} {format_value(seen)} lies outside the test interval {estimate.text}: "
                       "the validation split flatters (or undersells) the chosen configuration.")
    return out


def finite_or_none(value: float) -> float | None:
    """A number for JSON: None where it is not finite."""
    return float(value) if np.isfinite(value) else None
