"""Checks that need the data: run by ``sweeps validate`` and by ``run`` before anything is written.

The spec's own checks (``sweeps.spec``) cannot see a user loader's task or a user builder's
model; this module loads nothing itself: it takes the loaded splits.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from typing import Any

from sweeps.errors import SpecError
from sweeps.hyperparameters import REGRESSION_LOSS
from sweeps.spec.checks import check_task
from sweeps.spec.model import Spec
from sweeps.trial.data import Splits


def with_builder(spec: Spec | Any, overrides: Any = None, build: Any = None) -> Spec:
    """The spec loaded (if it is not yet), with ``build`` (a function from Python) as its model builder."""
    from sweeps.spec.model import apply_overrides, load_spec, read_spec

    if build is None:
        return spec if isinstance(spec, Spec) else load_spec(spec, overrides)
    if not callable(build):
        raise SpecError(f"build must be a function build(hp) -> keras.Model, got {type(build).__name__}")
    from sweeps.trial.user_code import check_signature

    check_signature("build", build, 1)
    if isinstance(spec, Spec):
        raw, base = spec.to_dict(), (None if spec.base is None else spec.base)
    else:
        raw, base = read_spec(spec)
        base = str(base) if base is not None else None
    if overrides:
        raw = apply_overrides(raw, overrides)
    model = {k: v for k, v in (raw.get("model") or {}).items() if k not in ("family", "build")}
    raw = {**raw, "model": {**model, "build": "python:build"}}
    loaded = load_spec(raw)
    return dataclasses.replace(loaded, build=build, base=base)


def user_modules(spec: Spec) -> list[str]:
    """Local paths of the user's modules that Ray ships to every node (``runtime_env.py_modules``)."""
    from sweeps.trial.user_code import shipped_paths

    return shipped_paths([spec.build if isinstance(spec.build, str) else None, spec.data.get("load")], spec.base)


def with_data(spec: Spec, data: Splits, ray_facts: Mapping[str, Any] | None = None) -> Spec:
    """The spec with the data's task filled in, its metric checked against it, and a user model built once.

    When the user's modules could not be shipped (``ray_facts['modules_shipped']`` is False: this
    process joined a Ray started elsewhere, e.g. a notebook's ``ray.init``), the builder is imported
    here and its module's code travels with the trials, pickled by value.
    """
    if spec.task not in (None, data.task):
        raise SpecError(f"data.task is {spec.task!r} but the data loaded is {data.task}")
    check_task(data.task, spec.metric, spec.loss, spec.early_stopping)
    spec = dataclasses.replace(spec, data={**spec.data, "task": data.task})
    if spec.build is not None:
        build_once(spec, data)
        if ray_facts is not None and not ray_facts.get("modules_shipped", True) and isinstance(spec.build, str):
            spec = dataclasses.replace(spec, build=_by_value(spec))
    return spec


def _by_value(spec: Spec) -> Any:
    from ray import cloudpickle

    from sweeps.trial.user_code import import_callable

    builder = import_callable("model.build", spec.build, spec.base)
    cloudpickle.register_pickle_by_value(sys.modules[builder.__module__])
    return builder


def build_once(spec: Spec, data: Splits) -> Any:
    """Import the builder and build it on the data's shapes with the first trial's hyperparameters."""
    from sweeps.search.space import first_config
    from sweeps.trial.models import build_user_model
    from sweeps.trial.user_code import import_callable

    builder = spec.build if callable(spec.build) else import_callable("model.build", spec.build, spec.base)
    hp = first_config(spec)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    given = f"input_shape {data.feature_shape}, n_outputs {data.n_outputs}, task {data.task}"
    try:
        model = build_user_model(builder, hp, data.feature_shape, data.n_outputs, data.task)
    except Exception as exc:
        raise SpecError(f"model.build {_name(spec.build)} failed on {given}: {type(exc).__name__}: {exc}") from None
    shape = tuple(getattr(model, "output_shape", ()) or ())
    if len(shape) != 2 or shape[-1] != data.n_outputs:
        raise SpecError(f"model.build {_name(spec.build)} must return a model with output shape (None, "
                        f"{data.n_outputs}) for {given}; got {shape}")
    return model


def _name(build: Any) -> str:
    return repr(build) if isinstance(build, str) else repr(f"{build.__module__}:{build.__qualname__}")


def describe_data(spec: Spec, data: Splits) -> list[str]:
    """What ``sweeps validate`` says of the data: task, splits, baselines, a table's fitted feature plan, warnings."""
    from sweeps.trial.baselines import baselines, describe_baselines

    loss = spec.loss or (REGRESSION_LOSS if data.task == "regression" else "cross-entropy")
    what = f"{data.n_classes} classes" if data.task == "classification" else f"{data.n_outputs} output(s)"
    lines = [f"task: {data.task} ({what}, loss {loss}); rows train {len(data.y_train)}, validation "
             f"{len(data.y_val)}, test {len(data.y_test)}; input shape {data.feature_shape}"]
    lines += describe_baselines(baselines(data, spec.loss))
    if data.audit.plan:
        lines.append("features (encoder fitted on the training split):")
        for row in data.audit.plan:
            unseen = (f"; unseen in training: {row.unseen[0]} validation, {row.unseen[1]} test rows"
                      if any(row.unseen) else "")
            lines.append(f"  {row.column:<20} {row.kind:<34} {row.inputs} input{'s' if row.inputs != 1 else ''}"
                         f"{unseen}")
    return lines + list(data.audit.warnings)
