from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import plots
from analysis.encoding import encode_axis
from analysis.importance import Importance, importance
from tests.analysis_tests.planted import planted_best

DROPOUTS = (0.0, 0.3, 0.6, 0.9)
RATES = (0.01, 0.0105, 0.011, 0.0115)


def verdicts(result: Importance) -> dict[str, tuple[float, float, str]]:
    return {row.axis: (row.low, row.high, row.verdict) for row in result.table.itertuples()}


def test_planted_effect_is_detected_and_a_null_axis_is_not(tmp_path: Path) -> None:
    best = planted_best(tmp_path / "planted", {"dropout": DROPOUTS, "learning_rate": RATES},
                        lambda s: 1.0 + 2.0 * s["dropout"], repeats=3, seed_noise=0.05, run_noise=0.05)
    result = importance(best, "val_loss", "min", ["dropout", "learning_rate", "repeat"])
    found = verdicts(result)
    assert found["dropout"][0] > 0.3 and found["dropout"][2] == "clear effect"
    assert found["learning_rate"][0] == 0.0 and found["learning_rate"][2] == "no detectable effect"
    assert result.table["axis"].tolist() == ["dropout", "learning_rate"]
    assert result.r2 > 0.5 and result.warnings == ()
    assert any(s.startswith("learning_rate: no detectable effect") for s in result.sentences())
    assert any(s.startswith("dropout: clear effect; it explains") for s in result.sentences())


def test_categorical_list_and_boolean_axes(tmp_path: Path) -> None:
    widths = ("32", "64-32", "100-50", "128-64-32")
    best = planted_best(tmp_path / "lists", {"widths": widths, "batch_norm": (True, False)},
                        lambda s: 0.9 - 0.1 * widths.index(s["widths"]), repeats=2, seed_noise=0.02,
                        run_noise=0.01, metric="val_accuracy", mode="max")
    found = verdicts(importance(best, "val_accuracy", "max", ["widths", "batch_norm", "repeat"]))
    assert found["widths"][2] == "clear effect"
    assert found["batch_norm"][2] == "no detectable effect"


def test_poor_fit_is_warned_on_pure_noise(tmp_path: Path) -> None:
    best = planted_best(tmp_path / "noise", {"dropout": DROPOUTS, "learning_rate": RATES}, lambda s: 1.0,
                        repeats=2, run_noise=0.3, seed=3)
    result = importance(best, "val_loss", "min", ["dropout", "learning_rate", "repeat"])
    assert result.r2 < 0.5
    assert [w for w in result.warnings if "fits poorly (cross-validated R^2" in w]
    assert "clear effect" not in set(result.table["verdict"])


def test_trials_that_never_scored_count_as_the_worst() -> None:
    rng = np.random.default_rng(0)
    grid = [(d, r, k) for d in DROPOUTS for r in (0.001, 0.01, 0.1, 1.0) for k in range(2)]
    trials = pd.DataFrame({"sweep": "s", "trial_id": [f"t{i}" for i in range(len(grid))],
                           "dropout": [g[0] for g in grid], "learning_rate": [g[1] for g in grid],
                           "repeat": [g[2] for g in grid],
                           "status": ["diverged" if g[1] == 1.0 else "completed" for g in grid]})
    scored = trials["status"] == "completed"
    best = trials.loc[scored]
    best = best.assign(val_loss=1.0 + 2.0 * best["dropout"] + rng.normal(0.0, 0.05, len(best)))
    axes = ["dropout", "learning_rate", "repeat"]
    assert verdicts(importance(best, "val_loss", "min", axes))["learning_rate"][2] == "no detectable effect"
    counted = importance(best, "val_loss", "min", axes, trials=trials)
    assert counted.configurations == 16
    assert verdicts(counted)["learning_rate"][2] == "clear effect"


def test_few_configurations_and_unvaried_axes() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": [f"t{i}" for i in range(6)], "width": [16, 32, 64] * 2,
                         "depth": [1, 1, 1, 2, 2, 2], "activation": "relu", "repeat": 0,
                         "val_loss": [1.0, 0.8, 0.6, 1.1, 0.9, 0.7]})
    result = importance(best, "val_loss", "min", ["width", "depth", "activation", "repeat"])
    assert any(w.startswith("Only 6 configurations") for w in result.warnings)
    assert verdicts(result)["activation"][2] == "not varied"
    three = importance(best.head(3), "val_loss", "min", ["width", "repeat"])
    assert three.table["verdict"].tolist() == ["too few configurations to tell"]
    assert math.isnan(three.r2)


def test_encodings() -> None:
    values, kind = encode_axis(pd.Series([1e-4, 1e-2, 1e-3]))
    assert kind == "log" and values == pytest.approx([-4.0, -2.0, -3.0])
    values, kind = encode_axis(pd.Series([16, 64, 32]))
    assert kind == "numeric" and values.tolist() == [16.0, 64.0, 32.0]
    values, kind = encode_axis(pd.Series(["sgd", "adam", None], dtype=object))
    assert kind == "category" and values.tolist() == [1.0, 0.0, -2.0]
    values, kind = encode_axis(pd.Series([True, False, True]))
    assert kind == "numeric" and values.tolist() == [1.0, 0.0, 1.0]
    values, kind = encode_axis(pd.Series([[100, 50], [100, 50], [32]]))
    assert kind == "category" and values.tolist() == [0.0, 0.0, 1.0]


def test_importance_figure() -> None:
    table = pd.DataFrame({"axis": ["dropout", "learning_rate", "activation"], "importance": [0.8, 0.01, np.nan],
                          "low": [0.6, 0.0, np.nan], "high": [0.9, 0.05, np.nan],
                          "verdict": ["clear effect", "no detectable effect", "not varied"]})
    result = Importance("val_loss", table, 0.93, 16, 30, ())
    info = plots.importance_info(result)
    assert isinstance(info, plots.ImportanceInfo)
    assert (info.axes, info.shares, info.lows, info.highs, info.detectable, info.verdicts) == (
        ("dropout", "learning_rate"), (0.8, 0.01), (0.6, 0.0), (0.9, 0.05), (True, False),
        ("clear effect", "no detectable effect"))
    assert "R^2 0.93" in info.caption and "30 bootstrap resamples" in info.caption
    figure = plots.plot_importance(info)
    assert isinstance(figure, Figure)
    bars = figure.axes[0].patches
    assert [round(bar.get_width(), 6) for bar in bars] == [0.8, 0.01]
    assert [text.get_text() for text in figure.axes[0].texts] == ["80%", "no detectable effect"]
    figure.savefig(io.BytesIO(), format="png")
    empty = Importance("val_loss", table.iloc[2:], np.nan, 3, 0, ())
    omitted = plots.importance_info(empty)
    assert isinstance(omitted, plots.Omitted) and "activation: not varied" in omitted.reason
