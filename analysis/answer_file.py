"""``report/answer.json``: the answer as data, for scripts, dashboards and the next sweep.

Every number the answer box shows is here with its interval, keyed by name rather than
sentence; the README lists the fields. Non-finite numbers become null, so any JSON
reader can load it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.answer import Answer

VERSION = 1
"""Bumped when a field changes meaning or is removed (adding one does not)."""


def answer_document(answer: Answer, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answer of one sweep as plain JSON-ready data; ``extra`` adds sections computed elsewhere."""
    chosen = None
    if answer.trial_id is not None:
        chosen = {
            "configuration": dict(answer.configuration),
            "trial_ids": list(answer.trial_ids),
            "representative": answer.trial_id,
            "runs": answer.runs,
            "chosen_by_runner": answer.chosen_by_runner,
            "validation": {"metric": answer.metric, "mean": answer.validation, "low": answer.validation_low,
                           "high": answer.validation_high, "best_epoch": answer.best_epoch},
            "test": {metric: estimate.as_dict() for metric, estimate in answer.held_out_estimates.items()}
            or {metric.removeprefix("test_"): {"value": value} for metric, value in answer.test.items()},
        }
    document = {
        "version": VERSION,
        "sweep": answer.sweep,
        "question": answer.question,
        "data": answer.data,
        "metric": answer.metric,
        "mode": answer.mode,
        "chosen": chosen,
        "baselines": {"beats_baseline": answer.beats_baseline, "sentence": answer.baseline_line,
                      "improvements": [i.as_dict() for i in answer.improvements]},
        "noise": {"leader": answer.verdict.leader, "runner_up": answer.verdict.runner_up,
                  "margin": answer.verdict.margin, "spread": answer.verdict.spread,
                  "separated": answer.verdict.separated, "sentence": answer.verdict.text},
        "warnings": list(answer.held_out_warnings),
        "statuses": dict(answer.statuses),
        "lines": answer.lines,
        **(extra or {}),
    }
    return plain(document)


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of row objects."""
    return [dict(zip(map(str, frame.columns), row)) for row in frame.itertuples(index=False, name=None)]


def plain(value: Any) -> Any:
    """Numpy and pandas scalars as Python ones; NaN and infinities as None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return plain(frame_records(value))
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
