"""The one rule that picks a sweep's configuration: the best mean over its repeats.

The luckiest single run of a noisy sweep is often a lucky seed; the configuration whose
repeats score best on average is the one that survives a rerun. Pure pandas and numpy, so
the runner (on the driver) and the analysis package (on a laptop) decide alike.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sweeps.results import constants as c

NOT_CONFIGURATION = (c.REPEAT, c.SEED)
"""Hyperparameter columns that tell repeats of one configuration apart."""

MEAN_PREFIX = "mean_"
"""Key prefix of a configuration's mean score over its repeats (``mean_val_loss``) in run.json's ``chosen``."""


@dataclass(frozen=True)
class Choice:
    """A configuration, its runs and how they scored on the sweep's metric.

    ``representative`` is its best-scoring run: its best epoch sets the retrain length and its
    row carries the test scores. ``mean`` is over the ``scored_runs`` runs with a finite score.
    """

    configuration: dict[str, Any]
    trial_ids: tuple[str, ...]
    representative: str
    mean: float
    runs: int
    scored_runs: int

    def facts(self, metric: str) -> dict[str, Any]:
        """What run.json, the outcome and the console say of it: ``configuration``, ``trial_ids``, ``runs``,
        ``scored_runs`` and ``mean_<metric>``."""
        return {"configuration": dict(self.configuration), "trial_ids": list(self.trial_ids), "runs": self.runs,
                "scored_runs": self.scored_runs, MEAN_PREFIX + metric: self.mean}


def configuration_of(row: Mapping[str, Any], hyperparameters: Iterable[str]) -> dict[str, Any]:
    """The non-null hyperparameters of a trial row, without ``repeat`` and ``seed``, as plain Python values."""
    out = {}
    for name in hyperparameters:
        if name in NOT_CONFIGURATION:
            continue
        value = _plain(row.get(name))
        if value is not None:
            out[name] = value
    return out


def configuration_key(configuration: Mapping[str, Any]) -> tuple[tuple[str, Hashable], ...]:
    """A hashable key: list values (``widths: [100, 50]``) compare as tuples."""
    return tuple(sorted((name, _hashable(value)) for name, value in configuration.items()))


def rank(trials: pd.DataFrame, metric: str, mode: str, hyperparameters: Sequence[str]) -> list[Choice]:
    """Every configuration with at least one finite score, best first.

    Order: fewest runs without a finite score, then the best mean of the finite scores (by
    ``mode``), then the smallest trial id. A trial's score is its ``best_<metric>`` column.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    column = c.BEST_PREFIX + metric
    groups: dict[tuple[Any, ...], list[tuple[str, float | None]]] = {}
    configurations: dict[tuple[Any, ...], dict[str, Any]] = {}
    rows = trials.to_dict("records")
    for row in sorted(rows, key=lambda r: str(r[c.TRIAL_ID])):
        configuration = configuration_of(row, hyperparameters)
        key = configuration_key(configuration)
        configurations.setdefault(key, configuration)
        groups.setdefault(key, []).append((str(row[c.TRIAL_ID]), _score(row.get(column))))
    sign = 1.0 if mode == "min" else -1.0
    choices = [_choice(configurations[key], runs, sign) for key, runs in groups.items()]
    scored = [ch for ch in choices if ch.scored_runs]
    return sorted(scored, key=lambda ch: (ch.runs - ch.scored_runs, sign * ch.mean, min(ch.trial_ids)))


def choose(trials: pd.DataFrame, metric: str, mode: str, hyperparameters: Sequence[str]) -> Choice | None:
    """The sweep's chosen configuration (:func:`rank`'s first), or None when no trial has a finite score.

    Example:
        >>> choice = choose(trials, "val_loss", "min", records.HYPERPARAMETERS)  # doctest: +SKIP
        >>> choice.configuration, choice.mean, choice.trial_ids  # doctest: +SKIP
    """
    ranked = rank(trials, metric, mode, hyperparameters)
    return ranked[0] if ranked else None


def _choice(configuration: dict[str, Any], runs: list[tuple[str, float | None]], sign: float) -> Choice:
    scored = [(trial_id, score) for trial_id, score in runs if score is not None]
    representative = min(scored, key=lambda run: (sign * run[1], run[0]))[0] if scored else runs[0][0]
    mean = float(np.mean([score for _, score in scored])) if scored else math.nan
    return Choice(configuration=configuration, trial_ids=tuple(trial_id for trial_id, _ in runs),
                  representative=representative, mean=mean, runs=len(runs), scored_runs=len(scored))


def _score(value: Any) -> float | None:
    value = _plain(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _plain(value: Any) -> Any:
    """numpy scalars as Python values; None and NaN as None; arrays as lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _hashable(value: Any) -> Hashable:
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return value


__all__ = ["Choice", "choose", "configuration_key", "configuration_of", "rank"]
