"""``rung_epochs`` against Ray Tune's own AsyncHyperBandScheduler.

The same made-up learning curves go through Ray's scheduler; the epochs at which it stops
trials must be exactly the rungs that ``sweeps validate``, the report and the pruning
figure name. Non-integer reduction factors put Ray's milestones between epochs.
"""

from __future__ import annotations

import numpy as np
import pytest
from ray.tune.experiment import Trial
from ray.tune.schedulers import AsyncHyperBandScheduler, TrialScheduler

from sweeps.results import constants as c
from sweeps.search.rungs import rung_epochs


def _curves(trials: int, epochs: int) -> list[list[float]]:
    """Falling validation losses at different speeds plus noise, so rankings change over time."""
    rng = np.random.default_rng(7)
    speeds = rng.uniform(0.05, 0.6, trials)
    floors = rng.uniform(0.1, 1.0, trials)
    return [[float(floor + np.exp(-speed * epoch) + 0.2 * rng.standard_normal()) for epoch in range(1, epochs + 1)]
            for speed, floor in zip(speeds, floors)]


def _ray_stops(curves: list[list[float]], grace: int, factor: float, max_epochs: int) -> dict[int, int]:
    """Epoch (below max_epochs) at which Ray's ASHA stops each trial; trials report one after another."""
    scheduler = AsyncHyperBandScheduler(time_attr=c.EPOCH, metric="val_loss", mode="min", max_t=max_epochs,
                                        grace_period=grace, reduction_factor=factor)
    stops = {}
    for index, curve in enumerate(curves):
        trial = Trial("fake", stub=True)
        scheduler.on_trial_add(None, trial)
        for epoch, loss in enumerate(curve, start=1):
            action = scheduler.on_trial_result(None, trial, {c.EPOCH: epoch, "val_loss": loss})
            if action == TrialScheduler.STOP:
                if epoch < max_epochs:
                    stops[index] = epoch
                break
    return stops


@pytest.mark.parametrize("grace, factor, max_epochs", [
    (1, 2, 16), (2, 3, 20), (1, 3, 9), (1, 4, 30),
    (1, 1.5, 12), (2, 1.5, 15), (1, 2.5, 10), (3, 1.7, 20),
])
def test_trials_stop_exactly_at_the_rungs(grace: int, factor: float, max_epochs: int) -> None:
    stops = _ray_stops(_curves(120, max_epochs), grace, factor, max_epochs)
    assert sorted(set(stops.values())) == list(rung_epochs(grace, factor, max_epochs))
