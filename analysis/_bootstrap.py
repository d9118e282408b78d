"""Bootstrap replicates the axis effects are built from: repeats redrawn in shared slots, groups redrawn.

Row 0 of every replicate matrix is the data itself and rows 1.. are resamples, so a
point estimate and its interval always come from the same arithmetic.
"""

from __future__ import annotations

import numpy as np

from analysis.noise import _Z975, t_quantile_975


def config_draws(config: np.ndarray, score: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples + 1, configurations) config means: row 0 the data, then repeats redrawn.

    One uniform per (resample, repeat slot) is shared by every configuration, so runs in
    the same slot (the same repeat, when ``config`` lists each configuration's runs in
    repeat order) are redrawn together. ``config`` holds ids 0..k-1.
    """
    order = np.argsort(config, kind="stable")
    config, score = config[order], score[order]
    n_configs = int(config.max()) + 1
    size = np.bincount(config, minlength=n_configs)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    uniform = rng.random((resamples, int(size.max())))
    out = np.empty((resamples + 1, n_configs))
    out[0] = np.bincount(config, weights=score, minlength=n_configs) / size
    for n in np.unique(size[size > 0]):
        members = np.flatnonzero(size == n)
        rows = start[members][:, None] + np.arange(n)[None, :]  # (configs of size n, n)
        picks = np.minimum((uniform[:, :n] * n).astype(np.int64), n - 1)  # (resamples, n)
        slots = (np.arange(resamples)[:, None] * n + picks).ravel()
        counts = np.bincount(slots, minlength=resamples * n).reshape(resamples, n).astype(float)
        out[1:, members] = counts @ score[rows].T / n
    return out


def mean_by(matrix: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Column means of ``matrix`` per group id (NaN for an empty group)."""
    size = np.bincount(group, minlength=groups)
    if len(group) == groups and (size == 1).all():
        out = np.empty((matrix.shape[0], groups))
        out[:, group] = matrix
        return out
    weights = np.zeros((len(group), groups))
    weights[np.arange(len(group)), group] = 1.0 / np.maximum(size[group], 1)
    out = matrix @ weights
    out[:, size == 0] = np.nan
    return out


def resample_groups(score: np.ndarray, value: np.ndarray, n_values: int, resamples: int,
                    rng: np.random.Generator) -> np.ndarray:
    """(resamples + 1, values): each value's mean over its members, then over members redrawn."""
    out = np.full((resamples + 1, n_values), np.nan)
    for v in range(n_values):
        mine = score[value == v]
        if len(mine):
            out[0, v] = mine.mean()
            out[1:, v] = mine[rng.integers(0, len(mine), (resamples, len(mine)))].mean(axis=1)
    return out


def interval(replicates: np.ndarray, units: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """95% intervals per column of ``replicates`` (row 0 the data), widened for few resampled units.

    A percentile interval from n units is too narrow when n is small (two repeats give
    only three distinct resamples), so each side's distance from the point estimate is
    stretched by t(n-1) / z * sqrt(n / (n-1)), the expanded-percentile correction
    (Hesterberg, 2015). NaN where fewer than two units were resampled.
    """
    point = replicates[0]
    n = np.broadcast_to(np.asarray(units, dtype=float), point.shape)
    if replicates.shape[0] < 2:
        nan = np.full(point.shape, np.nan)
        return nan, nan
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = np.nanquantile(replicates[1:], [0.025, 0.975], axis=0)
        stretch = np.where(n >= 2, t_quantile_975(n - 1) / _Z975 * np.sqrt(n / (n - 1)), np.nan)
    return point - stretch * (point - low), point + stretch * (high - point)
