"""The Ray Tune callback that feeds a sweep's rows (:mod:`sweeps.results.rows`) while it runs.

It turns Tune's hooks into rows and status changes and decides when to write; what rows are
kept, and how they reach Parquet, is :class:`~sweeps.results.rows.SweepRows`' (no Ray there).
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from ray.tune import Callback

from sweeps.results import constants as c
from sweeps.results.rows import SweepRows
from sweeps.search.space import resolve_config

_SETTLED = (c.COMPLETED, c.EARLY_STOPPED, c.DIVERGED)
"""Statuses a trial keeps when Tune starts it again (a resumed sweep's finished trial)."""
START, COMPLETE, ERROR, END, INTERRUPT = "start", "complete", "error", "end", "interrupt"
"""What happened to a trial: Tune started, completed or lost it, the experiment ended, or the driver was stopped."""


class SweepStore(Callback):
    """Collects every epoch Tune reports and every trial's fate into ``rows``, the only writer of its files."""

    def __init__(self, rows: SweepRows, *, family: str, flush_seconds: float = 2.0,
                 progress: Any | None = None) -> None:
        self.rows = rows
        self.family = family
        self.flush_seconds = flush_seconds
        self.progress = progress
        self.interrupted = False

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles callbacks into its experiment state; rows live on disk, not in that pickle."""
        empty = copy.copy(self.rows)
        empty.clear()
        return {**self.__dict__, "rows": empty, "interrupted": False}

    def setup(self, **info: Any) -> None:
        self.rows.load_existing()

    def get_state(self) -> dict[str, Any] | None:
        """Called each time Tune saves its experiment state, just before that state reaches storage.

        Flushing here means every epoch covered by a checkpoint Tune can resume from is already
        in Parquet; otherwise a driver killed between two flushes would lose the epochs a resumed
        trial never reports again. Returns None: the rows live in Parquet, not in Tune's state.
        """
        self.rows.flush()
        return None

    def on_trial_start(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._change(self._row(trial), START, trial)

    def on_trial_result(self, iteration: int, trials: list[Any], trial: Any, result: dict[str, Any],
                        **info: Any) -> None:
        if c.EPOCH in result:
            self._row(trial)
            self.rows.add_result(trial.trial_id, result)
        if time.monotonic() - self.rows.flushed_at >= max(self.flush_seconds, 5 * self.rows.write_seconds):
            self.rows.flush()
        self._show()

    def on_trial_complete(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._change(self._row(trial), COMPLETE, trial)
        self.rows.flush()
        self._show()

    def on_trial_error(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._change(self._row(trial), ERROR, trial)
        self.rows.flush()
        self._show()

    def on_experiment_end(self, trials: list[Any], **info: Any) -> None:
        for trial in trials:
            self._change(self._row(trial), END, trial)
        if self.interrupted:
            self.mark_interrupted()
        self.rows.flush()
        self._show(final=True)

    def mark_interrupted(self) -> None:
        """The driver was stopped: trials still running are ``interrupted`` (Tune's stop at a signal is no prune)."""
        self.interrupted = True
        for row in list(self.rows.trials.values()):
            self._change(row, INTERRUPT)
        self.rows.flush()

    def _change(self, row: dict[str, Any], event: str, trial: Any = None) -> None:
        """Every status change of a trial's row: what ``event`` makes of it; Tune's own verdict
        (``trial.status``) wins over the order its hooks happened to arrive in."""
        status, tune_status = row[c.STATUS], str(getattr(trial, "status", ""))
        finished = tune_status in ("TERMINATED", "ERROR")
        stopped = (getattr(trial, "last_result", None) or {}).get(c.STOP_REASON) or c.PRUNED
        running = status == c.RUNNING
        if event == START:
            new = None if status in _SETTLED or finished else c.RUNNING
        elif event == ERROR or (event == END and running and tune_status == "ERROR"):
            new = c.ERRORED
        elif event == COMPLETE or (event == END and running and finished and not self.interrupted):
            new = stopped
        elif event == INTERRUPT and running:
            new = c.INTERRUPTED
        else:
            new = None
        if new is not None:
            error = (_last_line(getattr(trial, "error_file", None)) if new == c.ERRORED
                     else row.get(c.ERROR) if new == c.INTERRUPTED else None)
            self.rows.set_status(row[c.TRIAL_ID], new, error)

    def _row(self, trial: Any) -> dict[str, Any]:
        row = self.rows.trials.get(trial.trial_id)
        return row if row is not None else self.rows.add_trial(trial.trial_id,
                                                               resolve_config(trial.config, self.family))

    def _show(self, final: bool = False) -> None:
        if self.progress is not None:
            self.progress.update(self.rows, final=final)


def _last_line(error_file: Any) -> str:
    text = ""
    try:
        if error_file and Path(error_file).exists():
            text = Path(error_file).read_text()
    except OSError:
        pass
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:500] if lines else "trial failed (no error text recorded)"
