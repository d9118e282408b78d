"""Importance with intervals: how much of the score's variation each searched axis explains.

Method: a random forest (scikit-learn) is fitted to the configurations' mean scores; an
axis's importance is how much of the score's variance the forest's predictions lose when
that axis is shuffled among configurations the forest did not see (out-of-bag
permutation importance, Breiman 2001). It is refitted on bootstrap resamples of
configurations (a configuration's repeats stay together, as its mean), so the interval
reflects which configurations happened to run. Why this one: scikit-learn is a core
dependency (Optuna is an optional extra); the forest takes numbers, categories and list
values alike; and scoring on unseen configurations makes an axis with no effect score
about zero, sometimes below, so its interval reaches 0, where impurity-based importance
and a fANOVA of a forest fitted to every trial are positive for any axis the trees split
on, noise included. The out-of-bag predictions also give the surrogate's cross-validated
R^2, which says whether the forest is worth believing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.configurations import CONFIG, configuration_ids, encode_axis, lower_is_better, searched
from analysis.summarise import require

AXIS = "axis"
IMPORTANCE = "importance"
LOW = "low"
HIGH = "high"
VERDICT = "verdict"
NO_EFFECT = "no detectable effect"
CLEAR = "clear effect"
MIN_CONFIGURATIONS = 8
"""Fewer configurations than this get a warning: a forest on a handful of points says little."""
MIN_R2 = 0.5
"""A surrogate whose cross-validated R^2 is below this gets a warning."""
FIT_AT_MOST = 1000
"""Configurations drawn per refit; beyond this the interval is rescaled (an m-out-of-n bootstrap)."""
SCORE_AT_MOST = 400
"""Out-of-bag configurations each refit is scored on."""
TREES = 12
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
               seed: int = 0) -> Importance:
    """Importance of every searched axis in ``axes`` for ``metric``, with 95% bootstrap intervals.

    ``best`` is :func:`analysis.summarise.best_epochs`' output (one row per trial). A
    non-finite score counts as its sweep's worst finite one. A share is a fraction of the
    variance of the configurations' mean scores; estimates are clipped to [0, 1], the
    range a share can take, so an axis whose interval reaches 0 gets the verdict
    "no detectable effect".

    Example:
        >>> result = importance(best, "val_loss", "min", ["dropout", "learning_rate", "repeat"])
        >>> result.table[["axis", "importance", "low", "high", "verdict"]]
    """
    if resamples < 2:
        raise ValueError(f"resamples must be >= 2, got {resamples}")
    names = searched(axes)
    x, y, varied = _configurations(best, metric, mode, names)
    warnings = _size_warnings(len(y), varied, names)
    shares, r2 = np.empty((0, len(varied))), np.nan
    if len(y) >= 4 and np.ptp(y) > 0:
        shares, r2 = _resampled(x, y, resamples, np.random.default_rng(seed))
    if len(shares) < 2:
        why = "no score varied" if len(y) >= 4 and np.ptp(y) == 0 else "too few configurations to tell"
        table = pd.DataFrame({AXIS: names, IMPORTANCE: np.nan, LOW: np.nan, HIGH: np.nan,
                              VERDICT: [why if name in varied else "not varied" for name in names]})
        return Importance(metric, table, np.nan, len(y), 0, warnings)
    point = shares.mean(axis=0)
    low, high = np.percentile(shares, [2.5, 97.5], axis=0)
    scale = np.sqrt(min(len(y), FIT_AT_MOST) / len(y))
    point, low, high = (np.clip(v, 0.0, 1.0) for v in (point, point + scale * (low - point),
                                                        point + scale * (high - point)))
    table = pd.DataFrame({AXIS: varied, IMPORTANCE: point, LOW: low, HIGH: high,
                          VERDICT: [NO_EFFECT if lo <= 0 else CLEAR for lo in low]})
    table = table.sort_values(IMPORTANCE, ascending=False, kind="stable")
    fixed = [name for name in names if name not in varied]
    if fixed:
        table = pd.concat([table, pd.DataFrame({AXIS: fixed, VERDICT: "not varied"})], ignore_index=True)
    if r2 < MIN_R2:
        warnings += (f"The surrogate forest fits poorly (cross-validated R^2 {r2:.2f}, below {MIN_R2}): "
                     "the axes it was given explain little of the scores, so these shares are unreliable.",)
    return Importance(metric, table.reset_index(drop=True), r2, len(y), len(shares), warnings)


def _configurations(best: pd.DataFrame, metric: str, mode: str,
                    names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Encoded axes (one row per configuration, varied axes only), mean scores and the varied axes' names."""
    require(best, names)
    frame = best.assign(**{CONFIG: configuration_ids(best, names), "_score": lower_is_better(best, metric, mode)})
    frame = frame.loc[np.isfinite(frame["_score"])]
    first = frame.drop_duplicates(CONFIG).sort_values(CONFIG).reset_index(drop=True)
    y = frame.groupby(CONFIG, sort=True)["_score"].mean().to_numpy()
    encoded = {name: encode_axis(first[name])[0] for name in names}
    varied = [name for name in names if np.unique(encoded[name]).size > 1]
    x = np.column_stack([encoded[name] for name in varied]) if varied else np.empty((len(y), 0))
    return x, y, varied


def _resampled(x: np.ndarray, y: np.ndarray, resamples: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Permutation importances per resample (rows) and axis (columns), and the out-of-bag R^2.

    A draw that leaves fewer than two configurations to score on is drawn again, up to
    three times ``resamples`` draws in all.
    """
    n, k = x.shape
    replacements = [_replacements(x[:, j]) for j in range(k)]
    variance = float(np.var(y))
    shares: list[np.ndarray] = []
    predicted, counted = np.zeros(n), np.zeros(n)
    for _ in range(3 * resamples):
        drawn = rng.integers(0, n, min(n, FIT_AT_MOST))
        unseen = _covered(x, drawn, np.setdiff1d(np.arange(n), drawn), replacements)
        if unseen.size < 2:
            continue
        unseen = rng.choice(unseen, min(unseen.size, SCORE_AT_MOST), replace=False)
        base, errors = _refit(x, y, drawn, unseen, replacements, rng)
        shares.append((errors - ((base - y[unseen]) ** 2).mean()) / (2 * variance))
        predicted[unseen] += base
        counted[unseen] += 1
        if len(shares) == resamples:
            break
    seen = counted > 0
    residual = ((predicted[seen] / counted[seen] - y[seen]) ** 2).sum()
    r2 = 1.0 - residual / ((y[seen] - y[seen].mean()) ** 2).sum() if seen.sum() > 1 else np.nan
    return np.array(shares).reshape(-1, k), float(r2)


Values = list[tuple[np.ndarray, np.ndarray]]


def _refit(x: np.ndarray, y: np.ndarray, drawn: np.ndarray, unseen: np.ndarray, replacements: Values,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One forest fitted on ``drawn``: its predictions on ``unseen``, and its error there with each axis shuffled.

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
    base, start, errors = guesses[: unseen.size], unseen.size, np.empty(k)
    for j, (values, weights) in enumerate(options):
        block = guesses[start: start + values.size * unseen.size].reshape(values.size, unseen.size)
        start += block.size
        errors[j] = weights @ ((block - y[unseen]) ** 2).mean(axis=1)
    return base, errors


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
