"""Importance: one bar per searched axis, its share of the score's variation, with its 95% interval.

An axis whose interval reaches 0 is drawn grey: the data cannot tell its effect from
none. The bars come from :func:`analysis.importance.importance`; this module only reads
its table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from analysis.importance import AXIS, CLEAR, HIGH, IMPORTANCE, LOW, VERDICT, Importance
from analysis.plots._lines import Omitted
from analysis.plots._style import PANEL_WIDTH

CLEAR_COLOUR = "#1f77b4"
UNCLEAR_COLOUR = "#b0b0b0"


@dataclass(frozen=True)
class ImportanceInfo:
    """Bars top to bottom: axis names, shares, interval ends, whether each effect is clear, and the verdicts."""

    metric: str
    axes: tuple[str, ...]
    shares: tuple[float, ...]
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    detectable: tuple[bool, ...]
    verdicts: tuple[str, ...]
    caption: str


def importance_info(result: Importance) -> ImportanceInfo | Omitted:
    """The bars of ``result`` (axes with an estimate, most important first), or why there are none."""
    table = result.table.loc[np.isfinite(result.table[IMPORTANCE].to_numpy(dtype=float))]
    if table.empty:
        why = "; ".join(f"{row[AXIS]}: {row[VERDICT]}" for _, row in result.table.iterrows()) or "no searched axis"
        return Omitted(f"No importance figure: {why}.")
    caption = (f"Share of the variation in mean {result.metric} across {result.configurations} configurations that "
               f"each axis explains (out-of-bag permutation importance of random forests refitted on "
               f"{result.resamples} bootstrap resamples of configurations, 95% interval over resampled "
               f"configurations; cross-validated R^2 {result.r2:.2f}). "
               "Grey: no clear effect (the interval reaches 0, or the forest fits poorly).")
    return ImportanceInfo(
        metric=result.metric,
        axes=tuple(str(a) for a in table[AXIS]),
        shares=tuple(float(v) for v in table[IMPORTANCE]),
        lows=tuple(float(v) for v in table[LOW]),
        highs=tuple(float(v) for v in table[HIGH]),
        detectable=tuple(v == CLEAR for v in table[VERDICT]),
        verdicts=tuple(str(v) for v in table[VERDICT]),
        caption=" ".join([caption, *result.warnings]),
    )


def plot_importance(info: ImportanceInfo) -> Figure:
    """Horizontal bars with interval whiskers, most important at the top, each labelled with its share or verdict."""
    figure = Figure(figsize=(PANEL_WIDTH, 1.0 + 0.45 * len(info.axes)), layout="constrained")
    ax = figure.subplots()
    rows = np.arange(len(info.axes))[::-1]
    shares = np.asarray(info.shares)
    whiskers = np.vstack([shares - np.asarray(info.lows), np.asarray(info.highs) - shares])
    colours = [CLEAR_COLOUR if clear else UNCLEAR_COLOUR for clear in info.detectable]
    ax.barh(rows, shares, color=colours, xerr=whiskers, capsize=3, error_kw={"linewidth": 1})
    ax.axvline(0.0, color="black", linewidth=0.8)
    right = max(max(info.highs), 0.05)
    for row, share, high, clear, verdict in zip(rows, info.shares, info.highs, info.detectable, info.verdicts):
        label = f"{100 * share:.0f}%" if clear else verdict
        ax.text(max(high, share) + 0.02 * right, row, label, va="center", fontsize=8,
                color="black" if clear else "#606060")
    ax.set_xlim(0.0, right * 1.3)
    ax.set_xticks([tick for tick in ax.get_xticks() if 0.0 <= tick <= 1.0])
    ax.set_yticks(rows, info.axes)
    ax.set_xlabel(f"share of the variation in mean {info.metric}")
    ax.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    ax.set_title("Which axes matter (bars: importance; whiskers: 95% interval)", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    return figure
