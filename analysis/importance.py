"""Importance with intervals: how much of the score's variation each searched axis explains.

Method: random forests (scikit-learn) are refitted to the mean scores of bootstrap
resamples of configurations (a configuration's repeats stay together, as its mean). Each
refit scores the configurations it did not see, once as they are and once per axis with
that axis taking its other values in turn (out-of-bag permutation importance, Breiman
2001); half the rise in squared error, over the variance of the scores, is the share of
the variation that axis explains. Each configuration's rise is averaged over the refits
that left it out, and the 95% interval resamples configurations again, so it reflects
which configurations happened to run. Why this one: scikit-learn is a core dependency
(Optuna is an optional extra); the forest takes numbers, categories and list values
alike; and scoring on unseen configurations makes an axis with no effect score about
zero, sometimes below, so its interval reaches 0, where impurity-based importance and a
fANOVA of a forest fitted to every trial are positive for any axis the trees split on,
noise included. The out-of-bag predictions also give the surrogate's cross-validated
R^2, which says whether the forest is worth believing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.encoding import encode_axis
from analysis.runs import CONFIG, SCORE, configuration_axes, runs

AXIS = "axis"
IMPORTANCE = "importance"
LOW = "low"
HIGH = "high"
VERDICT = "verdict"
NO_EFFECT = "no detectable effect"
CLEAR = "clear effect"
POSSIBLE = "possible effect (poor fit)"
"""An interval above 0 from a surrogate that fits poorly: on pure noise that happens more often than 1 in 40."""
MIN_CONFIGURATIONS = 8
"""Fewer configurations than this get a warning: a forest on a handful of points says little."""
MIN_R2 = 0.5
"""A surrogate whose cross-validated R^2 is below this gets a warning."""
FIT_AT_MOST = 1000
"""Configurations drawn per refit (a larger sweep is subsampled, which keeps refits fast)."""
SCORE_AT_MOST = 400
"""Out-of-bag configurations each refit is scored on."""
TREES = 12
INTERVAL_DRAWS = 500
"""Bootstrap resamples of the configurations' out-of-bag contributions behind each interval."""
REPLACEMENTS = 8
"""An axis with fewer distinct values is a grid (each value is taken in turn when shuffled); others take
this many quantiles."""


@dataclass(frozen=True, eq=False)
class Importance:
    """Per axis: importance (a share of the score's variance), its 95% interval and a verdict.

    ``table`` has columns axis, importance, low, high, verdict, most important first, then
    the axes that were not varied; ``r2`` is the surrogate's out-of-bag R^2 (NaN when it
    could not be fitted); ``resamples`` counts the refits that could be scored.
    """

    metric: str
    table: pd.DataFrame
    r2: float
    configurations: int
    resamples: int
    warnings: tuple[str, ...]

    def sentences(self) -> tuple[str, ...]:
        """One sentence per axis, then the warnings."""
        lines = []
        for row in self.table.itertuples(index=False):
            axis, verdict, share, low, high = (getattr(row, name) for name in (AXIS, VERDICT, IMPORTANCE, LOW, HIGH))
            if not np.isfinite(share):
                lines.append(f"{axis}: {verdict}.")
            elif verdict == NO_EFFECT:
                lines.append(f"{axis}: {NO_EFFECT} (it explains {_percent(share)} [{_percent(low)}, {_percent(high)}] "
                             f"of the variation in mean {self.metric}; the interval reaches 0).")
            else:
                lines.append(f"{axis}: {verdict}; it explains {_percent(share)} [{_percent(low)}, {_percent(high)}] "
                             f"of the variation in mean {self.metric} across {self.configurations} configurations.")
        return (*lines, *self.warnings)

    def sentence(self) -> str:
        """:meth:`sentences` as one paragraph."""
        return " ".join(self.sentences())


def importance(best: pd.DataFrame, metric: str, mode: str, axes: Sequence[str], *, resamples: int = 30,
               seed: int = 0, trials: pd.DataFrame | None = None) -> Importance:
    """Importance of every searched axis in ``axes`` for ``metric``, with 95% bootstrap intervals.

    ``best`` is :func:`analysis.summarise.best_epochs`' output (one row per trial); with
    ``trials`` (say ``Results.trials``) diverged trials count too, as :func:`analysis.runs.runs`
    scores them: as their sweep's worst finite score. A share is a fraction of the
    variance of the configurations' mean scores; estimates are clipped to [0, 1], the
    range a share can take, so an axis whose interval reaches 0 gets the verdict
    "no detectable effect"; one whose interval lies above 0 a "clear effect", or only a
    "possible effect (poor fit)" when the surrogate's R^2 is below :data:`MIN_R2`.

    Example:
        >>> result = importance(best, "val_loss", "min", ["dropout", "learning_rate", "repeat"])
        >>> result.table[["axis", "importance", "low", "high", "verdict"]]
    """
    if resamples < 2:
        raise ValueError(f"resamples must be >= 2, got {resamples}")
    names = configuration_axes(axes)
    x, y, varied = _configurations(runs(best, trials, metric, mode, axes), names)
    warnings = _size_warnings(len(y), varied, names)
    rng = np.random.default_rng(seed)
    rise, refits, r2 = np.empty((0, len(varied))), 0, np.nan
    if len(y) >= 4 and np.ptp(y) > 0:
        rise, refits, r2 = _out_of_bag(x, y, resamples, rng)
    if len(rise) < 2:
        why = "no score varied" if len(y) >= 4 and np.ptp(y) == 0 else "too few configurations to tell"
        table = pd.DataFrame({AXIS: names, IMPORTANCE: np.nan, LOW: np.nan, HIGH: np.nan,
                              VERDICT: [why if name in varied else "not varied" for name in names]})
        return Importance(metric, table, np.nan, len(y), 0, warnings)
    shares = rise / (2 * np.var(y))
    drawn = rng.integers(0, len(shares), (INTERVAL_DRAWS, len(shares)))
    low, high = np.percentile(shares[drawn].mean(axis=1), [2.5, 97.5], axis=0)
    point, low, high = (np.clip(v, 0.0, 1.0) for v in (shares.mean(axis=0), low, high))
    table = pd.DataFrame({AXIS: varied, IMPORTANCE: point, LOW: low, HIGH: high,
                          VERDICT: [NO_EFFECT if lo <= 0 else CLEAR if r2 >= MIN_R2 else POSSIBLE for lo in low]})
    table = table.sort_values(IMPORTANCE, ascending=False, kind="stable")
    fixed = [name for name in names if name not in varied]
    if fixed:
        table = pd.concat([table, pd.DataFrame({AXIS: fixed, VERDICT: "not varied"})], ignore_index=True)
    if r2 < MIN_R2:
        warnings += (f"The surrogate forest fits poorly (cross-validated R^2 {r2:.2f}, below {MIN_R2}): "
                     "the axes it was given explain little of the scores, so these shares are unreliable.",)
    return Importance(metric, table.reset_index(drop=True), r2, len(y), refits, warnings)


def _configurations(frame: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Encoded axes (one row per configuration, varied axes only), mean scores and the varied axes' names."""
    first = frame.drop_duplicates(CONFIG).sort_values(CONFIG).reset_index(drop=True)
    y = frame.groupby(CONFIG, sort=True)[SCORE].mean().to_numpy()
    encoded = {name: encode_axis(first[name])[0] for name in names}
    varied = [name for name in names if np.unique(encoded[name]).size > 1]
    x = np.column_stack([encoded[name] for name in varied]) if varied else np.empty((len(y), 0))
    return x, y, varied


def _out_of_bag(x: np.ndarray, y: np.ndarray, resamples: int,
                rng: np.random.Generator) -> tuple[np.ndarray, int, float]:
    """Per configuration scored out of bag (rows) and axis (columns): the mean rise in squared error
    when the axis is shuffled; the refits made; the out-of-bag R^2.

    A draw that leaves no configuration to score on is drawn again, up to three times
    ``resamples`` draws in all.
    """
    n, k = x.shape
    replacements = [_replacements(x[:, j]) for j in range(k)]
    rise, predicted, counted, refits = np.zeros((n, k)), np.zeros(n), np.zeros(n), 0
    for _ in range(3 * resamples):
        drawn = rng.integers(0, n, min(n, FIT_AT_MOST))
        unseen = _covered(x, drawn, np.setdiff1d(np.arange(n), drawn), replacements)
        if unseen.size == 0:
            continue
        unseen = rng.choice(unseen, min(unseen.size, SCORE_AT_MOST), replace=False)
        guesses, shuffled = _refit(x, y, drawn, unseen, replacements, rng)
        rise[unseen] += shuffled - ((guesses - y[unseen]) ** 2)[:, None]
        predicted[unseen] += guesses
        counted[unseen] += 1
        refits += 1
        if refits == resamples:
            break
    seen = counted > 0
    residual = ((predicted[seen] / counted[seen] - y[seen]) ** 2).sum()
    r2 = 1.0 - residual / ((y[seen] - y[seen].mean()) ** 2).sum() if seen.sum() > 1 else np.nan
    return rise[seen] / counted[seen, None], refits, float(r2)


Values = list[tuple[np.ndarray, np.ndarray]]


def _refit(x: np.ndarray, y: np.ndarray, drawn: np.ndarray, unseen: np.ndarray, replacements: Values,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One forest fitted on ``drawn``: its predictions on ``unseen``, and their squared errors with each axis shuffled.

    Rather than one random shuffle, the axis takes each of its values seen in ``drawn`` in
    turn, weighted as they occur: the expected error of a shuffle, without the luck of one.
    Half the rise in squared error over the score's variance is, for an additive effect,
    the share of the variance that axis explains.
    """
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=TREES, min_samples_leaf=max(1, drawn.size // 300), n_jobs=1,
                                   random_state=int(rng.integers(2**31)))
    forest.fit(x[drawn], y[drawn])
    k = x.shape[1]
    options = []
    for j, (values, weights) in enumerate(replacements):
        keep = np.isin(values, x[drawn, j]) if values.size < REPLACEMENTS else np.ones(values.size, bool)
        options.append((values[keep], weights[keep] / weights[keep].sum()))
    blocks = [x[unseen]]
    for j, (values, _) in enumerate(options):
        block = np.repeat(x[unseen][None], values.size, axis=0)
        block[:, :, j] = values[:, None]
        blocks.append(block.reshape(-1, k))
    guesses = forest.predict(np.concatenate(blocks))
    base, start, shuffled = guesses[: unseen.size], unseen.size, np.empty((unseen.size, k))
    for j, (values, weights) in enumerate(options):
        block = guesses[start: start + values.size * unseen.size].reshape(values.size, unseen.size)
        start += block.size
        shuffled[:, j] = weights @ (block - y[unseen]) ** 2
    return base, shuffled


def _covered(x: np.ndarray, drawn: np.ndarray, unseen: np.ndarray, replacements: Values) -> np.ndarray:
    """The unseen configurations whose grid values all occur in ``drawn`` (a forest cannot guess an unseen value)."""
    keep = np.ones(unseen.size, dtype=bool)
    for j, (values, _) in enumerate(replacements):
        if values.size < REPLACEMENTS:
            keep &= np.isin(x[unseen, j], x[drawn, j])
    return unseen[keep]


def _replacements(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An axis's values across configurations and their weights: every distinct value, or quantiles."""
    values, counts = np.unique(column, return_counts=True)
    if values.size < REPLACEMENTS:
        return values, counts / counts.sum()
    quantiles = np.quantile(column, (np.arange(REPLACEMENTS) + 0.5) / REPLACEMENTS)
    return quantiles, np.full(REPLACEMENTS, 1.0 / REPLACEMENTS)


def _size_warnings(configurations: int, varied: list[str], names: list[str]) -> tuple[str, ...]:
    if not names:
        return ("No axis was searched, so there is no importance to measure.",)
    if configurations < MIN_CONFIGURATIONS and varied:
        return (f"Only {configurations} configurations were run (fewer than {MIN_CONFIGURATIONS}): "
                "importance from so few points is a rough guide at best.",)
    return ()


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"
