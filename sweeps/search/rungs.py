"""The epochs at which ASHA and HyperBand compare trials: one rule for the runner and the analysis.

Pure and light (no Ray), so ``analysis`` imports it without the runner.
"""

from __future__ import annotations

import math

GRACE_PERIOD = 1
"""``search.asha.grace_period``'s (and hyperband's) default: the first rung's epoch."""
REDUCTION_FACTOR = 3.0
"""``search.asha.reduction_factor``'s (and hyperband's) default: each rung keeps about 1 in this many trials."""


def rung_epochs(grace_period: int, reduction_factor: float, max_epochs: int) -> tuple[int, ...]:
    """Epochs at which ASHA compares trials: grace_period x reduction_factor**k, rounded up, below max_epochs.

    Matches Ray Tune's AsyncHyperBandScheduler with ``time_attr="epoch"``, ``max_t=max_epochs``:
    its milestones may fall between epochs (``reduction_factor: 1.5``) and it compares a trial
    at the first epoch ``>=`` a milestone; a trial that reaches max_epochs is done, so
    max_epochs itself is no rung.
    """
    if grace_period < 1 or reduction_factor <= 1 or max_epochs < 1:
        raise ValueError(f"rungs need grace_period >= 1, reduction_factor > 1 and max_epochs >= 1, got "
                         f"{grace_period}, {reduction_factor}, {max_epochs}")
    rungs, k = [], 0
    while (epoch := math.ceil(grace_period * reduction_factor ** k)) < max_epochs:
        rungs.append(epoch)
        k += 1
    return tuple(dict.fromkeys(rungs))
