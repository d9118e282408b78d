"""How long a report takes on a big sweep: 10,000 trials x 100 epochs = 1,000,000 epoch rows.

Builds a synthetic results folder (epochs.parquet, trials.parquet, run.json, spec.yaml)
in a temporary folder, then times load, the summaries, the effects, importance and paired
comparisons, and write_report (which does all of them again, from the folder to the files), and
prints seconds per stage. The target: write_report under 10 s on a 2-core machine.

    .venv/bin/python benchmarks/report_speed.py [--trials 10000] [--epochs 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

import analysis
from analysis import report
from sweeps.results import constants as c
from sweeps.results import records

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
WIDTHS = (16, 32, 64, 128, 256)
DEPTHS = (1, 2, 3, 4)
OPTIMIZERS = ("sgd", "adam", "nadam", "rmsprop", "adagrad")
RATES = tuple(float(r) for r in np.geomspace(1e-4, 1e-1, 10))
AXES = ["width", "depth", "optimizer", "learning_rate"]
FULL = "write_report (load, effects, importance, all)"


def build(folder: Path, n_trials: int, n_epochs: int, seed: int = 0) -> Path:
    """Write a results folder of ``n_trials`` x ``n_epochs`` rows, vectorised (a few seconds)."""
    rng = np.random.default_rng(seed)
    grid = np.array(np.meshgrid(np.arange(len(WIDTHS)), np.arange(len(DEPTHS)), np.arange(len(OPTIMIZERS)),
                                np.arange(len(RATES)), indexing="ij")).reshape(4, -1)
    repeats = -(-n_trials // grid.shape[1])
    cell = np.tile(np.arange(grid.shape[1]), repeats)[:n_trials]
    repeat = np.repeat(np.arange(repeats), grid.shape[1])[:n_trials]
    width = np.asarray(WIDTHS)[grid[0, cell]]
    depth = np.asarray(DEPTHS)[grid[1, cell]]
    opt = grid[2, cell]
    rate = np.asarray(RATES)[grid[3, cell]]
    speed = np.array([0.05, 0.3, 0.32, 0.25, 0.15])[opt] * (1 + np.log10(rate / 1e-4)) / 2
    floor = 0.6 / np.log2(width) + 0.04 * depth + 0.02 * rng.standard_normal(n_trials)
    overfit = 0.0006 * np.sqrt(width) * depth
    epoch = np.arange(1, n_epochs + 1, dtype=float)
    decay = 2.0 * np.exp(-np.outer(speed, epoch))
    loss = floor[:, None] * np.exp(-overfit[:, None] * epoch) + decay
    val = floor[:, None] + decay + overfit[:, None] * epoch**1.3 / 4 + 0.01 * rng.standard_normal(loss.shape)
    blown = (OPTIMIZERS.index("sgd") != opt) & (rate >= 0.1) & (rng.random(n_trials) < 0.5)
    start = rng.integers(3, n_epochs, n_trials)
    bad = blown[:, None] & (epoch[None, :] >= start[:, None])
    loss[bad], val[bad] = np.nan, np.inf
    ids = np.char.add("trial_", np.arange(n_trials).astype(str))
    meta = {"metric": "val_loss", "mode": "min", "axes": AXES}

    def per_row(values: np.ndarray) -> np.ndarray:
        return np.repeat(values, n_epochs)

    hyper = {"family": pa.array(["mlp"] * n_trials), "width": width, "depth": depth,
             "activation": pa.array(["relu"] * n_trials), "dropout": np.zeros(n_trials),
             "optimizer": pa.array(np.asarray(OPTIMIZERS)[opt]), "learning_rate": rate,
             "batch_size": np.full(n_trials, 32), c.REPEAT: repeat, c.SEED: repeat}
    rows = n_trials * n_epochs
    take = pa.array(np.repeat(np.arange(n_trials), n_epochs))
    epoch_columns = {c.SWEEP: pa.array(["big"] * rows), c.TRIAL_ID: pa.array(ids).take(take),
                     c.EPOCH: np.tile(np.arange(1, n_epochs + 1), n_trials),
                     **{k: (v.take(take) if isinstance(v, pa.Array) else per_row(v)) for k, v in hyper.items()},
                     "loss": loss.ravel(), "accuracy": 1 - loss.ravel() / 3, "val_loss": val.ravel(),
                     "val_accuracy": 1 - val.ravel() / 3, c.EPOCH_SECONDS: np.full(rows, 0.05),
                     c.NODE: pa.array(["10.0.0.1"] * rows), c.TIMESTAMP: np.arange(rows, dtype=float)}
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(_table(epoch_columns, records.epoch_schema(METRICS, meta)), folder / c.EPOCHS_FILE)
    finite = np.where(np.isfinite(val), val, np.inf)
    best = finite.argmin(axis=1)
    at = np.arange(n_trials)
    chosen = np.zeros(n_trials, dtype=bool)
    chosen[finite[at, best].argmin()] = True
    test = np.where(chosen, val[at, best] * 1.05, np.nan)
    trial_columns = {c.SWEEP: pa.array(["big"] * n_trials), c.TRIAL_ID: pa.array(ids), **hyper,
                     c.STATUS: pa.array(np.where(blown, c.DIVERGED, c.COMPLETED)),
                     c.EPOCHS_RUN: np.full(n_trials, n_epochs), c.BEST_EPOCH: best + 1,
                     "best_loss": loss[at, best], "best_accuracy": 1 - loss[at, best] / 3,
                     "best_val_loss": val[at, best], "best_val_accuracy": 1 - val[at, best] / 3,
                     "test_loss": test, "test_accuracy": np.where(chosen, 0.95, np.nan),
                     c.CHOSEN: chosen, c.NODE: pa.array(["10.0.0.1"] * n_trials)}
    pq.write_table(_table(trial_columns, records.trial_schema(METRICS, meta)), folder / c.TRIALS_FILE)
    spec = {"name": "big", "data": {"dataset": "digits"},
            "model": {"family": "mlp", "width": {"grid": list(WIDTHS)}, "depth": {"grid": list(DEPTHS)}},
            "train": {"optimizer": {"grid": list(OPTIMIZERS)}, "learning_rate": {"grid": list(RATES)},
                      "max_epochs": n_epochs},
            "search": {"scheduler": "fifo", "metric": "val_loss", "mode": "min", "num_samples": repeats}}
    (folder / c.SPEC_FILE).write_text(yaml.safe_dump(spec, sort_keys=False))
    run = {"name": "big", "metric": "val_loss", "mode": "min", "axes": AXES, "scheduler": "fifo",
           "num_samples": repeats, "dataset": "digits", "started": "2025-11-20T10:00:00+00:00",
           "finished": "2025-11-20T18:00:00+00:00", "duration_seconds": 28800.0,
           "versions": {"ray": "2.60.0", "tensorflow": "2.21.0"}, "nodes": ["10.0.0.1"], "trials_total": n_trials}
    (folder / c.RUN_FILE).write_text(json.dumps(run))
    return folder


def _table(columns: dict[str, object], schema: pa.Schema) -> pa.Table:
    """Columns (NumPy or Arrow) -> a table of exactly ``schema``; absent columns are null."""
    rows = len(columns[c.EPOCH if c.EPOCH in columns else c.TRIAL_ID])  # type: ignore[arg-type]
    arrays = []
    for field in schema:
        value = columns.get(field.name)
        if value is None:
            arrays.append(pa.nulls(rows, field.type))
        elif isinstance(value, pa.Array):
            arrays.append(value.cast(field.type))
        else:
            arrays.append(pa.array(value, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "big"
        start = time.perf_counter()
        build(folder, args.trials, args.epochs)
        print(f"built {args.trials * args.epochs:,} epoch rows in {time.perf_counter() - start:.2f} s "
              f"({(folder / c.EPOCHS_FILE).stat().st_size / 1e6:.1f} MB epochs.parquet)")
        times: dict[str, float] = {}
        start = time.perf_counter()
        results = analysis.load(folder)
        times["load"] = time.perf_counter() - start
        start = time.perf_counter()
        best = analysis.best_epochs(results.epochs, "val_loss", "min")
        analysis.capacity(best, "val_loss", "min")
        analysis.optimizers(best, "val_loss", "min")
        analysis.noise_verdict(analysis.noise(best, "val_loss", "min", AXES), "val_loss")
        analysis.survivors(analysis.epochs_reached(results.epochs), [1, 10, 50, 100])
        times["summaries"] = time.perf_counter() - start
        for stage, work in (("effects", lambda: analysis.axis_effects(best, results.trials, "val_loss", "min", AXES)),
                            ("importance", lambda: analysis.importance(best, "val_loss", "min", AXES,
                                                                       trials=results.trials)),
                            ("pairs", lambda: analysis.pairs(best, "val_loss", "min", AXES, trials=results.trials)),
                            ("answer", lambda: analysis.answer(results))):
            start = time.perf_counter()
            work()
            times[stage] = time.perf_counter() - start
        start = time.perf_counter()
        title, blocks = report.build_report(results)
        times["report: summaries + figures"] = time.perf_counter() - start
        start = time.perf_counter()
        report.render_figures(blocks)
        times["report: PNG encoding"] = time.perf_counter() - start
        start = time.perf_counter()
        out = analysis.write_report([folder], Path(tmp) / "report")
        times[FULL] = time.perf_counter() - start
        print(f"report: {out} ({out.stat().st_size / 1e6:.2f} MB)")
        for stage, seconds in times.items():
            print(f"{stage:<42} {seconds:6.2f} s")
        print(f"{'target: write_report under 10 s':<42} {'met' if times[FULL] < 10 else 'missed'}")


if __name__ == "__main__":
    main()
