from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import analysis
from sweeps.results import constants as c
from tests.analysis_tests.synthetic import synthetic_sweep, write_results_folder


def test_load_one_folder(toy_dir: Path) -> None:
    results = analysis.load(toy_dir)
    assert results.names == ["toy"]
    info = results.sweeps["toy"]
    assert (info.metric, info.mode, info.scheduler, info.dataset) == ("val_loss", "min", "asha", "digits")
    assert info.axes == ("width", "depth", "optimizer", "learning_rate")
    assert info.metrics == ("loss", "accuracy", "val_loss", "val_accuracy")
    assert info.rungs == (2, 6) and info.max_epochs == 12
    assert info.run["versions"]["ray"] == "2.60.0" and "max_epochs: 12" in info.spec_text
    assert len(results.trials) == 48 and results.trials["trial_id"].nunique() == 48
    assert set(results.epochs["sweep"]) == {"toy"}
    assert results.epochs["width"].dtype == "int64"
    assert "momentum" not in results.epochs.columns  # no trial used it
    assert results.trials["filters"].dtype == "Int64"


def test_load_several_folders_tells_sweeps_apart(tmp_path: Path) -> None:
    a = synthetic_sweep(tmp_path / "a", name="first", widths=(16,), depths=(1,), repeats=1)
    b = synthetic_sweep(tmp_path / "b", name="second", optimizers=("adam",), repeats=1, scheduler="fifo")
    results = analysis.load([a, b])
    assert results.names == ["first", "second"]
    assert results.epochs.groupby("sweep", observed=True)["trial_id"].nunique().to_dict() == {"first": 6,
                                                                                              "second": 12}
    assert results.sweeps["second"].rungs == ()
    second = results.sweep("second")
    assert set(second.trials["sweep"]) == {"second"} and len(second.trials) == 12
    with pytest.raises(KeyError, match="sweeps loaded: first, second"):
        results.sweep("third")


def test_two_folders_of_one_sweep_name_stay_apart(tmp_path: Path, toy_dir: Path) -> None:
    copy = shutil.copytree(toy_dir, tmp_path / "elsewhere" / "toy")
    results = analysis.load([toy_dir, copy])
    assert results.names == ["toy", "toy (elsewhere)"]
    assert results.epochs.groupby("sweep", observed=True).size().tolist() == [len(results.epochs) // 2] * 2


def test_missing_epochs_names_the_folder_and_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text("name: x\n")
    (tmp_path / "ray").mkdir()
    with pytest.raises(FileNotFoundError, match=rf"{tmp_path} has no epochs.parquet.*it holds: ray/, spec.yaml"):
        analysis.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        analysis.load(tmp_path / "nope")


def test_unknown_metric_lists_the_available_ones(tmp_path: Path) -> None:
    rows = [{"sweep": "m", "trial_id": "t", "epoch": 1, "val_loss": 0.5, "loss": 0.4}]
    write_results_folder(tmp_path, rows, None, metric="val_auc", metrics=("loss", "val_loss"))
    with pytest.raises(ValueError, match="metric 'val_auc' is not a column.*available metrics are: loss, val_loss"):
        analysis.load(tmp_path)


def test_without_trials_run_or_spec_it_still_loads(tmp_path: Path) -> None:
    rows = [{"sweep": "bare", "trial_id": t, "epoch": e, "width": 8, "val_loss": 1.0 / e, "loss": 0.5 / e}
            for t in ("x", "y") for e in (1, 2, 3)]
    write_results_folder(tmp_path / "bare", rows, None, metrics=("loss", "val_loss"), axes=["width"])
    results = analysis.load(tmp_path / "bare")
    info = results.sweeps["bare"]
    assert info.axes == ("width",) and info.run == {} and info.spec_text == ""
    assert any("run.json is missing" in note for note in info.notes)
    assert sorted(results.trials["trial_id"]) == ["x", "y"]
    assert results.trials["epochs_run"].tolist() == [3, 3]


def test_columns_reads_only_what_is_asked(toy_dir: Path) -> None:
    results = analysis.load(toy_dir, columns=["val_loss", "optimizer"])
    assert list(results.epochs.columns) == ["sweep", "trial_id", "epoch", "optimizer", "val_loss"]
    with pytest.raises(ValueError, match="column\\(s\\) val_auc"):
        analysis.load(toy_dir, columns=["val_auc"])


def test_mode_and_metric_fall_back_to_metadata(tmp_path: Path) -> None:
    rows = [{"sweep": "acc", "trial_id": "t", "epoch": 1, "val_accuracy": 0.5, "accuracy": 0.4}]
    write_results_folder(tmp_path, rows, None, metric="val_accuracy", mode="max",
                         metrics=("accuracy", "val_accuracy"))
    (tmp_path / c.RUN_FILE).write_text(json.dumps({"name": "acc"}))
    info = analysis.load(tmp_path).sweeps["acc"]
    assert (info.metric, info.mode) == ("val_accuracy", "max")


NO_RAY = """
import sys
sys.modules["ray"] = None
sys.modules["tensorflow"] = None
sys.modules["keras"] = None
"""
ISOLATE = """
import importlib.util, types
found = importlib.util.find_spec("sweeps")
stub = types.ModuleType("sweeps")
stub.__path__ = list(found.submodule_search_locations)
sys.modules["sweeps"] = stub
"""
REPORT = """
import analysis
results = analysis.load({folder!r})
best = analysis.best_epochs(results.epochs, "val_loss", "min")
out = analysis.write_report([{folder!r}], {out!r})
print(len(results.epochs), len(best), out.name)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("ray", "tensorflow", "keras", "sweeps")))
"""


def run_script(script: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_analysis_imports_only_the_runners_contract(toy_dir: Path, tmp_path: Path) -> None:
    """``sweeps`` is stubbed so its __init__ does not run: analysis alone must need only constants and records."""
    report = REPORT.format(folder=str(toy_dir), out=str(tmp_path / "report"))
    lines = run_script(NO_RAY + ISOLATE + report)
    rows, best, name = lines[0].split()
    assert int(rows) == len(pd.read_parquet(toy_dir / c.EPOCHS_FILE)) and int(best) > 0 and name == "index.html"
    light = ["sweeps", "sweeps.errors", "sweeps.hyperparameters", "sweeps.results", "sweeps.results.choice",
             "sweeps.results.constants", "sweeps.results.records", "sweeps.search", "sweeps.search.rungs",
             "sweeps.spec", "sweeps.spec.rules"]
    assert lines[1] == str(["keras", "ray", *light, "tensorflow"])


def test_analysis_works_without_ray_or_tensorflow(toy_dir: Path) -> None:
    """The real package: fails while ``sweeps/__init__.py`` imports the runner (and so Ray) eagerly."""
    lines = run_script(NO_RAY + f"import analysis\nprint(len(analysis.load({str(toy_dir)!r}).epochs))")
    assert int(lines[0]) == len(pd.read_parquet(toy_dir / c.EPOCHS_FILE))
