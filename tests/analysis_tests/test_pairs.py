from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.pairs import pairs, rank_configurations
from tests.analysis_tests.planted import planted_best

AXES = ["width", "repeat"]


def test_planted_winner_beats_the_rest_in_almost_every_paired_repeat(tmp_path: Path) -> None:
    best = planted_best(tmp_path / "winner", {"width": (16, 32, 64)}, lambda s: {64: 0.90, 32: 0.85, 16: 0.80}[
        s["width"]], repeats=10, seed_noise=0.1, run_noise=0.01, metric="val_accuracy", mode="max")
    trials = analysis.load(tmp_path / "winner").trials
    result = pairs(best, "val_accuracy", "max", AXES, top=2, trials=trials.assign(params=trials["width"] * 10))
    assert result.table["width"].tolist() == [64, 32, 16]
    assert result.table["params"].tolist() == [640, 320, 160]
    rival = result.table.iloc[1]
    assert rival["pairs"] == 10 and rival["p_better"] >= 0.9 and rival["p_low"] > 0.5
    assert bool(rival["within_noise"]) is False
    assert result.within_noise["width"].tolist() == [64]
    assert "P(chosen beats width=32) = " in " ".join(result.sentences())


def test_planted_tie_is_near_one_half_and_within_noise(tmp_path: Path) -> None:
    steps = 36
    best = planted_best(tmp_path / "tie", {"width": (32, 64)}, lambda s: 0.9, repeats=40, seed_noise=0.05,
                        run_noise=0.02, seed=1, metric="val_accuracy", mode="max")
    best["val_accuracy"] = np.round(best["val_accuracy"] * steps) / steps
    rival = pairs(best, "val_accuracy", "max", AXES).table.iloc[1]
    assert rival["pairs"] == 40
    assert 0.35 <= rival["p_better"] <= 0.65
    assert rival["p_low"] < 0.5 < rival["p_high"]
    assert bool(rival["within_noise"]) is True


SCORES = {100: [0.90, 0.92, 0.94], 64: [0.91, 0.90, 0.93], 32: [0.80, 0.81, 0.83], 16: [0.85, 0.86, 0.88]}
PARAMS = {100: 17_410, 64: 8_970, 32: 4_490, 16: 2_250}


def hand_made() -> tuple[pd.DataFrame, pd.DataFrame]:
    best = pd.DataFrame([{"sweep": "s", "trial_id": f"w{w}-r{r}", "width": w, "depth": 1, "repeat": r, "seed": r,
                          "val_accuracy": v} for w, vs in SCORES.items() for r, v in enumerate(vs)])
    trials = best[["sweep", "trial_id"]].assign(params=best["width"].map(PARAMS),
                                                seconds_per_epoch=best["width"] / 100)
    return best, trials


def test_not_clearly_worse_set_and_the_cheapest_of_it() -> None:
    best, trials = hand_made()
    result = pairs(best, "val_accuracy", "max", ["width", "depth", "repeat"], trials=trials)
    assert result.table["width"].tolist() == [100, 64, 16, 32]
    assert result.table["mean"].tolist() == pytest.approx([0.92, 2.74 / 3, 2.59 / 3, 2.44 / 3])
    assert result.within_noise["width"].tolist() == [100, 64]
    rival = result.table.iloc[1]
    differences = [0.90 - 0.91, 0.92 - 0.90, 0.94 - 0.93]
    mean = sum(differences) / 3
    assert rival["worse_by"] == pytest.approx(mean) and rival["worse_low"] < 0 < rival["worse_high"]
    effect = analysis.axis_effects(best, None, "val_accuracy", "max", ["width", "depth", "repeat"])["width"]
    row = effect.table.set_index("value").loc[64]  # the same comparison, so the report says one verdict
    assert (rival["worse_low"], rival["worse_high"]) == pytest.approx((-row["diff_high"], -row["diff_low"]))
    assert row["verdict"] == "within noise"
    clearly = result.table.iloc[2]
    row = effect.table.set_index("value").loc[16]
    assert (clearly["worse_low"], clearly["worse_high"]) == pytest.approx((-row["diff_high"], -row["diff_low"]))
    assert not clearly["within_noise"] and row["verdict"] == "clearly worse"
    assert rival["p_better"] == pytest.approx(2 / 3)
    assert (rival["p_low"], rival["p_high"]) == pytest.approx((0.2077, 0.9385), abs=1e-3)  # Wilson, 2 of 3
    assert rival["params"] == 8_970
    assert result.cost == "params" and result.table.loc[result.cheapest, "width"] == 64
    assert ("width=64 is within noise of width=100 with half the parameters (8,970 vs 17,410)."
            in result.sentences())
    assert "1 other configuration is within noise of the chosen one" in " ".join(result.sentences())


def test_cheapest_falls_back_to_seconds_per_epoch_then_to_none() -> None:
    best, trials = hand_made()
    by_time = pairs(best, "val_accuracy", "max", AXES, trials=trials.drop(columns="params"))
    assert by_time.cost == "seconds_per_epoch"
    assert "width=64 is within noise of width=100 with 64% of the seconds per epoch (0.64 s vs 1 s)." in (
        by_time.sentences())
    unknown = pairs(best, "val_accuracy", "max", AXES)
    assert unknown.cost is None and unknown.cheapest is None
    assert any("No cost per trial was recorded" in s for s in unknown.sentences())


def test_no_pairing_is_said() -> None:
    best, _ = hand_made()
    once = best.assign(repeat=range(len(best)))
    result = pairs(once, "val_accuracy", "max", AXES)
    assert result.paired is False
    assert (result.table["pairs"].iloc[1:] == 0).all()
    assert result.within_noise["width"].tolist() == [100]
    assert any(s.startswith("No paired comparison") for s in result.sentences())


def test_chosen_is_the_best_mean_not_the_luckiest_run_and_diverged_runs_rank_last() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": ["a0", "a1", "b0", "b1", "c0", "c1"],
                         "width": [8, 8, 16, 16, 32, 32], "repeat": [0, 1, 0, 1, 0, 1],
                         "val_loss": [0.10, 0.50, 0.20, 0.22, 0.01, np.nan]})
    ranked = rank_configurations(best, "val_loss", "min", AXES)
    assert ranked["width"].tolist() == [16, 8, 32]
    assert ranked[["runs", "scored_runs"]].values.tolist() == [[2, 2], [2, 2], [2, 1]]
    assert ranked["mean"].tolist() == pytest.approx([0.21, 0.30, 0.01])


def test_rivals_from_another_sweep_are_named_by_their_sweep() -> None:
    best, _ = hand_made()
    both = pd.concat([best, best.assign(sweep="t", val_accuracy=best["val_accuracy"] - 0.5)], ignore_index=True)
    sentences = pairs(both, "val_accuracy", "max", AXES, top=1).sentences()
    assert sentences[0].startswith("Chosen: sweep=s, width=100 ")
    assert sentences[1].startswith("P(chosen beats width=64) = ")
    far = pairs(both, "val_accuracy", "max", AXES, top=8).sentences()
    assert any(s.startswith("P(chosen beats sweep=t) = 1.00") for s in far)


def test_finished_trials_without_a_score_count_against_their_configuration() -> None:
    best, trials = hand_made()
    extra = pd.DataFrame([{"sweep": "s", "trial_id": "w100-r3", "width": 100, "depth": 1, "repeat": 3, "seed": 3,
                           "status": "diverged"},
                          {"sweep": "s", "trial_id": "w16-r3", "width": 16, "depth": 1, "repeat": 3, "seed": 3,
                           "status": "interrupted"}])
    result = pairs(best, "val_accuracy", "max", AXES, trials=pd.concat([trials.assign(status="completed"), extra]))
    assert result.table["width"].tolist() == [64, 16, 32, 100]
    assert result.table[["runs", "scored_runs"]].values.tolist() == [[3, 3], [3, 3], [3, 3], [4, 3]]
