"""Results folders -> DataFrames: the one way from the runner's Parquet into analysis.

Only pyarrow, pandas, PyYAML and the runner's contract modules (``sweeps.results.constants``,
``sweeps.results.records``) are imported, so results copied off a cluster can be analysed on a
machine without Ray or TensorFlow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sweeps.results import constants as c
from sweeps.results import records
from sweeps.search.rungs import GRACE_PERIOD, REDUCTION_FACTOR, rung_epochs

_KEYS = (c.SWEEP, c.TRIAL_ID, c.EPOCH)
_INT_COLUMNS = tuple(n for n, t in records.HYPERPARAMETER_TYPES.items() if pa.types.is_integer(t)) + (
    c.EPOCHS_RUN, c.BEST_EPOCH)


@dataclass(frozen=True)
class SweepInfo:
    """What a results folder says about its sweep besides the rows."""

    name: str
    path: Path
    metric: str
    mode: str
    axes: tuple[str, ...]
    metrics: tuple[str, ...]
    run: Mapping[str, Any]
    spec: Mapping[str, Any]
    spec_text: str
    notes: tuple[str, ...] = ()
    hyperparameters: tuple[str, ...] = records.HYPERPARAMETERS
    """Every hyperparameter column: the built-in ones and a user model's own."""
    test_predictions: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    """The chosen configuration's prediction per test row (None when the runner stored none)."""

    @property
    def scheduler(self) -> str:
        search = self.spec.get("search") or {}
        return str(self.run.get("scheduler") or search.get("scheduler") or "unknown")

    @property
    def dataset(self) -> str:
        data = self.spec.get("data") or {}
        return str(self.run.get("dataset") or data.get("dataset") or "unknown")

    @property
    def data_source(self) -> str:
        """The data as the user gave it: a loader, a table file, or a named dataset (with its limit)."""
        data = self.spec.get("data") or {}
        if data.get("load"):
            return f"the data of loader {data['load']}"
        if data.get("path") and (data.get("dataset") in (None, "table") or self.dataset == "table"):
            return f"table {Path(str(data['path'])).name}"
        limit = f" ({data['limit']} rows)" if data.get("limit") else ""
        return f"{self.dataset}{limit}"

    @property
    def split_rows(self) -> dict[str, int]:
        """Rows per split (train, validation, test), from run.json's baselines or its data fingerprint."""
        rows = ((self.run.get("baselines") or {}).get("rows")) or {}
        if rows:
            return {k: int(v) for k, v in rows.items() if isinstance(v, (int, float))}
        shapes = ((self.run.get("data") or {}).get("shapes")) or {}
        names = {"train": "y_train", "validation": "y_val", "test": "y_test"}
        return {split: int(shapes[key][0]) for split, key in names.items() if shapes.get(key)}

    @property
    def max_epochs(self) -> int | None:
        value = (self.spec.get("train") or {}).get("max_epochs")
        return int(value) if isinstance(value, int) else None

    @property
    def nodes(self) -> tuple[str, ...]:
        """Nodes that ran epochs: the run facts' list, else those named in the rows' metadata."""
        return tuple(map(str, self.run.get("nodes") or self.run.get("nodes_used") or ()))

    @property
    def rungs(self) -> tuple[int, ...]:
        """Epochs at which ASHA or HyperBand compared trials (empty for FIFO or when unknown).

        Every HyperBand bracket's milestones are a tail of ASHA's series, so one series serves both.
        """
        settings = (self.spec.get("search") or {}).get(self.scheduler) or {}
        if self.scheduler not in ("asha", "hyperband") or self.max_epochs is None:
            return ()
        return rung_epochs(int(settings.get("grace_period", GRACE_PERIOD)),
                           float(settings.get("reduction_factor", REDUCTION_FACTOR)),
                           self.max_epochs)


@dataclass(frozen=True, eq=False)
class Results:
    """Epoch rows, trial rows and per-sweep facts of one or many sweeps, told apart by ``sweep``."""

    epochs: pd.DataFrame
    trials: pd.DataFrame
    sweeps: Mapping[str, SweepInfo]

    @property
    def names(self) -> list[str]:
        return list(self.sweeps)

    def sweep(self, name: str) -> Results:
        """The rows and facts of one sweep."""
        if name not in self.sweeps:
            raise KeyError(f"no sweep named {name!r}; sweeps loaded: {', '.join(self.sweeps)}")
        pick = {name}
        return Results(_only(self.epochs, pick), _only(self.trials, pick), {name: self.sweeps[name]})


def load(dirs: str | Path | Iterable[str | Path], columns: Sequence[str] | None = None) -> Results:
    """Read one or many results folders into DataFrames.

    Args:
        dirs: A results folder (``results/<name>/``) or several; several are stacked and
            told apart by the ``sweep`` column.
        columns: Epoch columns to read besides sweep, trial_id and epoch. By default every
            column, except hyperparameters that no trial used.

    Example:
        >>> results = analysis.load("results/quickstart")
        >>> results.epochs.groupby("optimizer")["val_loss"].min()
    """
    folders = [Path(dirs)] if isinstance(dirs, (str, Path)) else [Path(d) for d in dirs]
    if not folders:
        raise ValueError("load needs at least one results folder, got none")
    infos: dict[str, SweepInfo] = {}
    epoch_tables, trial_tables = [], []
    for folder in folders:
        info, schema = _read_info(folder, taken=set(infos))
        trials = _read_trials(folder, info.name)
        used = _used_hyperparameters(trials, schema)
        wanted = _wanted_columns(schema, used, columns)
        epochs = pq.read_table(folder / c.EPOCHS_FILE, columns=wanted, read_dictionary=[c.TRIAL_ID])
        epochs = _set_sweep(epochs, info.name)
        infos[info.name] = info
        epoch_tables.append(epochs)
        trial_tables.append(trials if trials is not None else _trials_from_epochs(epochs, info))
    if columns is not None:
        _check_requested(columns, epoch_tables)
    return Results(_to_frame(epoch_tables), _to_frame(trial_tables), infos)


def _read_info(folder: Path, taken: set[str]) -> tuple[SweepInfo, pa.Schema]:
    if not folder.is_dir():
        raise FileNotFoundError(f"results folder {folder} does not exist")
    epochs_path = folder / c.EPOCHS_FILE
    if not epochs_path.is_file():
        held = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
        raise FileNotFoundError(f"{folder} has no {c.EPOCHS_FILE}, so it is not a results folder (or no epoch "
                                f"finished yet); it holds: {', '.join(held) if held else 'nothing'}")
    schema = pq.read_schema(epochs_path)
    meta = records.decode_metadata(schema)
    notes: list[str] = []
    run = _read_json(folder / c.RUN_FILE, notes)
    spec_text, spec = _read_spec(folder / c.SPEC_FILE, notes)
    search = spec.get("search") or {}
    metrics = tuple(records.metric_names([dict.fromkeys(schema.names)], _hyperparameters(schema)))
    metric = str(run.get("metric") or meta.get("metric") or search.get("metric") or "val_loss")
    if metric not in metrics:
        raise ValueError(f"{folder}: the sweep's metric {metric!r} is not a column of {c.EPOCHS_FILE}; "
                         f"available metrics are: {', '.join(metrics) or 'none'}")
    mode = str(run.get("mode") or meta.get("mode") or search.get("mode") or c.mode_for(metric))
    if mode not in ("min", "max"):
        raise ValueError(f"{folder}: mode must be 'min' or 'max', got {mode!r}")
    axes = run.get("axes") or meta.get("axes") or _axes_from_spec(spec)
    name = _unique(str(run.get("name") or meta.get("name") or spec.get("name") or folder.name), folder, taken)
    info = SweepInfo(name=name, path=folder, metric=metric, mode=mode, axes=tuple(axes), metrics=metrics,
                     hyperparameters=_hyperparameters(schema),
                     run=run, spec=spec, spec_text=spec_text, notes=tuple(notes),
                     test_predictions=_read_predictions(folder / c.TEST_PREDICTIONS_FILE))
    return info, schema


def _read_predictions(path: Path) -> pd.DataFrame | None:
    return pq.read_table(path).to_pandas() if path.is_file() else None


def _read_json(path: Path, notes: list[str]) -> dict[str, Any]:
    if not path.is_file():
        notes.append(f"{path.name} is missing, so run facts (dates, versions, nodes) are unknown.")
        return {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        notes.append(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}); run facts are unknown.")
        return {}
    return data if isinstance(data, dict) else {}


def _read_spec(path: Path, notes: list[str]) -> tuple[str, dict[str, Any]]:
    if not path.is_file():
        notes.append(f"{path.name} is missing, so the spec as run cannot be shown.")
        return "", {}
    text = path.read_text()
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError:
        notes.append(f"{path.name} is not valid YAML; it is shown as text only.")
        return text, {}
    return text, spec if isinstance(spec, dict) else {}


def _axes_from_spec(spec: Mapping[str, Any]) -> list[str]:
    sections = [spec.get("model") or {}, spec.get("train") or {}]
    return [k for s in sections for k, v in s.items() if k in records.HYPERPARAMETERS and isinstance(v, dict)]


def _unique(name: str, folder: Path, taken: set[str]) -> str:
    if name not in taken:
        return name
    for candidate in [f"{name} ({folder.parent.name})"] + [f"{name} ({i})" for i in range(2, 10_000)]:
        if candidate not in taken:
            return candidate
    raise ValueError(f"too many sweeps named {name!r}")


def _read_trials(folder: Path, name: str) -> pa.Table | None:
    path = folder / c.TRIALS_FILE
    return _set_sweep(pq.read_table(path), name) if path.is_file() else None


def _hyperparameters(schema: pa.Schema) -> tuple[str, ...]:
    """The built-in hyperparameter columns and the user model's own, from the schema's metadata."""
    return tuple(records.hyperparameter_types(records.decode_metadata(schema)))


def _used_hyperparameters(trials: pa.Table | None, schema: pa.Schema) -> list[str]:
    present = [h for h in _hyperparameters(schema) if h in schema.names]
    if trials is None:
        return present
    return [h for h in present if h not in trials.column_names or trials.column(h).null_count < trials.num_rows]


def _wanted_columns(schema: pa.Schema, used: list[str], columns: Sequence[str] | None) -> list[str]:
    hyper = set(_hyperparameters(schema))
    if columns is None:
        return [n for n in schema.names if n not in hyper or n in used]
    asked = set(columns) | set(_KEYS)
    return [n for n in schema.names if n in asked]


def _check_requested(columns: Sequence[str], tables: list[pa.Table]) -> None:
    found = {n for t in tables for n in t.column_names}
    missing = [n for n in columns if n not in found]
    if missing:
        raise ValueError(f"no results folder has the column(s) {', '.join(missing)}; "
                         f"available columns are: {', '.join(sorted(found))}")


def _set_sweep(table: pa.Table, name: str) -> pa.Table:
    column = pa.DictionaryArray.from_arrays(pa.array([0] * table.num_rows, pa.int32()), pa.array([name]))
    if c.SWEEP in table.column_names:
        return table.set_column(table.schema.get_field_index(c.SWEEP), c.SWEEP, column)
    return table.add_column(0, c.SWEEP, column)


def _trials_from_epochs(epochs: pa.Table, info: SweepInfo) -> pa.Table:
    """A stand-in trials table when trials.parquet is missing: status unknown, epochs counted."""
    frame = epochs.to_pandas()
    last = frame.sort_values(c.EPOCH).groupby(c.TRIAL_ID, observed=True).tail(1)
    hyper = [h for h in info.hyperparameters if h in last.columns]
    out = last[[c.TRIAL_ID, *hyper, c.EPOCH]].rename(columns={c.EPOCH: c.EPOCHS_RUN})
    out[c.TRIAL_ID] = out[c.TRIAL_ID].astype(str)
    out[c.STATUS] = None
    table = pa.Table.from_pandas(out.reset_index(drop=True), preserve_index=False)
    return _set_sweep(table, info.name)


def _to_frame(tables: list[pa.Table]) -> pd.DataFrame:
    """Stack per-sweep tables (their metric columns may differ) into one DataFrame."""
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")
    frame = table.to_pandas()
    for name in _INT_COLUMNS:
        if name in frame.columns and frame[name].dtype.kind == "f":
            frame[name] = frame[name].astype("Int64")
    if "nesterov" in frame.columns and frame["nesterov"].dtype == object:
        frame["nesterov"] = frame["nesterov"].astype("boolean")
    return frame


def _only(frame: pd.DataFrame, names: set[str]) -> pd.DataFrame:
    return frame.loc[frame[c.SWEEP].isin(names)].reset_index(drop=True)
