"""``model: {build: "module:function", ...}``: a user's model and its own hyperparameters.

Every key under ``model:`` besides ``build`` is the user's hyperparameter, fixed or searched
with the same axis syntax as built-in fields. Its type follows from the values given
(integer, number, string, true/false), so a typo in one grid value is caught here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sweeps.errors import SpecError
from sweeps.spec.rules import AXIS_KINDS, Axis, Rule, parse_axis

RESERVED = ("family", "seed", "repeat", "input_shape", "n_outputs", "task", "point")
"""Names the runner gives the builder itself (or the built-in families use)."""

_KINDS = {bool: bool, int: int, float: float, str: str}


def user_hyperparameters(raw_model: Any) -> tuple[str | None, dict[str, Axis]]:
    """(the builder reference, the user's hyperparameters), or (None, {}) for a built-in family."""
    if not isinstance(raw_model, Mapping) or "build" not in raw_model:
        return None, {}
    build = raw_model["build"]
    if not isinstance(build, str):
        raise SpecError(f"model.build must be 'package.module:function', got {build!r}")
    out: dict[str, Axis] = {}
    for name, raw in raw_model.items():
        if name == "build":
            continue
        where = f"model.{name}"
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(f"{where} must be a Python name (letters, digits, '_'), it names a Parquet column")
        if name in RESERVED:
            raise SpecError(f"{where} is set by the runner; a builder with model.build may not set it "
                            f"(reserved: {', '.join(RESERVED)})")
        out[name] = parse_axis(where, user_rule(where, raw), raw)
    return build, out


def user_rule(where: str, raw: Any) -> Rule:
    """The rule a user value follows: the type of its values (ints within a float range become floats)."""
    values = raw
    if isinstance(raw, Mapping):
        if len(raw) != 1 or next(iter(raw)) not in AXIS_KINDS:
            raise SpecError(f"{where} must be one value or one of "
                            f"{{{', '.join(k + ': [...]' for k in AXIS_KINDS)}}}, got {dict(raw)}")
        kind, values = next(iter(raw.items()))
        if not isinstance(values, list) or not values:
            raise SpecError(f"{where}.{kind} must be a non-empty list, got {values!r}")
        if kind in ("uniform", "loguniform"):
            return Rule(float, searchable=True)
    else:
        values = [raw]
    kinds = {type(v) for v in values}
    if kinds <= {int, float} and float in kinds:
        return Rule(float, searchable=True)
    if len(kinds) != 1 or next(iter(kinds)) not in _KINDS:
        shown = ", ".join(sorted(k.__name__ for k in kinds))
        raise SpecError(f"{where} values must all be integers, numbers, strings or true/false, got {shown}")
    return Rule(_KINDS[next(iter(kinds))], searchable=True)
