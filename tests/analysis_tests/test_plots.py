from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import plots
from analysis.summarise import best_epochs, epochs_reached

NAN = float("nan")


@pytest.fixture
def best(tiny_epochs: pd.DataFrame) -> pd.DataFrame:
    return best_epochs(tiny_epochs, "val_loss", "min")  # b (0.3 at epoch 3), then a (0.4 at epoch 3)


def same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


def test_learning_curves_info(tiny_epochs: pd.DataFrame, best: pd.DataFrame) -> None:
    info = plots.learning_curves_info(tiny_epochs, best, "val_loss", colour_by="optimizer", top=2)
    assert isinstance(info, plots.LinesInfo)
    assert [p.ylabel for p in info.panels] == ["loss", "val_loss"]
    assert info.panels[0] == plots.Panel("loss", (
        plots.Line("b", "sgd", (1, 2, 3, 4), (0.7, 0.5, 0.25, 0.1)),
        plots.Line("a", "adam", (1, 2, 3, 4), (0.9, 0.4, 0.3, 0.2)),
    ))
    assert same(info.panels[1].lines[0].y, (0.8, NAN, 0.3, 0.3))
    assert info.caption == "All 2 trials with a finite val_loss."
    assert plots.learning_curves_info(tiny_epochs, best, "val_loss", top=1).caption == (
        "The best 1 of 2 trials by val_loss.")


def test_best_curves_info_marks_the_best_epoch(tiny_epochs: pd.DataFrame, best: pd.DataFrame) -> None:
    info = plots.best_curves_info(tiny_epochs, best, "val_loss", ["optimizer", "width"], top=5)
    assert isinstance(info, plots.LinesInfo)
    lines = info.panels[0].lines
    assert [line.label for line in lines] == ["#1 optimizer=sgd, width=64", "#2 optimizer=adam, width=16"]
    assert [line.mark for line in lines] == [(3.0, 0.3), (3.0, 0.4)]


def test_gap_info(tiny_epochs: pd.DataFrame, best: pd.DataFrame) -> None:
    info = plots.gap_info(tiny_epochs, best, "val_loss", "min", top=1)
    assert isinstance(info, plots.LinesInfo)
    (line,) = info.panels[0].lines
    assert same(tuple(round(y, 12) for y in line.y), (0.1, NAN, 0.05, 0.2))
    assert info.panels[0].ylabel == "val_loss − loss"
    missing = plots.gap_info(tiny_epochs.drop(columns=["loss"]), best, "val_loss", "min")
    assert isinstance(missing, plots.Omitted) and "val_loss and loss" in missing.reason


def test_learning_rate_info(best: pd.DataFrame) -> None:
    info = plots.learning_rate_info(best, "val_loss", "min")
    assert isinstance(info, plots.LinesInfo) and info.logx
    assert info.panels[0].lines == (
        plots.Line("adam", "adam", (0.01,), (0.4,), mark=(0.01, 0.4)),
        plots.Line("sgd", "sgd", (0.1,), (0.3,), mark=(0.1, 0.3)),
    )
    assert [line.y for line in info.panels[1].lines] == [(3.0,), (3.0,)]
    one = plots.learning_rate_info(best.assign(learning_rate=0.01), "val_loss", "min")
    assert one == plots.Omitted("No learning-rate figure: the learning rate was not searched "
                                "(every trial used 0.01).")


def grid_best() -> pd.DataFrame:
    return pd.DataFrame({
        "sweep": "s", "trial_id": ["p", "q", "r", "s", "t"], "best_epoch": [2, 3, 4, 5, 6],
        "width": [16, 64, 16, 16, 64], "depth": [1, 1, 2, 2, 1],
        "val_loss": [0.5, 0.3, 0.4, 0.45, 0.35], "loss": [0.45, 0.1, 0.38, 0.3, 0.2],
    })


def test_capacity_info_grid() -> None:
    info = plots.capacity_info(grid_best(), "val_loss", "min")
    assert isinstance(info, plots.CapacityInfo)
    assert (info.row_values, info.col_values) == ((1, 2), (16, 64))
    assert info.values[0] == (0.5, 0.3)
    assert same(info.values[1], (0.4, NAN))
    assert info.trials == ((1, 2), (2, 0))
    assert info.gaps[0] == pytest.approx((0.05, 0.2))
    assert info.gap_label == "gap (val_loss − loss)"


def test_capacity_info_omitted_when_nothing_varies() -> None:
    flat = grid_best().assign(width=32, depth=2)
    assert plots.capacity_info(flat, "val_loss", "min") == plots.Omitted(
        "No capacity figure: width and depth were not searched (every trial used width=32, depth=2).")
    cnn = plots.capacity_info(grid_best().drop(columns=["width"]), "val_loss", "min")
    assert isinstance(cnn, plots.Omitted) and "has no width" in cnn.reason


def pruning_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    reached = pd.DataFrame({"sweep": "s", "trial_id": list("abcdef"), "epochs_reached": [2, 2, 2, 6, 6, 10]})
    trials = pd.DataFrame({"sweep": "s", "trial_id": list("abcdef"),
                           "status": ["pruned", "pruned", "diverged", "pruned", "early_stopped", "completed"]})
    return reached, trials


def test_pruning_info_counts() -> None:
    info = plots.pruning_info(*pruning_frames(), rungs=[2, 6, 10])
    assert isinstance(info, plots.PruningInfo)
    assert info.statuses == ("completed", "early_stopped", "pruned", "diverged")
    assert info.epochs == tuple(range(1, 11))
    assert info.counts[2] == (0, 2, 0, 0, 0, 1, 0, 0, 0, 0)
    assert (info.rungs, info.survivors, info.total) == ((2, 6, 10), (6, 3, 1), 6)


def test_pruning_info_omitted_without_pruning() -> None:
    reached, trials = pruning_frames()
    info = plots.pruning_info(reached, trials.assign(status="completed"))
    assert isinstance(info, plots.Omitted) and "no trial was pruned" in info.reason


def n_lines(figure: Figure) -> list[int]:
    return [len(ax.get_lines()) for ax in figure.axes]


def test_drawing_functions_return_figures(tiny_epochs: pd.DataFrame, best: pd.DataFrame) -> None:
    curves = plots.plot_learning_curves(plots.learning_curves_info(tiny_epochs, best, "val_loss", "optimizer"))
    assert isinstance(curves, Figure) and n_lines(curves) == [2, 2]
    leaders = plots.plot_best_curves(plots.best_curves_info(tiny_epochs, best, "val_loss", ["optimizer"]))
    assert n_lines(leaders) == [2] and len(leaders.axes[0].collections) == 2  # the best-epoch dots
    assert n_lines(plots.plot_gap(plots.gap_info(tiny_epochs, best, "val_loss", "min"))) == [2]
    rates = plots.plot_learning_rate(plots.learning_rate_info(best, "val_loss", "min"))
    assert n_lines(rates) == [2, 2] and rates.axes[0].get_xscale() == "log"
    capacity = plots.capacity_info(grid_best(), "val_loss", "min")
    assert len(plots.plot_capacity_heatmap(capacity).axes) == 4  # two heatmaps and their colour bars
    assert n_lines(plots.plot_capacity_curves(capacity)) == [2, 2]
    pruning = plots.plot_pruning(plots.pruning_info(*pruning_frames(), rungs=[2, 6, 10]))
    assert len(pruning.axes) == 2 and len(pruning.axes[0].containers) == 4 and len(pruning.axes[1].patches) == 3


def test_non_finite_values_draw_without_error() -> None:
    info = plots.LinesInfo("t", "epoch", None, (plots.Panel("loss", (
        plots.Line("nan", None, (1, 2, 3), (NAN, NAN, NAN)),
        plots.Line("mixed", None, (1, 2, 3), (1.0, NAN, 0.5), mark=(3, 0.5)),
    )),))
    figure = plots.plot_lines(info)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"
    inf = plots.learning_curves_info(
        pd.DataFrame({"sweep": "s", "trial_id": "x", "epoch": [1, 2], "loss": [np.inf, 1.0], "val_loss": 1.0}),
        pd.DataFrame({"sweep": ["s"], "trial_id": ["x"], "best_epoch": [1], "val_loss": [1.0]}), "val_loss")
    assert isinstance(inf, plots.LinesInfo) and same(inf.panels[0].lines[0].y, (NAN, 1.0))


def test_each_optimizer_keeps_its_colour() -> None:
    from analysis.plots._style import colours

    assert colours("optimizer", ["adam", "sgd"]) == {"adam": plots.OPTIMIZER_COLOURS["adam"],
                                                     "sgd": plots.OPTIMIZER_COLOURS["sgd"]}
    assert colours("optimizer", ["sgd"])["sgd"] == colours("optimizer", ["adam", "nadam", "sgd"])["sgd"]


def test_epochs_reached_feeds_pruning(tiny_epochs: pd.DataFrame) -> None:
    reached = epochs_reached(tiny_epochs)
    trials = pd.DataFrame({"sweep": "s", "trial_id": ["a", "b", "c"], "status": ["completed", "pruned", "diverged"]})
    info = plots.pruning_info(reached, trials)
    assert isinstance(info, plots.PruningInfo) and info.rungs == (2, 4) and info.survivors == (3, 2)
