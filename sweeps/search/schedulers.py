"""Spec -> a Ray Tune scheduler: when to stop a trial that is behind its peers.

Time is counted in the trial's own ``epoch`` (not Tune's iteration counter) so a
trial restored from a checkpoint keeps its place in ASHA's rungs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sweeps.results import constants as c
from sweeps.search.rungs import rung_epochs

if TYPE_CHECKING:
    from sweeps.spec.model import Spec


def make_scheduler(spec: Spec) -> Any:
    """The one place a scheduler object is chosen.

    ``fifo``: run every trial to max_epochs or early stopping. ``asha``: asynchronous
    successive halving. ``hyperband``: asynchronous HyperBand (ASHA with several brackets),
    which never pauses a trial, so no trial waits on another. Under ``search.algorithm: bohb``,
    BOHB's own synchronous HyperBand, which tells TuneBOHB which budgets finished (with
    ``search.hyperband.reduction_factor``).
    """
    from ray.tune.schedulers import AsyncHyperBandScheduler, FIFOScheduler, HyperBandForBOHB

    name = spec.search["scheduler"]
    if spec.search.get("algorithm") == "bohb":
        return HyperBandForBOHB(time_attr=c.EPOCH, max_t=spec.max_epochs,
                                reduction_factor=spec.search["hyperband"]["reduction_factor"])
    if name == "fifo":
        return FIFOScheduler()
    settings = spec.search[name]
    return AsyncHyperBandScheduler(
        time_attr=c.EPOCH,
        max_t=spec.max_epochs,
        grace_period=settings["grace_period"],
        reduction_factor=settings["reduction_factor"],
        brackets=settings.get("brackets", 1),
    )


def rungs(spec: Spec) -> list[int]:
    """The epochs at which ASHA compares trials (for ``sweeps validate`` and reports)."""
    name = spec.search["scheduler"]
    if name == "fifo":
        return []
    settings = spec.search[name]
    return list(rung_epochs(settings["grace_period"], settings["reduction_factor"], spec.max_epochs))
