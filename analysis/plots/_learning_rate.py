"""Learning-rate sensitivity: best score and epochs to reach it against the rate, per optimizer.

Optimizers differ most in how wide a range of learning rates they tolerate, so each gets
its own line on a log axis; the dot marks its best rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots._lines import Line, LinesInfo, Omitted, Panel, plot_lines
from analysis.plots._style import finite_tuple
from analysis.summarise import optimizers, rank
from sweeps.results import constants as c


def learning_rate_info(best: pd.DataFrame, metric: str, mode: str) -> LinesInfo | Omitted:
    """Per optimizer: the best ``metric`` and its epoch at each learning rate (best over other axes)."""
    rates = best["learning_rate"].dropna() if "learning_rate" in best.columns else pd.Series(dtype=float)
    if rates.nunique() < 2:
        shown = f" (every trial used {rates.iloc[0]:g})" if len(rates) else ""
        return Omitted(f"No learning-rate figure: the learning rate was not searched{shown}.")
    if "optimizer" not in best.columns or best["optimizer"].isna().all():
        best = best.assign(optimizer="(optimizer)")
    table = optimizers(best, metric, mode)
    score_lines, epoch_lines = [], []
    for name, frame in table.groupby("optimizer", sort=True):
        frame = frame.sort_values("learning_rate")
        top = rank(frame, metric, mode).iloc[0]
        mark = (float(top["learning_rate"]), float(top[metric])) if np.isfinite(top[metric]) else None
        x = finite_tuple(frame["learning_rate"])
        score_lines.append(Line(label=str(name), group=name, x=x, y=finite_tuple(frame[metric]), mark=mark))
        epoch_lines.append(Line(label=str(name), group=name, x=x, y=finite_tuple(frame[c.BEST_EPOCH])))
    panels = (Panel(ylabel=f"best {metric}", lines=tuple(score_lines)),
              Panel(ylabel="epochs to best", lines=tuple(epoch_lines)))
    return LinesInfo(title="Learning-rate sensitivity per optimizer (dot: its best rate)", xlabel="learning rate",
                     colour_by="optimizer", panels=panels, logx=True,
                     caption="Each point is the best trial at that optimizer and learning rate.")


def plot_learning_rate(info: LinesInfo) -> Figure:
    """Draw :func:`learning_rate_info` on a log learning-rate axis."""
    return plot_lines(info)
