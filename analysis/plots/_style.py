"""Colours, sizes and small helpers every plot shares, so one optimizer looks the same everywhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sweeps.results import constants as c

OPTIMIZER_COLOURS: dict[str, str] = {
    "sgd": "#1f77b4",
    "adagrad": "#8c564b",
    "rmsprop": "#9467bd",
    "adam": "#d62728",
    "nadam": "#ff7f0e",
    "adadelta": "#2ca02c",
}
"""One colour per optimizer the runner knows, in every figure."""

STATUS_COLOURS: dict[str, str] = {
    c.COMPLETED: "#2ca02c",
    c.EARLY_STOPPED: "#1f77b4",
    c.PRUNED: "#ff7f0e",
    c.DIVERGED: "#d62728",
    c.ERRORED: "#7f7f7f",
    c.RUNNING: "#9467bd",
    c.INTERRUPTED: "#8c564b",
}
"""One colour per trial status (constants.STATUSES)."""

_CYCLE = [colormaps["tab10"](i) for i in range(10)]
PANEL_WIDTH = 6.4
"""Inches; times ``analysis.report.DPI`` it gives a figure's width in pixels (about 830: sharp on a laptop,
legible when a phone halves it)."""
PANEL_HEIGHT = 3.0


def colours(column: str | None, values: Iterable[Any]) -> dict[Any, Any]:
    """A colour per distinct value: fixed ones for optimizers and statuses, viridis for numbers."""
    distinct = list(dict.fromkeys(v for v in values))
    if column == "optimizer":
        spare = iter(_CYCLE[6:] * (len(distinct) // 4 + 1))
        return {v: OPTIMIZER_COLOURS.get(str(v)) or next(spare) for v in distinct}
    if column == c.STATUS:
        return {v: STATUS_COLOURS.get(str(v), "#bcbd22") for v in distinct}
    if distinct and all(isinstance(v, (int, float, np.number)) for v in distinct):
        ordered = sorted(distinct)
        cmap = colormaps["viridis"]
        steps = np.linspace(0.0, 0.85, len(ordered)) if len(ordered) > 1 else [0.35]
        return {v: cmap(float(s)) for v, s in zip(ordered, steps)}
    return {v: _CYCLE[i % len(_CYCLE)] for i, v in enumerate(distinct)}


def new_figure(panels: int = 1, height: float = PANEL_HEIGHT) -> tuple[Figure, list[Axes]]:
    """A figure of panels stacked vertically (they stay legible when a phone shrinks the image)."""
    figure = Figure(figsize=(PANEL_WIDTH, height * panels), layout="constrained")
    axes = figure.subplots(panels, 1, squeeze=False)[:, 0].tolist()
    return figure, axes


def finite_tuple(values: Iterable[Any]) -> tuple[float, ...]:
    """Floats with NaN for anything non-finite (inf would wreck the axis limits)."""
    array = np.asarray(list(values), dtype=float)
    return tuple(float(v) for v in np.where(np.isfinite(array), array, np.nan))


def robust_limits(values: Sequence[float]) -> tuple[float, float] | None:
    """Y limits that keep a blow-up (a huge first epoch, a loss racing to inf) from flattening the rest.

    Values beyond three interquartile ranges of the middle half are let off the axis;
    with few points nothing is.
    """
    array = np.asarray(values, dtype=float)
    array = array[np.isfinite(array)]
    if array.size == 0:
        return None
    low, high = float(array.min()), float(array.max())
    if array.size >= 20:
        q1, q3 = np.percentile(array, [25, 75])
        low, high = max(low, q1 - 3 * (q3 - q1)), min(high, q3 + 3 * (q3 - q1))
    if high <= low:
        return None
    pad = 0.05 * (high - low)
    return low - pad, high + pad


def value_label(value: Any) -> str:
    """A compact label for a legend or tick: 0.003, 64, adam."""
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


VERDICT_COLOURS: dict[str, str] = {
    "best": "#2ca02c",
    "within noise": "#1f77b4",
    "clearly worse": "#d62728",
    "cannot tell": "#7f7f7f",
}
"""One colour per axis-effect verdict (analysis.effects), in the legend's order."""

DIVERGED_MARK = "x"
"""Marker for diverged runs drawn at the worst score."""
