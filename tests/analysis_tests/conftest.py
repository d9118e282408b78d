"""Fixtures for analysis tests: synthetic results folders and tiny epoch tables.

``report_source_dir`` is the results folder the report and browser tests read: a real
sweep through Ray Tune and Keras, shared with the runner tests. ``toy_dir`` is a
synthetic sweep for exact-number tests.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import analysis
from tests.analysis_tests.synthetic import synthetic_sweep

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def toy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48-trial ASHA sweep (2 widths x 2 depths x 2 optimizers x 3 rates x 2 repeats), read-only."""
    return synthetic_sweep(tmp_path_factory.mktemp("results") / "toy")


@pytest.fixture(scope="session")
def report_source_dir(sweep_folder: Path) -> Path:
    """A real ASHA sweep's folder (tests/conftest.py); never written into (reports go to tmp_path)."""
    return sweep_folder


@pytest.fixture(scope="session")
def toy_report(toy_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html of the toy sweep, written once per session."""
    return analysis.write_report([toy_dir], tmp_path_factory.mktemp("toy-report"))


@pytest.fixture(scope="session")
def source_report(report_source_dir: Path, toy_dir: Path, toy_report: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html of ``report_source_dir``, written once per session (outside that folder)."""
    if report_source_dir == toy_dir:
        return toy_report
    return analysis.write_report([report_source_dir], tmp_path_factory.mktemp("source-report"))


@pytest.fixture
def tiny_epochs() -> pd.DataFrame:
    """Three trials of one sweep with hand-set curves; see each test for the numbers that follow."""
    rows = []
    curves = {
        "a": ("adam", 0.01, 16, 1, [1.0, 0.5, 0.4, 0.6], [0.9, 0.4, 0.3, 0.2]),
        "b": ("sgd", 0.1, 64, 1, [0.8, float("nan"), 0.3, 0.3], [0.7, 0.5, 0.25, 0.1]),
        "c": ("sgd", 0.01, 16, 2, [float("inf"), float("nan")], [0.5, 0.4]),
    }
    for trial, (optimizer, rate, width, depth, val, train) in curves.items():
        for epoch, (v, t) in enumerate(zip(val, train), start=1):
            rows.append({"sweep": "s", "trial_id": trial, "epoch": epoch, "optimizer": optimizer,
                         "learning_rate": rate, "width": width, "depth": depth, "repeat": 0,
                         "val_loss": v, "loss": t})
    return pd.DataFrame(rows)
