"""Post-hoc analysis of sweep results: Parquet -> DataFrames -> summaries -> figures -> report.

Imports nothing from the runner but its contract (``sweeps.results.constants``, ``sweeps.results.records``),
and neither Ray nor TensorFlow, so results copied off a cluster can be read on a laptop.

Example:
    >>> import analysis
    >>> results = analysis.load("results/quickstart")
    >>> best = analysis.best_epochs(results.epochs, "val_loss", "min")
    >>> analysis.write_report(["results/quickstart"])
"""

from __future__ import annotations

from analysis.answer import Answer, answer, summary_text
from analysis.effects import AxisEffect, axis_effects
from analysis.importance import Importance, importance
from analysis.load import Results, SweepInfo, load
from analysis.noise import NoiseVerdict, noise, noise_verdict, t_quantile_975
from analysis.noise_floor import NoiseFloor, Resolution, VarianceSplit, noise_floor, validation_rows, variance_split
from analysis.pairs import Pairs, pairs, rank_configurations
from analysis.report import write_report
from analysis.summarise import (
    best_epochs,
    capacity,
    epochs_reached,
    optimizers,
    status_counts,
    survivors,
    train_validation_gap,
)
from sweeps.search.rungs import rung_epochs

__all__ = [
    "Answer",
    "AxisEffect",
    "Importance",
    "NoiseFloor",
    "NoiseVerdict",
    "Pairs",
    "Resolution",
    "Results",
    "SweepInfo",
    "VarianceSplit",
    "answer",
    "axis_effects",
    "best_epochs",
    "capacity",
    "epochs_reached",
    "importance",
    "load",
    "noise",
    "noise_floor",
    "noise_verdict",
    "optimizers",
    "pairs",
    "rank_configurations",
    "rung_epochs",
    "status_counts",
    "summary_text",
    "survivors",
    "t_quantile_975",
    "train_validation_gap",
    "validation_rows",
    "variance_split",
    "write_report",
]
