"""Run and resume through one function: Ray and the data up, the Tuner fitted, the sweep finished.

Order matters for "nothing is lost": the data is loaded (while Ray starts) before anything is
written; the store writes rows as epochs finish; the chosen configuration is scored on the test
split once, after the search, and not at all after a stop signal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sweeps.claim import start_folder
from sweeps.errors import SweepInterrupted
from sweeps.finish import SweepOutcome, finish
from sweeps.interrupts import Interrupts
from sweeps.preflight import with_data
from sweeps.progress import ProgressPrinter
from sweeps.results.rows import rows_of
from sweeps.results.storage import Folder
from sweeps.results.store import SweepStore
from sweeps.search.space import count_trials
from sweeps.spec.model import Spec
from sweeps.startup import ray_and_data
from sweeps.trial.scorer import ScorerLauncher, stop_scorer
from sweeps.trial.trainable import plan_from_spec
from sweeps.tuner import new_tuner, restored_tuner


@dataclass(frozen=True)
class NewSweep:
    """What only a new sweep has: old results to replace, a concurrency override and a fault-test wrapper."""

    replace: bool
    max_concurrent: int | None = None
    wrap: Any = None


def drive(spec: Spec, folder: Folder, address: str | None, progress: bool, new: NewSweep | None) -> SweepOutcome:
    """Run the sweep of ``spec`` in ``folder``: a new one if ``new`` is given, else resume Tune's state in ``ray/``."""
    started = time.time()
    interrupts = Interrupts()
    with interrupts.installed(), ray_and_data(spec, address) as (facts, data):
        spec = with_data(spec, data, facts)
        if new is not None:  # only now: Ray and the data are known good, and the new sweep is about to write
            start_folder(spec, folder, new.replace, facts, data, started)
        launcher = ScorerLauncher(plan_from_spec(spec))
        printer = ProgressPrinter(count_trials(spec), spec.metric) if progress else None
        interrupts.store = store = SweepStore(rows_of(spec, folder), family=spec.family, progress=printer)
        callbacks = [interrupts, store, launcher]
        tuner = (restored_tuner(spec, data, folder, callbacks) if new is None
                 else new_tuner(spec, data, folder, callbacks, new.max_concurrent, new.wrap))
        stopped_by = interrupts.fit(tuner)
        if stopped_by is not None:
            stop_scorer(launcher.scorer)
            store.mark_interrupted()
            raise SweepInterrupted(f"stopped by {stopped_by}; every finished epoch is stored; "
                                   f"continue with `sweeps resume {folder.uri}`") from None
        return finish(spec, folder, data, started, launcher.scorer)
