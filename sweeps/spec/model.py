"""The sweep spec: one YAML loader, the rules every field follows, a frozen result.

``load_spec`` is the only way in: it validates everything (fields, types, ranges,
files, columns, optimizer settings) and raises :class:`SpecError` with one line naming
the field before anything runs or is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sweeps.errors import SpecError
from sweeps.hyperparameters import rules
from sweeps.results import constants as c
from sweeps.search.rungs import GRACE_PERIOD, REDUCTION_FACTOR
from sweeps.spec.algorithms import ALGORITHMS
from sweeps.spec.checks import check_spec
from sweeps.spec.rules import Axis, Rule, check_keys, section
from sweeps.spec.user_model import user_hyperparameters, user_rule

DATASETS = ("digits", "mnist", "fashion_mnist", "table")
CUSTOM = "custom"
"""The family of a user's own model (``model.build``)."""
SCHEDULERS = ("fifo", "asha", "hyperband")

_UNIT = dict(kind=float, low=0.0, high=1.0, low_open=True, high_open=True)

DATA_RULES = {
    "dataset": Rule(str, "digits", allowed=DATASETS),
    "path": Rule(str, None, nullable=True),
    "target": Rule(str, None, nullable=True),
    "validation_split": Rule(default=0.3, **_UNIT),  # type: ignore[arg-type]
    "test_split": Rule(default=0.2, **_UNIT),  # type: ignore[arg-type]
    "seed": Rule(int, 0, low=0),
    "limit": Rule(int, None, low=10, nullable=True),
    "load": Rule(str, None, nullable=True),
    "task": Rule(str, None, allowed=c.TASKS, nullable=True),
    "features": Rule(list, None, nullable=True),
    "drop": Rule(list, None, nullable=True),
}
MODEL_RULES = rules("model")
TRAIN_RULES = rules("train")
ASHA_RULES = {
    "grace_period": Rule(int, GRACE_PERIOD, low=1),
    "reduction_factor": Rule(float, REDUCTION_FACTOR, low=1.0, low_open=True),
}
HYPERBAND_RULES = {**ASHA_RULES, "brackets": Rule(int, 3, low=1)}
SEARCH_RULES = {
    "algorithm": Rule(str, None, allowed=ALGORITHMS, nullable=True),
    "scheduler": Rule(str, "fifo", allowed=SCHEDULERS),
    "metric": Rule(str, "val_loss", allowed=c.METRICS),
    "mode": Rule(str, None, allowed=("min", "max"), nullable=True),
    "num_samples": Rule(int, 1, low=1),
    "asha": Rule(dict, fields=ASHA_RULES),
    "hyperband": Rule(dict, fields=HYPERBAND_RULES),
}
RESOURCE_RULES = {
    "cpus_per_trial": Rule(float, 1.0, low=0.0, low_open=True),
    "gpus_per_trial": Rule(float, 0.0, low=0.0),
    "max_concurrent": Rule(int, None, low=1, nullable=True),
    "max_failures": Rule(int, 2, low=0),
    "checkpoint_every": Rule(int, 1, low=0),
    "checkpoint_seconds": Rule(float, 10.0, low=0.0),
    "mixed_precision": Rule(bool, False),
    "jit_compile": Rule(bool, False),
}
TOP_KEYS = ("name", "data", "model", "train", "search", "resources")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_NAME = re.compile(NAME_PATTERN)


@dataclass(frozen=True)
class EarlyStopping:
    monitor: str
    patience: int
    min_delta: float
    restore_best_weights: bool


@dataclass(frozen=True)
class Spec:
    """A validated sweep: what to try (``hyperparameters``), how to train, when to stop, where."""

    name: str
    data: Mapping[str, Any]
    family: str
    hyperparameters: Mapping[str, Axis]
    max_epochs: int
    early_stopping: EarlyStopping | None
    search: Mapping[str, Any]
    resources: Mapping[str, Any]
    build: Any = None
    """``model.build``: the user's ``"module:function"`` (or, from Python, the function) returning an
    uncompiled keras.Model."""
    loss: str | None = None
    """``train.loss`` for regression (mse, mae, huber); None: the task's default."""
    user_keys: tuple[str, ...] = ()
    """The user's own hyperparameters (every other key under ``model:`` with ``build``)."""
    base: str | None = None
    """The spec file's folder: where the user's modules are looked for first."""

    def user_types(self) -> dict[str, str]:
        """The user's hyperparameters and their value types (int, float, str, bool), for the Parquet schema."""
        return {name: user_rule(f"model.{name}", self.hyperparameters[name].to_plain()).kind.__name__
                for name in self.user_keys}

    @property
    def task(self) -> str | None:
        """classification or regression; None until a user loader's data says (see ``trial.data``)."""
        return self.data.get("task")

    @property
    def metric(self) -> str:
        return str(self.search["metric"])

    @property
    def mode(self) -> str:
        return str(self.search["mode"])

    @property
    def axes(self) -> list[str]:
        """Hyperparameters that vary across trials, in spec order."""
        return [k for k, axis in self.hyperparameters.items() if not axis.is_fixed]

    def to_dict(self) -> dict[str, Any]:
        """The resolved spec as plain data; ``load_spec(spec.to_dict())`` gives the same spec."""
        build = self.build if isinstance(self.build, str) or self.build is None else \
            f"{self.build.__module__}:{self.build.__qualname__}"
        model: dict[str, Any] = {"build": build} if build else {"family": self.family}
        train: dict[str, Any] = {}
        for key, axis in self.hyperparameters.items():
            (model if key in MODEL_RULES or key in self.user_keys else train)[key] = axis.to_plain()
        train["max_epochs"] = self.max_epochs
        if self.loss is not None:
            train["loss"] = self.loss
        train["early_stopping"] = vars(self.early_stopping) if self.early_stopping else None
        search = {k: v for k, v in self.search.items() if k not in ("asha", "hyperband")}
        if self.search["scheduler"] in ("asha", "hyperband"):
            search[self.search["scheduler"]] = dict(self.search[self.search["scheduler"]])
        return {"name": self.name, "data": dict(self.data), "model": model, "train": train,
                "search": search, "resources": dict(self.resources)}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None)


def builtin_specs() -> dict[str, Path]:
    """Built-in spec names -> their YAML files inside the package."""
    folder = resources.files("sweeps") / "specs"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


def read_spec(source: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], Path | None]:
    """Raw spec data from a mapping, a YAML file or a built-in name, plus the folder paths are relative to."""
    if isinstance(source, Mapping):
        return dict(source), None
    path = Path(source)
    builtins = builtin_specs()
    base: Path | None = path.parent
    if not path.is_file():
        if str(source) not in builtins:
            raise SpecError(f"spec {str(source)!r} is neither a file nor a built-in spec; "
                            f"built-in specs: {', '.join(sorted(builtins))}")
        path, base = builtins[str(source)], None
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, Mapping):
        raise SpecError(f"{path} must hold a mapping with keys {', '.join(TOP_KEYS)}")
    return dict(raw), base


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted keys (``train.max_epochs``) on a copy of raw spec data."""
    out = yaml.safe_load(yaml.safe_dump(raw))
    for dotted, value in overrides.items():
        node = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SpecError(f"cannot set {dotted}: {part} is not a section")
        node[leaf] = value
    return out


def load_spec(source: str | Path | Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Spec:
    """Load and validate a spec from a path, a built-in name or a mapping.

    Args:
        source: a YAML file, a built-in spec's name (``sweeps list``) or the spec as a mapping.
        overrides: dotted keys set before validation, like ``{"train.max_epochs": 3}``.

    Returns:
        The validated, frozen :class:`Spec`, every default filled in.

    Raises:
        SpecError: one line naming the field, the value and what is allowed.

    Example:
        >>> spec = load_spec("quickstart", {"train.max_epochs": 3})
        >>> spec.max_epochs
        3
    """
    raw, base = read_spec(source)
    if overrides:
        raw = apply_overrides(raw, overrides)
    check_keys("", raw, TOP_KEYS)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError("name must be 1-100 letters, digits, '.', '_' or '-' (it names the results folder), "
                        f"got {name!r}")
    raw_train = raw.get("train")
    stopping_off = isinstance(raw_train, Mapping) and raw_train.get("early_stopping", {}) in (None, False)
    if stopping_off and isinstance(raw_train, Mapping):
        raw_train = {k: v for k, v in raw_train.items() if k != "early_stopping"}
    data = section("data", raw.get("data"), DATA_RULES)
    build, user_model = user_hyperparameters(raw.get("model"))
    model = {"family": CUSTOM, **user_model} if build else section("model", raw.get("model"), MODEL_RULES)
    train = section("train", raw_train, TRAIN_RULES)
    search = section("search", raw.get("search"), SEARCH_RULES)
    res = section("resources", raw.get("resources"), RESOURCE_RULES)
    stopping_fields = train.pop("early_stopping")
    loss = train.pop("loss")
    stopping = None if stopping_off else EarlyStopping(**stopping_fields)
    family = str(model.pop("family"))
    spec = Spec(
        name=name,
        data=data,
        family=family,
        hyperparameters={k: v for k, v in {**model, **train}.items() if isinstance(v, Axis)},
        max_epochs=train["max_epochs"],
        early_stopping=stopping,
        search=search,
        resources=res,
        build=build,
        loss=loss,
        user_keys=tuple(user_model),
        base=str(base.resolve()) if base is not None else None,
    )
    return check_spec(spec, raw, base)
