"""Every bad spec is rejected before anything runs, naming the field; good ones round-trip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sweeps import load_spec
from sweeps.errors import SpecError
from sweeps.spec.model import builtin_specs

BASE: dict[str, Any] = {"name": "ok"}


def with_(section: str, **fields: Any) -> dict[str, Any]:
    return {**BASE, section: fields}


BAD_SPECS = [
    ({**BASE, "trian": {}}, "trian is not a known field (did you mean 'train'?)"),
    ({"name": "has space"}, "name must be"),
    ({}, "name must be"),
    (with_("train", learning_rate=-0.01), "train.learning_rate must be a number > 0, got -0.01"),
    (with_("train", learning_rate=0), "train.learning_rate must be a number > 0"),
    (with_("train", learning_rate={"grid": []}), "train.learning_rate.grid must be a non-empty list"),
    (with_("train", learning_rate={"loguniform": [0, 0.1]}), "train.learning_rate.loguniform"),
    (with_("train", learning_rate={"uniform": [0.1, 0.01]}), "low < high"),
    (with_("train", learning_rate={"between": [1, 2]}), "train.learning_rate must be one value or one of"),
    (with_("train", optimizer="adamw"), "train.optimizer must be one of: sgd, adagrad"),
    (with_("train", optimizer={"grid": ["adam", "sdg"]}), "train.optimizer.grid[1] must be one of"),
    (with_("train", batch_size=0), "train.batch_size must be an integer >= 1, got 0"),
    (with_("train", batch_size=3.5), "train.batch_size must be an integer >= 1, got 3.5"),
    (with_("train", max_epochs={"grid": [1, 2]}), "train.max_epochs cannot be searched"),
    (with_("train", momentum=0.9), "train.momentum is taken only by sgd, rmsprop"),
    (with_("train", optimizer="adadelta", beta_1=0.9), "train.beta_1 is taken only by adam, nadam"),
    (with_("train", early_stopping={"monitor": "val_los"}), "train.early_stopping.monitor must be one of"),
    (with_("train", early_stopping={"patience": -1}), "train.early_stopping.patience must be an integer >= 0"),
    (with_("model", width=0), "model.width must be an integer >= 1, got 0"),
    (with_("model", width={"grid": [10, 0]}), "model.width.grid[1] must be an integer >= 1, got 0"),
    (with_("model", width={"uniform": [1, 10]}), "uniform draws real numbers"),
    (with_("model", dropout=1.0), "model.dropout must be a number in [0, 1), got 1.0"),
    (with_("model", family="rnn"), "model.family must be one of: mlp, cnn"),
    (with_("model", family="cnn", width=10), "model.width applies to family 'mlp'"),
    (with_("model", activation="rellu"), "model.activation must be one of"),
    (with_("data", validation_split=1.2), "data.validation_split must be a number in (0, 1), got 1.2"),
    (with_("data", test_split=0), "data.test_split must be a number in (0, 1), got 0"),
    (with_("data", validation_split=0.5, test_split=0.45), "must leave at least 10% for training"),
    (with_("data", dataset="cifar"), "data.dataset must be one of: digits, mnist, fashion_mnist, table"),
    (with_("data", dataset="table"), "data.path is required for dataset 'table'"),
    (with_("data", dataset="table", path="/no/such/file.csv", target="y"), "data.path must be an existing file"),
    (with_("data", dataset="mnist", path="/no/such/mnist.npz"), "data.path must be an existing file"),
    (with_("data", path="x.csv"), "data.path applies to dataset"),
    (with_("search", scheduler="bohb"), "search.scheduler must be one of: fifo, asha, hyperband"),
    (with_("search", metric="val_accuracy", mode="min"), "search.mode must be 'max' for metric 'val_accuracy'"),
    (with_("search", num_samples=0), "search.num_samples must be an integer >= 1, got 0"),
    (with_("search", asha={"grace_period": 2}), "search.asha applies only when search.scheduler is 'asha'"),
    ({**BASE, "search": {"scheduler": "asha", "asha": {"grace_period": 99}}}, "grace_period must be <="),
    (with_("resources", gpus_per_trial=1.5), "resources.gpus_per_trial must be a fraction <= 1"),
    (with_("resources", cpus_per_trial=0), "resources.cpus_per_trial must be a number > 0"),
    (with_("resources", max_concurrent=0), "resources.max_concurrent must be an integer >= 1"),
    ({**BASE, "model": [1, 2]}, "model must be a mapping"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_SPECS, ids=[m for _, m in BAD_SPECS])
def test_bad_spec_is_rejected_naming_the_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(raw)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_table_target_must_be_a_column(tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("age,sex,survived\n22,male,0\n38,female,1\n")
    with pytest.raises(SpecError, match="data.target 'survive' is not a column of people.csv; "
                                        "columns are: age, sex, survived"):
        load_spec(with_("data", dataset="table", path=str(csv), target="survive"))


def test_good_spec_gets_defaults_and_round_trips() -> None:
    spec = load_spec({"name": "g", "train": {"optimizer": {"grid": ["sgd", "adam"]}, "momentum": 0.9,
                                             "learning_rate": {"loguniform": [1e-4, 1e-1]}}})
    assert spec.mode == "min"
    assert spec.axes == ["optimizer", "learning_rate"]
    assert spec.hyperparameters["momentum"].values == (0.9,)
    assert spec.early_stopping is not None and spec.early_stopping.patience == 3
    assert load_spec(spec.to_dict()) == spec


def test_yaml_number_written_without_a_dot_is_read_as_a_number(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\ntrain:\n  learning_rate: 1e-4\n")
    assert load_spec(path).hyperparameters["learning_rate"].values == (1e-4,)


def test_relative_data_path_is_resolved_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,y\n1,0\n2,1\n")
    (tmp_path / "s.yaml").write_text("name: s\ndata: {dataset: table, path: t.csv, target: y}\n")
    assert load_spec(tmp_path / "s.yaml").data["path"] == str((tmp_path / "t.csv").resolve())


@pytest.mark.parametrize("name", sorted(builtin_specs()))
def test_builtin_specs_are_valid(name: str) -> None:
    assert load_spec(name).name == name


def test_unknown_spec_lists_builtins() -> None:
    with pytest.raises(SpecError, match="built-in specs: .*quickstart"):
        load_spec("no-such-spec")


def test_cli_rejects_bad_spec_with_one_line_and_exit_2_writing_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntrain: {learning_rate: -1}\n")
    proc = subprocess.run([sys.executable, "-m", "sweeps.cli", "run", str(bad), "--results", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: train.learning_rate must be a number > 0, got -1"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_cli_validate_prints_trial_count_and_space() -> None:
    proc = subprocess.run([sys.executable, "-m", "sweeps.cli", "validate", "quickstart"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "quickstart: valid, 24 trials" in proc.stdout
    assert "learning_rate  grid [0.003, 0.03, 0.3]" in proc.stdout
