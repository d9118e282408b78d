"""Names shared by the runner and the analysis package: columns, statuses, files.

Both sides import these and nothing else from each other, so the Parquet layout is
defined in exactly one place.
"""

from __future__ import annotations

SWEEP = "sweep"
"""Name of the sweep a row belongs to (the spec's ``name``); tells sweeps apart when several are read together."""

TRIAL_ID = "trial_id"
"""Ray Tune's id of the trial, unique within a sweep."""

EPOCH = "epoch"
"""Epoch number, counted from 1 like Keras' progress bar."""

EPOCH_SECONDS = "epoch_seconds"
"""Wall seconds the epoch took inside the trial (training plus validation), as measured by the trial."""

NODE = "node"
"""IP address of the Ray node that ran the epoch."""

TIMESTAMP = "timestamp"
"""Unix time at which the trial reported the epoch."""

REPORTED_AT = "reported_at"
"""Key the trial sends its report time under (Tune overwrites ``timestamp`` with whole seconds); stored as TIMESTAMP."""

SETUP_SECONDS = "setup_seconds"
"""On the first epoch a trial process runs: seconds from entering the trial to that epoch's start
(model build and compile, checkpoint restore); null on later epochs."""

PID = "pid"
"""Process id of the Ray worker that ran the epoch; with ``node`` it tells which worker ran what."""

REPEAT = "repeat"
"""Index of the repeat (0 .. num_samples - 1); trials differing only in repeat measure noise."""

SEED = "seed"
"""Seed the trial's weights and shuffling were drawn from (data.seed + repeat)."""

PARAMS = "params"
"""Weights in the trial's model (``model.count_params()``, trainable or not); the trial reports it
with the first epoch each of its processes runs."""

SECONDS_PER_EPOCH = "seconds_per_epoch"
"""Median of the trial's ``epoch_seconds``: what one more epoch of this configuration costs."""

STATUS = "status"
"""How a trial ended: one of STATUSES."""

EPOCHS_RUN = "epochs_run"
"""Number of epochs a trial trained."""

BEST_EPOCH = "best_epoch"
"""Epoch at which the sweep's metric was best for the trial."""

BEST_PREFIX = "best_"
"""Prefix of trial columns holding the metrics at the best epoch (best_val_loss, best_accuracy, ...)."""

TEST_PREFIX = "test_"
"""Prefix of trial columns holding held-out test metrics; set only on the chosen configuration's
representative (its best-scoring repeat, the one retrained and scored)."""

CHOSEN = "chosen"
"""True for every trial (each repeat) of the configuration the sweep chose: the best mean of its metric
over repeats (``sweeps/results/choice.py``)."""

ERROR = "error"
"""Last line of the error that ended a trial, if any."""

STOP_REASON = "stop_reason"
"""Reported by a trial on its last epoch when the trial itself decided to stop (early stopping, NaN, max epochs)."""

COMPLETED = "completed"
"""Trained to max_epochs."""

EARLY_STOPPED = "early_stopped"
"""Stopped by Keras EarlyStopping: the monitored metric stopped improving."""

PRUNED = "pruned"
"""Stopped by the scheduler (ASHA or HyperBand) for being behind its peers."""

DIVERGED = "diverged"
"""Loss became NaN or infinite; Keras TerminateOnNaN ended the trial."""

ERRORED = "error"
"""The trial raised; after its retries Ray Tune gave up on it."""

RUNNING = "running"
"""Still training (only seen in a sweep that is in progress or was interrupted)."""

INTERRUPTED = "interrupted"
"""The driver was stopped (Ctrl-C, SIGTERM) before the trial ended; ``sweeps resume`` continues it."""

STATUSES = (COMPLETED, EARLY_STOPPED, PRUNED, DIVERGED, ERRORED, RUNNING, INTERRUPTED)
"""Every trial status, in the order reports list them."""

SPEC_FILE = "spec.yaml"
"""The spec as run, resolved, inside a results folder."""

EPOCHS_FILE = "epochs.parquet"
"""One row per trial per epoch."""

TRIALS_FILE = "trials.parquet"
"""One row per trial."""

TEST_PREDICTIONS_FILE = "test_predictions.parquet"
"""The chosen configuration's prediction for every test row (row, target, prediction, probability of the truth)."""

RUN_FILE = "run.json"
"""Run facts: start, end, versions, nodes, metric and mode."""

RUN_BASELINES = "baselines"
"""``run.json``'s key for what a model must beat: ``{"task", "rows": {"train", "validation", "test"},
"predictors": {name: {"value", ["prior",] "validation": {metric: score}, "test": {...}}}}`` with the
predictors "majority class" (classification) or "training mean" and "training median" (regression)
and the trials' Keras metric names without the ``val_``/``test_`` prefix."""

ROW = "row"
"""test_predictions: the row's position in the test split (from 0)."""

TARGET = "target"
"""test_predictions: the true label (class index, int64) or value (float64)."""

PREDICTION = "prediction"
"""test_predictions: the predicted class index (int64) or value (float64)."""

PROBABILITY = "probability"
"""test_predictions, classification only: the model's probability of the true class."""

RAY_DIR = "ray"
"""Ray Tune's own experiment state, used by resume."""

LOCK_FILE = ".lock"
"""Held by the one ``run`` or ``resume`` writing a folder: JSON with its host and pid."""

REPORT_DIR = "report"
"""Where ``sweeps report`` writes index.html and report.md by default."""

METADATA_PREFIX = "sweeps."
"""Prefix of keys this project writes into Parquet schema metadata."""

TASKS = ("classification", "regression")
"""What a sweep learns: classes (softmax, accuracy) or numbers (linear output, mae and rmse)."""

TASK_METRICS = {"classification": ("accuracy",), "regression": ("mae", "rmse")}
"""Metrics each task logs besides the loss; each is also logged on the validation split as ``val_<name>``."""



def logged_metrics(task: str) -> tuple[str, ...]:
    """Every metric a trial of ``task`` logs: the loss and the task's metrics, then each on the validation split."""
    logged = ("loss", *TASK_METRICS[task])
    return (*logged, *(f"val_{m}" for m in logged))


METRICS = tuple(dict.fromkeys(m for task in TASKS
                              for m in sorted(logged_metrics(task), key=lambda m: not m.startswith("val_"))))
"""Every metric some task logs (validation ones first per task): what ``search.metric`` may name."""

HIGHER_IS_BETTER = ("acc", "auc")
"""Parts of metric names where higher is better (accuracy, auc); every other metric is minimised."""


def mode_for(metric: str) -> str:
    """The one rule from a metric's name to its direction: 'max' for accuracy, 'min' for losses and errors."""
    return "max" if any(part in metric for part in HIGHER_IS_BETTER) else "min"
