"""Datasets -> stratified, seeded train / validation / test arrays.

Loaded once on the driver; trials receive the arrays through Ray's object store and
never see the test split.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sweeps.errors import SpecError, SweepError

_SMALL_IMAGE = 16


@dataclass(frozen=True)
class Splits:
    """Features (float32) and integer labels for each split, plus what models need to know."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def without_test(self) -> Splits:
        """What a trial gets: the test split is for the chosen configuration only."""
        empty_x = np.empty((0, *self.feature_shape), dtype=self.x_train.dtype)
        return replace(self, x_test=empty_x, y_test=np.empty((0,), dtype=self.y_train.dtype))


def load_data(data: Mapping[str, Any], family: str) -> Splits:
    """Load ``data.dataset`` and split it as the spec says.

    Images come as (height, width, 1) for ``cnn`` and flattened for ``mlp``.
    """
    dataset = data["dataset"]
    if dataset == "digits":
        x, y, classes = _digits()
    elif dataset in ("mnist", "fashion_mnist"):
        x, y, classes = _keras_images(dataset, data.get("path"))
    else:
        x, y, classes = _read_table(Path(data["path"]), data["target"])
    if data.get("limit"):
        x, y = _subsample(x, y, data["limit"], data["seed"])
    if dataset != "table":
        x = x[..., np.newaxis] if family == "cnn" else x.reshape(len(x), -1)
    elif family == "cnn":
        raise SpecError("model.family 'cnn' needs image data; dataset 'table' takes family 'mlp'")
    splits = _split(x, y, data["validation_split"], data["test_split"], data["seed"], classes)
    if dataset == "table":
        splits = _standardise(splits)
    return splits


def _digits() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype("float32")
    return images, bunch.target.astype("int32"), tuple(str(i) for i in range(10))


def _keras_images(name: str, path: str | None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    if path is not None:
        with np.load(path) as npz:
            missing = {"x_train", "y_train", "x_test", "y_test"} - set(npz.files)
            if missing:
                raise SpecError(f"data.path {path!r} lacks arrays {', '.join(sorted(missing))}; "
                                f"it has {', '.join(npz.files)}")
            parts = (npz["x_train"], npz["y_train"], npz["x_test"], npz["y_test"])
    else:
        import keras

        try:
            (xa, ya), (xb, yb) = getattr(keras.datasets, name).load_data()
        except Exception as exc:
            raise SweepError(
                f"could not load {name} through keras.datasets ({type(exc).__name__}: {exc}); on an offline "
                "machine save it as an .npz with x_train, y_train, x_test, y_test and set data.path"
            ) from None
        parts = (xa, ya, xb, yb)
    x = np.concatenate([parts[0], parts[2]]).astype("float32") / 255.0
    y = np.concatenate([parts[1], parts[3]]).astype("int32")
    return x, y, tuple(str(i) for i in range(int(y.max()) + 1))


def _read_table(path: Path, target: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    import pandas as pd

    frame = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    frame = frame.dropna(subset=[target])
    labels = frame.pop(target)
    classes = sorted(labels.unique(), key=str)
    if len(classes) < 2:
        raise SpecError(f"data.target {target!r} must have at least 2 classes, got {len(classes)}")
    y = labels.map({v: i for i, v in enumerate(classes)}).to_numpy("int32")
    numeric = frame.select_dtypes(include="number").astype("float64")
    numeric = numeric.fillna(numeric.median())
    categorical = frame.drop(columns=numeric.columns).astype("string").fillna("(missing)")
    encoded = pd.get_dummies(categorical, dtype="float32") if len(categorical.columns) else None
    parts = [numeric.to_numpy("float32")] + ([encoded.to_numpy("float32")] if encoded is not None else [])
    x = np.concatenate(parts, axis=1)
    if x.shape[1] == 0:
        raise SpecError(f"data.path {path.name!r} has no feature columns besides {target!r}")
    return x, y, tuple(str(c) for c in classes)


def _subsample(x: np.ndarray, y: np.ndarray, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if limit >= len(y):
        return x, y
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=limit, random_state=seed, stratify=_strata(y, limit))
    return x[keep], y[keep]


def _strata(y: np.ndarray, size: int) -> np.ndarray | None:
    counts = np.bincount(y)
    return y if counts[counts > 0].min() >= 2 and size >= len(counts[counts > 0]) else None


def _split(x: np.ndarray, y: np.ndarray, val: float, test: float, seed: int,
           classes: tuple[str, ...]) -> Splits:
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    rest, test_idx = train_test_split(index, test_size=test, random_state=seed, stratify=_strata(y, len(y)))
    train_idx, val_idx = train_test_split(rest, test_size=val, random_state=seed,
                                          stratify=_strata(y[rest], len(rest)))
    return Splits(x[train_idx], y[train_idx], x[val_idx], y[val_idx], x[test_idx], y[test_idx], classes)


def _standardise(splits: Splits) -> Splits:
    """Scale with the training split's statistics only, so validation and test stay unseen."""
    mean = splits.x_train.mean(axis=0)
    std = splits.x_train.std(axis=0)
    std[std == 0] = 1.0
    scale = lambda a: ((a - mean) / std).astype("float32")  # noqa: E731
    return replace(splits, x_train=scale(splits.x_train), x_val=scale(splits.x_val), x_test=scale(splits.x_test))
