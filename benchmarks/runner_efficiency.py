"""Runner efficiency: training seconds / (wall seconds x parallel slots), and time to the first epoch.

    python benchmarks/runner_efficiency.py quickstart
    python benchmarks/runner_efficiency.py grid48        # optimizer x lr x width x depth, 30 epochs, patience 3

Efficiency counts only the seconds Keras spent inside epochs (training + validation) as useful;
everything else (Ray start, TensorFlow import, model build, graph tracing, reporting, the final
test retrain) is overhead. Start-up is a trial's first-epoch end minus that epoch's seconds minus
the end of the previous trial on the same node and slot, approximated per trial as the gap
between its first epoch's start and the sweep's start for the first trial of each slot.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

GRID48 = {
    "name": "grid48",
    "data": {"dataset": "digits", "seed": 0},
    "model": {"family": "mlp", "width": {"grid": [10, 100]}, "depth": {"grid": [1, 3]}},
    "train": {"optimizer": {"grid": ["sgd", "adam", "rmsprop", "nadam"]}, "learning_rate": {"grid": [1e-3, 1e-2, 1e-1]},
              "batch_size": 32, "max_epochs": 30, "early_stopping": {"monitor": "val_loss", "patience": 3}},
    "search": {"scheduler": "fifo", "metric": "val_loss"},
}


def measure(spec: object, slots: int) -> dict[str, float]:
    import sweeps

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        outcome = sweeps.run(spec, results=tmp, progress=False)
        wall = time.perf_counter() - started
        epochs = pd.read_parquet(Path(tmp) / outcome.folder.name / "epochs.parquet")
        facts = json.loads((Path(tmp) / outcome.folder.name / "run.json").read_text())
    train_seconds = float(epochs["epoch_seconds"].sum())
    first = epochs[epochs["epoch"] == 1].sort_values("timestamp")
    starts = first["timestamp"] - first["epoch_seconds"]
    per_trial_end = epochs.groupby("trial_id")["timestamp"].max()
    gaps = []
    ends = sorted(per_trial_end.tolist())
    for trial_id, start in zip(first["trial_id"], starts):
        earlier = [e for e in ends if e <= start]
        if earlier:
            gaps.append(start - earlier[-1])
    return {
        "trials": float(len(per_trial_end)),
        "epochs": float(len(epochs)),
        "wall_s": wall,
        "sweep_s": float(facts.get("duration_seconds") or wall),
        "train_s": train_seconds,
        "efficiency": train_seconds / (wall * slots),
        "median_gap_between_trials_s": float(pd.Series(gaps).median()) if gaps else float("nan"),
        "mean_epoch_s": float(epochs["epoch_seconds"].mean()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=["quickstart", "grid48"])
    args = parser.parse_args()
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    slots = os.cpu_count() or 1
    spec = "quickstart" if args.workload == "quickstart" else GRID48
    figures = measure(spec, slots)
    print(f"workload {args.workload} on {slots} CPUs, {time.strftime('%Y-%m-%d')}")
    for key, value in figures.items():
        print(f"  {key:<28} {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
