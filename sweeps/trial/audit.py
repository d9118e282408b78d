"""Feature columns a model should not learn from: identifiers, row order, and one-column leaks.

Run once on the driver when the data loads (tables and ``data.load`` arrays), so ``sweeps validate``
and ``sweeps run`` warn before any trial starts. Each column gets at most one warning, naming every
reason found and the line that leaves it out.

- identifier: distinct in (nearly) every row: text columns in more than ``TEXT_SHARE`` of the rows
  (one-hot encoding gives each row an input of its own), integer-valued columns in at least
  ``DISTINCT_SHARE`` (continuous numbers are distinct by nature);
- row order: strictly increasing or decreasing over the rows as given (a row index, a time stamp:
  the file's order may follow the target);
- leak: the column alone, fitted on the training split, predicts the validation split's target
  with accuracy or R^2 of at least ``LEAK_SCORE``, and clearly better than predicting the majority
  class (at most ``LEAK_ERROR_SHARE`` of its error rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_ROWS = 20
"""Columns with this many non-missing rows or fewer are not judged: distinctness and order are chance there."""

TEXT_SHARE = 0.5
DISTINCT_SHARE = 0.95
LEAK_SCORE = 0.98
LEAK_ERROR_SHARE = 0.2
LOW_CARDINALITY = 20
"""A numeric column with at most this many values is predicted per value; above, by a shallow tree."""
TREE_DEPTH = 5
LEAK_ROWS = 5_000
"""The leak check fits and scores on seeded samples of this many rows at most per split: plenty to see a
near-perfect score, and the check's cost stays flat on large arrays."""


@dataclass(frozen=True)
class PlanRow:
    """One feature column as the fitted encoder sees it, for ``sweeps validate``."""

    column: str
    kind: str
    inputs: int
    unseen: tuple[int, int] = (0, 0)
    """Validation and test rows whose category the encoder never saw in training."""


@dataclass(frozen=True)
class Audit:
    """What loading the data found: the fitted feature plan (tables) and one warning per suspect column."""

    plan: tuple[PlanRow, ...] = ()
    warnings: tuple[str, ...] = ()


def order_findings(values: Any) -> list[str]:
    """Why ``values`` (a column in row order) looks like an identifier or a row index; empty if it does not."""
    import pandas as pd

    from sweeps.trial.tables import is_numeric

    series = pd.Series(values)
    if is_numeric(series):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        numbers = numbers[~np.isnan(numbers)]
        rows = len(numbers)
        steps = np.diff(numbers)
        if rows > MIN_ROWS and ((steps > 0).all() or (steps < 0).all()):
            return _in_order(bool(steps[0] > 0))
        if rows <= MIN_ROWS or not np.all(numbers == np.round(numbers)):
            return []
        distinct = len(np.unique(numbers))
        flagged = distinct >= DISTINCT_SHARE * rows
    else:
        series = series.dropna()
        rows, distinct = len(series), int(series.nunique())
        if rows <= MIN_ROWS:
            return []
        if distinct == rows and (series.is_monotonic_increasing or series.is_monotonic_decreasing):
            return _in_order(series.is_monotonic_increasing)
        flagged = distinct > TEXT_SHARE * rows
    if not flagged:
        return []
    return ["is distinct in every row" if distinct == rows else f"is distinct in {distinct} of {rows} rows"]


def _in_order(increasing: bool) -> list[str]:
    return ["is distinct in every row", f"{'increases' if increasing else 'decreases'} with row order"]


def leak_finding(train: Any, y_train: np.ndarray, val: Any, y_val: np.ndarray, task: str) -> str | None:
    """The column's one-column score on the validation split when it gives the target away, else None."""
    import pandas as pd

    from sweeps.trial.tables import is_numeric

    if len(y_val) < MIN_ROWS // 2 or len(y_train) < MIN_ROWS // 2:
        return None
    train, y_train = _sample(pd.Series(train), y_train)
    val, y_val = _sample(pd.Series(val), y_val)
    per_value = not is_numeric(train) or train.nunique() <= LOW_CARDINALITY
    fit = _per_value if per_value else _tree
    predicted = fit(train, y_train, val, task)
    if task == "classification":
        score = float(np.mean(predicted == y_val))
        majority = float(np.mean(y_val == np.argmax(np.bincount(y_train))))
        if score < LEAK_SCORE or 1 - score > LEAK_ERROR_SHARE * (1 - majority):
            return None
        return f"alone predicts the validation split's target with accuracy {score:.3f} (majority class {majority:.3f})"
    truth = y_val.reshape(len(y_val), -1)
    spread = float(np.sum((truth - truth.mean(axis=0)) ** 2))
    score = 1 - float(np.sum((truth - predicted.reshape(truth.shape)) ** 2)) / spread if spread else 0.0
    if score < LEAK_SCORE:
        return None
    return f"alone predicts the validation split's target with R^2 {score:.3f} (the training mean's is about 0)"


def warning(name: str, order: Sequence[str], leak: str | None, remedy: str) -> str:
    """One line for one column: every reason found, what it means for the model, and how to leave it out."""
    meaning = []
    if any("with row order" in finding for finding in order):
        meaning.append("an identifier or row index the model can learn the file's order from")
    elif order:
        meaning.append("an identifier or free text the model can memorise")
    if leak:
        meaning.append("a leak (such as a recode of the target) that new rows would not have")
    described = ", and ".join(part for part in (" and ".join(order), leak) if part)
    return f"data: {name} {described}: {', and '.join(meaning)}; to leave it out {remedy}"


def audit_columns(columns: Sequence[tuple[str, Any, Any, Any, str]], y_train: np.ndarray, y_val: np.ndarray,
                  task: str) -> tuple[str, ...]:
    """One warning per suspect column, given as ``(name, values in row order, training values,
    validation values, how to leave it out)``."""
    lines = []
    for name, ordered, train, val, remedy in columns:
        order = order_findings(ordered)
        leak = leak_finding(train, y_train, val, y_val, task)
        if order or leak:
            lines.append(warning(name, order, leak, remedy))
    return tuple(lines)


def audit_arrays(x: np.ndarray, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                 task: str) -> Audit:
    """The checks on a loader's 2-D ``x`` (rows as loaded); image-shaped arrays are not judged."""
    if x.ndim != 2 or x_train.ndim != 2:
        return Audit()
    by_column = [np.ascontiguousarray(a.T) for a in (x, x_train, x_val)]
    columns = [(f"x column {i}", *(a[i] for a in by_column),
                f"remove it in the loader (e.g. np.delete(x, {i}, axis=1))") for i in range(x.shape[1])]
    return Audit(warnings=audit_columns(columns, y_train, y_val, task))


def _sample(values: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
    if len(y) > LEAK_ROWS:
        keep = np.sort(np.random.default_rng(0).choice(len(y), LEAK_ROWS, replace=False))
        values, y = values.iloc[keep], y[keep]
    return values.reset_index(drop=True), y


def _per_value(train: Any, y_train: np.ndarray, val: Any, task: str) -> np.ndarray:
    """Each value's majority class (or mean) in training; values training never saw get the overall one."""
    import pandas as pd

    codes, _ = pd.factorize(pd.concat([train, val], ignore_index=True), use_na_sentinel=False)
    seen, held = codes[:len(train)], codes[len(train):]
    values = int(codes.max()) + 1
    rows = np.bincount(seen, minlength=values)
    if task == "classification":
        classes = int(y_train.max()) + 1
        counts = np.bincount(seen * classes + y_train, minlength=values * classes).reshape(values, classes)
        return np.where(rows[held] > 0, counts.argmax(axis=1)[held], np.argmax(np.bincount(y_train)))
    targets = y_train.reshape(len(y_train), -1).astype("float64")
    sums = np.stack([np.bincount(seen, weights=targets[:, j], minlength=values) for j in range(targets.shape[1])], 1)
    means = np.where(rows[:, np.newaxis] > 0, sums / np.maximum(rows, 1)[:, np.newaxis], targets.mean(axis=0))
    return means[held]


def _tree(train: Any, y_train: np.ndarray, val: Any, task: str) -> np.ndarray:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    fill = float(train.median())
    columns = [s.to_numpy(dtype="float64", na_value=np.nan) for s in (train, val)]
    x_train, x_val = (np.nan_to_num(c, nan=fill)[:, np.newaxis] for c in columns)
    model = (DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor)(
        max_depth=TREE_DEPTH, random_state=0)
    return model.fit(x_train, y_train).predict(x_val)
