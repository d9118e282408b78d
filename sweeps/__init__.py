"""Run Keras hyperparameter sweeps on Ray Tune and keep every epoch in Parquet.

Example:
    >>> import sweeps
    >>> spec = sweeps.load_spec("quickstart")
    >>> outcome = sweeps.run(spec)  # doctest: +SKIP

The runner (and with it Ray) is imported on first use, so ``sweeps.constants`` and
``sweeps.records`` stay light for the analysis package.
"""

from __future__ import annotations

from typing import Any

from sweeps.errors import SpecError, SweepError, SweepsError, TrialFailed
from sweeps.space import count_trials
from sweeps.spec import Spec, builtin_specs, load_spec

_RUNNER = ("run", "resume", "status", "SweepOutcome")

__all__ = [
    "Spec",
    "SpecError",
    "SweepError",
    "SweepOutcome",
    "SweepsError",
    "TrialFailed",
    "builtin_specs",
    "count_trials",
    "load_spec",
    "resume",
    "run",
    "status",
]


def __getattr__(name: str) -> Any:
    if name in _RUNNER:
        from sweeps import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'sweeps' has no attribute {name!r}")
