"""The axis-effect figure: what its info step extracts and what its drawing shows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import analysis
from analysis import plots
from analysis.effects import CATEGORICAL, LOG
from tests.analysis_tests.synthetic import planted_sweep

AXES = {"layer_units": [[32], [64, 32]], "bn": [True, False], "learning_rate": [0.001, 0.01, 0.1]}


@pytest.fixture
def user_sweep(tmp_path: Path) -> tuple[dict[str, analysis.AxisEffect], pd.DataFrame]:
    """User axes (a list and a boolean) and a log axis whose top rate diverges without batch norm."""
    folder = planted_sweep(tmp_path / "user", AXES,
                           lambda h: 0.9 - 0.2 * (h["layer_units"] == [32]) - 0.1 * (h["learning_rate"] == 0.1),
                           repeats=3, user={"layer_units": "str", "bn": "bool"},
                           diverged=lambda h: h["learning_rate"] == 0.1 and h["bn"] is False)
    results = analysis.load(folder)
    info = results.sweeps["planted"]
    best = analysis.best_epochs(results.epochs, info.metric, info.mode)
    return analysis.axis_effects(best, results.trials, info.metric, info.mode, info.axes), best


def test_effects_info_has_a_panel_per_axis(user_sweep: tuple[dict[str, analysis.AxisEffect], pd.DataFrame]) -> None:
    effects, best = user_sweep
    info = plots.effects_info(effects)
    assert isinstance(info, plots.EffectsInfo)
    assert (info.metric, info.mode) == ("val_accuracy", "max")
    assert [(p.axis, p.kind) for p in info.panels] == [("layer_units", CATEGORICAL), ("bn", CATEGORICAL),
                                                       ("learning_rate", LOG)]
    units, bn, rate = info.panels
    assert (units.labels, units.x) == (("32", "64-32"), (0.0, 1.0))
    assert (bn.labels, bn.x) == (("False", "True"), (0.0, 1.0))
    assert (rate.labels, rate.x) == (("0.001", "0.01", "0.1"), (0.001, 0.01, 0.1))
    worst = best["val_accuracy"].min()
    finite = best.groupby("layer_units")["val_accuracy"]
    assert units.mean == pytest.approx(tuple((finite.sum() + 3 * worst) / 18))  # 3 of 18 runs diverged in each
    assert rate.diverged == (0, 0, 6) and rate.runs == (12, 12, 12)
    assert bn.diverged == (6, 0)
    assert info.worst == pytest.approx(worst)
    assert units.verdicts == ("clearly worse", "best")
    assert all(lo <= m <= hi for lo, m, hi in zip(units.low, units.mean, units.high))
    assert units.sentence == effects["layer_units"].sentence
    assert "over repeats" in info.caption


def test_effects_info_omitted_without_a_searched_axis() -> None:
    best = pd.DataFrame({"sweep": "s", "trial_id": ["a", "b"], "optimizer": ["adam", "adam"], "repeat": [0, 1],
                         "val_loss": [0.1, 0.2]})
    info = plots.effects_info(analysis.axis_effects(best, None, "val_loss", "min", ["optimizer", "repeat"]))
    assert isinstance(info, plots.Omitted) and "two or more values" in info.reason


def test_plot_effects_draws_every_axis(user_sweep: tuple[dict[str, analysis.AxisEffect], pd.DataFrame]) -> None:
    effects, _ = user_sweep
    info = plots.effects_info(effects)
    assert isinstance(info, plots.EffectsInfo)
    figure = plots.plot_effects(info)
    assert isinstance(figure, Figure)
    units, bn, rate = figure.axes
    assert [a.get_xlabel() for a in figure.axes] == ["layer_units", "bn", "learning_rate"]
    assert [t.get_text() for t in units.get_xticklabels()] == ["32", "64-32"]
    assert (units.get_xscale(), rate.get_xscale()) == ("linear", "log")
    assert [t.get_text() for t in rate.texts] == ["6/12"]
    assert [t.get_text() for t in bn.texts] == ["6/18"]
    assert [t.get_text() for t in units.texts] == ["3/18", "3/18"]
    assert len(rate.collections) >= 2  # the band and the points
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert labels == ["best", "within noise", "clearly worse", "cannot tell", "diverged runs (k/n), at the worst score"]
