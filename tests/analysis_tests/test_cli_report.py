"""`sweeps report` on a real sweep's folder: the answer, capacity, optimizers, noise and pruning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_sweeps_report_on_a_real_sweep(sweep_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-m", "sweeps.cli", "report", str(sweep_folder), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    html = (out / "index.html").read_text()
    for needle in ("Question:", "Held-out test", "Noise:", "Capacity", "Optimizers", "Pruning",
                   "Trials reaching each rung", "tiny-asha"):
        assert needle in html, needle
    assert html.count("<img") >= 5 and 'src="http' not in html
    assert (out / "report.md").read_text().startswith("# Sweep report: tiny-asha")


def test_report_of_a_folder_without_results_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sweeps.cli", "report", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (f"error: {tmp_path} has no epochs.parquet, so it is not a "
                                                   "results folder (or no epoch finished yet); it holds: nothing")
