"""Shared fixtures: one local Ray for the whole session, and one real sweep other tests read."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(autouse=True)
def _seed() -> None:
    random.seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    """One local Ray (2 CPUs) shared by every test that trains through Tune."""
    import ray

    from sweeps.session import start_local_ray

    if not ray.is_initialized():
        start_local_ray(num_cpus=2)
    yield ray
    ray.shutdown()


def tiny_spec(name: str, **sections: Any) -> dict[str, Any]:
    """A small digits MLP sweep; keyword sections replace the defaults."""
    spec: dict[str, Any] = {
        "name": name,
        "data": {"dataset": "digits", "seed": 0},
        "model": {"family": "mlp", "width": {"grid": [8, 32]}, "depth": {"grid": [1, 2]}},
        "train": {"optimizer": {"grid": ["sgd", "adam"]}, "learning_rate": {"grid": [0.003, 0.1]},
                  "batch_size": 64, "max_epochs": 6,
                  "early_stopping": {"monitor": "val_loss", "patience": 2}},
        "search": {"scheduler": "asha", "metric": "val_loss", "asha": {"grace_period": 1, "reduction_factor": 2}},
        "resources": {"checkpoint_every": 2, "checkpoint_seconds": 0},
    }
    spec.update(sections)
    return spec


@pytest.fixture(scope="session")
def asha_sweep(ray_local: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real 16-trial ASHA sweep through Ray Tune and Keras, run once per session."""
    import sweeps

    results = tmp_path_factory.mktemp("results")
    return sweeps.run(tiny_spec("tiny-asha"), results=results, progress=False)


@pytest.fixture(scope="session")
def sweep_folder(asha_sweep: Any) -> Path:
    return Path(asha_sweep.folder)
