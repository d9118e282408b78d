"""Epoch records carry every metric and the reason a trial stops; checkpoints restore a trial exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sweeps import load_spec
from sweeps.results import constants as c
from sweeps.search.space import grid_points, resolve_config
from sweeps.trial import warm
from sweeps.trial.callbacks import EpochReporter
from sweeps.trial.checkpoints import restore_state, save_state
from sweeps.trial.data import load_data
from sweeps.trial.trainable import compile_model, fit, make_early_stopping, plan_from_spec


def _train(overrides: dict[str, Any], epochs: int = 4, model: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    spec = load_spec({"name": "cb", "train": {"max_epochs": epochs, **overrides}, "model": model or {"width": 16}})
    data = load_data(spec.data, spec.family)
    plan = plan_from_spec(spec)
    hp = resolve_config({"point": grid_points(spec)[0]}, spec.family)
    stopper = make_early_stopping(plan)
    sent: list[dict[str, Any]] = []
    reporter = EpochReporter(lambda r, f: sent.append(r), max_epochs=epochs, node="n1", stopper=stopper)
    fit(compile_model(hp, data, plan), hp, data, plan, [stopper, reporter], epochs=epochs)
    return sent


def test_each_epoch_reports_all_metrics_time_and_node_and_the_last_says_completed() -> None:
    sent = _train({"optimizer": "adam", "learning_rate": 0.01}, epochs=3)
    assert [r[c.EPOCH] for r in sent] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(sent[0])
    assert all(r[c.EPOCH_SECONDS] > 0 and r[c.NODE] == "n1" for r in sent)
    assert [r.get(c.STOP_REASON) for r in sent] == [None, None, c.COMPLETED]


def test_huge_learning_rate_ends_diverged() -> None:
    sent = _train({"optimizer": "sgd", "learning_rate": 1e10}, model={"width": 32, "depth": 2})
    assert sent[-1][c.STOP_REASON] == c.DIVERGED
    assert not np.isfinite(sent[-1]["loss"])


def test_early_stopping_is_reported() -> None:
    sent = _train({"optimizer": "sgd", "learning_rate": 1e-7,
                   "early_stopping": {"patience": 0, "min_delta": 1.0}}, epochs=10)
    assert len(sent) < 10
    assert sent[-1][c.STOP_REASON] == c.EARLY_STOPPED


def test_training_resumed_from_a_checkpoint_matches_uninterrupted_training(tmp_path: Path) -> None:
    """Three distinct models (the warm cache is emptied between builds), compared through numpy copies.

    The restore is exact; the continued epochs are close, not equal, to the uninterrupted run's,
    because a resumed fit's batch order starts again from the seed's first epoch.
    """
    spec = load_spec({"name": "ck", "train": {"optimizer": "adam", "learning_rate": 0.01, "max_epochs": 4},
                      "model": {"width": 16}})
    data = load_data(spec.data, spec.family)
    plan = plan_from_spec(spec)
    hp = resolve_config({"point": grid_points(spec)[0]}, spec.family)

    def loss_of(model: Any) -> float:
        return float(model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)["loss"])

    warm.forget()
    straight = compile_model(hp, data, plan)
    fit(straight, hp, data, plan, [], epochs=4)
    straight_loss = loss_of(straight)

    warm.forget()
    first = compile_model(hp, data, plan)
    assert first is not straight
    stopper = make_early_stopping(plan)
    fit(first, hp, data, plan, [stopper], epochs=2)
    save_state(tmp_path, first, 2, stopper)
    saved_weights = [np.array(w) for w in first.get_weights()]
    saved_slots = [np.array(v) for v in first.optimizer.variables]
    at_two = loss_of(first)

    warm.forget()
    resumed = compile_model(hp, data, plan)
    assert resumed is not first and resumed is not straight
    assert not all(np.array_equal(a, b) for a, b in zip(resumed.get_weights(), saved_weights))
    stopper2 = make_early_stopping(plan)
    assert restore_state(tmp_path, resumed, stopper2) == 2
    for a, b in zip(resumed.get_weights(), saved_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(resumed.optimizer.variables, saved_slots, strict=True):
        np.testing.assert_array_equal(np.asarray(a), b)
    assert int(resumed.optimizer.iterations) > 0
    assert loss_of(resumed) == pytest.approx(at_two, rel=1e-6)
    fit(resumed, hp, data, plan, [stopper2], initial_epoch=2, epochs=4)
    assert stopper2.best_epoch >= 1
    assert loss_of(resumed) < at_two
    assert loss_of(resumed) == pytest.approx(straight_loss, rel=0.15)


@pytest.mark.parametrize(("every", "seconds", "saved"), [(0, 0.0, []), (2, 0.0, [2, 4]), (1, 3600.0, [])])
def test_checkpoints_are_sent_every_n_epochs_at_most_every_so_many_seconds(every: int, seconds: float,
                                                                         saved: list[int]) -> None:
    spec = load_spec({"name": "ce", "train": {"max_epochs": 5}, "model": {"width": 8}})
    data = load_data(spec.data, spec.family)
    plan = plan_from_spec(spec)
    hp = resolve_config({"point": grid_points(spec)[0]}, spec.family)
    folders: list[tuple[int, bool]] = []

    def send(record: dict[str, Any], folder: str | None) -> None:
        folders.append((record[c.EPOCH], folder is not None and (Path(folder) / "state.json").exists()))

    reporter = EpochReporter(send, max_epochs=5, node="n", checkpoint_every=every, checkpoint_seconds=seconds)
    fit(compile_model(hp, data, plan), hp, data, plan, [reporter], epochs=5)
    assert [e for e, ok in folders if ok] == saved
