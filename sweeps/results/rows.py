"""A sweep's rows in memory and in Parquet, with no Ray: what ``status``, ``finish`` and the store share.

Rows are kept keyed by (trial, epoch), so an epoch that a restarted trial or a resumed sweep
reports twice is stored once; a report of epoch e also drops that trial's rows after e (a dead
attempt's epochs, which the new attempt may never reach). Rows are flushed to disk as whole
files written beside the target and renamed over it: a crash at any moment leaves the last
complete file readable.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sweeps.results import constants as c
from sweeps.results import records
from sweeps.results.choice import Choice, choose
from sweeps.results.storage import Folder

if TYPE_CHECKING:
    from sweeps.spec.model import Spec

_EPOCH_FIELDS = (c.EPOCH, c.EPOCH_SECONDS, c.NODE, c.TIMESTAMP, c.SETUP_SECONDS, c.PID)
_REPORTED_BY_TUNE = {
    "done", "training_iteration", "trial_id", "date", "time_this_iter_s", "time_total_s", "hostname",
    "node_ip", "config", "time_since_restore", "iterations_since_restore", "timesteps_total",
    "episodes_total", "timesteps_since_restore", "experiment_tag", "checkpoint_dir_name",
    "should_checkpoint", c.STOP_REASON, c.REPORTED_AT,
}
"""Keys Tune adds to every result; none of them is a metric."""
_TRIAL_FIELDS = (c.PARAMS,)
"""Reported with an epoch but kept on the trial's row."""


class SweepRows:
    """Every epoch and every trial's row of one sweep; owns epochs.parquet and trials.parquet."""

    def __init__(self, folder: Folder | str | Path, *, sweep: str, metric: str, mode: str,
                 metadata: Mapping[str, Any] | None = None) -> None:
        self.folder = folder if isinstance(folder, Folder) else Folder.at(folder)
        self.sweep = sweep
        self.metric = metric
        self.mode = mode
        self.metadata = {"metric": metric, "mode": mode, **(metadata or {})}
        self.hyperparameters = tuple(records.hyperparameter_types(self.metadata))
        self.clear()

    def clear(self) -> None:
        self.epochs: dict[tuple[str, int], dict[str, Any]] = {}
        self.trials: dict[str, dict[str, Any]] = {}
        self.last_epoch: dict[str, int] = {}
        self.dirty = False
        self.flushed_at = 0.0
        self.write_seconds = 0.0

    def load_existing(self) -> None:
        """Start from what is already on disk (a resumed sweep keeps every earlier row)."""
        self.clear()
        epochs = self.folder.read_table(c.EPOCHS_FILE)
        for row in epochs.to_pylist() if epochs is not None else []:
            self.epochs[(row[c.TRIAL_ID], row[c.EPOCH])] = row
            self.last_epoch[row[c.TRIAL_ID]] = max(row[c.EPOCH], self.last_epoch.get(row[c.TRIAL_ID], 0))
        trials = self.folder.read_table(c.TRIALS_FILE)
        for row in trials.to_pylist() if trials is not None else []:
            self.trials[row[c.TRIAL_ID]] = row

    def add_trial(self, trial_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """A new trial's row (``running``), with its hyperparameters taken from its resolved ``config``."""
        row = {c.SWEEP: self.sweep, c.TRIAL_ID: trial_id, c.STATUS: c.RUNNING, c.CHOSEN: False}
        row.update(records.hyperparameters_of(config, self.hyperparameters))
        self.trials[trial_id] = row
        return row

    def set_status(self, trial_id: str, status: str, error: str | None) -> None:
        row = self.trials[trial_id]
        row[c.STATUS] = status
        row[c.ERROR] = error
        self.dirty = True

    def add_result(self, trial_id: str, result: Mapping[str, Any]) -> None:
        """Store one epoch record of a trial that has a row; the same (trial, epoch) again replaces the old row.

        An attempt reports its epochs in order, so epoch e arriving after a later one means
        the trial restarted (a retry from its checkpoint, or a resumed sweep): the rows after
        e belong to the dead attempt and are dropped, so that epochs_run and best_epoch (and
        the chosen trial's retrain length) follow the attempt that actually finished.
        """
        if c.EPOCH not in result:
            return
        trial_row = self.trials[trial_id]
        row: dict[str, Any] = {c.SWEEP: self.sweep, c.TRIAL_ID: trial_id}
        row.update({k: trial_row.get(k) for k in self.hyperparameters})
        row.update({k: result[k] for k in _EPOCH_FIELDS if k in result})
        if c.REPORTED_AT in result:
            row[c.TIMESTAMP] = float(result[c.REPORTED_AT])
        row.update({k: float(v) for k, v in result.items() if _is_metric(k, v)})
        epoch = int(result[c.EPOCH])
        for later in range(epoch + 1, self.last_epoch.get(trial_id, 0) + 1):
            self.epochs.pop((trial_id, later), None)
        self.last_epoch[trial_id] = epoch
        self.epochs[(trial_id, epoch)] = row
        trial_row[c.NODE] = result.get(c.NODE)
        trial_row.update({k: int(result[k]) for k in _TRIAL_FIELDS if result.get(k) is not None})
        self.dirty = True

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
        self.dirty = True

    def flush(self) -> None:
        """Write both files if anything changed since the last write."""
        if not self.dirty:
            return
        started = time.monotonic()
        self.folder.make()
        epoch_rows = [self.epochs[k] for k in sorted(self.epochs)]
        metrics = records.metric_names(epoch_rows, self.hyperparameters) or list(records.KNOWN_METRICS)
        self.folder.write_table(c.EPOCHS_FILE,
                                records.to_table(epoch_rows, records.epoch_schema(metrics, self.metadata)))
        self.folder.write_table(c.TRIALS_FILE,
                                records.to_table(self.trial_rows(), records.trial_schema(metrics, self.metadata)))
        self.dirty = False
        self.flushed_at = time.monotonic()
        self.write_seconds = self.flushed_at - started


def rows_of(spec: Spec, folder: Folder) -> SweepRows:
    """The rows of ``spec``'s sweep in ``folder`` (empty until :meth:`SweepRows.load_existing`)."""
    metadata = {"axes": spec.axes, "scheduler": spec.search["scheduler"], "task": spec.task,
                records.USER_HYPERPARAMETERS: spec.user_types()}
    return SweepRows(folder, sweep=spec.name, metric=spec.metric, mode=spec.mode, metadata=metadata)


def best_epoch_row(epochs: list[dict[str, Any]], metric: str, mode: str) -> dict[str, Any] | None:
    """The epoch row with the best finite ``metric``; the earliest wins a tie."""
    finite = [e for e in epochs if _finite(e.get(metric))]
    if not finite:
        return None
    sign = 1 if mode == "min" else -1
    return min(finite, key=lambda e: (sign * e[metric], e[c.EPOCH]))


def _is_metric(key: str, value: Any) -> bool:
    return (key not in _REPORTED_BY_TUNE and key not in (*_EPOCH_FIELDS, *_TRIAL_FIELDS)
            and key not in records.HYPERPARAMETER_TYPES
            and isinstance(value, (int, float)) and not isinstance(value, bool))


def _median(values: Any) -> float | None:
    finite = sorted(v for v in values if _finite(v))
    return float(statistics.median(finite)) if finite else None


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
