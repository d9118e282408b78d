"""Capacity: how the best score and the overfitting gap move with width and depth.

Wider versus deeper is a grid question, so the pure step returns the grid (rows x
columns, NaN where a cell has no trial) and the drawing step shows it as a heatmap or as
one curve per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots._lines import Line, LinesInfo, Omitted, Panel, plot_lines
from analysis.plots._style import finite_tuple, new_figure, value_label
from analysis.summarise import GAP, TRIALS, capacity, gap_label


@dataclass(frozen=True)
class CapacityInfo:
    """Best ``metric`` and gap per (row, column) cell; ``values[i][j]`` is row i, column j."""

    metric: str
    mode: str
    rows: str
    cols: str
    row_values: tuple[float, ...]
    col_values: tuple[float, ...]
    values: tuple[tuple[float, ...], ...]
    gaps: tuple[tuple[float, ...], ...]
    trials: tuple[tuple[int, ...], ...]
    gap_label: str


def capacity_info(best: pd.DataFrame, metric: str, mode: str, rows: str = "depth",
                  cols: str = "width") -> CapacityInfo | Omitted:
    """The capacity grid, or why there is none (no such columns, or nothing varied)."""
    missing = [name for name in (rows, cols) if name not in best.columns or best[name].isna().all()]
    if missing:
        return Omitted(f"No capacity figure: this sweep has no {' or '.join(missing)} "
                       "(a model family without them, or results loaded without those columns).")
    table = capacity(best, metric, mode, rows, cols)
    row_values = sorted(table[rows].unique().tolist())
    col_values = sorted(table[cols].unique().tolist())
    if len(row_values) < 2 and len(col_values) < 2:
        return Omitted(f"No capacity figure: {cols} and {rows} were not searched "
                       f"(every trial used {cols}={col_values[0] if col_values else '?'}, "
                       f"{rows}={row_values[0] if row_values else '?'}).")

    def grid(column: str) -> pd.DataFrame:
        return table.pivot(index=rows, columns=cols, values=column).reindex(index=row_values, columns=col_values)

    counts = grid(TRIALS).fillna(0).astype(int)
    return CapacityInfo(
        metric=metric, mode=mode, rows=rows, cols=cols,
        row_values=finite_tuple(row_values), col_values=finite_tuple(col_values),
        values=tuple(finite_tuple(r) for r in grid(metric).to_numpy(dtype=float)),
        gaps=tuple(finite_tuple(r) for r in grid(GAP).to_numpy(dtype=float)),
        trials=tuple(tuple(int(v) for v in r) for r in counts.to_numpy()),
        gap_label=f"gap ({gap_label(metric, mode, best.columns)})",
    )


def plot_capacity_heatmap(info: CapacityInfo) -> Figure:
    """Two heatmaps, best score above gap, each cell annotated with its value."""
    has_gap = bool(np.isfinite(np.asarray(info.gaps, dtype=float)).any())
    figure, axes = new_figure(2 if has_gap else 1, height=max(2.2, 0.7 * len(info.row_values) + 1.2))
    panels = [(info.metric, info.values, "viridis_r" if info.mode == "min" else "viridis")]
    if has_gap:
        panels.append((info.gap_label, info.gaps, "magma_r"))
    for ax, (title, grid, cmap) in zip(axes, panels):
        data = np.ma.masked_invalid(np.asarray(grid, dtype=float))
        image = ax.imshow(data, cmap=cmap, aspect="auto", origin="lower")
        figure.colorbar(image, ax=ax, shrink=0.9)
        ax.set_xticks(range(len(info.col_values)), [value_label(v) for v in info.col_values])
        ax.set_yticks(range(len(info.row_values)), [value_label(v) for v in info.row_values])
        ax.set_xlabel(info.cols)
        ax.set_ylabel(info.rows)
        ax.set_title(f"best {title} per cell" if title == info.metric else title, fontsize=10)
        for (i, j), value in np.ndenumerate(np.asarray(grid, dtype=float)):
            ax.text(j, i, f"{value:.3g}" if np.isfinite(value) else "—", ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
    return figure


def capacity_curves_info(info: CapacityInfo) -> LinesInfo:
    """The grid as curves: best score and gap against the column axis, one line per row value."""
    def lines(grid: tuple[tuple[float, ...], ...]) -> tuple[Line, ...]:
        return tuple(Line(label=f"{info.rows}={value_label(r)}", group=r, x=info.col_values,
                          y=grid[i]) for i, r in enumerate(info.row_values))

    panels = [Panel(ylabel=f"best {info.metric}", lines=lines(info.values))]
    if np.isfinite(np.asarray(info.gaps, dtype=float)).any():
        panels.append(Panel(ylabel=info.gap_label, lines=lines(info.gaps)))
    ratio = max(info.col_values) / min(info.col_values) if min(info.col_values) > 0 else 1.0
    return LinesInfo(title=f"Capacity: best {info.metric} and gap against {info.cols}", xlabel=info.cols,
                     colour_by=info.rows, panels=tuple(panels), logx=ratio >= 8, xticks=info.col_values)


def plot_capacity_curves(info: CapacityInfo) -> Figure:
    """Draw :func:`capacity_curves_info`."""
    return plot_lines(capacity_curves_info(info))
