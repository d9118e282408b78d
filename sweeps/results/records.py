"""Epoch and trial records and their pyarrow schemas: the contract with ``analysis``.

Every sweep's Parquet files have the same hyperparameter columns (a hyperparameter a
trial does not use is null), so many sweeps can be read as one dataset. Metric columns
are whatever Keras logged; they are float64.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from sweeps.hyperparameters import FIELDS
from sweeps.hyperparameters import HYPERPARAMETERS as BUILT_IN
from sweeps.results import constants as c

ARROW_TYPES: dict[type, pa.DataType] = {int: pa.int64(), float: pa.float64(), str: pa.string(), bool: pa.bool_(),
                                     list: pa.string(), dict: pa.string()}
"""A hyperparameter's Python type -> its column's type; lists (``widths``) and mappings (``lr_schedule``)
are stored as text (see :func:`cell`)."""

HYPERPARAMETER_TYPES: dict[str, pa.DataType] = {
    **{name: ARROW_TYPES[FIELDS[name].python_type] for name in BUILT_IN},
    c.REPEAT: pa.int64(),
    c.SEED: pa.int64(),
}
"""Every hyperparameter column, in the order tables show them."""

HYPERPARAMETERS: tuple[str, ...] = tuple(HYPERPARAMETER_TYPES)

USER_HYPERPARAMETERS = "user_hyperparameters"
"""Schema metadata key: a user model's own hyperparameters, name -> type (``int``, ``float``, ``str``, ``bool``)."""

_USER_TYPES = {kind.__name__: ARROW_TYPES[kind] for kind in (int, float, str, bool)}


def hyperparameter_types(metadata: Mapping[str, Any] | None = None) -> dict[str, pa.DataType]:
    """Every hyperparameter column of a sweep: the built-in ones, then the user's (from ``metadata``)."""
    user = (metadata or {}).get(USER_HYPERPARAMETERS) or {}
    return {**HYPERPARAMETER_TYPES, **{name: _USER_TYPES[kind] for name, kind in user.items()}}


def user_columns(names: Iterable[str]) -> tuple[str, ...]:
    """The user model's own hyperparameters among a sweep's hyperparameter columns."""
    return tuple(name for name in names if name not in HYPERPARAMETER_TYPES)

KNOWN_METRICS: tuple[str, ...] = ("loss", "accuracy", "val_loss", "val_accuracy")
"""Metrics every classification trial logs; listed first, in this order."""

_EPOCH_HEAD = [(c.SWEEP, pa.string()), (c.TRIAL_ID, pa.string()), (c.EPOCH, pa.int64())]
_EPOCH_TAIL = [(c.EPOCH_SECONDS, pa.float64()), (c.NODE, pa.string()), (c.TIMESTAMP, pa.float64()),
               (c.SETUP_SECONDS, pa.float64()), (c.PID, pa.int64())]


def order_metrics(names: Iterable[str]) -> list[str]:
    """Known metrics first in their usual order, then any others alphabetically."""
    names = set(names)
    return [m for m in KNOWN_METRICS if m in names] + sorted(names - set(KNOWN_METRICS))


def epoch_schema(metrics: Sequence[str], metadata: Mapping[str, Any] | None = None) -> pa.Schema:
    """Schema of ``epochs.parquet`` for a sweep that logged ``metrics``."""
    fields = list(_EPOCH_HEAD)
    fields += list(hyperparameter_types(metadata).items())
    fields += [(m, pa.float64()) for m in order_metrics(metrics)]
    fields += _EPOCH_TAIL
    return pa.schema(fields, metadata=encode_metadata(metadata or {}))


def trial_schema(metrics: Sequence[str], metadata: Mapping[str, Any] | None = None) -> pa.Schema:
    """Schema of ``trials.parquet``: hyperparameters, outcome, best and test metrics."""
    ordered = order_metrics(metrics)
    fields = [(c.SWEEP, pa.string()), (c.TRIAL_ID, pa.string())]
    fields += list(hyperparameter_types(metadata).items())
    fields += [(c.STATUS, pa.string()), (c.EPOCHS_RUN, pa.int64()), (c.BEST_EPOCH, pa.int64())]
    fields += [(c.BEST_PREFIX + m, pa.float64()) for m in ordered]
    fields += [(c.TEST_PREFIX + m, pa.float64()) for m in ordered]
    fields += [(c.CHOSEN, pa.bool_()), (c.ERROR, pa.string()), (c.NODE, pa.string())]
    fields += [(c.PARAMS, pa.int64()), (c.SECONDS_PER_EPOCH, pa.float64())]
    return pa.schema(fields, metadata=encode_metadata(metadata or {}))


def encode_metadata(metadata: Mapping[str, Any]) -> dict[bytes, bytes]:
    """Parquet schema metadata under our prefix, values as JSON."""
    return {(c.METADATA_PREFIX + k).encode(): json.dumps(v).encode() for k, v in metadata.items()}


def decode_metadata(schema: pa.Schema) -> dict[str, Any]:
    """Inverse of :func:`encode_metadata`; ignores keys other writers put there."""
    raw = schema.metadata or {}
    prefix = c.METADATA_PREFIX.encode()
    return {k[len(prefix):].decode(): json.loads(v) for k, v in raw.items() if k.startswith(prefix)}


def hyperparameters_of(config: Mapping[str, Any], names: Iterable[str] = HYPERPARAMETERS) -> dict[str, Any]:
    """Every hyperparameter column from a resolved trial config (missing ones are None)."""
    return {name: cell(config.get(name)) for name in names}


def cell(value: Any) -> Any:
    """A column's value: widths as ``"100-50"``, a schedule as its JSON (``{"cosine": {"decay_steps": 100}}``)."""
    if isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True)
    return value


def metric_names(rows: Iterable[Mapping[str, Any]], hyperparameters: Iterable[str] = HYPERPARAMETERS) -> list[str]:
    """The metric columns present in epoch rows: everything that is not a fixed or hyperparameter column."""
    fixed = {name for name, _ in _EPOCH_HEAD + _EPOCH_TAIL} | set(HYPERPARAMETERS) | set(hyperparameters)
    found: set[str] = set()
    for row in rows:
        found.update(k for k in row if k not in fixed)
    return order_metrics(found)


def to_table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (dicts) -> a table of exactly ``schema``'s columns; absent values become null."""
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)
