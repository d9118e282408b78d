"""Per optimizer: its best, worst and mean over the settings tried, and the settings of its best.

An optimizer is only as good as the learning rate (and beta, rho or momentum) it was given,
so one optimizer's best against another's mean says little; this table puts both side by
side, as the course's optimizer assignment asks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.summarise import configuration, describe, rank, require
from sweeps.hyperparameters import OPTIMIZER_SETTINGS
from sweeps.results import constants as c

COLUMNS = ("optimizer", "configurations", "best", "mean", "worst", "best settings")
"""The columns of :func:`optimizer_summary`."""


def optimizer_summary(best: pd.DataFrame, metric: str, mode: str, axes: Sequence[str]) -> pd.DataFrame:
    """One row per optimizer: configurations tried, best, mean and worst configuration mean, best settings.

    A configuration's score is its mean over repeats, so one lucky seed does not make an
    optimizer's best. Diverged runs (no finite score) are left out of the means and counted
    as configurations. Empty when the sweep did not search the optimizer.
    """
    if "optimizer" not in axes or "optimizer" not in best.columns:
        return pd.DataFrame(columns=list(COLUMNS))
    require(best, [metric])
    config = [a for a in axes if a not in (c.REPEAT, c.SEED) and a in best.columns]
    frame = best[[*config]].astype(str).assign(_score=pd.to_numeric(best[metric], errors="coerce"),
                                               _row=np.arange(len(best)))
    means = frame.groupby(config, dropna=False, sort=False).agg(_mean=("_score", "mean"), _row=("_row", "first"))
    means = means.reset_index(drop=True)
    means["optimizer"] = best["optimizer"].astype(str).to_numpy()[means["_row"].to_numpy()]
    means = means.assign(**{metric: means["_mean"]})
    rows = []
    for optimizer, group in means.groupby("optimizer", sort=True):
        ranked = rank(group.assign(**{c.TRIAL_ID: group["_row"].astype(str)}), metric, mode)
        finite = ranked[metric][np.isfinite(ranked[metric].to_numpy(dtype=float))]
        top = best.iloc[int(ranked["_row"].iloc[0])]
        settings = ["learning_rate", *OPTIMIZER_SETTINGS.get(str(optimizer), ())]
        shown = [s for s in settings if s in config]
        rows.append({"optimizer": optimizer, "configurations": len(group),
                     "best": finite.iloc[0] if len(finite) else np.nan,
                     "mean": finite.mean() if len(finite) else np.nan,
                     "worst": finite.iloc[-1] if len(finite) else np.nan,
                     "best settings": describe(configuration(top, shown)) if shown else "(none searched)"})
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return rank(out.assign(**{c.TRIAL_ID: out["optimizer"]}), "best", mode).drop(columns=[c.TRIAL_ID])
