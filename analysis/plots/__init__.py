"""Figures of sweep results, each in two steps: a pure ``*_info`` function, then ``plot_*``.

The info step turns DataFrames into a small named result (or :class:`Omitted` with the
reason there is nothing to show); the plot step turns that into a matplotlib Figure and
never saves or shows it (:mod:`analysis.report` does the saving).
"""

from __future__ import annotations

from analysis.plots._capacity import (
    CapacityInfo,
    capacity_curves_info,
    capacity_info,
    plot_capacity_curves,
    plot_capacity_heatmap,
)
from analysis.plots._curves import (
    best_curves_info,
    colour_key,
    gap_info,
    learning_curves_info,
    plot_best_curves,
    plot_gap,
    plot_learning_curves,
)
from analysis.plots._effects import EffectPanel, EffectsInfo, effects_info, plot_effects
from analysis.plots._importance import ImportanceInfo, importance_info, plot_importance
from analysis.plots._learning_rate import learning_rate_info, plot_learning_rate
from analysis.plots._lines import Line, LinesInfo, Omitted, Panel, plot_lines
from analysis.plots._pruning import PruningInfo, plot_pruning, pruning_info
from analysis.plots._style import OPTIMIZER_COLOURS, STATUS_COLOURS, VERDICT_COLOURS

__all__ = [
    "OPTIMIZER_COLOURS",
    "STATUS_COLOURS",
    "VERDICT_COLOURS",
    "CapacityInfo",
    "EffectPanel",
    "EffectsInfo",
    "ImportanceInfo",
    "Line",
    "LinesInfo",
    "Omitted",
    "Panel",
    "PruningInfo",
    "best_curves_info",
    "capacity_curves_info",
    "capacity_info",
    "colour_key",
    "effects_info",
    "gap_info",
    "importance_info",
    "learning_curves_info",
    "learning_rate_info",
    "plot_best_curves",
    "plot_capacity_curves",
    "plot_capacity_heatmap",
    "plot_effects",
    "plot_gap",
    "plot_importance",
    "plot_learning_curves",
    "plot_learning_rate",
    "plot_lines",
    "plot_pruning",
    "pruning_info",
]
