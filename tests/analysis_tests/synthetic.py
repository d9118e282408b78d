"""Synthetic results folders, written the way the runner writes them (records' schemas).

Learning curves are made up but shaped like real ones: wider and deeper nets fit faster
and overfit more, a too-large SGD learning rate diverges, ASHA prunes the laggards at
its rungs, repeats add seed noise.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import yaml

from sweeps.results import constants as c
from sweeps.results import records

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def write_results_folder(
    path: Path,
    epoch_rows: Sequence[Mapping[str, Any]],
    trial_rows: Sequence[Mapping[str, Any]] | None,
    *,
    metric: str = "val_loss",
    mode: str = "min",
    axes: Sequence[str] = (),
    run: Mapping[str, Any] | None = None,
    spec: Mapping[str, Any] | None = None,
    metrics: Sequence[str] = METRICS,
    user: Mapping[str, str] | None = None,
) -> Path:
    """Write spec.yaml, run.json, epochs.parquet and (unless None) trials.parquet into ``path``.

    ``user`` names a user model's own hyperparameters and their types (``{"bn": "bool"}``).
    """
    path.mkdir(parents=True, exist_ok=True)
    meta = {"metric": metric, "mode": mode, "axes": list(axes),
            **({records.USER_HYPERPARAMETERS: dict(user)} if user else {})}
    pq.write_table(records.to_table(list(epoch_rows), records.epoch_schema(metrics, meta)), path / c.EPOCHS_FILE)
    if trial_rows is not None:
        pq.write_table(records.to_table(list(trial_rows), records.trial_schema(metrics, meta)),
                       path / c.TRIALS_FILE)
    if run is not None:
        (path / c.RUN_FILE).write_text(json.dumps(run, indent=2))
    if spec is not None:
        (path / c.SPEC_FILE).write_text(yaml.safe_dump(dict(spec), sort_keys=False))
    return path


def synthetic_sweep(
    path: Path,
    name: str = "toy",
    widths: Sequence[int] = (16, 64),
    depths: Sequence[int] = (1, 3),
    optimizers: Sequence[str] = ("sgd", "adam"),
    learning_rates: Sequence[float] = (0.003, 0.03, 0.3),
    repeats: int = 2,
    max_epochs: int = 12,
    scheduler: str = "asha",
    seed: int = 0,
) -> Path:
    """A whole results folder of a width x depth x optimizer x learning-rate grid."""
    rng = np.random.default_rng(seed)
    grid = list(itertools.product(widths, depths, optimizers, learning_rates, range(repeats)))
    curves = {f"t{i:04d}": _curve(w, d, o, lr, r, max_epochs, rng) for i, (w, d, o, lr, r) in enumerate(grid)}
    stops = _asha_stops(curves, (2, 6), max_epochs) if scheduler == "asha" else {}
    epoch_rows, trial_rows = [], []
    for (trial_id, curve), (w, d, o, lr, r) in zip(curves.items(), grid):
        hyper = {"family": "mlp", "width": w, "depth": d, "activation": "relu", "dropout": 0.0, "optimizer": o,
                 "learning_rate": lr, "batch_size": 32, c.REPEAT: r, c.SEED: r}
        last = stops.get(trial_id, len(curve))
        diverged = any(not math.isfinite(e["loss"]) for e in curve[:last])
        for epoch, values in enumerate(curve[:last], start=1):
            epoch_rows.append({c.SWEEP: name, c.TRIAL_ID: trial_id, c.EPOCH: epoch, **hyper, **values,
                               c.EPOCH_SECONDS: 0.1, c.NODE: "10.0.0.1", c.TIMESTAMP: 1.7e9 + epoch})
        status = c.DIVERGED if diverged else c.PRUNED if trial_id in stops else c.COMPLETED
        finite = [(e["val_loss"], i) for i, e in enumerate(curve[:last], start=1) if math.isfinite(e["val_loss"])]
        best = min(finite)[1] if finite else None
        trial_rows.append({c.SWEEP: name, c.TRIAL_ID: trial_id, **hyper, c.STATUS: status, c.EPOCHS_RUN: last,
                           c.BEST_EPOCH: best, **({f"best_{m}": curve[best - 1][m] for m in METRICS} if best else {}),
                           c.CHOSEN: False, c.NODE: "10.0.0.1"})
    ranked = sorted((t for t in trial_rows if t[c.BEST_EPOCH]), key=lambda t: t["best_val_loss"])
    ranked[0].update({c.CHOSEN: True, "test_loss": ranked[0]["best_val_loss"] * 1.05, "test_accuracy": 0.9})
    axes = [a for a, values in [("width", widths), ("depth", depths), ("optimizer", optimizers),
                                ("learning_rate", learning_rates)] if len(values) > 1]
    run = {"name": name, "metric": "val_loss", "mode": "min", "axes": axes, "scheduler": scheduler,
           "num_samples": repeats, "dataset": "digits", "started": "2025-11-20T10:00:00+00:00",
           "finished": "2025-11-20T10:04:30+00:00", "duration_seconds": 270.0,
           "versions": {"ray": "2.60.0", "tensorflow": "2.21.0", "keras": "3.12.0", "python": "3.11.2",
                        "sweeps": "0.1.0"},
           "nodes": ["10.0.0.1"], "trials_total": len(grid)}
    return write_results_folder(path, epoch_rows, trial_rows, axes=axes, run=run,
                                spec=_spec(name, widths, depths, optimizers, learning_rates, repeats,
                                           max_epochs, scheduler))


def _curve(width: int, depth: int, optimizer: str, lr: float, repeat: int, epochs: int,
           rng: np.random.Generator) -> list[dict[str, float]]:
    speed = {"adam": 0.6, "sgd": 0.25}.get(optimizer, 0.4) * (1 + math.log10(lr / 0.003))
    floor = 0.6 / math.log2(width) + 0.05 * depth + 0.02 * rng.standard_normal()
    overfit = 0.004 * width ** 0.5 * depth
    rows = []
    for epoch in range(1, epochs + 1):
        train = floor * math.exp(-overfit * epoch) + 2.0 * math.exp(-speed * epoch)
        val = floor + 2.0 * math.exp(-speed * epoch) + overfit * epoch ** 1.3 / 4 + 0.01 * rng.standard_normal()
        if optimizer == "sgd" and lr >= 0.3 and epoch >= 2:
            train = val = math.nan
        rows.append({"loss": train, "accuracy": 1 - train / 3, "val_loss": val, "val_accuracy": 1 - val / 3})
        if math.isnan(train):
            break
    return rows


def _asha_stops(curves: dict[str, list[dict[str, float]]], rungs: Sequence[int], max_epochs: int) -> dict[str, int]:
    """Trials outside the top third at a rung stop there, as ASHA would (roughly)."""
    stops: dict[str, int] = {}
    for rung in rungs:
        alive = {t: cv[rung - 1]["val_loss"] for t, cv in curves.items()
                 if t not in stops and len(cv) >= rung and math.isfinite(cv[rung - 1]["val_loss"])}
        keep = set(sorted(alive, key=alive.__getitem__)[: max(1, len(alive) // 3)])
        stops.update({t: rung for t in alive if t not in keep and rung < max_epochs})
    return stops


def _spec(name: str, widths: Sequence[int], depths: Sequence[int], optimizers: Sequence[str],
          learning_rates: Sequence[float], repeats: int, max_epochs: int, scheduler: str) -> dict[str, Any]:
    def axis(values: Sequence[Any]) -> Any:
        return {"grid": list(values)} if len(values) > 1 else values[0]

    search: dict[str, Any] = {"scheduler": scheduler, "metric": "val_loss", "mode": "min", "num_samples": repeats}
    if scheduler == "asha":
        search["asha"] = {"grace_period": 2, "reduction_factor": 3.0}
    return {"name": name, "data": {"dataset": "digits", "validation_split": 0.3, "test_split": 0.2, "seed": 0},
            "model": {"family": "mlp", "width": axis(widths), "depth": axis(depths), "activation": "relu",
                      "dropout": 0.0},
            "train": {"optimizer": axis(optimizers), "learning_rate": axis(learning_rates), "batch_size": 32,
                      "max_epochs": max_epochs},
            "search": search}


def planted_sweep(
    path: Path,
    axes: Mapping[str, Sequence[Any]],
    score: Callable[[Mapping[str, Any]], float],
    *,
    name: str = "planted",
    repeats: int = 3,
    seed_noise: float = 0.01,
    run_noise: float = 0.002,
    diverged: Callable[[Mapping[str, Any]], bool] = lambda hyper: False,
    user: Mapping[str, str] | None = None,
    run: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> Path:
    """A grid of ``axes`` x repeats whose best val_accuracy is ``score(hyper)`` plus noise.

    Every run of one repeat shares that repeat's seed offset (``seed_noise``), as runs
    sharing a seed do, plus its own ``run_noise``. A run for which ``diverged(hyper)``
    holds logs NaN from its first epoch. ``user`` names user hyperparameters and their
    types (``{"layer_units": "str"}``); list values are stored as the runner stores them.
    """
    rng = np.random.default_rng(seed)
    offsets = seed_noise * rng.standard_normal(repeats)
    names = list(axes)
    epoch_rows, trial_rows = [], []
    for i, (values, r) in enumerate(itertools.product(itertools.product(*axes.values()), range(repeats))):
        hyper = dict(zip(names, values))
        trial_id = f"t{i:05d}"
        cells = {k: records.cell(v) for k, v in hyper.items()}
        base = {c.SWEEP: name, c.TRIAL_ID: trial_id, **cells, c.REPEAT: r, c.SEED: r}
        blown = diverged(hyper)
        top = score(hyper) + offsets[r] + run_noise * rng.standard_normal()
        curve = [math.nan] * 3 if blown else [top - 0.05, top, top - 0.01]
        for epoch, value in enumerate(curve, start=1):
            epoch_rows.append({**base, c.EPOCH: epoch, "loss": 1 - value, "accuracy": value, "val_loss": 1 - value,
                               "val_accuracy": value, c.EPOCH_SECONDS: 0.1, c.NODE: "10.0.0.1",
                               c.TIMESTAMP: 1.7e9 + epoch})
        trial_rows.append({**base, c.STATUS: c.DIVERGED if blown else c.COMPLETED, c.EPOCHS_RUN: 3,
                           c.BEST_EPOCH: None if blown else 2, c.CHOSEN: False, c.NODE: "10.0.0.1"})
    meta_axes = [*names, c.REPEAT]
    facts = {"name": name, "metric": "val_accuracy", "mode": "max", "axes": meta_axes, "scheduler": "fifo",
             "num_samples": repeats, "dataset": "digits", **(run or {})}
    return write_results_folder(path, epoch_rows, trial_rows, metric="val_accuracy", mode="max", axes=meta_axes,
                                run=facts, user=user)
