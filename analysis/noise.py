"""Noise across repeats: is the leader ahead by more than runs of one configuration vary?

Trials that differ only in ``repeat`` (and the ``seed`` drawn from it) measure how much a
configuration's score moves from run to run. A leader whose margin over the runner-up
is inside that spread is not a finding; with one run per configuration nobody can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.summarise import configuration, describe, format_value, require
from sweeps.results import constants as c

RUNS = "runs"
MEAN = "mean"
STD = "std"
HALF_WIDTH = "half_width"
LOW = "low"
HIGH = "high"
STATS = (RUNS, MEAN, STD, HALF_WIDTH, LOW, HIGH)
"""Columns :func:`noise` adds after the configuration's own columns."""

_T975 = (12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252,
         2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688,
         2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845,
         2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142,
         2.045229642, 2.042272456)
_Z975 = 1.959963984540054


def t_quantile_975(dof: np.ndarray | Sequence[float] | float) -> np.ndarray:
    """Student's t 97.5% quantile (a two-sided 95% interval) for ``dof`` degrees of freedom.

    Exact to 1e-9 up to 30 degrees of freedom (a table), within 1e-7 beyond (the
    Cornish-Fisher series), so analysis needs no SciPy. NaN where ``dof`` < 1.
    """
    v = np.atleast_1d(np.asarray(dof, dtype=float))
    z = _Z975
    with np.errstate(divide="ignore", invalid="ignore"):
        series = (z + (z**3 + z) / 4 / v + (5 * z**5 + 16 * z**3 + 3 * z) / 96 / v**2
                  + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384 / v**3
                  + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160 / v**4)
    whole = (v == np.floor(v)) & (v >= 1) & (v <= len(_T975))
    table = np.asarray(_T975)[np.clip(np.nan_to_num(v, nan=1.0), 1, len(_T975)).astype(int) - 1]
    return np.where(v < 1, np.nan, np.where(whole, table, series))


def noise(best: pd.DataFrame, metric: str, mode: str, axes: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% t-interval of ``metric`` per configuration, best mean first.

    A configuration is a sweep plus the values of ``axes`` other than repeat and seed.
    ``best`` is :func:`analysis.summarise.best_epochs`' output, so a diverged run with no
    finite score is not counted in ``runs``. With one run the interval is NaN.
    """
    config = [c.SWEEP] + [a for a in axes if a not in (c.REPEAT, c.SEED)]
    require(best, [*config, metric])
    values = pd.to_numeric(best[metric], errors="coerce").astype(float)
    frame = best[config].assign(_value=values.where(np.isfinite(values)))
    groups = frame.groupby(config, observed=True, dropna=False, sort=False)["_value"]
    table = groups.agg(["count", "mean", "std"]).rename(columns={"count": RUNS, "mean": MEAN, "std": STD})
    table = table.loc[table[RUNS] > 0]
    runs = table[RUNS].to_numpy(dtype=float)
    half = t_quantile_975(runs - 1) * table[STD].to_numpy(dtype=float) / np.sqrt(runs)
    table[HALF_WIDTH] = half
    table[LOW] = table[MEAN] - half
    table[HIGH] = table[MEAN] + half
    ascending = mode == "min"
    table = table.reset_index().sort_values([MEAN, RUNS], ascending=[ascending, False], kind="stable")
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class NoiseVerdict:
    """Whether the leader's margin over the runner-up exceeds the spread of their runs.

    ``spread`` is the sum of the two 95% half-widths: a larger margin means the intervals
    do not overlap. ``separated`` is None when it cannot be told.
    """

    leader: str | None
    runner_up: str | None
    runs: int
    margin: float
    spread: float
    separated: bool | None
    text: str


def noise_verdict(table: pd.DataFrame, metric: str) -> NoiseVerdict:
    """The verdict on :func:`noise`'s table (its first two rows), in numbers and in words."""
    require(table, STATS)
    config = [name for name in table.columns if name not in STATS and name != c.SWEEP]
    if table.empty:
        return NoiseVerdict(None, None, 0, np.nan, np.nan, None,
                            f"No trial has a finite {metric}, so there is no leader to judge.")
    first = table.iloc[0]
    leader, runs = describe(configuration(first, config)), int(first[RUNS])
    if len(table) == 1:
        text = (f"Only one configuration was tried ({leader}); there is no runner-up to compare with."
                + (f" Its mean {metric} is {_interval(first)} over {runs} runs." if runs > 1 else ""))
        return NoiseVerdict(leader, None, runs, np.nan, np.nan, None, text)
    second = table.iloc[1]
    runner_up = describe(configuration(second, config))
    margin = abs(float(first[MEAN]) - float(second[MEAN]))
    if runs < 2 or int(second[RUNS]) < 2:
        why = ("every configuration ran once" if int(table[RUNS].max()) < 2
               else "the leader or the runner-up ran only once")
        text = (f"Cannot tell whether the leader ({leader}) beats the runner-up ({runner_up}) by more than noise: "
                f"{why}, so the spread between runs is unknown. The margin is {format_value(margin)}; set "
                "search.num_samples to 3 or more, on grid axes, to measure the spread.")
        return NoiseVerdict(leader, runner_up, runs, margin, np.nan, None, text)
    spread = float(first[HALF_WIDTH]) + float(second[HALF_WIDTH])
    separated = bool(margin > spread)
    head = (f"The leader ({leader}, mean {metric} {_interval(first)}, {runs} runs) is ahead of the runner-up "
            f"({runner_up}, {_interval(second)}, {int(second[RUNS])} runs) by {format_value(margin)}, ")
    if separated:
        text = head + (f"more than the spread of their 95% intervals ({format_value(spread)}): "
                       "the difference is larger than the noise between runs.")
    else:
        text = head + (f"no more than the spread of their 95% intervals ({format_value(spread)}): "
                       "the two are within noise; more repeats are needed to separate them.")
    return NoiseVerdict(leader, runner_up, runs, margin, spread, separated, text)


def _interval(row: pd.Series) -> str:
    return f"{format_value(row[MEAN])} [{format_value(row[LOW])}, {format_value(row[HIGH])}]"
