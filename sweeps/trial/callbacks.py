"""Keras callbacks: each epoch's logs -> one record for Ray Tune, and early stopping that survives a restart."""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Callable
from typing import Any

import keras

from sweeps.results import constants as c
from sweeps.trial.checkpoints import save_state

Send = Callable[[dict[str, Any], "str | None"], None]
"""Receives an epoch record and, when one was saved, the folder of a checkpoint."""


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras EarlyStopping whose patience counter and best weights carry over a checkpoint restore."""

    resume_from: dict[str, Any] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        if self.resume_from:
            self.wait = self.resume_from["wait"]
            self.best = self.resume_from["best"]
            self.best_epoch = self.resume_from["best_epoch"]
            self.best_weights = self.resume_from["best_weights"]


class EpochReporter(keras.callbacks.Callback):
    """Turns Keras ``logs`` into an epoch record (metrics, epoch, seconds, node) and sends it.

    A checkpoint is saved every ``checkpoint_every`` epochs once ``checkpoint_seconds`` have
    passed since the trial's last one (or its start): saving one costs more than a small model's
    epoch, and a retry then repeats at most that many seconds of training.

    ``entered`` is the ``time.perf_counter()`` at which the trial began in this process; the
    first epoch's record then carries the set-up seconds before it, the runner's per-trial overhead.
    It also carries ``params``, the model's weight count, so the store can weigh a configuration's cost.

    Placed after EarlyStopping and TerminateOnNaN in the callback list, so on a trial's
    last epoch it sees why training stops and says so in ``stop_reason``.
    """

    def __init__(self, send: Send, *, max_epochs: int, node: str, checkpoint_every: int = 0,
                 checkpoint_seconds: float = 0.0, stopper: Any | None = None, entered: float | None = None,
                 params: int | None = None) -> None:
        super().__init__()
        self.send = send
        self.max_epochs = max_epochs
        self.node = node
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self._last_checkpoint = time.perf_counter() if entered is None else entered
        self.stopper = stopper
        self.entered = entered
        self._started = 0.0
        self._setup_seconds: float | None = None
        self._params = params

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()
        if self.entered is not None:
            self._setup_seconds = self._started - self.entered
            self.entered = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        record: dict[str, Any] = {k: float(v) for k, v in (logs or {}).items()}
        number = epoch + 1
        record.update({
            c.EPOCH: number,
            c.EPOCH_SECONDS: time.perf_counter() - self._started,
            c.NODE: self.node,
            c.REPORTED_AT: time.time(),
        })
        if self._setup_seconds is not None:
            record[c.SETUP_SECONDS] = self._setup_seconds
            self._setup_seconds = None
        if self._params is not None:
            record[c.PARAMS] = self._params
            self._params = None
        reason = self._stop_reason(record, number)
        if reason:
            record[c.STOP_REASON] = reason
            self.model.stop_training = True
        due = (self.checkpoint_every and number % self.checkpoint_every == 0 and not reason
               and time.perf_counter() - self._last_checkpoint >= self.checkpoint_seconds)
        if not due:
            self.send(record, None)
            return
        folder = tempfile.mkdtemp(prefix="sweeps-ckpt-")
        try:
            save_state(folder, self.model, number, self.stopper)
            self.send(record, folder)
            self._last_checkpoint = time.perf_counter()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _stop_reason(self, record: dict[str, Any], number: int) -> str | None:
        loss = record.get("loss")
        if loss is not None and not math.isfinite(loss):
            return c.DIVERGED
        if self.model.stop_training:
            return c.EARLY_STOPPED
        if number >= self.max_epochs:
            return c.COMPLETED
        return None
