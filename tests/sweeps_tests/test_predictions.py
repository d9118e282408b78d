"""test_predictions.parquet's columns from hand-written model outputs."""

from __future__ import annotations

import numpy as np

from sweeps.results import constants as c
from sweeps.results.predictions import prediction_columns, predictions_table


def test_classification_rows_keep_the_true_class_probability_and_the_argmax() -> None:
    outputs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], dtype="float32")
    columns = prediction_columns(outputs, np.array([1, 2], dtype="int32"), "classification")
    table = predictions_table(columns, "classification").to_pydict()
    assert table[c.ROW] == [0, 1] and table[c.TARGET] == [1, 2] and table[c.PREDICTION] == [0, 2]
    assert np.allclose(table[c.PROBABILITY], [0.2, 0.6])


def test_regression_rows_hold_values_and_several_outputs_give_no_rows() -> None:
    columns = prediction_columns(np.array([[1.5], [2.5]]), np.array([[1.0], [3.0]], dtype="float32"), "regression")
    table = predictions_table(columns, "regression")
    assert table.column_names == [c.ROW, c.TARGET, c.PREDICTION]
    assert table.to_pydict() == {c.ROW: [0, 1], c.TARGET: [1.0, 3.0], c.PREDICTION: [1.5, 2.5]}
    assert prediction_columns(np.zeros((2, 2)), np.zeros((2, 2)), "regression") == {}
