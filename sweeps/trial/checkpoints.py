"""A trial's training state on disk: weights, optimizer slots, early-stopping progress, epoch.

Small numpy files rather than a ``.keras`` archive: saving costs a few milliseconds,
so checkpointing every epoch stays cheap for the small models sweeps train.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

_ARRAYS = "state.npz"
_META = "state.json"


def save_state(folder: str | Path, model: Any, epoch: int, stopper: Any | None) -> None:
    """Write everything needed to continue training after ``epoch`` (1-based)."""
    folder = Path(folder)
    arrays: dict[str, np.ndarray] = {}
    for i, w in enumerate(model.get_weights()):
        arrays[f"w{i}"] = w
    for i, v in enumerate(model.optimizer.variables):
        arrays[f"o{i}"] = np.asarray(v)
    meta: dict[str, Any] = {"epoch": epoch, "weights": len(model.get_weights()),
                            "optimizer": len(model.optimizer.variables)}
    if stopper is not None:
        meta["stopper"] = {"wait": stopper.wait, "best": _plain(stopper.best), "best_epoch": stopper.best_epoch}
        for i, w in enumerate(stopper.best_weights or []):
            arrays[f"b{i}"] = w
        meta["best_weights"] = len(stopper.best_weights or [])
    np.savez(folder / _ARRAYS, **arrays)
    (folder / _META).write_text(json.dumps(meta))


def restore_state(folder: str | Path, model: Any, stopper: Any | None) -> int:
    """Load a state saved by :func:`save_state` into a compiled model; returns the epoch reached."""
    folder = Path(folder)
    meta = json.loads((folder / _META).read_text())
    with np.load(folder / _ARRAYS) as arrays:
        model.set_weights([arrays[f"w{i}"] for i in range(meta["weights"])])
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        for i, variable in enumerate(model.optimizer.variables[: meta["optimizer"]]):
            variable.assign(arrays[f"o{i}"])
        if stopper is not None and "stopper" in meta:
            best_weights = [arrays[f"b{i}"] for i in range(meta.get("best_weights", 0))] or None
            stopper.resume_from = {**meta["stopper"], "best_weights": best_weights}
    return int(meta["epoch"])


def _plain(value: Any) -> float | None:
    return None if value is None else float(value)
