"""The named results line plots are made of, and the one function that draws them.

Learning curves, the best trials, the gap, learning-rate sensitivity and capacity curves
are all panels of lines; computing them (pure, compared by equality in tests) and drawing
them (a matplotlib Figure, never saved or shown here) are separate steps, as in Optuna.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from analysis.plots._style import colours, new_figure, robust_limits, value_label


@dataclass(frozen=True)
class Omitted:
    """A figure with nothing to show, and the sentence saying why."""

    reason: str


@dataclass(frozen=True)
class Line:
    """One line: its label, the value that picks its colour, its points, an optional marked point."""

    label: str
    group: Any
    x: tuple[float, ...]
    y: tuple[float, ...]
    mark: tuple[float, float] | None = None


@dataclass(frozen=True)
class Panel:
    """One axes: a y label and its lines."""

    ylabel: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class LinesInfo:
    """A figure of stacked panels sharing an x axis and a colour key."""

    title: str
    xlabel: str
    colour_by: str | None
    panels: tuple[Panel, ...]
    logx: bool = False
    caption: str = ""
    xticks: tuple[float, ...] | None = None


def plot_lines(info: LinesInfo) -> Figure:
    """Draw a :class:`LinesInfo`: one axes per panel, one Line2D per line, marks as points.

    With ``colour_by`` the legend has one entry per group (say per optimizer), so a
    figure of many trials keeps a short legend; without it, one entry per line.
    """
    figure, axes = new_figure(len(info.panels))
    groups = [line.group for panel in info.panels for line in panel.lines]
    palette = colours(info.colour_by, groups)
    for ax, panel in zip(axes, info.panels):
        seen: set[Any] = set()
        for line in panel.lines:
            colour = palette.get(line.group)
            if info.colour_by is None:
                label = line.label
            else:
                label = f"{info.colour_by}={value_label(line.group)}" if line.group not in seen else "_nolegend_"
                seen.add(line.group)
            ax.plot(line.x, line.y, color=colour, label=label, linewidth=1.4, alpha=0.85,
                    marker="o" if len(line.x) <= 12 else None, markersize=3)
            if line.mark is not None:
                ax.scatter([line.mark[0]], [line.mark[1]], color=colour, s=36, zorder=3, edgecolors="black")
        limits = robust_limits([y for line in panel.lines for y in line.y])
        if limits is not None:
            ax.set_ylim(*limits)
        if info.logx:
            ax.set_xscale("log")
        if info.xticks is not None:
            ax.set_xticks(info.xticks, [value_label(x) for x in info.xticks])
            ax.minorticks_off()
        ax.set_ylabel(panel.ylabel)
        ax.grid(True, alpha=0.3)
        if panel.lines and info.colour_by is not None:
            ax.legend(fontsize=8, loc="best", ncols=2 if len(ax.get_legend_handles_labels()[1]) > 6 else 1)
    if info.colour_by is None and any(panel.lines for panel in info.panels):
        figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", fontsize=8)
    axes[-1].set_xlabel(info.xlabel)
    axes[0].set_title(info.title, fontsize=10)
    return figure
