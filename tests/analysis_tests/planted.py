"""Results folders with a planted answer: the score is a known function of the settings plus noise.

Each repeat adds one seed effect shared by every configuration run at that repeat (as a
shared seed would) and each run its own small noise, so tests know what importance and
paired comparisons must find.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import analysis
from sweeps.results import constants as c
from tests.analysis_tests.synthetic import write_results_folder


def planted_best(path: Path, grid: Mapping[str, Sequence[Any]], score: Callable[[dict[str, Any]], float], *,
                 repeats: int = 3, seed_noise: float = 0.0, run_noise: float = 0.05, seed: int = 0,
                 metric: str = "val_loss", mode: str = "min") -> pd.DataFrame:
    """Write a grid sweep whose best epoch scores ``score(settings)`` plus noise; return its best epochs.

    Two epochs per trial, the second the planted one, the first worse by 1; read back
    through :func:`analysis.load` and :func:`analysis.best_epochs` as a report would.
    """
    rng = np.random.default_rng(seed)
    seed_effect = rng.normal(0.0, seed_noise, repeats)
    axes = [*grid, c.REPEAT]
    worse = 1.0 if mode == "min" else -1.0
    rows = []
    for i, values in enumerate(itertools.product(*grid.values(), range(repeats))):
        settings = dict(zip(axes, values))
        value = score(settings) + seed_effect[settings[c.REPEAT]] + rng.normal(0.0, run_noise)
        for epoch, v in ((1, value + worse), (2, value)):
            rows.append({c.SWEEP: "planted", c.TRIAL_ID: f"t{i:04d}", c.EPOCH: epoch, **settings,
                         c.SEED: settings[c.REPEAT], metric: v, c.EPOCH_SECONDS: 0.1})
    write_results_folder(path, rows, None, metric=metric, mode=mode, axes=axes, metrics=(metric,),
                         run={"name": "planted", "metric": metric, "mode": mode, "axes": axes})
    results = analysis.load(path)
    return analysis.best_epochs(results.epochs, metric, mode)
