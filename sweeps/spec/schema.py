"""A JSON Schema of the spec, generated from the same rules ``load_spec`` checks.

For editors: a YAML language server pointed at it completes keys, shows each field's rule
and flags a typo'd key while typing. ``load_spec`` stays the judge (cross-field rules, files
and columns are beyond a schema); the schema never accepts a key the loader refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sweeps.spec.model import (
    DATA_RULES,
    MODEL_RULES,
    NAME_PATTERN,
    RESOURCE_RULES,
    SEARCH_RULES,
    TOP_KEYS,
    TRAIN_RULES,
)
from sweeps.spec.rules import AXIS_KINDS, Rule

_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string", list: "array", dict: "object"}
_NUMBER_TEXT = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
"""YAML reads ``1e-4`` as a string; the loader takes it as a number, so the schema does too."""


def _value(rule: Rule) -> dict[str, Any]:
    """One plain value's schema: its type, bounds or allowed values, and the rule in words."""
    if rule.fields:
        return _section(rule.fields)
    out: dict[str, Any] = {"description": rule.describe()}
    if rule.allowed is not None:
        out["enum"] = list(rule.allowed)
    elif rule.kind is list and rule.parse is None:
        out.update(type="array", items={"type": "string"})
    elif rule.kind in (int, float):
        out["type"] = _TYPES[rule.kind]
        if rule.low is not None:
            out["exclusiveMinimum" if rule.low_open else "minimum"] = rule.low
        if rule.high is not None:
            out["exclusiveMaximum" if rule.high_open else "maximum"] = rule.high
    else:
        out["type"] = _TYPES[rule.kind]
    if rule.kind is float:
        out = {"description": out["description"], "anyOf": [out, {"type": "string", "pattern": _NUMBER_TEXT}]}
    if rule.nullable:
        out = {"description": out["description"], "anyOf": [out, {"type": "null"}]}
    return out


def _axis(rule: Rule) -> dict[str, Any]:
    """``{grid|choice: [values]}`` or ``{uniform|loguniform|randint: [low, high]}``."""
    value = _value(rule)
    pair = {"type": "array", "items": value, "minItems": 2, "maxItems": 2}
    ranges = {"randint": pair} if rule.kind is int else {"uniform": pair, "loguniform": pair} if rule.kind is float \
        else {}
    listed = {"type": "array", "items": value, "minItems": 1}
    kinds = {kind: listed if kind in ("grid", "choice") else ranges[kind] for kind in AXIS_KINDS
             if kind in ("grid", "choice") or kind in ranges}
    return {"type": "object", "properties": kinds, "additionalProperties": False, "minProperties": 1,
            "maxProperties": 1}


def _field(rule: Rule) -> dict[str, Any]:
    if not rule.searchable or rule.fields:
        return _value(rule)
    return {"description": rule.describe(), "anyOf": [_value(rule), _axis(rule), {"type": "null"}]}


def _section(rules: Mapping[str, Rule]) -> dict[str, Any]:
    return {"type": "object", "properties": {name: _field(rule) for name, rule in rules.items()},
            "additionalProperties": False}


def spec_schema() -> dict[str, Any]:
    """The spec's JSON Schema (draft 2020-12).

    Example:
        >>> spec_schema()["properties"]["train"]["properties"]["optimizer"]["description"]
        'one of: sgd, adagrad, rmsprop, adam, nadam, adadelta'
    """
    train = _section(TRAIN_RULES)
    train["properties"]["early_stopping"] = {"anyOf": [_value(TRAIN_RULES["early_stopping"]),
                                                       {"type": "null"}, {"const": False}]}
    fixed_model = _section(MODEL_RULES)
    model = {
        "type": "object",
        "description": "a built-in family's fields, or build: 'package.module:function' and your own hyperparameters",
        "properties": {"build": {"type": "string", "pattern": r"^[\w.]+:\w+$"}, **fixed_model["properties"]},
        "if": {"required": ["build"]},
        "else": {"properties": {name: True for name in fixed_model["properties"]}, "additionalProperties": False},
    }
    sections = {"data": _section(DATA_RULES), "model": model, "train": train, "search": _section(SEARCH_RULES),
                "resources": _section(RESOURCE_RULES)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "keras-sweeps spec",
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "pattern": NAME_PATTERN,
                                "description": "names the results folder"}, **sections},
        "additionalProperties": False,
        "propertyNames": {"enum": list(TOP_KEYS)},
    }
