"""Runner efficiency and per-trial start-up, from a real sweep's epochs.parquet.

    python benchmarks/runner_efficiency.py quickstart
    python benchmarks/runner_efficiency.py grid48        # optimizer x lr x width x depth, 30 epochs, patience 3

Figures:
  efficiency          sum of epoch seconds (training + validation, as the trial measured them)
                      / (sweep wall seconds x parallel slots). Wall runs from the call to
                      ``sweeps.run`` to its return, so Ray start, worker start (TensorFlow import),
                      model builds, reporting and the final test retrain all count as overhead.
  efficiency, no trace  the same with each trial's first epoch counted at its median later epoch:
                      graph tracing, which happens inside a trial's first epoch, becomes overhead too.
  efficiency once running  epoch seconds / (seconds from the first epoch's start to the last epoch's
                      report x slots): the runner's own overhead, without Ray's start, the workers'
                      TensorFlow import and the final test retrain.
  start-up            seconds from a trial's start in its worker to its first epoch's start
                      (``setup_seconds``), for each worker's first trial and for the rest (median).
  first-epoch trace   first epoch seconds minus the trial's median later epoch.
  inter-trial gap     seconds from a trial's last epoch to the next trial's start on the same worker.
  report round trip   per epoch, the time between two epochs' reports beyond the epoch itself
                      (Tune's synchronous report: the trial waits for the driver).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

GRID48: dict[str, Any] = {
    "name": "grid48",
    "data": {"dataset": "digits", "seed": 0},
    "model": {"family": "mlp", "width": {"grid": [10, 100]}, "depth": {"grid": [1, 3]}},
    "train": {"optimizer": {"grid": ["sgd", "adam", "rmsprop", "nadam"]}, "learning_rate": {"grid": [1e-3, 1e-2, 1e-1]},
              "batch_size": 32, "max_epochs": 30, "early_stopping": {"monitor": "val_loss", "patience": 3}},
    "search": {"scheduler": "fifo", "metric": "val_loss"},
}
"""The speed issue's 48-configuration grid; benchmarks/peers.py runs the same work."""


def run_sweep(spec: object, keep: Path | None = None,
              overrides: dict[str, Any] | None = None) -> tuple[pd.DataFrame, float, dict[str, Any]]:
    """Run ``spec`` (in ``keep``, else a scratch folder); its epochs, the wall seconds of ``sweeps.run``, run.json."""
    import sweeps

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        outcome = sweeps.run(spec, results=keep or tmp, progress=False, overwrite=True, overrides=overrides)
        wall = time.perf_counter() - started
        folder = Path(keep or tmp) / Path(str(outcome.folder)).name
        epochs = pd.read_parquet(folder / "epochs.parquet")
        facts = json.loads((folder / "run.json").read_text())
    return epochs, wall, facts


def figures(epochs: pd.DataFrame, wall: float, slots: int) -> dict[str, float]:
    """Every figure in the module docstring, from one sweep's epoch rows."""
    epochs = epochs.sort_values(["trial_id", "epoch"])
    steady = epochs[epochs["epoch"] > 1].groupby("trial_id")["epoch_seconds"].median()
    first = epochs[epochs["epoch"] == 1].set_index("trial_id")
    trace = (first["epoch_seconds"] - steady.reindex(first.index)).dropna()
    train = float(epochs["epoch_seconds"].sum())
    untraced = train - float(trace.clip(lower=0).sum())
    first_of_worker, later = _startups(epochs)
    step = epochs.groupby("trial_id")["timestamp"].diff() - epochs["epoch_seconds"]
    return {
        "trials": float(epochs["trial_id"].nunique()),
        "epochs": float(len(epochs)),
        "wall_s": wall,
        "train_s": train,
        "efficiency": train / (wall * slots),
        "efficiency_no_trace": untraced / (wall * slots),
        "efficiency_once_running": train / (_running_seconds(epochs) * slots),
        "startup_first_per_worker_median_s": _median(first_of_worker),
        "startup_after_first_median_s": _median(later),
        "first_epoch_trace_median_s": _median(trace.tolist()),
        "inter_trial_gap_median_s": _median(_gaps(epochs)),
        "steady_epoch_median_s": _median(steady.tolist()),
        "report_round_trip_median_s": _median(step.dropna().tolist()),
    }


def _running_seconds(epochs: pd.DataFrame) -> float:
    """From the first epoch's start to the last epoch's report: the sweep without its fixed start and end."""
    return float(epochs["timestamp"].max() - (epochs["timestamp"] - epochs["epoch_seconds"]).min())


def _startups(epochs: pd.DataFrame) -> tuple[list[float], list[float]]:
    """Set-up seconds of each worker's first trial, and of every later trial."""
    if "setup_seconds" not in epochs:
        return [], []
    starts = epochs.dropna(subset=["setup_seconds"]).sort_values("timestamp")
    seen: set[tuple[str, int]] = set()
    first, later = [], []
    for row in starts.itertuples():
        worker = (row.node, int(row.pid))
        (later if worker in seen else first).append(float(row.setup_seconds))
        seen.add(worker)
    return first, later


def _gaps(epochs: pd.DataFrame) -> list[float]:
    """Per worker, a trial's entry time minus the previous trial's last report."""
    if "setup_seconds" not in epochs:
        return []
    rows = epochs.dropna(subset=["setup_seconds"])
    entered = rows["timestamp"] - rows["epoch_seconds"] - rows["setup_seconds"]
    spans = pd.DataFrame({"node": rows["node"], "pid": rows["pid"], "trial_id": rows["trial_id"], "entered": entered})
    ends = epochs.groupby("trial_id")["timestamp"].max()
    gaps = []
    for _, worker in spans.sort_values("entered").groupby(["node", "pid"]):
        previous = worker["trial_id"].shift()
        for trial, before, start in zip(worker["trial_id"], previous, worker["entered"]):
            if isinstance(before, str) and before != trial:
                gaps.append(float(start - ends[before]))
    return gaps


def _overrides(pairs: list[str]) -> dict[str, Any]:
    import yaml

    return {key: yaml.safe_load(value) for key, value in (pair.split("=", 1) for pair in pairs)}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=["quickstart", "grid48"])
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", type=Path, help="write the sweep's results under this folder and keep them")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a spec field, as `sweeps run --set` (e.g. resources.checkpoint_every=0)")
    args = parser.parse_args()
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    slots = os.cpu_count() or 1
    epochs, wall, _ = run_sweep("quickstart" if args.workload == "quickstart" else GRID48, args.keep,
                                 _overrides(args.set))
    result = figures(epochs, wall, slots)
    print(f"workload {args.workload} on {slots} CPUs, {time.strftime('%Y-%m-%d')}")
    for key, value in result.items():
        print(f"  {key:<36} {value:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"workload": args.workload, "slots": slots, **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
