"""Checks that span several fields or look outside the spec (files, columns).

Run by :func:`sweeps.spec.model.load_spec` after each field passed its own rule. Each
raises :class:`SpecError` naming the field, or returns its section with the defaults that
depend on other fields filled in (the task, the search mode and algorithm, a searcher's scheduler).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweeps.errors import SpecError
from sweeps.hyperparameters import FAMILY_FIELDS, FIELDS
from sweeps.results import constants as c
from sweeps.spec import algorithms
from sweeps.spec.rules import Axis, split_reference

if TYPE_CHECKING:
    from sweeps.spec.model import Spec

_PATH_DATASETS = ("table", "mnist", "fashion_mnist")
_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def check_spec(spec: Spec, raw: Mapping[str, Any], base: Path | None) -> Spec:
    """Every cross-field rule; returns the spec with defaults that depend on other fields filled."""
    data = _check_data(dict(spec.data), base)
    if spec.build is not None:
        split_reference("model.build", spec.build)
    check_task(data.get("task"), spec.search["metric"], spec.loss, spec.early_stopping)
    hyperparameters = _check_family(spec.family, dict(spec.hyperparameters), raw.get("model") or {})
    _check_layers(hyperparameters, raw.get("model") or {})
    _check_optimizer_settings(hyperparameters)
    search = _check_algorithm(dict(spec.search), hyperparameters, raw.get("search") or {})
    search = _check_search(search, spec.max_epochs, raw.get("search") or {})
    _check_resources(spec.resources)
    return dataclasses.replace(spec, data=data, hyperparameters=hyperparameters, search=search)


def check_task(task: str | None, metric: str, loss: str | None, early_stopping: Any) -> None:
    """The metric, early stopping's monitor and the loss must be ones the task logs; skipped while the
    task is unknown (a user loader's data tells it, and this runs again then)."""
    if task is None:
        return
    logged = ("loss", *c.TASK_METRICS[task])
    allowed = [*logged, *(f"val_{m}" for m in logged)]
    for field, value in (("search.metric", metric), ("train.early_stopping.monitor",
                                                      getattr(early_stopping, "monitor", None))):
        if value is not None and value not in allowed:
            raise SpecError(f"{field} must be one of {', '.join(allowed)} for a {task} task, got {value!r}")
    if loss is not None and task != "regression":
        raise SpecError(f"train.loss applies to regression (mse, mae, huber); this {task} task uses "
                        f"cross-entropy, got {loss!r}")


def _check_data(data: dict[str, Any], base: Path | None) -> dict[str, Any]:
    if data["load"] is not None:
        split_reference("data.load", data["load"])
        for field in ("path", "target", "limit", "features", "drop"):
            if data[field] is not None:
                raise SpecError(f"data.{field} does not apply with data.load (the loader returns the arrays)")
        return data
    if data["task"] is None and data["dataset"] != "table":
        data["task"] = "classification"
    if data["task"] == "regression" and data["dataset"] != "table":
        raise SpecError(f"data.task 'regression' needs a table or a data.load; dataset {data['dataset']!r} is "
                        "images with classes")
    if data["validation_split"] + data["test_split"] >= 0.9:
        raise SpecError(
            "data.validation_split + data.test_split must leave at least 10% for training, got "
            f"{data['validation_split']:g} + {data['test_split']:g}"
        )
    dataset = data["dataset"]
    if data["path"] is not None and dataset not in _PATH_DATASETS:
        raise SpecError(f"data.path applies to dataset {', '.join(_PATH_DATASETS)}, not {dataset!r}")
    for field in ("target", "features", "drop"):
        if data[field] is not None and dataset != "table":
            raise SpecError(f"data.{field} applies to dataset 'table' only, not {dataset!r}")
    if data["path"] is not None:
        path = Path(data["path"]).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.is_file():
            raise SpecError(f"data.path must be an existing file, got {data['path']!r} (looked at {path})")
        data["path"] = str(path.resolve())
    if dataset == "table":
        _check_table(data)
    elif dataset != "digits" and data["path"] is not None and not data["path"].endswith(".npz"):
        raise SpecError(f"data.path for {dataset} must be an .npz file like keras.datasets' own, "
                        f"got {data['path']!r}")
    return data


def _check_table(data: dict[str, Any]) -> None:
    if data["path"] is None:
        raise SpecError("data.path is required for dataset 'table' (a CSV or Parquet file)")
    if data["target"] is None:
        raise SpecError("data.target is required for dataset 'table' (the name of the label column)")
    path = Path(data["path"])
    if path.suffix.lower() not in _TABLE_SUFFIXES:
        raise SpecError(f"data.path for a table must end in {', '.join(_TABLE_SUFFIXES)}, got {path.name!r}")
    columns = _table_columns(path)
    if data["target"] not in columns:
        raise SpecError(f"data.target {data['target']!r} is not a column of {path.name}; "
                        f"columns are: {', '.join(columns)}")
    if data["features"] is not None and data["drop"] is not None:
        raise SpecError("data.features and data.drop exclude each other: list the columns to keep or to drop")
    for field in ("features", "drop"):
        for name in data[field] or []:
            if name not in columns or name == data["target"]:
                raise SpecError(f"data.{field} names {name!r}, which is not a feature column of {path.name}; "
                                f"columns are: {', '.join(col for col in columns if col != data['target'])}")
    kept = [col for col in columns if col != data["target"] and col not in (data["drop"] or [])]
    if not (data["features"] if data["features"] is not None else kept):
        raise SpecError(f"data.{'features' if data['features'] is not None else 'drop'} leaves no feature column "
                        f"of {path.name} besides the target {data['target']!r}")
    if data["task"] is None:
        from sweeps.tasks import infer_task, read_table

        data["task"] = infer_task(read_table(path, [data["target"]])[data["target"]].dropna().to_numpy())


def _table_columns(path: Path) -> list[str]:
    try:
        if path.suffix.lower() == ".csv":
            import pandas as pd

            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    except Exception as exc:
        raise SpecError(f"data.path {path.name!r} could not be read as a table: {exc}") from None


def _check_family(family: str, hyperparameters: dict[str, Axis], raw_model: Mapping[str, Any]) -> dict[str, Axis]:
    for other, fields in FAMILY_FIELDS.items():
        if other == family:
            continue
        for name in fields:
            if name in raw_model and name not in FAMILY_FIELDS[family]:
                raise SpecError(f"model.{name} applies to family {other!r}; this spec's family is {family!r} "
                                f"(which takes {', '.join(FAMILY_FIELDS[family])})")
            hyperparameters.pop(name, None)
    return hyperparameters


def _check_layers(hyperparameters: dict[str, Axis], raw_model: Mapping[str, Any]) -> None:
    """widths replaces width x depth; a field that applies only with another's value (negative_slope with
    leaky_relu) needs that value among the other's candidates."""
    if "widths" in raw_model:
        both = [name for name in ("width", "depth") if name in raw_model]
        if both:
            raise SpecError(f"model.widths and model.{' and model.'.join(both)} exclude each other: give the "
                            "widths per layer, or width x depth")
        if "widths" in hyperparameters:
            hyperparameters.pop("width", None)
            hyperparameters.pop("depth", None)
    for name in hyperparameters:
        condition = FIELDS[name].only_with if name in FIELDS else None
        if condition is None or condition[0] not in hyperparameters:
            continue
        other, wanted = condition
        if wanted not in hyperparameters[other].candidates():
            raise SpecError(f"{FIELDS[name].section}.{name} applies only with {FIELDS[other].section}.{other} "
                            f"{wanted}, got {other} {list(hyperparameters[other].candidates())}")


def _check_optimizer_settings(hyperparameters: Mapping[str, Axis]) -> None:
    chosen = hyperparameters["optimizer"].candidates()
    for setting, field in FIELDS.items():
        if not field.optimizers or hyperparameters.get(setting) is None:
            continue
        takers = field.optimizers
        if not set(takers) & set(chosen):
            raise SpecError(
                f"train.{setting} is taken only by {', '.join(takers)}; this spec's optimizers "
                f"({', '.join(chosen)}) do not take it: remove it or add one of those optimizers"
            )


def _check_search(search: dict[str, Any], max_epochs: int, raw_search: Mapping[str, Any]) -> dict[str, Any]:
    natural = c.mode_for(search["metric"])
    lower_is_better = natural == "min"
    if search["mode"] is None:
        search["mode"] = natural
    elif search["mode"] != natural:
        raise SpecError(f"search.mode must be {natural!r} for metric {search['metric']!r} "
                        f"({'lower' if lower_is_better else 'higher'} is better), got {search['mode']!r}")
    for name in ("asha", "hyperband"):
        if name in raw_search and search["scheduler"] != name:
            raise SpecError(f"search.{name} applies only when search.scheduler is {name!r}, "
                            f"got scheduler {search['scheduler']!r}")
        if search["scheduler"] == name and search[name]["grace_period"] > max_epochs:
            raise SpecError(f"search.{name}.grace_period must be <= train.max_epochs ({max_epochs}), "
                            f"got {search[name]['grace_period']}")
    return search


def _check_algorithm(search: dict[str, Any], hyperparameters: Mapping[str, Axis],
                     raw_search: Mapping[str, Any]) -> dict[str, Any]:
    """Fill the default algorithm (grid when the spec has grid axes, else random) and check a searcher's needs."""
    searched = {name: axis for name, axis in hyperparameters.items() if not axis.is_fixed}
    algorithm = search["algorithm"]
    if algorithm is None:
        algorithm = search["algorithm"] = "grid" if any(a.kind == "grid" for a in searched.values()) else "random"
    if algorithm not in algorithms.SEARCHERS:
        return search
    allowed = algorithms.SCHEDULERS_WITH[algorithm]
    if "scheduler" in raw_search and search["scheduler"] not in allowed:
        raise SpecError(f"search.algorithm {algorithm} combines only with search.scheduler "
                        f"{' or '.join(allowed)}, got search.scheduler {search['scheduler']!r}"
                        + (" (BOHB brings its own HyperBandForBOHB)" if algorithm == "bohb" else ""))
    missing = algorithms.missing_packages(algorithm)
    if missing:
        raise SpecError(f"search.algorithm: {algorithm} needs {' and '.join(missing)}: "
                        f"{algorithms.install_line(algorithm)}")
    if search["scheduler"] not in allowed:
        search["scheduler"] = allowed[0]
    if not searched:
        raise SpecError(f"search.algorithm {algorithm} needs at least one searched axis (a grid, choice or range); "
                        "every value of this spec is fixed")
    for name, axis in searched.items():
        odd = [v for v in axis.candidates() if not isinstance(v, (bool, int, float, str))]
        if odd:
            raise SpecError(f"search.algorithm {algorithm} draws {name} from numbers, strings or booleans only, "
                            f"got {odd[0]!r}: search it with search.algorithm grid or random")
    return search


def _check_resources(res: Mapping[str, Any]) -> None:
    gpus = res["gpus_per_trial"]
    if gpus > 1 and gpus != int(gpus):
        raise SpecError(f"resources.gpus_per_trial must be a fraction <= 1 or a whole number, got {gpus:g}")
