"""The only Parquet writer: a Ray Tune callback on the driver, and the matching reader.

Rows are kept in memory keyed by (trial, epoch), so an epoch that a restarted trial or
a resumed sweep reports twice is stored once; a report of epoch e also drops that trial's
rows after e (a dead attempt's epochs, which the new attempt may never reach). Rows are
flushed to disk as whole files written beside the target and renamed over it: a crash at
any moment leaves the last complete file readable.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from ray.tune import Callback

from sweeps.results import constants as c
from sweeps.results import records
from sweeps.results.choice import Choice, choose
from sweeps.results.storage import Folder
from sweeps.search.space import resolve_config

if TYPE_CHECKING:
    from sweeps.spec.model import Spec

_EPOCH_FIELDS = (c.EPOCH, c.EPOCH_SECONDS, c.NODE, c.TIMESTAMP, c.SETUP_SECONDS, c.PID)
_REPORTED_BY_TUNE = {
    "done", "training_iteration", "trial_id", "date", "time_this_iter_s", "time_total_s", "hostname",
    "node_ip", "config", "time_since_restore", "iterations_since_restore", "timesteps_total",
    "episodes_total", "timesteps_since_restore", "experiment_tag", "checkpoint_dir_name",
    "should_checkpoint", c.STOP_REASON, c.REPORTED_AT,
}
_TRIAL_FIELDS = (c.PARAMS,)
"""Reported with an epoch but kept on the trial's row."""


class SweepStore(Callback):
    """Collects every epoch Tune reports and every trial's fate; owns epochs.parquet and trials.parquet."""

    def __init__(self, folder: Folder | str | Path, *, sweep: str, family: str, metric: str, mode: str,
                 metadata: Mapping[str, Any] | None = None, flush_seconds: float = 2.0,
                 progress: Any | None = None) -> None:
        self.folder = folder if isinstance(folder, Folder) else Folder.at(folder)
        self.sweep = sweep
        self.family = family
        self.metric = metric
        self.mode = mode
        self.metadata = {"metric": metric, "mode": mode, **(metadata or {})}
        self.hyperparameters = tuple(records.hyperparameter_types(self.metadata))
        self.flush_seconds = flush_seconds
        self.progress = progress
        self.interrupted = False
        self._reset()

    def _reset(self) -> None:
        self.epochs: dict[tuple[str, int], dict[str, Any]] = {}
        self.trials: dict[str, dict[str, Any]] = {}
        self._last_epoch: dict[str, int] = {}
        self._dirty = False
        self._last_flush = 0.0
        self._write_seconds = 0.0

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles callbacks into its experiment state; rows live on disk, not in that pickle."""
        state = dict(self.__dict__)
        state.update(epochs={}, trials={}, _last_epoch={}, _dirty=False, interrupted=False)
        return state

    def setup(self, **info: Any) -> None:
        self.load_existing()

    def get_state(self) -> dict[str, Any] | None:
        """Called each time Tune saves its experiment state, just before that state reaches storage.

        Flushing here means every epoch covered by a checkpoint Tune can resume from is already
        in Parquet; otherwise a driver killed between two flushes would lose the epochs a resumed
        trial never reports again. Returns None: the rows live in Parquet, not in Tune's state.
        """
        self.flush()
        return None

    def load_existing(self) -> None:
        """Start from what is already on disk (a resumed sweep keeps every earlier row)."""
        self._reset()
        epochs = self.folder.read_table(c.EPOCHS_FILE)
        for row in epochs.to_pylist() if epochs is not None else []:
            self.epochs[(row[c.TRIAL_ID], row[c.EPOCH])] = row
            self._last_epoch[row[c.TRIAL_ID]] = max(row[c.EPOCH], self._last_epoch.get(row[c.TRIAL_ID], 0))
        trials = self.folder.read_table(c.TRIALS_FILE)
        for row in trials.to_pylist() if trials is not None else []:
            self.trials[row[c.TRIAL_ID]] = row

    # Tune callback hooks -------------------------------------------------------------
    def on_trial_start(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        row = self._trial_row(trial)
        if row[c.STATUS] not in (c.COMPLETED, c.EARLY_STOPPED, c.DIVERGED) and not _tune_finished(trial):
            row[c.STATUS] = c.RUNNING
            row[c.ERROR] = None
        self._dirty = True

    def on_trial_result(self, iteration: int, trials: list[Any], trial: Any, result: dict[str, Any],
                        **info: Any) -> None:
        self.add_result(trial, result)
        if time.monotonic() - self._last_flush >= max(self.flush_seconds, 5 * self._write_seconds):
            self.flush()
        self._show()

    def on_trial_complete(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        row = self._trial_row(trial)
        reason = (trial.last_result or {}).get(c.STOP_REASON)
        row[c.STATUS] = reason or c.PRUNED
        row[c.ERROR] = None
        self._dirty = True
        self.flush()
        self._show()

    def on_trial_error(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        row = self._trial_row(trial)
        row[c.STATUS] = c.ERRORED
        row[c.ERROR] = _last_line(getattr(trial, "error_file", None), trial)
        self._dirty = True
        self.flush()
        self._show()

    def on_experiment_end(self, trials: list[Any], **info: Any) -> None:
        for trial in trials:
            row = self._trial_row(trial)
            if row[c.STATUS] == c.RUNNING and _tune_finished(trial):
                self._dirty = True
                if str(trial.status) == "ERROR":
                    row[c.STATUS] = c.ERRORED
                    row[c.ERROR] = _last_line(getattr(trial, "error_file", None), trial)
                elif not self.interrupted:
                    row[c.STATUS] = (trial.last_result or {}).get(c.STOP_REASON) or c.PRUNED
        if self.interrupted:
            self.mark_interrupted()
        self.flush()
        self._show(final=True)

    def mark_interrupted(self) -> None:
        """The driver was stopped: trials still running are ``interrupted`` (Tune's stop at a signal is no prune)."""
        self.interrupted = True
        for row in self.trials.values():
            if row[c.STATUS] == c.RUNNING:
                row[c.STATUS] = c.INTERRUPTED
                self._dirty = True
        self.flush()

    def _show(self, final: bool = False) -> None:
        if self.progress is not None:
            self.progress.update(self, final=final)

    # Plain-data core (testable without Tune) ----------------------------------------
    def add_result(self, trial: Any, result: Mapping[str, Any]) -> None:
        """Store one epoch record; the same (trial, epoch) reported again replaces the old row.

        An attempt reports its epochs in order, so epoch e arriving after a later one means
        the trial restarted (a retry from its checkpoint, or a resumed sweep): the rows after
        e belong to the dead attempt and are dropped, so that epochs_run and best_epoch (and
        the chosen trial's retrain length) follow the attempt that actually finished.
        """
        if c.EPOCH not in result:
            return
        trial_row = self._trial_row(trial)
        row: dict[str, Any] = {c.SWEEP: self.sweep, c.TRIAL_ID: trial.trial_id}
        row.update({k: trial_row.get(k) for k in self.hyperparameters})
        row.update({k: result[k] for k in _EPOCH_FIELDS if k in result})
        if c.REPORTED_AT in result:
            row[c.TIMESTAMP] = float(result[c.REPORTED_AT])
        row.update({k: float(v) for k, v in result.items() if _is_metric(k, v)})
        epoch = int(result[c.EPOCH])
        for later in range(epoch + 1, self._last_epoch.get(trial.trial_id, 0) + 1):
            self.epochs.pop((trial.trial_id, later), None)
        self._last_epoch[trial.trial_id] = epoch
        self.epochs[(trial.trial_id, epoch)] = row
        trial_row[c.NODE] = result.get(c.NODE)
        trial_row.update({k: int(result[k]) for k in _TRIAL_FIELDS if result.get(k) is not None})
        self._dirty = True

    def _trial_row(self, trial: Any) -> dict[str, Any]:
        row = self.trials.get(trial.trial_id)
        if row is None:
            row = {c.SWEEP: self.sweep, c.TRIAL_ID: trial.trial_id, c.STATUS: c.RUNNING, c.CHOSEN: False}
            row.update(records.hyperparameters_of(resolve_config(trial.config, self.family), self.hyperparameters))
            self.trials[trial.trial_id] = row
        return row

    def trial_rows(self) -> list[dict[str, Any]]:
        """Each trial with epochs_run, best_epoch and best_* metrics derived from its epoch rows."""
        by_trial: dict[str, list[dict[str, Any]]] = {}
        for (trial_id, _), row in sorted(self.epochs.items()):
            by_trial.setdefault(trial_id, []).append(row)
        out = []
        for trial_id, row in sorted(self.trials.items()):
            row = dict(row)
            epochs = by_trial.get(trial_id, [])
            row[c.EPOCHS_RUN] = max((e[c.EPOCH] for e in epochs), default=0)
            best = best_epoch_row(epochs, self.metric, self.mode)
            row[c.BEST_EPOCH] = best[c.EPOCH] if best else None
            row[c.SECONDS_PER_EPOCH] = _median(e.get(c.EPOCH_SECONDS) for e in epochs)
            for m in records.metric_names(epochs, self.hyperparameters):
                row[c.BEST_PREFIX + m] = best.get(m) if best else None
            out.append(row)
        return out

    def chosen(self) -> tuple[dict[str, Any], Choice] | None:
        """The chosen configuration (best mean over repeats, :mod:`sweeps.results.choice`) and the row of its
        best-scoring repeat; None if no score is finite."""
        rows = self.trial_rows()
        picked = choose(pd.DataFrame(rows), self.metric, self.mode, self.hyperparameters) if rows else None
        if picked is None:
            return None
        return next(r for r in rows if r[c.TRIAL_ID] == picked.representative), picked

    def best_trial(self) -> dict[str, Any] | None:
        """The chosen configuration's best-scoring repeat with :meth:`Choice.facts`; with one run per
        configuration, the trial whose best epoch is best."""
        chosen = self.chosen()
        return None if chosen is None else {**chosen[0], **chosen[1].facts(self.metric)}

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in c.STATUSES}
        for row in self.trials.values():
            counts[row[c.STATUS]] = counts.get(row[c.STATUS], 0) + 1
        return counts

    def set_chosen(self, trial_ids: Iterable[str], representative: str, test_metrics: Mapping[str, float]) -> None:
        """Mark every trial of the chosen configuration; its ``representative`` carries the test scores."""
        chosen = set(trial_ids)
        for row in self.trials.values():
            row[c.CHOSEN] = row[c.TRIAL_ID] in chosen
            for key in list(row):
                if key.startswith(c.TEST_PREFIX):
                    row[key] = None
        self.trials[representative].update(test_metrics)
        self._dirty = True

    def flush(self) -> None:
        """Write both files if anything changed since the last write."""
        if not self._dirty:
            return
        started = time.monotonic()
        self.folder.make()
        epoch_rows = [self.epochs[k] for k in sorted(self.epochs)]
        metrics = records.metric_names(epoch_rows, self.hyperparameters) or list(records.KNOWN_METRICS)
        self.folder.write_table(c.EPOCHS_FILE,
                                records.to_table(epoch_rows, records.epoch_schema(metrics, self.metadata)))
        self.folder.write_table(c.TRIALS_FILE,
                                records.to_table(self.trial_rows(), records.trial_schema(metrics, self.metadata)))
        self._dirty = False
        self._last_flush = time.monotonic()
        self._write_seconds = self._last_flush - started


def store_for(spec: Spec, folder: Folder, progress: Any | None = None) -> SweepStore:
    """The store of ``spec``'s sweep in ``folder``; ``progress`` (a printer) is told of every change."""
    metadata = {"axes": spec.axes, "scheduler": spec.search["scheduler"], "task": spec.task,
                records.USER_HYPERPARAMETERS: spec.user_types()}
    return SweepStore(folder, sweep=spec.name, family=spec.family, metric=spec.metric, mode=spec.mode,
                      metadata=metadata, progress=progress)


def best_epoch_row(epochs: list[dict[str, Any]], metric: str, mode: str) -> dict[str, Any] | None:
    """The epoch row with the best finite ``metric``; the earliest wins a tie."""
    finite = [e for e in epochs if _finite(e.get(metric))]
    if not finite:
        return None
    sign = 1 if mode == "min" else -1
    return min(finite, key=lambda e: (sign * e[metric], e[c.EPOCH]))


def _tune_finished(trial: Any) -> bool:
    """Tune's own verdict, which wins over the order its callbacks happened to arrive in."""
    return str(getattr(trial, "status", "")) in ("TERMINATED", "ERROR")


def _is_metric(key: str, value: Any) -> bool:
    return (key not in _REPORTED_BY_TUNE and key not in (*_EPOCH_FIELDS, *_TRIAL_FIELDS)
            and key not in records.HYPERPARAMETER_TYPES
            and isinstance(value, (int, float)) and not isinstance(value, bool))


def _median(values: Any) -> float | None:
    finite = sorted(v for v in values if _finite(v))
    return float(statistics.median(finite)) if finite else None


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _last_line(error_file: Any, trial: Any) -> str:
    text = ""
    try:
        if error_file and Path(error_file).exists():
            text = Path(error_file).read_text()
    except OSError:
        pass
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:500] if lines else "trial failed (no error text recorded)"
