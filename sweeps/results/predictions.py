"""The chosen configuration's predictions on the test split, as rows of ``test_predictions.parquet``.

A test score alone cannot say how sure it is; its rows can (a bootstrap over them, or a
Wilson interval for accuracy), so the analysis package reads them instead of retraining.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from sweeps.results import constants as c

SCHEMAS = {
    "classification": pa.schema([(c.ROW, pa.int64()), (c.TARGET, pa.int64()), (c.PREDICTION, pa.int64()),
                                 (c.PROBABILITY, pa.float64())]),
    "regression": pa.schema([(c.ROW, pa.int64()), (c.TARGET, pa.float64()), (c.PREDICTION, pa.float64())]),
}
"""Columns of the file for each task."""


def prediction_columns(outputs: np.ndarray, targets: np.ndarray, task: str) -> dict[str, np.ndarray]:
    """The model's ``outputs`` on the test split and the true ``targets`` -> the file's columns.

    Classification outputs are class probabilities (rows x classes); regression has one output
    per row. A regression with several outputs has no single prediction per row: {} (no file).
    """
    outputs = np.asarray(outputs, dtype="float64")
    targets = np.asarray(targets)
    rows = np.arange(len(targets), dtype="int64")
    if task == "classification":
        true = targets.reshape(-1).astype("int64")
        probabilities = outputs.reshape(len(true), -1)
        return {c.ROW: rows, c.TARGET: true, c.PREDICTION: probabilities.argmax(axis=1).astype("int64"),
                c.PROBABILITY: probabilities[rows, true]}
    if outputs.reshape(len(targets), -1).shape[1] != 1:
        return {}
    return {c.ROW: rows, c.TARGET: targets.reshape(-1).astype("float64"),
            c.PREDICTION: outputs.reshape(-1)}


def predictions_table(columns: Mapping[str, np.ndarray], task: str) -> pa.Table:
    """The columns as a table of the task's schema."""
    schema = SCHEMAS[task]
    return pa.Table.from_pydict({f.name: columns[f.name] for f in schema}, schema=schema)
