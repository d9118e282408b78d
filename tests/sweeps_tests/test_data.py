"""Datasets load offline, split stratified and seeded, and tables are encoded as the Titanic exercise needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sweeps import load_spec
from sweeps.errors import SpecError
from sweeps.trial.data import load_data
from tests.conftest import tiny_spec
from tests.faults import recording_splits


def test_digits_split_is_stratified_and_fixed_by_seed() -> None:
    spec = load_spec({"name": "d", "data": {"validation_split": 0.25, "test_split": 0.2, "seed": 3}})
    a, b = load_data(spec.data, "mlp"), load_data(spec.data, "mlp")
    assert a.x_train.shape[1:] == (64,) and a.n_classes == 10
    assert len(a.y_test) == pytest.approx(0.2 * 1797, abs=1)
    assert len(a.y_val) == pytest.approx(0.25 * 0.8 * 1797, abs=1)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    shares = np.bincount(a.y_test, minlength=10) / len(a.y_test)
    assert np.abs(shares - 0.1).max() < 0.02
    other = load_data({**spec.data, "seed": 4}, "mlp")
    assert not np.array_equal(a.y_val, other.y_val)


def test_digits_are_images_for_cnn() -> None:
    spec = load_spec({"name": "c", "model": {"family": "cnn"}})
    assert load_data(spec.data, "cnn").feature_shape == (8, 8, 1)


@pytest.mark.slow
def test_trials_never_receive_the_test_split(ray_local: Any, tmp_path: Path) -> None:
    import sweeps

    records = tmp_path / "records"
    records.mkdir()
    spec = tiny_spec("no-test", model={"family": "mlp", "width": 8, "depth": 1},
                     train={"optimizer": "adam", "learning_rate": {"grid": [0.01, 0.03]}, "max_epochs": 1},
                     search={"scheduler": "fifo"})
    outcome = sweeps.run(spec, results=tmp_path / "results", progress=False, _wrap_trainable=recording_splits(records))
    full = load_data(load_spec(spec).data, "mlp")
    seen = [json.loads(p.read_text()) for p in records.iterdir()]
    assert len(seen) == 2 and outcome.test_metrics
    for rows in seen:
        assert rows == {"x_train": len(full.y_train), "y_train": len(full.y_train), "x_val": len(full.y_val),
                        "y_val": len(full.y_val), "x_test": 0, "y_test": 0}


def test_mnist_loads_from_a_local_npz_with_limit(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=rng.integers(0, 256, (300, 28, 28), dtype=np.uint8), y_train=np.arange(300) % 10,
             x_test=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8), y_test=np.arange(100) % 10)
    spec = load_spec({"name": "m", "data": {"dataset": "mnist", "path": str(path), "limit": 200},
                      "model": {"family": "cnn"}})
    splits = load_data(spec.data, "cnn")
    assert splits.feature_shape == (28, 28, 1)
    assert len(splits.y_train) + len(splits.y_val) + len(splits.y_test) == 200
    assert 0.0 <= splits.x_train.min() and splits.x_train.max() <= 1.0


def test_npz_missing_arrays_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, images=np.zeros((2, 2)))
    spec = load_spec({"name": "m", "data": {"dataset": "fashion_mnist", "path": str(path)}})
    with pytest.raises(SpecError, match="lacks arrays x_test, x_train, y_test, y_train"):
        load_data(spec.data, "mlp")


def test_table_numbers_are_standardised_and_categories_one_hot(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 200
    sex = rng.choice(["male", "female"], n)
    age = rng.normal(30, 10, n).round()
    age[::17] = np.nan
    survived = ((sex == "female") | (age < 12)).astype(int)
    rows = ["age,sex,fare,survived"] + [
        f"{'' if np.isnan(a) else a},{s},{f:.2f},{y}" for a, s, f, y in zip(age, sex, rng.uniform(5, 80, n), survived)]
    path = tmp_path / "titanic.csv"
    path.write_text("\n".join(rows) + "\n")
    spec = load_spec({"name": "t", "data": {"dataset": "table", "path": str(path), "target": "survived"}})
    splits = load_data(spec.data, "mlp")
    assert splits.feature_shape == (4,)
    assert splits.classes == ("0", "1")
    assert not np.isnan(splits.x_train).any()
    numbers, sexes = splits.x_train[:, :2], splits.x_train[:, 2:]
    np.testing.assert_allclose(numbers.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(numbers.std(axis=0), 1, atol=1e-4)
    assert set(np.unique(sexes)) == {0.0, 1.0} and (sexes.sum(axis=1) == 1).all()
