"""The Ray Tune trainable: data + hyperparameters -> a compiled model -> fit, reporting each epoch.

Also the one retrain of the chosen configuration that is scored on the test split.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sweeps.spec.model import EarlyStopping, Spec
from sweeps.trial.data import Splits

_worker_ready = False
_builders: dict[str, Any] = {}

STEPS_PER_EXECUTION = 64
"""Training steps per call into TensorFlow: small models spend most of a step in Python overhead."""


@dataclass(frozen=True)
class TrialPlan:
    """Everything a trial needs besides its hyperparameters; the same for every trial of a sweep."""

    family: str
    max_epochs: int
    early_stopping: EarlyStopping | None
    checkpoint_every: int = 0
    checkpoint_seconds: float = 0.0
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    mixed_precision: bool = False
    jit_compile: bool = False
    stream_reports: bool = False
    build: Any = None
    """The user's model builder: a ``"module:function"`` imported in the worker, or the function itself."""
    loss: str | None = None


def plan_from_spec(spec: Spec) -> TrialPlan:
    res = spec.resources
    return TrialPlan(
        family=spec.family,
        max_epochs=spec.max_epochs,
        early_stopping=spec.early_stopping,
        checkpoint_every=res["checkpoint_every"],
        checkpoint_seconds=res["checkpoint_seconds"],
        cpus_per_trial=res["cpus_per_trial"],
        gpus_per_trial=res["gpus_per_trial"],
        mixed_precision=res["mixed_precision"],
        jit_compile=res["jit_compile"],
        stream_reports=spec.search["scheduler"] == "fifo",
        build=spec.build,
        loss=spec.loss,
    )


def train_trial(config: Mapping[str, Any], data: Splits, plan: TrialPlan) -> None:
    """Ray Tune function trainable: one trial, resumed from its checkpoint when it has one."""
    entered = time.perf_counter()
    from ray import tune

    from sweeps.trial.worker_imports import import_keras

    import_keras()

    from sweeps.search.space import resolve_config
    from sweeps.trial.callbacks import EpochReporter
    from sweeps.trial.checkpoints import restore_state

    if plan.stream_reports:
        stream_reports()
    hp = resolve_config(config, plan.family)
    model = compile_model(hp, data, plan)
    stopper = make_early_stopping(plan)
    initial_epoch = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as folder:
            initial_epoch = restore_state(folder, model, stopper)

    def send(record: dict[str, Any], folder: str | None) -> None:
        tune.report(record, checkpoint=tune.Checkpoint.from_directory(folder) if folder else None)

    reporter = EpochReporter(send, max_epochs=plan.max_epochs, node=node_name(),
                             checkpoint_every=plan.checkpoint_every, checkpoint_seconds=plan.checkpoint_seconds,
                             stopper=stopper, entered=entered, params=int(model.count_params()))
    fit(model, hp, data, plan, [stopper, reporter], initial_epoch=initial_epoch, epochs=plan.max_epochs)


def stream_reports() -> bool:
    """Let this trial go on as soon as its actor has taken an epoch's result, not after the driver's reply.

    Tune holds a function trainable after every report until the driver asks for the next
    result, so that a scheduler can stop it between epochs: a round trip that is a noticeable part
    of a small model's epoch. Under ``fifo`` no scheduler stops a trial, and every result
    still reaches the driver in order. False where this Ray keeps no such session setting.
    """
    try:
        from ray.train._internal.session import get_session
    except ImportError:
        return False
    session = get_session()
    if session is None or not hasattr(session, "synchronous_result_reporting"):
        return False
    session.synchronous_result_reporting = False
    return True


def node_name() -> str:
    """'IP:node-id prefix': readable, and distinct for several Ray nodes on one host."""
    import ray

    return f"{ray.util.get_node_ip_address()}:{ray.get_runtime_context().get_node_id()[:8]}"


def compile_model(hp: Mapping[str, Any], data: Splits, plan: TrialPlan) -> Any:
    """A compiled model and optimizer for ``hp``, seeded, in a fresh model's state; the only place models are made.

    A worker reuses the traced graph of an earlier trial with the same architecture and
    optimizer (:mod:`sweeps.trial.warm`); every value of ``hp`` still reaches the model and optimizer.
    """
    from sweeps.trial.warm import compiled_model

    prepare_worker(plan)
    _set_precision(plan)
    return compiled_model(hp, data.feature_shape, data.n_outputs, steps_per_execution=STEPS_PER_EXECUTION,
                          jit_compile=plan.jit_compile, task=data.task, loss=plan.loss, builder=user_builder(plan))


def user_builder(plan: TrialPlan) -> Any:
    """The plan's builder as a function (imported once per worker from ``"module:function"``), or None."""
    if plan.build is None or callable(plan.build):
        return plan.build
    if plan.build not in _builders:
        from sweeps.trial.user_code import import_callable

        _builders[plan.build] = import_callable("model.build", plan.build)
    return _builders[plan.build]


def make_early_stopping(plan: TrialPlan) -> Any | None:
    from sweeps.trial.callbacks import ResumableEarlyStopping

    es = plan.early_stopping
    if es is None:
        return None
    return ResumableEarlyStopping(monitor=es.monitor, patience=es.patience, min_delta=es.min_delta,
                                  restore_best_weights=es.restore_best_weights)


def fit(model: Any, hp: Mapping[str, Any], data: Splits, plan: TrialPlan, callbacks: Sequence[Any],
        *, initial_epoch: int = 0, epochs: int) -> Any:
    """``model.fit`` on the training split, validated on the validation split, NaN-guarded.

    ``train.lr_schedule: {reduce_on_plateau: ...}`` is a Keras callback here, watching val_loss.
    """
    import keras

    from sweeps.trial.pipelines import evaluation_batches, training_batches

    guards = [keras.callbacks.TerminateOnNaN()]
    plateau = (hp.get("lr_schedule") or {}).get("reduce_on_plateau")
    if plateau is not None:
        guards.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=plateau["factor"],
                                                        patience=plateau["patience"], verbose=0))
    threads = worker_settings(plan)["intra_op_threads"]
    return model.fit(
        training_batches(data.x_train, data.y_train, int(hp["batch_size"]), int(hp.get("seed") or 0), threads),
        validation_data=evaluation_batches(data.x_val, data.y_val, threads),
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=guards + [cb for cb in callbacks if cb is not None],
        verbose=0,
        shuffle=False,  # the pipeline shuffles, with the trial's seed
    )


@dataclass(frozen=True)
class TestScore:
    """The one test-split score of the chosen configuration.

    ``metrics``: ``test_*`` and the retrained model's ``val_*``; ``predictions``: the columns of
    ``test_predictions.parquet`` ({} where a row has no single prediction).
    """

    metrics: dict[str, float]
    predictions: dict[str, Any]


def score_on_test(hp: Mapping[str, Any], data: Splits, plan: TrialPlan, epochs: int) -> TestScore:
    """Retrain ``hp`` with its seed for ``epochs`` (its best epoch), then score once on the test split.

    The retrained model's ``val_*`` metrics match the trial's best epoch when training is deterministic.
    """
    from sweeps.results.predictions import prediction_columns
    from sweeps.trial.pipelines import EVALUATION_BATCH, evaluation_batches

    model = compile_model(hp, data, plan)
    if epochs > 0:
        fit(model, hp, data, plan, [], epochs=epochs)
    test = model.evaluate(evaluation_batches(data.x_test, data.y_test), return_dict=True, verbose=0)
    val = model.evaluate(evaluation_batches(data.x_val, data.y_val), return_dict=True, verbose=0)
    outputs = model.predict(data.x_test, batch_size=EVALUATION_BATCH, verbose=0)
    metrics = {**{f"test_{k}": float(v) for k, v in test.items()}, **{f"val_{k}": float(v) for k, v in val.items()}}
    return TestScore(metrics, prediction_columns(outputs, data.y_test, data.task))


def worker_settings(plan: TrialPlan) -> dict[str, Any]:
    """How TensorFlow is configured in a trial process, as plain data (pure, so testable without a GPU).

    A packed trial (``gpus_per_trial`` < 1) must not take the whole card: memory grows on demand,
    so four trials at 0.25 share one GPU. Ray already limits each trial to its own GPU
    (CUDA_VISIBLE_DEVICES). Thread pools match the trial's CPU share so parallel trials don't fight.
    CPU trials use deterministic ops unless XLA is asked for: Keras drops ``jit_compile`` when
    they are on.
    """
    threads = max(1, int(plan.cpus_per_trial))
    on_gpu = plan.gpus_per_trial > 0
    return {
        "intra_op_threads": threads,
        "inter_op_threads": min(2, threads),
        "gpu_memory_growth": on_gpu,
        "deterministic_ops": not on_gpu and not plan.jit_compile,
        "mixed_precision": plan.mixed_precision and on_gpu,
    }


def prepare_worker(plan: TrialPlan) -> None:
    """Apply :func:`worker_settings` once per process (TensorFlow accepts them only before first use).

    Deterministic ops refuse random ops without a seed; the global seed set here is a fallback
    only: trials draw from their own seeds (models.py, pipelines.py) and never reset it, since
    resetting it empties TensorFlow's kernel cache.
    """
    global _worker_ready
    if _worker_ready:
        return
    from sweeps.trial.worker_imports import import_keras

    import_keras()
    import tensorflow as tf

    settings = worker_settings(plan)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(settings["intra_op_threads"])
        tf.config.threading.set_inter_op_parallelism_threads(settings["inter_op_threads"])
    except RuntimeError:
        pass
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, settings["gpu_memory_growth"])
        except RuntimeError:
            pass
    if settings["deterministic_ops"]:
        tf.random.set_seed(0)
        tf.config.experimental.enable_op_determinism()
    _worker_ready = True


def _set_precision(plan: TrialPlan) -> None:
    """Per trial: Keras keeps its dtype policy per thread, and Tune runs each trial in a new thread."""
    import keras

    policy = "mixed_float16" if worker_settings(plan)["mixed_precision"] else "float32"
    keras.mixed_precision.set_global_policy(policy)
