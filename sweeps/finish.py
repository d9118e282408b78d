"""After the search: the configuration chosen (best mean over repeats), scored once on the test split.

Ray-free at import (``sweeps.runner`` imports :class:`SweepOutcome` for ``status`` too); the scorer
is imported when a sweep finishes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sweeps.results import constants as c
from sweeps.results.rows import rows_of
from sweeps.results.run_facts import iso, write_run_facts
from sweeps.results.storage import Folder, is_uri
from sweeps.spec.model import Spec
from sweeps.trial.data import Splits
from sweeps.trial.trainable import plan_from_spec

CHECKPOINT_PREFIX = "checkpoint_"


@dataclass
class SweepOutcome:
    """What a finished sweep produced; everything is also on disk in ``folder``.

    ``chosen``: the chosen configuration's best repeat (its trials.parquet row) with ``configuration``,
    ``trial_ids``, ``runs``, ``scored_runs`` and ``mean_<metric>``; None when no score was finite.
    """

    folder: Path | str
    metric: str
    counts: dict[str, int]
    chosen: dict[str, Any] | None
    test_metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    axes: list[str] = field(default_factory=list)
    """The searched hyperparameters, which the console names in the chosen configuration."""


def finish(spec: Spec, folder: Folder, data: Splits, started: float, scorer: Any) -> SweepOutcome:
    """Choose the configuration (best mean over repeats), score it once on the test split, close the run facts."""
    from sweeps.results.predictions import predictions_table
    from sweeps.search.space import config_from_row
    from sweeps.trial.scorer import score, stop_scorer

    rows = rows_of(spec, folder)
    rows.load_existing()
    chosen = rows.chosen()
    best, test, chosen_facts = None, {}, None
    if folder.exists(c.TEST_PREDICTIONS_FILE):
        folder.remove_file(c.TEST_PREDICTIONS_FILE)
    if chosen is not None:
        row, choice = chosen
        best = {**row, **choice.facts(spec.metric)}
        hp = config_from_row(spec, row, rows.hyperparameters)
        scored = score(scorer, hp, data, plan_from_spec(spec), int(row[c.BEST_EPOCH]))
        test = {k: v for k, v in scored.metrics.items() if k.startswith(c.TEST_PREFIX)}
        rows.set_chosen(choice.trial_ids, choice.representative, test)
        if scored.predictions:
            folder.write_table(c.TEST_PREDICTIONS_FILE, predictions_table(scored.predictions, data.task))
        chosen_facts = {"trial_id": row[c.TRIAL_ID], "best_epoch": row[c.BEST_EPOCH],
                        spec.metric: row[c.BEST_PREFIX + spec.metric], "retrained": scored.metrics, **test,
                        **choice.facts(spec.metric)}
    else:
        stop_scorer(scorer)
    rows.flush()
    counts = rows.counts()
    if not counts.get(c.ERRORED) and not counts.get(c.RUNNING) and not counts.get(c.INTERRUPTED):
        folder.child(c.RAY_DIR).remove_grandchildren(CHECKPOINT_PREFIX)
    finished = time.time()
    nodes = sorted({row.get(c.NODE) for row in rows.epochs.values() if row.get(c.NODE)})
    write_run_facts(folder, spec, {"finished": iso(finished), "duration_seconds": round(finished - started, 2),
                                   "nodes_used": nodes, "counts": counts, "chosen": chosen_facts})
    shown = folder.uri if is_uri(folder.uri) else Path(folder.path)
    return SweepOutcome(shown, spec.metric, counts, best, test, finished - started, spec.axes)
