"""Per-epoch pictures of the leading trials: learning curves, the best trials, the gap.

Only the best ``top`` trials are drawn: ten thousand curves are unreadable and slow, and
the leaders are what a reader wants to see.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from analysis.plots._lines import Line, LinesInfo, Omitted, Panel, plot_lines
from analysis.plots._style import finite_tuple
from analysis.summarise import KEYS, configuration, describe, gap_columns, gap_label, require, train_validation_gap
from sweeps.results import constants as c

_RANK = "_rank"


def colour_key(best: pd.DataFrame, axes: Sequence[str]) -> str | None:
    """What to colour curves by: the optimizer if it was searched, else the width, else nothing."""
    for column in ("optimizer", "width", "learning_rate", "depth"):
        if column in best.columns and (column in axes or best[column].nunique() > 1):
            return column
    return None


def _leaders(epochs: pd.DataFrame, best: pd.DataFrame, top: int) -> pd.DataFrame:
    """Epoch rows of the first ``top`` trials of ``best`` (already ranked), ordered by rank and epoch."""
    leaders = best.head(top)[KEYS].assign(**{_RANK: range(min(top, len(best)))})
    leaders[c.TRIAL_ID] = leaders[c.TRIAL_ID].astype(str)
    rows = epochs.loc[epochs[c.TRIAL_ID].isin(leaders[c.TRIAL_ID].unique())].copy()
    for key in KEYS:
        rows[key] = rows[key].astype(str)
    leaders[c.SWEEP] = leaders[c.SWEEP].astype(str)
    return rows.merge(leaders, on=KEYS).sort_values([_RANK, c.EPOCH])


def _caption(shown: int, total: int, metric: str) -> str:
    if shown == total:
        return f"All {total} trials with a finite {metric}."
    return f"The best {shown} of {total} trials by {metric}."


def learning_curves_info(
    epochs: pd.DataFrame, best: pd.DataFrame, metric: str, colour_by: str | None = None, top: int = 20,
    columns: Sequence[str] = ("loss", "val_loss"),
) -> LinesInfo | Omitted:
    """Training and validation loss per epoch of the best ``top`` trials, one panel per column."""
    present = [name for name in columns if name in epochs.columns]
    if not present:
        return Omitted(f"No learning curves: none of {', '.join(columns)} was logged.")
    if best.empty:
        return Omitted(f"No learning curves: no trial has a finite {metric}.")
    rows = _leaders(epochs, best, top)
    panels = []
    for name in present:
        lines = tuple(Line(label=trial, group=None if colour_by is None else frame[colour_by].iloc[0],
                           x=finite_tuple(frame[c.EPOCH]), y=finite_tuple(frame[name]))
                      for (_, trial), frame in rows.groupby([_RANK, c.TRIAL_ID], sort=True))
        panels.append(Panel(ylabel=name, lines=lines))
    title = "Learning curves" + (f", coloured by {colour_by}" if colour_by else "")
    return LinesInfo(title=title, xlabel="epoch", colour_by=colour_by, panels=tuple(panels),
                     caption=_caption(min(top, len(best)), len(best), metric))


def best_curves_info(
    epochs: pd.DataFrame, best: pd.DataFrame, metric: str, label_by: Sequence[str], top: int = 5,
) -> LinesInfo | Omitted:
    """``metric`` per epoch of the best ``top`` trials, each labelled by its configuration, best epoch marked."""
    require(best, [*KEYS, c.BEST_EPOCH, metric])
    if best.empty:
        return Omitted(f"No best trials to show: no trial has a finite {metric}.")
    rows = _leaders(epochs, best, top)
    lines = []
    for (rank, trial), frame in rows.groupby([_RANK, c.TRIAL_ID], sort=True):
        leader = best.iloc[rank]
        lines.append(Line(label=f"#{rank + 1} {describe(configuration(leader, label_by))}", group=f"#{rank + 1}",
                          x=finite_tuple(frame[c.EPOCH]), y=finite_tuple(frame[metric]),
                          mark=(float(leader[c.BEST_EPOCH]), float(leader[metric]))))
    return LinesInfo(title=f"Best trials: {metric} per epoch (dot: best epoch)", xlabel="epoch", colour_by=None,
                     panels=(Panel(ylabel=metric, lines=tuple(lines)),),
                     caption=_caption(len(lines), len(best), metric))


def gap_info(
    epochs: pd.DataFrame, best: pd.DataFrame, metric: str, mode: str, colour_by: str | None = None, top: int = 10,
) -> LinesInfo | Omitted:
    """Train-validation gap per epoch of the best ``top`` trials; a rising gap is overfitting."""
    pair = gap_columns(metric, epochs.columns)
    if pair is None:
        return Omitted("No train/validation gap: it needs a validation metric and its training counterpart "
                       "(val_loss and loss), and this sweep logged neither pair.")
    if best.empty:
        return Omitted(f"No train/validation gap: no trial has a finite {metric}.")
    rows = _leaders(epochs, best, top)
    rows = rows.assign(_gap=train_validation_gap(rows, metric, mode))
    lines = tuple(Line(label=trial, group=None if colour_by is None else frame[colour_by].iloc[0],
                       x=finite_tuple(frame[c.EPOCH]), y=finite_tuple(frame["_gap"]))
                  for (_, trial), frame in rows.groupby([_RANK, c.TRIAL_ID], sort=True))
    label = gap_label(metric, mode, epochs.columns)
    return LinesInfo(title="Train/validation gap (above 0: validation worse than training)", xlabel="epoch",
                     colour_by=colour_by, panels=(Panel(ylabel=label, lines=lines),),
                     caption=_caption(len(lines), len(best), metric))


def plot_learning_curves(info: LinesInfo) -> Figure:
    """Draw :func:`learning_curves_info`: a loss panel above a validation-loss panel."""
    return plot_lines(info)


def plot_best_curves(info: LinesInfo) -> Figure:
    """Draw :func:`best_curves_info`: one line per leading trial, its best epoch as a dot."""
    return plot_lines(info)


def plot_gap(info: LinesInfo) -> Figure:
    """Draw :func:`gap_info`: one line per leading trial."""
    return plot_lines(info)
