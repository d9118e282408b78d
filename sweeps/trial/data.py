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
from sweeps.trial.audit import Audit


@dataclass(frozen=True)
class Splits:
    """Features (float32) and targets for each split, plus what models need to know.

    Classification targets are int32 class indices into ``classes``; regression targets are
    float32 numbers (one column per output, or a vector for one output) and ``classes`` is empty.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    task: str = "classification"
    audit: Audit = Audit()
    """What the checks of :mod:`sweeps.trial.audit` found when the data loaded (driver only)."""

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def n_outputs(self) -> int:
        """Units of the output layer: one per class, or one per regression target."""
        if self.task == "classification":
            return self.n_classes
        return 1 if self.y_train.ndim == 1 else int(self.y_train.shape[1])

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def without_test(self) -> Splits:
        """What a trial gets: the test split is for the chosen configuration only."""
        empty_x = np.empty((0, *self.feature_shape), dtype=self.x_train.dtype)
        empty_y = np.empty((0, *self.y_train.shape[1:]), dtype=self.y_train.dtype)
        return replace(self, x_test=empty_x, y_test=empty_y, audit=Audit())


def load_data(data: Mapping[str, Any], family: str, base: str | Path | None = None) -> Splits:
    """Load ``data.dataset`` (or call ``data.load``) and split it as the spec says.

    Images come as (height, width, 1) for ``cnn`` and a user's model, flattened for ``mlp``;
    a user's loader's arrays keep their shape for a user's model. Tables are preprocessed with
    statistics of the training split only (:mod:`sweeps.trial.tables`).
    """
    dataset = data["dataset"]
    if data.get("load"):
        from sweeps.trial.loaders import load_user_data

        return load_user_data(data, family, base)
    if dataset == "table":
        if family == "cnn":
            raise SpecError("model.family 'cnn' needs image data; dataset 'table' takes family 'mlp'")
        return _table_splits(data)
    if dataset == "digits":
        x, y, classes = _digits()
    else:
        x, y, classes = _keras_images(dataset, data.get("path"))
    if data.get("limit"):
        x, y = _subsample(x, y, data["limit"], data["seed"])
    x = shape_for(x, family if family in ("mlp", "cnn") else "cnn")
    return split(x, y, data, classes, "classification")


def shape_for(x: np.ndarray, family: str) -> np.ndarray:
    """Images as the family wants them: a channel axis for ``cnn``, flat for ``mlp``, as given otherwise."""
    if family == "cnn":
        return x[..., np.newaxis] if x.ndim == 3 else x
    if family == "mlp":
        return x.reshape(len(x), -1)
    return x


def split(x: np.ndarray, y: np.ndarray, data: Mapping[str, Any], classes: tuple[str, ...], task: str) -> Splits:
    """Seeded train / validation / test split; stratified by class for classification."""
    train_idx, val_idx, test_idx = split_indices(y, data["validation_split"], data["test_split"], data["seed"],
                                                 task == "classification")
    return Splits(x[train_idx], y[train_idx], x[val_idx], y[val_idx], x[test_idx], y[test_idx], classes, task)


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


def _table_splits(data: Mapping[str, Any]) -> Splits:
    from sweeps.tasks import encode_labels, infer_task, regression_targets
    from sweeps.trial.tables import as_strings, audit_table, feature_columns, make_preprocessor, read_table

    frame = read_table(data["path"])
    target = data["target"]
    frame = ordered = frame[frame[target].notna()].reset_index(drop=True)
    if data.get("limit") and data["limit"] < len(frame):
        frame = frame.sample(n=data["limit"], random_state=data["seed"]).reset_index(drop=True)
    task = data.get("task") or infer_task(frame[target].to_numpy())
    field = f"data.target {target!r}"
    if task == "classification":
        y, classes = encode_labels(field, frame[target].to_numpy())
    else:
        y, classes = regression_targets(field, frame[target].to_numpy()), ()
    columns = feature_columns(frame, data)
    features = as_strings(frame, columns)
    train_idx, val_idx, test_idx = split_indices(y, data["validation_split"], data["test_split"], data["seed"],
                                                 task == "classification")
    preprocessor = make_preprocessor(features, columns).fit(features.iloc[train_idx])
    x = {name: preprocessor.transform(features.iloc[idx]).astype("float32")
         for name, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx))}
    audit = audit_table(data, ordered, features, preprocessor, y, (train_idx, val_idx, test_idx), task)
    return Splits(x["train"], y[train_idx], x["val"], y[val_idx], x["test"], y[test_idx], classes, task, audit)


def _subsample(x: np.ndarray, y: np.ndarray, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if limit >= len(y):
        return x, y
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=limit, random_state=seed, stratify=_strata(y, limit))
    return x[keep], y[keep]


def _strata(y: np.ndarray, size: int) -> np.ndarray | None:
    counts = np.bincount(y)
    return y if counts[counts > 0].min() >= 2 and size >= len(counts[counts > 0]) else None


def split_indices(y: np.ndarray, val: float, test: float, seed: int,
                  stratify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices of the train, validation and test splits (fixed by ``seed``)."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    strata = (lambda rows: _strata(y[rows], len(rows))) if stratify else (lambda rows: None)
    rest, test_idx = train_test_split(index, test_size=test, random_state=seed, stratify=strata(index))
    train_idx, val_idx = train_test_split(rest, test_size=val, random_state=seed, stratify=strata(rest))
    return train_idx, val_idx, test_idx


def fingerprint(splits: Splits) -> dict[str, Any]:
    """What ``run.json`` records of the data: a hash of every split's arrays, shapes and class counts."""
    import hashlib

    digest = hashlib.sha256()
    shapes = {}
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        array = np.ascontiguousarray(getattr(splits, name))
        digest.update(name.encode() + str(array.shape).encode() + array.dtype.str.encode())
        digest.update(array.tobytes())
        shapes[name] = list(array.shape)
    facts: dict[str, Any] = {"sha256": digest.hexdigest(), "task": splits.task, "shapes": shapes}
    if splits.task == "classification":
        counts = np.bincount(np.concatenate([splits.y_train, splits.y_val, splits.y_test]), minlength=splits.n_classes)
        facts["class_counts"] = {label: int(n) for label, n in zip(splits.classes, counts)}
    return facts
