"""Run Keras hyperparameter sweeps on Ray Tune and keep every epoch in Parquet.

Example:
    >>> import sweeps
    >>> spec = sweeps.load_spec("quickstart")
    >>> outcome = sweeps.run(spec)  # doctest: +SKIP
"""

from __future__ import annotations

from sweeps.errors import SpecError, SweepError, SweepsError, TrialFailed
from sweeps.runner import SweepOutcome, resume, run, status
from sweeps.space import count_trials
from sweeps.spec import Spec, builtin_specs, load_spec

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
