"""What a model must beat: predictors that ignore the features, fitted on the training targets.

Scored on the validation and the test split with the metrics the trials log (the Keras names,
without the ``val_``/``test_`` prefix), so every score in a report can stand beside its baseline.
Stored in ``run.json`` under ``baselines``; the analysis reads that mapping, never this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sweeps.hyperparameters import REGRESSION_LOSS
from sweeps.trial.data import Splits

EPSILON = 1e-7
"""Keras clips predicted probabilities to [EPSILON, 1 - EPSILON] before the cross-entropy's log."""

HUBER_DELTA = 1.0
"""Keras' default ``delta`` for the ``huber`` loss."""

SPLITS = (("validation", "val"), ("test", "test"))


def baselines(splits: Splits, loss: str | None = None) -> dict[str, Any]:
    """The baselines of ``splits`` as ``run.json`` stores them; ``loss`` is ``train.loss`` (regression)."""
    rows = {"train": len(splits.y_train), "validation": len(splits.y_val), "test": len(splits.y_test)}
    if splits.task == "classification":
        predictors = {"majority class": _majority(splits)}
    else:
        predictors = _central(splits, loss or REGRESSION_LOSS)
    return {"task": splits.task, "rows": rows, "predictors": predictors}


def describe_baselines(facts: dict[str, Any]) -> list[str]:
    """One line per predictor and split, for ``sweeps validate``."""
    lines = []
    for name, predictor in facts["predictors"].items():
        value = predictor["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        for split, _ in SPLITS:
            scores = ", ".join(f"{metric} {score:.4f}" for metric, score in predictor[split].items())
            lines.append(f"baseline: {name} ({shown}) on {split}: {scores}")
    return lines


def _majority(splits: Splits) -> dict[str, Any]:
    counts = np.bincount(splits.y_train, minlength=splits.n_classes)
    prior = counts / counts.sum()
    chosen = int(np.argmax(counts))
    clipped = np.clip(prior, EPSILON, 1 - EPSILON)
    out: dict[str, Any] = {"value": splits.classes[chosen],
                           "prior": {label: float(p) for label, p in zip(splits.classes, prior)}}
    for split, short in SPLITS:
        y = getattr(splits, f"y_{short}")
        out[split] = {"accuracy": _mean(y == chosen), "loss": _mean(-np.log(clipped[y]))}
    return out


def _central(splits: Splits, loss: str) -> dict[str, Any]:
    train = _as_rows(splits.y_train)
    out = {}
    for name, centre in (("training mean", np.mean(train, axis=0)), ("training median", np.median(train, axis=0))):
        entry: dict[str, Any] = {"value": float(centre[0]) if centre.size == 1 else [float(v) for v in centre]}
        for split, short in SPLITS:
            error = _as_rows(getattr(splits, f"y_{short}")) - centre
            entry[split] = {"loss": _regression_loss(error, loss), "mae": _mean(np.abs(error)),
                            "rmse": float(np.sqrt(np.mean(error ** 2))) if error.size else float("nan")}
        out[name] = entry
    return out


def _regression_loss(error: np.ndarray, loss: str) -> float:
    size = np.abs(error)
    if loss == "mae":
        return _mean(size)
    if loss == "huber":
        return _mean(np.where(size <= HUBER_DELTA, 0.5 * error ** 2, HUBER_DELTA * size - 0.5 * HUBER_DELTA ** 2))
    return _mean(error ** 2)


def _as_rows(y: np.ndarray) -> np.ndarray:
    return np.asarray(y, dtype="float64").reshape(len(y), -1)


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if np.size(values) else float("nan")
