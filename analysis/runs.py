"""One row per run, scored lower-is-better: what axis effects and the noise floor are computed on.

A diverged run is a fact about its setting, not a gap in the data: leaving it out would
make a value that blows up half its runs look as good as its lucky half. So every run
whose status is ``diverged`` (and every trial that never had a finite score, when the
trial rows carry no status) counts as the worst finite score seen in its sweep.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.summarise import _score, require
from sweeps.results import constants as c
from sweeps.results import records

SCORE = "_score"
"""The run's score: lower is better (``-metric`` for mode 'max'), never NaN."""
DIVERGED = "_diverged"
"""True for a run counted as its sweep's worst score."""
CONFIG = "_config"
"""Configuration id: runs differing only in repeat (and seed) share it."""


def configuration_axes(axes: Sequence[str]) -> list[str]:
    """The axes that tell configurations apart: all but ``repeat`` and ``seed``."""
    return [a for a in dict.fromkeys(axes) if a not in (c.REPEAT, c.SEED)]


def runs(best: pd.DataFrame, trials: pd.DataFrame | None, metric: str, mode: str,
         axes: Sequence[str]) -> pd.DataFrame:
    """One row per run: sweep, trial_id, the axes (hashable), repeat, :data:`SCORE`, :data:`DIVERGED`, :data:`CONFIG`.

    Rows are sorted by repeat (stable), so within a configuration the i-th row is its
    i-th repeat slot. List values (widths [100, 50]) become strings ("100-50"), as the
    runner stores them.
    """
    names = configuration_axes(axes)
    require(best, [c.SWEEP, c.TRIAL_ID, metric, *names])
    extra = [c.REPEAT] if c.REPEAT in best.columns else []
    frame = best[[c.SWEEP, c.TRIAL_ID, *names, *extra]].copy()
    frame[SCORE] = _score(best[metric], mode)
    frame[DIVERGED] = ~np.isfinite(frame[SCORE].to_numpy())
    if trials is not None and c.TRIAL_ID in trials.columns:
        frame = _with_trials(frame, trials, [*names, *extra])
    for axis in names:
        frame[axis] = hashable(frame[axis])
    score = frame[SCORE].to_numpy(dtype=float)
    kept = np.where(frame[DIVERGED].to_numpy() | ~np.isfinite(score), np.nan, score)
    worst = pd.Series(kept).groupby(frame[c.SWEEP].to_numpy()).transform("max").to_numpy()
    frame[SCORE] = np.where(frame[DIVERGED].to_numpy(), worst, score)
    frame = frame.loc[np.isfinite(frame[SCORE].to_numpy())]
    if c.REPEAT in frame.columns:
        frame = frame.sort_values(c.REPEAT, kind="stable")
    frame = frame.reset_index(drop=True)
    frame[CONFIG] = frame.groupby([c.SWEEP, *names], dropna=False, sort=True).ngroup()
    return frame


def _with_trials(frame: pd.DataFrame, trials: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Marks runs whose trial diverged and adds diverged trials that never had a finite score."""
    keys = [c.SWEEP, c.TRIAL_ID] if c.SWEEP in trials.columns else [c.TRIAL_ID]
    scored = pd.MultiIndex.from_frame(frame[keys].astype(str))
    known = pd.MultiIndex.from_frame(trials[keys].astype(str))
    if c.STATUS in trials.columns:
        blown = (trials[c.STATUS] == c.DIVERGED).to_numpy()
        frame.loc[scored.isin(known[blown]), DIVERGED] = True
    else:
        blown = np.ones(len(trials), dtype=bool)
    missing = trials.loc[~known.isin(scored) & blown]
    if not len(missing):
        return frame
    absent = missing.reindex(columns=[c.SWEEP, c.TRIAL_ID, *columns])
    if c.SWEEP not in trials.columns:
        absent[c.SWEEP] = frame[c.SWEEP].iloc[0] if len(frame) else ""
    return pd.concat([frame, absent.assign(**{SCORE: np.inf, DIVERGED: True})], ignore_index=True)


def hashable(series: pd.Series) -> pd.Series:
    """Lists (widths [100, 50]) as the runner stores them ('100-50'), so that they can be grouped and sorted."""
    if series.dtype != object:
        return series
    return series.map(lambda v: records.cell(list(v) if isinstance(v, np.ndarray) else v))
