"""The Tune configuration and the only ``tune.Tuner`` calls: a new sweep's Tuner, or one restored to resume.

Imported once Ray is needed (``run`` and ``resume``), never by ``status``.
"""

from __future__ import annotations

from typing import Any

from ray import tune

from sweeps.errors import SweepError
from sweeps.results import constants as c
from sweeps.results.storage import Folder
from sweeps.spec.model import Spec
from sweeps.trial.data import Splits

CHECKPOINTS_KEPT = None
"""Per trial: all, while the sweep runs. Tune deletes older checkpoints as newer ones arrive, while
the experiment state it last synced to storage can name an older one still; a driver killed then
would leave a trial that cannot resume. ``checkpoint_seconds`` bounds how many there are, and a
finished sweep deletes them (only ``sweeps resume`` of an unfinished sweep needs them)."""


def new_tuner(spec: Spec, data: Splits, folder: Folder, callbacks: list[Any], max_concurrent: int | None,
              wrap: Any = None) -> tune.Tuner:
    """A Tuner for a new sweep, storing Tune's experiment state in ``<folder>/ray``."""
    from sweeps.search.space import param_space

    return tune.Tuner(
        trainable(spec, data, wrap),
        param_space=param_space(spec),
        tune_config=tune_config(spec, max_concurrent),
        run_config=run_config(spec, folder, callbacks),
    )


def restored_tuner(spec: Spec, data: Splits, folder: Folder, callbacks: list[Any]) -> tune.Tuner:
    """The Tuner of ``<folder>/ray`` with unfinished and errored trials to run again, and this driver's callbacks."""
    experiment = folder.child(c.RAY_DIR).uri
    if not tune.Tuner.can_restore(experiment):
        raise SweepError(f"{experiment} holds no Ray Tune experiment state to resume from")
    tuner = tune.Tuner.restore(experiment, trainable=trainable(spec, data),
                               resume_unfinished=True, resume_errored=True)
    rebind_callbacks(tuner, callbacks)
    return tuner


def trainable(spec: Spec, data: Splits, wrap: Any = None) -> Any:
    """The trial function with data and plan bound through the object store; ``wrap`` is for fault tests."""
    from sweeps.trial.trainable import plan_from_spec, train_trial

    resources = {"cpu": spec.resources["cpus_per_trial"], "gpu": spec.resources["gpus_per_trial"]}
    function = wrap(train_trial) if wrap else train_trial
    return tune.with_resources(
        tune.with_parameters(function, data=data.without_test(), plan=plan_from_spec(spec)), resources)


def tune_config(spec: Spec, max_concurrent: int | None) -> tune.TuneConfig:
    """Under ``tpe`` or ``bohb`` a searcher (behind its own concurrency limit) draws ``num_samples`` trials;
    else Tune expands the param_space's grid once."""
    from sweeps.search.schedulers import make_scheduler
    from sweeps.search.searchers import make_searcher
    from sweeps.search.space import count_trials

    limit = max_concurrent or spec.resources["max_concurrent"]
    searcher = make_searcher(spec, limit)
    return tune.TuneConfig(
        metric=spec.metric,
        mode=spec.mode,
        search_alg=searcher,
        scheduler=make_scheduler(spec),
        num_samples=count_trials(spec) if searcher is not None else 1,
        max_concurrent_trials=None if searcher is not None else limit,
        reuse_actors=True,
    )


def run_config(spec: Spec, folder: Folder, callbacks: list[Any]) -> tune.RunConfig:
    return tune.RunConfig(
        name=c.RAY_DIR,
        storage_path=folder.uri,
        callbacks=callbacks,
        failure_config=tune.FailureConfig(max_failures=spec.resources["max_failures"]),
        checkpoint_config=tune.CheckpointConfig(num_to_keep=CHECKPOINTS_KEPT),
        verbose=0,
        progress_reporter=None,
    )


def rebind_callbacks(tuner: Any, fresh: list[Any]) -> None:
    """A restored Tuner brings the callbacks pickled at the first run; replace ours with ones for this driver."""
    run_config = getattr(getattr(tuner, "_local_tuner", None), "_run_config", None)
    callbacks = getattr(run_config, "callbacks", None)
    if callbacks is None:
        raise SweepError("this Ray version keeps its restored run config elsewhere; cannot resume safely")
    ours = tuple(type(cb) for cb in fresh)
    callbacks[:] = [cb for cb in callbacks if not isinstance(cb, ours)] + fresh
