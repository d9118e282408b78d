"""The chosen configuration is the best mean over repeats, from hand-written scores."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sweeps.results import constants as c
from sweeps.results.choice import choose, rank

AXES = ("width", "widths", "optimizer", c.REPEAT, c.SEED)


def _trials(rows: list[tuple[str, int, str, int, float]]) -> pd.DataFrame:
    """(trial_id, width, optimizer, repeat, best_val_loss) -> a trials frame."""
    return pd.DataFrame([{c.TRIAL_ID: t, "width": w, "widths": None, "optimizer": o, c.REPEAT: r, c.SEED: r,
                          "best_val_loss": s} for t, w, o, r, s in rows])


def test_the_best_mean_wins_over_the_luckiest_single_run() -> None:
    trials = _trials([
        ("t1", 8, "adam", 0, 0.10),  # the luckiest run ...
        ("t2", 8, "adam", 1, 0.50),  # ... of a configuration whose mean is 0.30
        ("t3", 32, "adam", 0, 0.20),
        ("t4", 32, "adam", 1, 0.22),  # mean 0.21
    ])
    choice = choose(trials, "val_loss", "min", AXES)
    assert choice is not None
    assert choice.configuration == {"width": 32, "optimizer": "adam"}
    assert choice.trial_ids == ("t3", "t4") and choice.representative == "t3"
    assert choice.mean == pytest.approx(0.21) and choice.runs == 2 and choice.scored_runs == 2


def test_max_mode_takes_the_highest_mean() -> None:
    trials = _trials([("t1", 8, "adam", 0, 0.99), ("t2", 8, "adam", 1, 0.60),
                      ("t3", 32, "adam", 0, 0.90), ("t4", 32, "adam", 1, 0.91)])
    choice = choose(trials.rename(columns={"best_val_loss": "best_val_accuracy"}), "val_accuracy", "max", AXES)
    assert choice is not None and choice.configuration["width"] == 32 and choice.representative == "t4"


def test_a_configuration_with_a_diverged_run_ranks_after_those_without() -> None:
    trials = _trials([
        ("t1", 8, "adam", 0, 0.05),
        ("t2", 8, "adam", 1, math.nan),  # diverged: its finite mean (0.05) is the best, but one run has no score
        ("t3", 32, "sgd", 0, 0.30),
        ("t4", 32, "sgd", 1, 0.40),
    ])
    ranked = rank(trials, "val_loss", "min", AXES)
    assert [r.configuration["width"] for r in ranked] == [32, 8]
    assert ranked[1].runs == 2 and ranked[1].scored_runs == 1 and ranked[1].mean == pytest.approx(0.05)


def test_a_configuration_without_any_score_is_never_chosen() -> None:
    trials = _trials([("t1", 8, "adam", 0, math.nan), ("t2", 8, "adam", 1, math.nan)])
    assert choose(trials, "val_loss", "min", AXES) is None


def test_one_run_per_configuration_gives_the_best_single_trial_and_ties_go_to_the_smallest_id() -> None:
    trials = _trials([("t3", 8, "adam", 0, 0.2), ("t1", 32, "adam", 0, 0.2), ("t2", 64, "sgd", 0, 0.3)])
    choice = choose(trials, "val_loss", "min", AXES)
    assert choice is not None and choice.trial_ids == ("t1",) and choice.runs == 1


def test_list_values_group_repeats_of_one_configuration() -> None:
    trials = pd.DataFrame([{c.TRIAL_ID: t, "widths": w, c.REPEAT: r, "best_val_loss": s}
                           for t, w, r, s in (("a", [100, 50], 0, 0.1), ("b", [100, 50], 1, 0.5),
                                              ("c", [64], 0, 0.2), ("d", [64], 1, 0.3))])
    choice = choose(trials, "val_loss", "min", ("widths", c.REPEAT))
    assert choice is not None and choice.configuration == {"widths": [64]} and choice.trial_ids == ("c", "d")
