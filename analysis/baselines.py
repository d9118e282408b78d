"""Every score beside its baseline: is the chosen model better than predicting without looking?

The runner scores baseline predictors on the validation and test splits (``run.json``'s
``baselines``): the training split's majority class for classification, its mean and
median for regression. A sweep whose best is no better than the majority class has not
found an answer, whatever its ranking says; the report says that first.

Improvements are signed so that positive is better: model accuracy minus baseline
accuracy, baseline loss minus model loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import held_out as ts
from analysis.summarise import format_value
from sweeps.results import constants as c

SPLITS = ("validation", "test")


@dataclass(frozen=True)
class Improvement:
    """How much better than ``predictor`` the chosen configuration is on one split and metric."""

    predictor: str
    split: str
    metric: str
    model: float
    baseline: float
    improvement: float
    low: float
    high: float
    interval: str

    @property
    def beyond_noise(self) -> bool | None:
        """True when the interval lies above 0, False when the model is no better, None when it cannot be told."""
        if np.isfinite(self.low):
            return bool(self.low > 0)
        return None if self.improvement > 0 else False

    @property
    def text(self) -> str:
        span = f" [{format_value(self.low)}, {format_value(self.high)}]" if np.isfinite(self.low) else ""
        sign = "+" if self.improvement >= 0 else ""
        return (f"{self.split} {self.metric} {format_value(self.model)} against {format_value(self.baseline)} "
                f"for {_what(self.predictor)}: {sign}{format_value(self.improvement)}{span}")

    def as_dict(self) -> dict[str, Any]:
        return {"predictor": self.predictor, "split": self.split, "metric": self.metric,
                "model": ts.finite_or_none(self.model), "baseline": ts.finite_or_none(self.baseline),
                "improvement": ts.finite_or_none(self.improvement), "low": ts.finite_or_none(self.low),
                "high": ts.finite_or_none(self.high),
                "interval": self.interval, "beyond_noise": self.beyond_noise}


def baseline_scores(run: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """``{predictor: {split: {metric: value}}}`` from run.json (empty for sweeps run before baselines)."""
    predictors = ((run.get("baselines") or {}).get("predictors")) or {}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, facts in predictors.items():
        scores = {split: {m: float(v) for m, v in (facts.get(split) or {}).items() if _number(v)}
                  for split in SPLITS}
        out[str(name)] = scores
    return out


def better_sign(metric: str) -> float:
    """+1 where higher is better (accuracy), -1 where lower is (losses, errors)."""
    return 1.0 if c.mode_for(metric) == "max" else -1.0


def validation_improvements(run: Mapping[str, Any], metric: str, mean: float, low: float,
                            high: float) -> list[Improvement]:
    """The chosen configuration's validation mean (and interval over repeats) against each baseline."""
    name = metric.removeprefix("val_")
    out = []
    for predictor, scores in baseline_scores(run).items():
        base = scores["validation"].get(name)
        if base is None or not np.isfinite(mean):
            continue
        sign = better_sign(name)
        lo, hi = sorted(((low - base) * sign, (high - base) * sign))
        out.append(Improvement(predictor, "validation", name, mean, base, (mean - base) * sign, lo, hi,
                               "repeats" if np.isfinite(low) else "none"))
    return out


def held_out_improvements(run: Mapping[str, Any], estimates: Mapping[str, ts.Estimate],
                      predictions: pd.DataFrame | None, task: str, loss: str) -> list[Improvement]:
    """The chosen configuration's test scores against each baseline, paired row by row when rows are stored."""
    facts = ((run.get("baselines") or {}).get("predictors")) or {}
    out = []
    for predictor, scores in baseline_scores(run).items():
        base_rows = _baseline_rows(facts.get(predictor) or {}, predictions, task, loss)
        model_rows = ts.per_row(predictions, task, loss) if base_rows else {}
        for metric, estimate in estimates.items():
            base = scores["test"].get(metric)
            if base is None:
                continue
            sign = better_sign(metric)
            improvement = (estimate.value - base) * sign
            if metric in base_rows and metric in model_rows:
                low, high, method = _paired(model_rows[metric], base_rows[metric], metric, sign)
            elif np.isfinite(estimate.low):
                low, high = sorted(((estimate.low - base) * sign, (estimate.high - base) * sign))
                method = estimate.method
            else:
                low, high, method = np.nan, np.nan, "none"
            out.append(Improvement(predictor, "test", metric, estimate.value, base, improvement, low, high, method))
    return out


def verdict(improvements: list[Improvement], metric: str) -> tuple[bool | None, str]:
    """Whether the chosen configuration beats every baseline on the sweep's metric, and the sentence to lead with.

    Validation decides when its interval (over repeats) exists; with one run per configuration
    the test split's interval (over its rows) decides instead.
    """
    name = metric.removeprefix("val_")
    for split in ("validation", "test"):
        mine = [i for i in improvements if i.split == split and i.metric == name]
        if not mine:
            continue
        worst = min(mine, key=lambda i: (i.beyond_noise is True, i.beyond_noise is None, i.improvement))
        on = "" if split == "validation" else " on the held-out test split"
        if worst.beyond_noise is False:
            return False, (f"No configuration beat predicting {_what(worst.predictor)} beyond noise{on}: the chosen "
                           f"one reaches {worst.text}.")
        if worst.beyond_noise is True:
            return True, f"Better than predicting {_what(worst.predictor)}{on}: {worst.text}."
    mine = [i for i in improvements if i.metric == name]
    if not mine:
        return None, ""
    return None, (f"The chosen configuration is ahead of predicting {_what(mine[0].predictor)} ({mine[0].text}), but "
                  "with one run per configuration and no test interval nobody can tell whether by more than noise.")


def _what(predictor: str) -> str:
    return {"majority class": "the majority class", "training mean": "the training mean",
            "training median": "the training median"}.get(predictor, predictor)


def _baseline_rows(facts: Mapping[str, Any], predictions: pd.DataFrame | None, task: str,
                   loss: str) -> dict[str, np.ndarray]:
    """The baseline's per-row contributions on the stored test rows (empty when they cannot be rebuilt).

    Stored targets are class indices; ``prior`` lists the classes in index order, as the runner encodes them.
    """
    if predictions is None or not len(predictions) or "value" not in facts:
        return {}
    target = predictions[ts.TARGET].to_numpy(dtype=float)
    if task != "classification":
        return ts.regression_rows(target - float(facts["value"]), loss) if _number(facts["value"]) else {}
    labels = [str(k) for k in (facts.get("prior") or {})]
    if str(facts["value"]) not in labels:
        return {}
    prior = np.asarray([float(v) for v in (facts.get("prior") or {}).values()])
    index = target.astype(np.int64)
    if (index != target).any() or index.min() < 0 or index.max() >= len(prior):
        return {}
    rows = {"accuracy": (index == labels.index(str(facts["value"]))).astype(float)}
    rows["loss"] = -np.log(np.clip(prior[index], ts.PROBABILITY_FLOOR, 1 - ts.PROBABILITY_FLOOR))
    return rows


def _paired(model: np.ndarray, base: np.ndarray, metric: str, sign: float, resamples: int = 1000,
            seed: int = 0) -> tuple[float, float, str]:
    """Bootstrap over test rows, the same rows for model and baseline, so their shared luck cancels."""
    n = len(model)
    if n < 2 or len(base) != n:
        return np.nan, np.nan, "none"
    finish = ts.finish(metric)
    if n * resamples > ts.BOOTSTRAP_CELLS:
        diff = (model - base) * sign
        half = ts.Z95 * diff.std(ddof=1) / np.sqrt(n)
        if metric.endswith("rmse"):
            return np.nan, np.nan, "none"
        return float(diff.mean() - half), float(diff.mean() + half), "paired normal"
    picks = np.random.default_rng(seed).integers(0, n, (resamples, n))
    diff = (finish(model[picks].mean(axis=1)) - finish(base[picks].mean(axis=1))) * sign
    low, high = np.quantile(diff, [0.025, 0.975])
    return float(low), float(high), "paired bootstrap"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
