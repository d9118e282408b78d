"""The public API: run, resume and status, each a short front over the pieces that do the work.

A sweep is validated before Ray starts; :mod:`sweeps.driver` then runs or resumes it (the only
``tune.Tuner`` calls are in :mod:`sweeps.tuner`). ``status`` reads the files alone: importing this
module imports no Ray, which ``run`` and ``resume`` import when called.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sweeps.errors import SpecError, SweepInterrupted
from sweeps.finish import SweepOutcome
from sweeps.preflight import with_builder
from sweeps.results import constants as c
from sweeps.results.lock import locked
from sweeps.results.rows import rows_of
from sweeps.results.run_facts import read_run_facts, stored_spec
from sweeps.results.storage import Folder
from sweeps.spec.model import Spec


def run(spec: Spec | str | Path | Mapping[str, Any], *, results: str | Path = "results",
        address: str | None = None, max_concurrent: int | None = None, overwrite: bool = False,
        overrides: Mapping[str, Any] | None = None, progress: bool = True, build: Any = None,
        _wrap_trainable: Any = None) -> SweepOutcome:
    """Run a sweep and write ``<results>/<name>/``.

    Args:
        spec: a :class:`Spec`, a YAML file, a built-in spec's name or the spec as a mapping.
        results: the results root (a local path or a pyarrow filesystem URI).
        address: ``"auto"`` or ``"HOST:PORT"`` joins a running Ray cluster; None starts a local Ray.
        max_concurrent: the most trials at once (overrides ``resources.max_concurrent``).
        overwrite: replace an existing results folder of the same name instead of refusing.
        overrides: dotted keys set on the spec before validation, like ``{"train.max_epochs": 3}``.
        progress: print the one-line progress view while the sweep runs.
        build: a function ``build(hp) -> keras.Model`` (uncompiled) for the user's own model,
            instead of ``model.build`` in the spec; every other key under ``model:`` is its hyperparameter.

    Returns:
        The :class:`SweepOutcome`: trial counts, the chosen configuration and its test metrics.

    Example:
        >>> outcome = run("quickstart", results="results")  # doctest: +SKIP
        >>> outcome.chosen["optimizer"], outcome.test_metrics["test_accuracy"]  # doctest: +SKIP
    """
    from sweeps import driver
    from sweeps.claim import claim_folder

    spec = with_builder(spec, overrides, build)
    if max_concurrent is not None and max_concurrent < 1:
        raise SpecError(f"--max-concurrent must be >= 1, got {max_concurrent}")
    folder = Folder.at(results).child(spec.name)
    with locked(folder):
        new = driver.NewSweep(claim_folder(folder, overwrite), max_concurrent, _wrap_trainable)
        return driver.drive(spec, folder, address, progress, new)


def resume(location: str | Path, *, address: str | None = None, progress: bool = True) -> SweepOutcome:
    """Finish a sweep whose driver stopped; epochs already stored are kept, none is written twice.

    Args:
        location: the sweep's results folder (``<results>/<name>``), a local path or a URI.
        address: ``"auto"`` or ``"HOST:PORT"`` joins a running Ray cluster; None starts a local Ray.
        progress: print the one-line progress view while the sweep runs.

    Returns:
        The :class:`SweepOutcome`, as :func:`run` returns it.
    """
    from sweeps import driver

    folder = Folder.at(location)
    if not folder.exists(c.SPEC_FILE) or not folder.is_dir(c.RAY_DIR):
        raise SpecError(f"{folder.uri} is not a sweep's results folder (it needs {c.SPEC_FILE} and {c.RAY_DIR}/)")
    with locked(folder):
        return driver.drive(stored_spec(folder), folder, address, progress, None)


def status(location: str | Path) -> dict[str, Any]:
    """Trials by state and the best so far, from the files alone (neither Ray nor Ray Tune is imported).

    Args:
        location: the sweep's results folder (``<results>/<name>``), a local path or a URI.

    Returns:
        ``name``, ``folder``, ``metric``, ``mode``, ``total`` (trials planned), ``counts`` (per status),
        ``best`` (the best trial's row so far, or None), ``epochs`` (rows stored), ``finished`` and ``chosen``
        (from run.json), ``axes`` (the searched hyperparameters, a user model's own too).
    """
    from sweeps.search.space import count_trials

    folder = Folder.at(location)
    if not folder.exists(c.SPEC_FILE):
        raise SpecError(f"{folder.uri} is not a sweep's results folder (no {c.SPEC_FILE})")
    spec = stored_spec(folder)
    rows = rows_of(spec, folder)
    rows.load_existing()
    facts = read_run_facts(folder)
    return {"name": spec.name, "folder": folder.uri, "metric": spec.metric, "mode": spec.mode,
            "total": count_trials(spec), "counts": rows.counts(), "best": rows.best_trial(), "axes": spec.axes,
            "epochs": len(rows.epochs), "finished": facts.get("finished"), "chosen": facts.get("chosen")}


__all__ = ["run", "resume", "status", "SweepOutcome", "SweepInterrupted"]
