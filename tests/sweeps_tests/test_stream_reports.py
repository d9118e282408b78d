"""Under fifo a trial trains its next epoch while the driver handles the last one; every result still arrives."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest

from sweeps.spec.model import load_spec
from sweeps.trial.trainable import plan_from_spec, stream_reports
from tests.conftest import tiny_spec

pytestmark = pytest.mark.slow

EPOCH_SECONDS = 0.5
DRIVER_SECONDS = 0.5
EPOCHS = 5


@pytest.mark.parametrize(("scheduler", "streams"), [("fifo", True), ("asha", False), ("hyperband", False)])
def test_only_fifo_sweeps_stream_reports(scheduler: str, streams: bool) -> None:
    assert plan_from_spec(load_spec(tiny_spec("s", search={"scheduler": scheduler}))).stream_reports is streams


def _reporting_trial(config: dict[str, Any]) -> None:
    from ray import tune

    streaming = stream_reports() if config["stream"] else False
    for epoch in range(1, EPOCHS + 1):
        time.sleep(EPOCH_SECONDS)
        tune.report({"epoch": epoch, "reported_at": time.time(), "streaming": streaming})


def _report_times(stream: bool, tmp_path: Any) -> tuple[list[int], list[float], bool]:
    from ray import tune

    class SlowDriver(tune.Callback):
        def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
            time.sleep(DRIVER_SECONDS)

    tuner = tune.Tuner(_reporting_trial, param_space={"stream": stream},
                       run_config=tune.RunConfig(storage_path=str(tmp_path), name=f"stream-{stream}",
                                                 callbacks=[SlowDriver()], verbose=0))
    history = tuner.fit()[0].metrics_dataframe.sort_values("epoch")
    return history["epoch"].tolist(), history["reported_at"].diff().dropna().tolist(), bool(history["streaming"].all())


def test_a_streaming_trial_overlaps_the_driver_and_loses_no_result(ray_local: Any, tmp_path: Any) -> None:
    held_epochs, held_gaps, held_streaming = _report_times(False, tmp_path)
    epochs, gaps, streaming = _report_times(True, tmp_path)
    assert streaming and not held_streaming
    assert epochs == held_epochs == list(range(1, EPOCHS + 1))
    assert statistics.median(held_gaps) >= EPOCH_SECONDS + DRIVER_SECONDS
    assert statistics.median(gaps) < EPOCH_SECONDS + DRIVER_SECONDS * 0.7
