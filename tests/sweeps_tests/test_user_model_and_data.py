"""A user's own model (``model.build``), own arrays (``data.load``), tables fitted on training rows, regression."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
import pytest

from sweeps import load_spec
from sweeps.errors import SpecError
from sweeps.preflight import with_data
from sweeps.results import constants as c
from sweeps.search.space import grid_points, resolve_config
from sweeps.trial.data import load_data, split_indices
from sweeps.trial.trainable import compile_model, plan_from_spec

BUILDER = '''
import keras
from keras import layers


def build(hp):
    if hp["units"] == 13:
        raise ValueError("units must be even in this builder")
    inputs = keras.Input(shape=hp["input_shape"])
    x = layers.Flatten()(inputs)
    x = layers.Dense(hp["units"], activation=hp["act"], name="hidden")(x)
    head = "softmax" if hp["task"] == "classification" else "linear"
    return keras.Model(inputs, layers.Dense(hp["n_outputs"], activation=head, name="out")(x))


def not_a_model(hp):
    return "a model"


def two_arguments(hp, other):
    return None
'''

LOADER = '''
import numpy as np
from sklearn.datasets import load_diabetes


def load():
    return load_diabetes(return_X_y=True, scaled=True)


def short():
    x, y = load()
    return x, y[:-3]


def nan_features():
    x, y = load()
    x = x.copy()
    x[5, 2] = np.nan
    return x, y


def nan_target():
    x, y = load()
    y = y.copy()
    y[7] = np.nan
    return x, y


def one_class():
    x, y = load()
    return x, np.zeros(len(y), dtype=int)


def fixed():
    x, y = load()
    return {"x_train": x[:300], "y_train": y[:300], "x_val": x[300:380], "y_val": y[300:380],
            "x_test": x[380:], "y_test": y[380:]}
'''


@pytest.fixture()
def user_folder(tmp_path: Path) -> Path:
    (tmp_path / "mybuilder.py").write_text(BUILDER)
    (tmp_path / "myloader.py").write_text(LOADER)
    return tmp_path


def _spec_file(folder: Path, body: dict[str, Any]) -> Path:
    import yaml

    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def _user_model_spec(folder: Path, **train: Any) -> Path:
    return _spec_file(folder, {
        "name": "own", "data": {"dataset": "digits"},
        "model": {"build": "mybuilder:build", "units": {"grid": [8, 12]}, "act": {"grid": ["relu", "tanh"]}},
        "train": {"optimizer": "sgd", "learning_rate": 0.0371, "momentum": 0.61, "nesterov": True,
                  "max_epochs": 2, **train},
    })


def test_user_hyperparameters_and_the_trials_optimizer_reach_the_compiled_user_model(user_folder: Path) -> None:
    spec = load_spec(_user_model_spec(user_folder))
    data = load_data(spec.data, spec.family, spec.base)
    spec = with_data(spec, data)
    plan = plan_from_spec(spec)
    seen = set()
    for point in grid_points(spec):
        hp = resolve_config({"point": point}, spec.family)
        model = compile_model(hp, data, plan)
        hidden = model.get_layer("hidden")
        assert hidden.units == point["units"]
        assert hidden.activation.__name__ == point["act"]
        optimizer = model.optimizer
        assert type(optimizer).__name__ == "SGD"
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.0371)
        assert optimizer.momentum == pytest.approx(0.61) and optimizer.nesterov is True
        assert model.loss == "sparse_categorical_crossentropy"
        seen.add((point["units"], point["act"]))
    assert seen == {(8, "relu"), (8, "tanh"), (12, "relu"), (12, "tanh")}


def test_user_models_are_built_anew_for_every_trial(user_folder: Path) -> None:
    """Warm-graph reuse is off for user models: no key could cover what a builder reads."""
    spec = load_spec(_user_model_spec(user_folder))
    data = load_data(spec.data, spec.family, spec.base)
    plan = plan_from_spec(with_data(spec, data))
    hp = resolve_config({"point": grid_points(spec)[0]}, spec.family)
    assert compile_model(hp, data, plan) is not compile_model(hp, data, plan)


def test_regression_compiles_a_linear_output_with_the_chosen_loss_and_error_metrics(user_folder: Path) -> None:
    spec = load_spec(_spec_file(user_folder, {
        "name": "reg", "data": {"load": "myloader:load"}, "model": {"width": 8},
        "train": {"loss": "huber", "max_epochs": 1}, "search": {"metric": "val_rmse"}}))
    data = load_data(spec.data, spec.family, spec.base)
    spec = with_data(spec, data)
    assert spec.task == "regression" and spec.mode == "min"
    assert data.y_train.dtype == np.float32 and data.n_outputs == 1
    model = compile_model(resolve_config({"point": grid_points(spec)[0]}, spec.family), data, plan_from_spec(spec))
    assert model.layers[-1].activation.__name__ == "linear"
    assert model.loss == "huber"
    logs = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=1, verbose=0)
    assert {"mae", "rmse", "val_mae", "val_rmse"} <= set(logs.history)


def test_a_regressions_test_rows_hold_its_true_values_and_reproduce_its_test_mae(user_folder: Path) -> None:
    from sweeps.trial.trainable import score_on_test

    spec = load_spec(_spec_file(user_folder, {
        "name": "reg", "data": {"load": "myloader:load"}, "model": {"width": 8},
        "train": {"optimizer": "adam", "learning_rate": 0.3, "max_epochs": 30}}))
    data = load_data(spec.data, spec.family, spec.base)
    spec = with_data(spec, data)
    scored = score_on_test(resolve_config({"point": grid_points(spec)[0]}, spec.family), data,
                           plan_from_spec(spec), epochs=30)
    rows = scored.predictions
    np.testing.assert_array_equal(rows[c.TARGET], data.y_test.reshape(-1).astype("float64"))
    mae = float(np.abs(rows[c.PREDICTION] - rows[c.TARGET]).mean())
    assert mae < float(np.abs(rows[c.TARGET] - rows[c.TARGET].mean()).mean()), "the model learned nothing"
    assert mae == pytest.approx(scored.metrics["test_mae"], rel=1e-5) and c.PROBABILITY not in rows


def test_a_loaders_fixed_splits_are_kept(user_folder: Path) -> None:
    from sklearn.datasets import load_diabetes

    spec = load_spec(_spec_file(user_folder, {"name": "f", "data": {"load": "myloader:fixed"}}))
    data = load_data(spec.data, spec.family, spec.base)
    x, y = load_diabetes(return_X_y=True, scaled=True)
    np.testing.assert_allclose(data.x_val, x[300:380].astype("float32"))
    np.testing.assert_allclose(data.y_test[:, 0], y[380:].astype("float32"))
    assert len(data.y_train) == 300


def _table(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, rows)
    age[rng.random(rows) < 0.2] = np.nan
    city = rng.choice(["a", "b", "c"], rows)
    return pd.DataFrame({"age": age, "city": city, "label": rng.integers(0, 2, rows)})


def test_table_preprocessing_is_fitted_on_training_rows_only(tmp_path: Path) -> None:
    """Change every validation and test row wildly: the training features must not move."""
    frame = _table(300)
    data_section = {"dataset": "table", "target": "label", "validation_split": 0.3, "test_split": 0.2, "seed": 5}
    train_idx, val_idx, test_idx = split_indices(frame["label"].to_numpy(), 0.3, 0.2, 5, True)
    changed = frame.copy()
    held_out = np.concatenate([val_idx, test_idx])
    changed.loc[held_out, "age"] = changed.loc[held_out, "age"].fillna(0) * 1000 + 5000
    changed.loc[held_out, "city"] = "zzz"
    results = []
    for name, table in (("plain", frame), ("changed", changed)):
        path = tmp_path / f"{name}.csv"
        table.to_csv(path, index=False)
        spec = load_spec({"name": name, "data": {**data_section, "path": str(path)}})
        results.append(load_data(spec.data, spec.family))
    plain, moved = results
    np.testing.assert_array_equal(plain.x_train, moved.x_train)
    assert not np.allclose(plain.x_val, moved.x_val)
    training_ages = frame.loc[train_idx, "age"]
    median = training_ages.median()
    expected = (training_ages.fillna(median) - training_ages.fillna(median).mean()) / training_ages.fillna(median).std(
        ddof=0)
    np.testing.assert_allclose(plain.x_train[:, 0], expected.to_numpy(), rtol=1e-4, atol=1e-5)


def test_validate_prints_the_feature_plan_and_the_drop_line_for_an_identifier(tmp_path: Path) -> None:
    frame = _table(120)
    frame["name"] = [f"person {i}" for i in range(len(frame))]
    frame.to_csv(tmp_path / "people.csv", index=False)
    spec = _spec_file(tmp_path, {"name": "people", "data": {"dataset": "table", "path": "people.csv",
                                                            "target": "label"}})
    done = subprocess.run([sys.executable, "-m", "sweeps.cli", "validate", str(spec)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "task: classification (2 classes" in done.stdout
    assert "city" in done.stdout and "categorical (one-hot)              3 inputs" in done.stdout
    assert "data: column 'name' is distinct in every row" in done.stdout and "drop: [name]" in done.stdout


@pytest.mark.parametrize("data, model, wanted", [
    ({"load": "nowhere:load"}, None, "data.load: module 'nowhere' could not be imported"),
    ({"load": "myloader:missing"}, None, "data.load: module 'myloader' has no function 'missing'"),
    ({"load": "myloader"}, None, "data.load must be 'package.module:function'"),
    ({"load": "myloader:short"}, None, "data.load returned mismatched or empty arrays: x has 442 rows, y has 439"),
    ({"load": "myloader:nan_features"}, None, "data.load x has 1 NaN or infinite values"),
    ({"load": "myloader:nan_target", "task": "regression"}, None, "data.load y has 1 NaN or infinite values"),
    ({"load": "myloader:one_class"}, None, "data.load y must have at least 2 classes"),
    (None, {"build": "nowhere:build"}, "model.build: module 'nowhere' could not be imported"),
    (None, {"build": "mybuilder:two_arguments"}, "model.build: two_arguments(hp, other) must take 1 positional"),
    (None, {"build": "mybuilder:not_a_model"}, "model.build 'mybuilder:not_a_model' failed on input_shape"),
    (None, {"build": "mybuilder:build", "units": 13, "act": "relu"}, "units must be even in this builder"),
])
def test_bad_user_code_is_one_line_naming_the_field_and_nothing_is_written(
        user_folder: Path, data: Any, model: Any, wanted: str) -> None:
    body: dict[str, Any] = {"name": "bad", "data": data or {"dataset": "digits"}}
    if model:
        body["model"] = model
    spec = _spec_file(user_folder, body)
    results = user_folder / "results"
    verbs = [["validate", str(spec)]]
    if "could not be imported" in wanted or "failed on input_shape" in wanted:
        verbs.append(["run", str(spec), "--results", str(results)])
    for verb in verbs:
        done = subprocess.run([sys.executable, "-m", "sweeps.cli", *verb], capture_output=True, text=True,
                              timeout=180, cwd=user_folder.parent)
        assert done.returncode == 2, (verb, done.stdout, done.stderr)
        last = done.stderr.strip().splitlines()[-1]
        assert wanted in last, last
        assert "Traceback" not in done.stderr
    assert not results.exists() or not any(results.rglob("*.parquet"))


@pytest.mark.parametrize("data, wanted", [
    ({"features": ["age", "height"]}, "data.features names 'height', which is not a feature column"),
    ({"drop": ["age", "city"]}, "data.drop leaves no feature column"),
    ({"features": ["age"], "drop": ["city"]}, "data.features and data.drop exclude each other"),
    ({"task": "regression", "target": "city"}, "data.target 'city' must be numbers for a regression task"),
])
def test_bad_table_fields_are_one_clear_line(tmp_path: Path, data: dict[str, Any], wanted: str) -> None:
    _table(60).to_csv(tmp_path / "t.csv", index=False)
    section = {"dataset": "table", "path": str(tmp_path / "t.csv"), "target": "label", **data}
    with pytest.raises(SpecError, match=wanted.replace("(", r"\(").replace(")", r"\)")):
        spec = load_spec({"name": "t", "data": section})
        load_data(spec.data, spec.family)


def test_a_table_targets_task_is_inferred(tmp_path: Path) -> None:
    frame = _table(80)
    frame["price"] = np.linspace(1.5, 99.25, len(frame))
    frame.to_csv(tmp_path / "t.csv", index=False)
    base = {"dataset": "table", "path": str(tmp_path / "t.csv")}
    assert load_spec({"name": "a", "data": {**base, "target": "label"}}).task == "classification"
    assert load_spec({"name": "b", "data": {**base, "target": "price", "drop": ["label"]}}).task == "regression"
    with pytest.raises(SpecError, match="search.metric must be one of loss, mae, rmse, val_loss, val_mae, val_rmse"):
        load_spec({"name": "c", "data": {**base, "target": "price"}, "search": {"metric": "val_accuracy"}})


CLUSTER_FREE_RUN = textwrap.dedent("""
    import sys, sweeps
    outcome = sweeps.run(sys.argv[1], results=sys.argv[2], progress=False)
    print(outcome.counts)
""")


@pytest.mark.slow
def test_a_user_model_sweeps_through_ray_and_a_raising_trial_ends_error(user_folder: Path) -> None:
    """The module lives only in the spec's folder: Ray ships it to the trial workers (py_modules)."""
    spec = _spec_file(user_folder, {
        "name": "own", "data": {"dataset": "digits", "limit": 400},
        "model": {"build": "mybuilder:build", "units": {"grid": [8, 13, 16]}, "act": "relu"},
        "train": {"optimizer": "adam", "learning_rate": 0.01, "max_epochs": 2},
        "resources": {"max_failures": 0}})
    results = user_folder / "results"
    done = subprocess.run([sys.executable, "-c", CLUSTER_FREE_RUN, str(spec), str(results)], capture_output=True,
                          text=True, timeout=300, cwd="/")
    assert done.returncode == 0, done.stderr[-3000:]
    trials = pd.read_parquet(results / "own" / "trials.parquet")
    epochs = pd.read_parquet(results / "own" / "epochs.parquet")
    by_units = trials.set_index("units")
    assert set(by_units.index) == {8, 13, 16}
    assert by_units.loc[13, "status"] == "error" and "units must be even" in by_units.loc[13, "error"]
    assert set(by_units.loc[[8, 16], "status"]) == {"completed"}
    assert sorted(epochs.groupby("units").size().to_dict().items()) == [(8, 2), (16, 2)]
    chosen = trials[trials["chosen"]]
    assert len(chosen) == 1 and chosen["test_accuracy"].notna().all()
    from sweeps.results.run_facts import stored_spec
    from sweeps.results.storage import Folder
    from sweeps.runner import status

    assert stored_spec(Folder.at(results / "own")).base == str(user_folder.resolve())
    counts = status(results / "own")["counts"]
    assert {k: n for k, n in counts.items() if n} == {"completed": 2, "error": 1}


@pytest.mark.slow
def test_regression_from_a_user_loader_runs_to_a_report_in_mae(tmp_path: Path) -> None:
    import analysis
    import sweeps

    example = Path(__file__).parents[2] / "examples" / "regression" / "spec.yaml"
    outcome = sweeps.run(example, results=tmp_path, progress=False,
                         overrides={"train.max_epochs": 6, "model.width": 8, "model.depth": 1})
    assert outcome.metric == "val_mae"
    assert {"test_mae", "test_rmse", "test_loss"} == set(outcome.test_metrics)
    epochs = pd.read_parquet(tmp_path / "diabetes-regression" / "epochs.parquet")
    assert {"mae", "rmse", "val_mae", "val_rmse"} <= set(epochs.columns) and "accuracy" not in epochs.columns
    report = analysis.write_report([tmp_path / "diabetes-regression"], tmp_path / "report")
    markdown = (report.parent / "report.md").read_text()
    assert "val_mae" in markdown and "accuracy" not in markdown.lower()


@pytest.mark.slow
@pytest.mark.parametrize("example", ["own_model", "table"])
def test_the_examples_run(tmp_path: Path, example: str) -> None:
    import sweeps

    spec = Path(__file__).parents[2] / "examples" / example / "spec.yaml"
    outcome = sweeps.run(spec, results=tmp_path, progress=False, overrides={"train.max_epochs": 2})
    assert outcome.chosen is not None and outcome.test_metrics
    import json

    data = json.loads((Path(outcome.folder) / "run.json").read_text())["data"]
    assert len(data["sha256"]) == 64
    if example == "own_model":
        trials = pd.read_parquet(Path(outcome.folder) / c.TRIALS_FILE)
        assert {k: n for k, n in outcome.counts.items() if n} == {c.COMPLETED: 4}
        assert trials[c.STATUS].tolist() == [c.COMPLETED] * 4 and (trials[c.EPOCHS_RUN] == 2).all()
        assert sorted(zip(trials["units"], trials["skip"])) == [(16, False), (16, True), (64, False), (64, True)]
        params = trials.groupby("units")["params"]
        assert params.max()[16] < params.min()[64], "the builder ignored the searched units"
        assert trials[c.CHOSEN].sum() == 1 and 0.5 < outcome.test_metrics["test_accuracy"] <= 1
    if example == "table":
        table = pd.read_csv(spec.parent / "passengers.csv")
        assert sum(data["class_counts"].values()) == len(table)
        assert data["class_counts"] == {str(k): int(v) for k, v in table["survived"].value_counts().items()}
