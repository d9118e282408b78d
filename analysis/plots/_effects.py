"""Axis effects: each searched axis's value means with their 95% intervals, one panel per axis.

Categories are points with interval bars; numeric axes a line with a band (log x for
log axes), so a trend reads as a trend. Colour says the verdict against the best value,
and a value with diverged runs is marked at the worst score they were counted as, labelled
with how many of its runs diverged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis.effects import CATEGORICAL, LOG, OTHER_AXES, REPEATS, AxisEffect
from analysis.plots._lines import Omitted
from analysis.plots._style import DIVERGED_MARK, VERDICT_COLOURS, finite_tuple, new_figure, value_label

EFFECT_PANEL_HEIGHT = 2.4
"""Inches per axis panel: eight axes still fit one tall, phone-readable figure."""


@dataclass(frozen=True)
class EffectPanel:
    """One axis: its values (``x`` are positions for categories), means, intervals, verdicts, diverged runs."""

    axis: str
    kind: str
    labels: tuple[str, ...]
    x: tuple[float, ...]
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    verdicts: tuple[str, ...]
    runs: tuple[int, ...]
    diverged: tuple[int, ...]
    sentence: str


@dataclass(frozen=True)
class EffectsInfo:
    """Every axis's panel, the metric, and the score diverged runs were counted as."""

    metric: str
    mode: str
    worst: float
    panels: tuple[EffectPanel, ...]
    caption: str


def effects_info(effects: Mapping[str, AxisEffect]) -> EffectsInfo | Omitted:
    """The panels of :func:`analysis.effects.axis_effects`' result, or why there is no figure."""
    shown = [e for e in effects.values() if len(e.table) >= 2]
    if not shown:
        return Omitted("No axis-effect figure: no axis was searched over two or more values.")
    attrs = shown[0].table.attrs
    panels = tuple(_panel(effect) for effect in shown)
    overs = {e.interval_over for e in shown}
    where = ("over repeats (runs sharing a seed redrawn together)" if overs == {REPEATS}
             else "over the other axes' values (one run per configuration)" if overs == {OTHER_AXES}
             else "where runs allow one")
    return EffectsInfo(metric=str(attrs.get("metric", "")), mode=str(attrs.get("mode", "")),
                       worst=float(attrs.get("worst", np.nan)), panels=panels,
                       caption=f"Mean {attrs.get('metric', '')} per value over the other axes, with a 95% "
                               f"bootstrap interval {where}. Colour: the verdict against the best value.")


def _panel(effect: AxisEffect) -> EffectPanel:
    table = effect.table
    labels = tuple(value_label(v) for v in table["value"])
    x = (tuple(float(i) for i in range(len(table))) if effect.kind == CATEGORICAL
         else finite_tuple(table["value"]))
    return EffectPanel(axis=effect.axis, kind=effect.kind, labels=labels, x=x, mean=finite_tuple(table["mean"]),
                       low=finite_tuple(table["low"]), high=finite_tuple(table["high"]),
                       verdicts=tuple(map(str, table["verdict"])), runs=tuple(int(n) for n in table["runs"]),
                       diverged=tuple(int(n) for n in table["diverged"]), sentence=effect.sentence)


def plot_effects(info: EffectsInfo) -> Figure:
    """Draw :func:`effects_info`: one stacked panel per axis, sharing the metric's y label."""
    figure, axes = new_figure(len(info.panels), height=EFFECT_PANEL_HEIGHT)
    for ax, panel in zip(axes, info.panels):
        _draw(ax, panel, info.worst, info.mode)
        ax.set_xlabel(panel.axis)
        ax.set_ylabel(f"mean {info.metric}")
        ax.grid(True, alpha=0.3)
    handles = [axes[0].scatter([], [], color=colour, label=verdict) for verdict, colour in VERDICT_COLOURS.items()]
    if any(any(panel.diverged) for panel in info.panels):
        handles.append(axes[0].scatter([], [], marker=DIVERGED_MARK, color=VERDICT_COLOURS["clearly worse"],
                                       label="diverged runs (k/n), at the worst score"))
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8)
    axes[0].set_title(f"Effect of each axis on {info.metric} (95% intervals)", fontsize=10)
    return figure


def _draw(ax: Axes, panel: EffectPanel, worst: float, mode: str) -> None:
    x, mean = np.asarray(panel.x), np.asarray(panel.mean)
    low, high = np.asarray(panel.low), np.asarray(panel.high)
    colours = [VERDICT_COLOURS.get(v, VERDICT_COLOURS["cannot tell"]) for v in panel.verdicts]
    if panel.kind == CATEGORICAL:
        errors = np.vstack([mean - low, high - mean])
        ax.errorbar(x, mean, yerr=np.where(np.isfinite(errors), errors, 0.0), fmt="none", ecolor="0.3",
                    capsize=4, linewidth=1.2)
        ax.set_xticks(x, panel.labels)
        ax.set_xlim(-0.5, len(x) - 0.5)
    else:
        ax.plot(x, mean, color="0.3", linewidth=1.4)
        ax.fill_between(x, low, high, color="0.6", alpha=0.3, linewidth=0)
        if panel.kind == LOG:
            ax.set_xscale("log")
        if len(x) <= 8:
            ax.set_xticks(x, panel.labels)
            ax.minorticks_off()
    ax.scatter(x, mean, c=colours, s=36, zorder=3, edgecolors="black", linewidths=0.5)
    inward = -1 if mode == "min" else 1
    for xi, blown, runs in zip(x, panel.diverged, panel.runs):
        if blown and np.isfinite(worst):
            ax.scatter([xi], [worst], marker=DIVERGED_MARK, color=VERDICT_COLOURS["clearly worse"], s=48, zorder=3)
            ax.annotate(f"{blown}/{runs}", (xi, worst), textcoords="offset points", xytext=(0, 7 * inward),
                        ha="center", va="top" if inward < 0 else "bottom", fontsize=7)
