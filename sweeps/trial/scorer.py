"""Where the chosen trial is retrained and scored on the test split: a worker warmed up during the sweep.

Scoring in a new Ray task after the sweep would first start a process and import TensorFlow
(a large part of a small sweep, README Performance) while every core sits idle. An actor
started once the sweep's first epoch is in imports TensorFlow at low CPU priority, using spare
cycles while trials run, and is ready when the sweep ends. Started with the sweep instead, its
process start competed with the trial workers' own and delayed the first epoch. Sweeps that
train on GPUs score in a task that asks for the trial's resources instead, so no GPU is held
idle for the whole sweep; so do sweeps whose scorer was lost with its node.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ray.tune import Callback

from sweeps.trial.data import Splits
from sweeps.trial.trainable import TestScore, TrialPlan

LOW_PRIORITY = 10
"""``nice`` increment of the warming actor, so its import never slows a running trial."""


class WarmScorer:
    """Imports TensorFlow on creation; ``score`` then retrains and tests without that cost."""

    def __init__(self) -> None:
        from sweeps.trial.worker_imports import import_keras

        os.nice(LOW_PRIORITY)
        import_keras()

    def score(self, hp: Mapping[str, Any], data: Splits, plan: TrialPlan, epochs: int) -> TestScore:
        from sweeps.trial.trainable import score_on_test

        return score_on_test(hp, data, plan, epochs)


class ScorerLauncher(Callback):
    """A Tune callback that starts the warm scorer when the sweep's first result arrives."""

    def __init__(self, plan: TrialPlan) -> None:
        self.plan = plan
        self.scorer: Any | None = None
        self._launched = False

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles callbacks into its experiment state; an actor belongs to one driver only."""
        return {**self.__dict__, "scorer": None, "_launched": False}

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        if not self._launched:
            self._launched = True
            self.scorer = start_scorer(self.plan)


def start_scorer(plan: TrialPlan) -> Any | None:
    """A warming scorer actor for CPU sweeps; None where the score must run on a GPU."""
    if plan.gpus_per_trial > 0:
        return None
    import ray

    return ray.remote(num_cpus=0)(WarmScorer).remote()


def score(scorer: Any | None, hp: Mapping[str, Any], data: Splits, plan: TrialPlan, epochs: int) -> TestScore:
    """Retrain ``hp`` for ``epochs`` and score it on the test split, on ``scorer`` or in a task."""
    import ray

    from sweeps.trial.trainable import score_on_test

    if scorer is not None:
        try:
            return ray.get(scorer.score.remote(hp, data, plan, epochs))
        except ray.exceptions.RayActorError:
            pass  # its node was lost during the sweep: score in a task on a live node instead
        finally:
            stop_scorer(scorer)
    task = ray.remote(score_on_test).options(num_cpus=plan.cpus_per_trial, num_gpus=plan.gpus_per_trial)
    return ray.get(task.remote(hp, data, plan, epochs))


def stop_scorer(scorer: Any | None) -> None:
    """Release an unused scorer (a sweep with no finite result has nothing to score)."""
    if scorer is not None:
        import ray

        try:
            ray.kill(scorer)
        except ValueError:
            pass
