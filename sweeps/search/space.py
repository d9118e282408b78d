"""Spec -> Ray Tune ``param_space``: pure, no Ray started.

Grid axes are expanded here rather than by Tune so that optimizer settings an
optimizer does not take are dropped before expansion: ``adadelta`` x three ``beta_1``
values is one trial, not three identical ones. Random axes stay Tune domains and are
drawn per trial. Repeats (``num_samples``) are a grid axis too, so each trial knows
its repeat and seed.

Under ``search.algorithm`` random, tpe or bohb a grid list is a choice instead, and the
spec's axes are Tune domains for the searcher to draw (see :mod:`sweeps.search.searchers`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sweeps.hyperparameters import FIELDS, OPTIMIZER_SETTINGS, applies
from sweeps.results import constants as c
from sweeps.results.records import cell
from sweeps.spec.algorithms import uses_searcher
from sweeps.spec.rules import Axis

if TYPE_CHECKING:
    from sweeps.spec.model import Spec

POINT = "point"
"""Key of the grid point inside a Tune config; random axes sit beside it."""


def searched_axes(spec: Spec) -> dict[str, Axis]:
    """The spec's hyperparameters as its algorithm searches them: a grid list is a choice unless it is ``grid``."""
    if spec.search.get("algorithm", "grid") == "grid":
        return dict(spec.hyperparameters)
    return {k: Axis("choice", axis.values) if axis.kind == "grid" else axis for k, axis in spec.hyperparameters.items()}


def grid_points(spec: Spec) -> list[dict[str, Any]]:
    """Every distinct grid point, repeats included, in a stable order.

    Under a searcher there is one point (the fixed values), repeat 0: ``num_samples`` counts draws.
    """
    grid = {k: axis.values for k, axis in searched_axes(spec).items() if axis.is_grid}
    points: list[dict[str, Any]] = []
    seen: set[str] = set()
    for combo in itertools.product(*grid.values()):
        point = _drop_unused_settings(dict(zip(grid, combo)))
        key = repr(sorted(point.items(), key=lambda kv: kv[0]))  # repr: widths and schedules are lists, dicts
        if key not in seen:
            seen.add(key)
            points.append(point)
    repeats = 1 if uses_searcher(spec) else spec.search["num_samples"]
    seed = spec.data["seed"]
    return [{**p, c.REPEAT: r, c.SEED: seed + r} for r in range(repeats) for p in points]


def trial_order(spec: Spec) -> list[dict[str, Any]]:
    """The grid points in the order trials start.

    A whole grid (``fifo``) runs in spec order, which keeps trials that share a traced graph
    next to each other. Under ASHA or HyperBand the first trials to reach a rung set the bar for
    the rest, so each repeat's points start in a seeded random order: in spec order every
    small width would start (and be compared) before any large one.
    """
    points = grid_points(spec)
    if spec.search["scheduler"] == "fifo":
        return points
    shuffled: list[dict[str, Any]] = []
    for repeat in sorted({p[c.REPEAT] for p in points}):
        block = [p for p in points if p[c.REPEAT] == repeat]
        random.Random(spec.data["seed"]).shuffle(block)
        shuffled.extend(block)
    return shuffled


def random_axes(spec: Spec) -> dict[str, Axis]:
    """Axes drawn at random per trial (choice, uniform, loguniform, randint)."""
    return {k: axis for k, axis in searched_axes(spec).items() if not axis.is_grid}


def count_trials(spec: Spec) -> int:
    return spec.search["num_samples"] if uses_searcher(spec) else len(grid_points(spec))


def param_space(spec: Spec) -> dict[str, Any]:
    """The Tune param_space: ``{"point": grid_search(points), <random axis>: domain, ...}``.

    Under a searcher the point is a constant (the fixed values, repeat 0) and every searched axis a domain.
    """
    from ray import tune

    point = grid_points(spec)[0] if uses_searcher(spec) else tune.grid_search(trial_order(spec))
    space: dict[str, Any] = {POINT: point}
    for name, axis in random_axes(spec).items():
        space[name] = to_domain(axis)
    return space


def to_domain(axis: Axis) -> Any:
    from ray import tune

    if axis.kind == "choice":
        return tune.choice(list(axis.values))
    low, high = axis.values
    return {"uniform": tune.uniform, "loguniform": tune.loguniform, "randint": tune.randint}[axis.kind](low, high)


def resolve_config(config: Mapping[str, Any], family: str) -> dict[str, Any]:
    """A Tune config -> the trial's flat hyperparameters, unused optimizer settings removed."""
    flat = {k: _plain(v) for k, v in config.items() if k != POINT}
    flat.update(config.get(POINT, {}))
    flat["family"] = family
    return _drop_unused_settings(flat)


def config_from_row(spec: Spec, row: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """A stored trial row's hyperparameters ``names`` as the trial had them, for its retrain.

    Parquet holds a list or a mapping as text (``widths`` "100-50", a schedule's JSON); such text
    becomes the spec's value that :func:`records.cell` writes as it. Other strings stay as stored.
    """
    flat = {}
    for name in names:
        value = row.get(name)
        if value is None:
            continue
        axis = spec.hyperparameters.get(name)
        if isinstance(value, str) and axis is not None:
            value = next((v for v in axis.candidates() if not isinstance(v, str) and cell(v) == value), value)
        flat[name] = value
    return resolve_config(flat, spec.family)


def _plain(value: Any) -> Any:
    """A searcher's numpy scalar (BOHB draws np.float64, np.str_) as the Python value a Parquet column takes."""
    return value.item() if type(value).__module__ == "numpy" and hasattr(value, "item") else value


def _drop_unused_settings(values: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if applies(k, values)}
    optimizer = values.get("optimizer")
    if optimizer is None:
        return values
    taken = OPTIMIZER_SETTINGS[optimizer]
    return {k: v for k, v in values.items() if k not in FIELDS or not FIELDS[k].optimizers or k in taken}


def describe_space(spec: Spec) -> list[str]:
    """One line per hyperparameter, for ``sweeps validate``."""
    lines = []
    for name, axis in spec.hyperparameters.items():
        if axis.is_fixed:
            shown = f"{axis.values[0]}"
        elif axis.kind in ("grid", "choice"):
            shown = f"{axis.kind} {list(axis.values)}"
        else:
            shown = f"{axis.kind} [{axis.values[0]}, {axis.values[1]}]"
        lines.append(f"{name:<14} {shown}")
    return lines


def first_config(spec: Spec) -> dict[str, Any]:
    """The first trial's hyperparameters (random axes at their first candidate or low end), for a trial build."""
    point = trial_order(spec)[0]
    drawn = {name: axis.values[0] for name, axis in random_axes(spec).items()}
    return resolve_config({POINT: point, **drawn}, spec.family)
