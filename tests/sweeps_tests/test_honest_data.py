"""Honest data: identifier, row-order and leak warnings, the fitted feature plan, baselines in run.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_breast_cancer, load_diabetes

from sweeps import load_spec
from sweeps.preflight import describe_data
from sweeps.trial.data import load_data, split_indices

SUSPECTS = ("rownames", "patient", "diagnosis", "note")


def _cancer_table(path: Path) -> pd.DataFrame:
    """Breast-cancer rows sorted by the label, with a row index, shuffled patient numbers (ten repeated),
    a recode of the label and free text."""
    x, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = x.iloc[:, :3].copy()
    frame["label"] = np.where(y == 1, "benign", "malignant")
    frame = frame.sort_values("label", kind="stable").reset_index(drop=True)
    frame.insert(0, "rownames", np.arange(1, len(frame) + 1))
    patients = np.random.default_rng(0).permutation(len(frame)) + 1000
    patients[:10] = patients[10:20]
    frame["patient"] = patients
    frame["diagnosis"] = frame["label"].map({"benign": "B", "malignant": "M"})
    frame["note"] = [f"biopsy {i} read by the clinic" for i in range(len(frame))]
    frame.to_csv(path, index=False)
    return frame


def _validate(spec: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "sweeps.cli", "validate", str(spec)], capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("drop, pasted", [([], "[{}]"), (["mean texture"], "[mean texture, {}]")])
def test_validate_warns_once_per_suspect_column_with_the_drop_line(tmp_path: Path, drop: list[str],
                                                                     pasted: str) -> None:
    frame = _cancer_table(tmp_path / "cancer.csv")
    data: dict[str, Any] = {"dataset": "table", "path": "cancer.csv", "target": "label"}
    if drop:
        data["drop"] = drop
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"name": "cancer", "data": data}))
    out = _validate(spec)
    warned = [line for line in out.splitlines() if line.startswith("data: column ")]
    assert sorted(line.split("'")[1] for line in warned) == sorted(SUSPECTS), out
    for column in SUSPECTS:
        line = next(line for line in warned if line.startswith(f"data: column '{column}' "))
        assert line.endswith(f"to leave it out add  drop: {pasted.format(column)}"), line
    by_name = {line.split("'")[1]: line for line in warned}
    assert "is distinct in every row and increases with row order" in by_name["rownames"]
    assert "learn the file's order from" in by_name["rownames"]
    assert "alone predicts the validation split's target with accuracy 1.000" in by_name["diagnosis"]
    assert "is distinct in every row: an identifier or free text" in by_name["note"]
    assert f"is distinct in {len(frame) - 10} of {len(frame)} rows: an identifier" in by_name["patient"]


def test_a_listed_feature_is_left_out_of_data_features(tmp_path: Path) -> None:
    _cancer_table(tmp_path / "cancer.csv")
    spec = load_spec({"name": "listed", "data": {"dataset": "table", "path": str(tmp_path / "cancer.csv"),
                                                 "target": "label", "features": ["mean radius", "rownames"]}})
    warnings = load_data(spec.data, spec.family).audit.warnings
    assert len(warnings) == 1 and warnings[0].startswith("data: column 'rownames' ")
    assert warnings[0].endswith("to leave it out remove it from data.features")


def test_ordinary_columns_are_not_warned(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = 400
    frame = pd.DataFrame({"height": rng.normal(170, 10, rows), "visits": rng.integers(0, 40, rows),
                          "city": rng.choice(["a", "b", "c"], rows), "label": rng.integers(0, 2, rows)})
    frame.to_csv(tmp_path / "plain.csv", index=False)
    spec = load_spec({"name": "plain", "data": {"dataset": "table", "path": str(tmp_path / "plain.csv"),
                                                "target": "label"}})
    assert load_data(spec.data, spec.family).audit.warnings == ()


LOADER = '''
import numpy as np
from sklearn.datasets import load_diabetes


def with_index():
    x, y = load_diabetes(return_X_y=True)
    order = np.argsort(y)
    return np.column_stack([np.arange(len(y)), x[order][:, :3]]), y[order]
'''


def test_a_loaders_index_column_is_warned_with_how_to_remove_it(tmp_path: Path) -> None:
    (tmp_path / "indexloader.py").write_text(LOADER)
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(
        {"name": "arrays", "data": {"load": "indexloader:with_index", "task": "regression"}}))
    spec = load_spec(tmp_path / "spec.yaml")
    data = load_data(spec.data, spec.family, spec.base)
    warned = [line for line in describe_data(spec, data) if line.startswith("data: x column")]
    assert len(warned) == 1, warned
    assert warned[0].startswith("data: x column 0 is distinct in every row and increases with row order")
    assert "alone predicts the validation split's target with R^2" in warned[0]
    assert warned[0].endswith("to leave it out remove it in the loader (e.g. np.delete(x, 0, axis=1))")


def test_a_regression_leak_is_named_with_its_score(tmp_path: Path) -> None:
    x, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = x.iloc[:, :3].copy()
    frame["progression"] = y
    frame["recorded_twice"] = y * 2 + 7
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "diabetes.csv", index=False)
    spec = load_spec({"name": "leak", "data": {"dataset": "table", "path": str(tmp_path / "diabetes.csv"),
                                               "target": "progression"}})
    warnings = load_data(spec.data, spec.family).audit.warnings
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("data: column 'recorded_twice' alone predicts the validation split's target "
                                  "with R^2 0.9")
    assert float(warnings[0].split("R^2 ")[1].split()[0]) >= 0.98


def test_the_fitted_plan_counts_the_models_inputs_and_unseen_categories(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rows = 300
    frame = pd.DataFrame({"age": rng.normal(40, 9, rows), "town": [f"t{i}" for i in rng.integers(0, 90, rows)],
                          "kind": rng.choice(["x", "y", None], rows), "label": rng.integers(0, 2, rows)})
    frame.to_csv(tmp_path / "towns.csv", index=False)
    spec = load_spec({"name": "towns", "data": {"dataset": "table", "path": str(tmp_path / "towns.csv"),
                                                "target": "label", "seed": 2}})
    data = load_data(spec.data, spec.family)
    plan = {row.column: row for row in data.audit.plan}
    assert sum(row.inputs for row in plan.values()) == data.x_train.shape[1]
    train_idx, val_idx, test_idx = split_indices(frame["label"].to_numpy(), 0.3, 0.2, 2, True)
    seen = set(frame.loc[train_idx, "town"])
    assert plan["town"].inputs == len(seen) < frame["town"].nunique()
    assert plan["town"].unseen == (int((~frame.loc[val_idx, "town"].isin(seen)).sum()),
                                   int((~frame.loc[test_idx, "town"].isin(seen)).sum()))
    assert plan["town"].unseen[0] > 0
    assert plan["kind"].inputs == 3 and plan["age"].inputs == 1
    shown = [line for line in describe_data(spec, data) if line.lstrip().startswith("town ")]
    assert shown == [f"  {'town':<20} {'categorical (one-hot)':<34} {len(seen)} inputs; unseen in training: "
                     f"{plan['town'].unseen[0]} validation, {plan['town'].unseen[1]} test rows"]


def _by_hand(y_train: np.ndarray, held_out: dict[str, np.ndarray], task: str, loss: str,
             classes: tuple[str, ...]) -> dict[str, Any]:
    if task == "classification":
        counts = np.bincount(y_train, minlength=len(classes))
        prior = counts / len(y_train)
        top = int(np.argmax(counts))
        probability = np.clip(prior, 1e-7, 1 - 1e-7)
        return {"majority class": {
            "value": classes[top], "prior": dict(zip(classes, prior)),
            **{name: {"accuracy": np.mean(y == top), "loss": -np.mean(np.log(probability[y]))}
               for name, y in held_out.items()}}}
    out = {}
    for name, centre in (("training mean", y_train.mean()), ("training median", np.median(y_train))):
        scores = {}
        for split, y in held_out.items():
            error = y.reshape(-1) - centre
            losses = {"mse": error ** 2, "mae": abs(error),
                      "huber": np.where(abs(error) <= 1, error ** 2 / 2, abs(error) - 0.5)}
            scores[split] = {"loss": np.mean(losses[loss]), "mae": np.mean(abs(error)),
                             "rmse": np.sqrt(np.mean(error ** 2))}
        out[name] = {"value": centre, **scores}
    return out


@pytest.mark.parametrize("task, loss", [("classification", None), ("regression", "mse"),
                                        ("regression", "mae"), ("regression", "huber")])
def test_baselines_equal_those_computed_by_hand(tmp_path: Path, task: str, loss: str | None) -> None:
    from sweeps.trial.baselines import baselines

    rng = np.random.default_rng(7)
    rows = 240
    target = rng.choice(["no", "yes", "maybe"], rows, p=[0.5, 0.3, 0.2]) if task == "classification" \
        else rng.normal(0.5, 1.5, rows)
    pd.DataFrame({"a": rng.normal(size=rows), "t": target}).to_csv(tmp_path / "t.csv", index=False)
    spec = load_spec({"name": "b", "data": {"dataset": "table", "path": str(tmp_path / "t.csv"), "target": "t"},
                      **({"train": {"loss": loss}} if loss else {})})
    data = load_data(spec.data, spec.family)
    facts = baselines(data, spec.loss)
    assert facts["task"] == task
    assert facts["rows"] == {"train": len(data.y_train), "validation": len(data.y_val), "test": len(data.y_test)}
    wanted = _by_hand(data.y_train, {"validation": data.y_val, "test": data.y_test}, task, loss or "mse",
                      data.classes)
    assert facts["predictors"].keys() == wanted.keys()
    for name, got in facts["predictors"].items():
        for key in ("value", "prior", "validation", "test"):
            if key in wanted[name]:
                want = wanted[name][key]
                assert got[key] == (want if isinstance(want, str) else pytest.approx(want, rel=1e-6)), (name, key)
    if task == "classification":
        assert facts["predictors"]["majority class"]["value"] == "no"


@pytest.mark.slow
def test_run_writes_the_baselines_and_warns_before_the_trials(ray_local: Any, tmp_path: Path,
                                                               capfd: pytest.CaptureFixture[str]) -> None:
    import sweeps

    frame = _cancer_table(tmp_path / "cancer.csv")
    spec = {"name": "cancer-run", "data": {"dataset": "table", "path": str(tmp_path / "cancer.csv"),
                                           "target": "label", "drop": ["patient", "diagnosis", "note"]},
            "model": {"family": "mlp", "width": 8, "depth": 1},
            "train": {"optimizer": "adam", "learning_rate": 0.01, "max_epochs": 1},
            "search": {"scheduler": "fifo"}}
    outcome = sweeps.run(spec, results=tmp_path / "results", progress=False)
    warned = [line for line in capfd.readouterr().err.splitlines() if line.startswith("data: column")]
    assert len(warned) == 1 and warned[0].startswith("data: column 'rownames' ")
    assert warned[0].endswith("drop: [patient, diagnosis, note, rownames]")
    stored = json.loads((Path(outcome.folder) / "run.json").read_text())["baselines"]
    y = frame["label"].map({"benign": 0, "malignant": 1}).to_numpy()
    train_idx, val_idx, test_idx = split_indices(y, 0.3, 0.2, 0, True)
    counts = np.bincount(y[train_idx])
    prior = counts / counts.sum()
    assert stored["rows"] == {"train": len(train_idx), "validation": len(val_idx), "test": len(test_idx)}
    majority = stored["predictors"]["majority class"]
    assert majority["value"] == "benign" and majority["prior"] == pytest.approx(
        {"benign": prior[0], "malignant": prior[1]})
    for split, rows in (("validation", val_idx), ("test", test_idx)):
        assert majority[split] == pytest.approx({"accuracy": np.mean(y[rows] == 0),
                                                 "loss": -np.mean(np.log(prior[y[rows]]))})
