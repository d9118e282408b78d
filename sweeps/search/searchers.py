"""Spec -> a Ray Tune searcher: what to try next, learned from the results so far.

``search.algorithm`` picks how configurations are chosen:

- ``grid``: every grid point (repeats included) is a trial; distributions are drawn per trial.
- ``random``: grid lists become choices, and ``num_samples`` trials draw every axis at random.
- ``tpe``: Ray Tune's ``OptunaSearch`` with Optuna's TPE sampler, seeded from ``data.seed``.
- ``bohb``: Ray Tune's ``TuneBOHB`` with its ``HyperBandForBOHB`` scheduler (no other scheduler).

``grid`` and ``random`` need no searcher (Tune's own variant generator expands
:func:`sweeps.search.space.param_space`). Under ``tpe`` and ``bohb`` each of the
``num_samples`` trials is one draw, with repeat 0 and seed ``data.seed``: a searcher
learns from every result, so a repeat of a point it has seen is a draw it did not make.
A :class:`ConcurrencyLimiter` keeps the searcher from handing out more configurations
than there are slots, so each new draw can learn from the trials already finished.

Light at import: Ray, Optuna and hpbandster are imported only when a searcher is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sweeps.spec.algorithms import (
    ALGORITHMS,
    REQUIREMENTS,
    SCHEDULERS_WITH,
    SEARCHERS,
    install_line,
    missing_packages,
    uses_searcher,
)

if TYPE_CHECKING:
    from sweeps.spec.model import Spec


def slots(spec: Spec) -> int:
    """How many trials the running Ray can hold at once with the spec's resources per trial."""
    import ray

    available = ray.cluster_resources()
    count = available.get("CPU", 0.0) // spec.resources["cpus_per_trial"]
    gpus = spec.resources["gpus_per_trial"]
    if gpus:
        count = min(count, available.get("GPU", 0.0) // gpus)
    return max(1, int(count))


def make_searcher(spec: Spec, max_concurrent: int | None = None) -> Any | None:
    """The spec's searcher behind a :class:`ConcurrencyLimiter`, or None for ``grid`` and ``random``.

    ``max_concurrent`` (``--max-concurrent`` or ``resources.max_concurrent``) caps the
    configurations in flight; by default, one per slot of the running Ray.

    Example:
        >>> searcher = make_searcher(load_spec("tpe"))  # doctest: +SKIP
    """
    algorithm = spec.search["algorithm"]
    if algorithm not in SEARCHERS:
        return None
    from ray.tune.search import ConcurrencyLimiter

    seed = spec.data["seed"]
    searcher: Any
    if algorithm == "tpe":
        import optuna
        from ray.tune.search.optuna import OptunaSearch

        optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial otherwise
        searcher = OptunaSearch(sampler=optuna.samplers.TPESampler(seed=seed))
    else:
        from ray.tune.search.bohb import TuneBOHB

        searcher = TuneBOHB(seed=seed)
    return ConcurrencyLimiter(searcher, max_concurrent=max_concurrent or slots(spec))



__all__ = ["ALGORITHMS", "SEARCHERS", "REQUIREMENTS", "SCHEDULERS_WITH", "uses_searcher", "missing_packages",
           "install_line", "slots", "make_searcher"]
