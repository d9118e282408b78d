"""A trial that raises every time is retried, ends ``error``, and the sweep goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sweeps
from sweeps.results import constants as c
from tests.conftest import tiny_spec
from tests.faults import raising_for

pytestmark = pytest.mark.slow


def test_a_trial_raising_every_time_is_retried_then_recorded_as_error(ray_local: Any, tmp_path: Path) -> None:
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    spec = tiny_spec("faulty", model={"width": 16},
                     train={"optimizer": "adam", "learning_rate": {"grid": [0.003, 0.666, 0.01]}, "max_epochs": 3},
                     search={"scheduler": "fifo"},
                     resources={"max_failures": 2, "checkpoint_every": 1, "checkpoint_seconds": 0})
    outcome = sweeps.run(spec, results=tmp_path / "results", progress=False,
                         _wrap_trainable=raising_for(0.666, attempts))
    trials = pd.read_parquet(outcome.folder / c.TRIALS_FILE).set_index("learning_rate")
    assert len(list(attempts.iterdir())) == 1 + 2
    assert trials.loc[0.666, c.STATUS] == c.ERRORED
    assert "injected failure for learning_rate=0.666" in trials.loc[0.666, c.ERROR]
    assert trials.loc[0.666, c.EPOCHS_RUN] == 0
    assert (trials.loc[[0.003, 0.01], c.STATUS] == c.COMPLETED).all()
    assert outcome.counts[c.ERRORED] == 1 and outcome.chosen is not None
