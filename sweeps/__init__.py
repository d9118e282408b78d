"""Run Keras hyperparameter sweeps on Ray Tune and keep every epoch in Parquet.

Example:
    >>> import sweeps
    >>> spec = sweeps.load_spec("quickstart")
    >>> outcome = sweeps.run(spec)  # doctest: +SKIP

Everything but the errors is imported on first use, so ``sweeps.results.constants`` and
``sweeps.results.records`` stay light for the analysis package (no Ray, no yaml, no runner).
"""

from __future__ import annotations

from typing import Any

from sweeps.errors import SpecError, SweepError, SweepsError

_LAZY = {
    "run": "sweeps.runner",
    "resume": "sweeps.runner",
    "status": "sweeps.runner",
    "SweepOutcome": "sweeps.runner",
    "Spec": "sweeps.spec.model",
    "builtin_specs": "sweeps.spec.model",
    "load_spec": "sweeps.spec.model",
    "count_trials": "sweeps.search.space",
}

__all__ = [
    "Spec",
    "SpecError",
    "SweepError",
    "SweepOutcome",
    "SweepsError",
    "builtin_specs",
    "count_trials",
    "load_spec",
    "resume",
    "run",
    "status",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sweeps' has no attribute {name!r}")
