"""What each spec field accepts, and the one-line messages for what it does not.

Every check here runs before Ray starts. A message always names the field (dotted
path), the rule and the value given, so a user can fix the spec without a traceback.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sweeps.errors import SpecError

AXIS_KINDS = ("grid", "choice", "uniform", "loguniform", "randint")
"""Ways to give a searchable value besides a fixed one (Ray Tune's names)."""


@dataclass(frozen=True)
class Rule:
    """What one field accepts: a type, bounds or allowed values, a default."""

    kind: type
    default: Any = None
    searchable: bool = False
    allowed: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    nullable: bool = False
    fields: Mapping[str, Rule] = field(default_factory=dict)
    parse: Callable[[str, Any], Any] | None = None
    """A structured value's own check (``model.widths``, ``train.lr_schedule``): path, value -> value."""
    text: str | None = None
    """The rule in words when ``parse`` checks it."""

    def describe(self) -> str:
        """The rule in words, for messages: 'a number in (0, 1)', 'one of: a, b'."""
        if self.text is not None:
            return self.text
        if self.allowed is not None:
            return "one of: " + ", ".join(str(a) for a in self.allowed)
        noun = {int: "an integer", float: "a number", bool: "true or false", str: "a string",
                list: "a list of names"}[self.kind]
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{noun} in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        if self.low is not None:
            return f"{noun} {'>' if self.low_open else '>='} {_fmt(self.low)}"
        return noun


@dataclass(frozen=True)
class Axis:
    """A hyperparameter's value: fixed, or a Ray Tune search domain's name and arguments."""

    kind: str
    values: tuple[Any, ...]

    @property
    def is_fixed(self) -> bool:
        return self.kind == "fixed"

    @property
    def is_grid(self) -> bool:
        return self.kind in ("fixed", "grid")

    def candidates(self) -> tuple[Any, ...]:
        """Every value a discrete axis can take (fixed, grid, choice); empty for ranges."""
        return self.values if self.kind in ("fixed", "grid", "choice") else ()

    def to_plain(self) -> Any:
        """The YAML form: the value itself when fixed, else ``{kind: [values]}``."""
        return self.values[0] if self.is_fixed else {self.kind: list(self.values)}


def _fmt(number: float) -> str:
    return f"{number:g}"


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value).replace("True", "true").replace("False", "false")


def fail(path: str, rule_text: str, value: Any) -> SpecError:
    """The standard message: '<field> must be <rule>, got <value>'."""
    return SpecError(f"{path} must be {rule_text}, got {_show(value)}")


def coerce(path: str, rule: Rule, value: Any) -> Any:
    """Check one plain value against ``rule``; returns it in the rule's type."""
    given = value
    if value is None:
        if rule.nullable:
            return None
        raise fail(path, rule.describe(), value)
    if rule.parse is not None:
        return rule.parse(path, value)
    if rule.kind is float and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise fail(path, rule.describe(), value) from None
    if rule.kind is bool:
        ok = isinstance(value, bool)
    elif rule.kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif rule.kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    elif rule.kind is list:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise fail(path, rule.describe(), given)
    if rule.allowed is not None and value not in rule.allowed:
        raise fail(path, rule.describe(), given)
    if rule.low is not None and (value < rule.low or (rule.low_open and value == rule.low)):
        raise fail(path, rule.describe(), given)
    if rule.high is not None and (value > rule.high or (rule.high_open and value == rule.high)):
        raise fail(path, rule.describe(), given)
    return value


def parse_axis(path: str, rule: Rule, raw: Any) -> Axis:
    """A fixed value or ``{grid|choice|uniform|loguniform|randint: [...]}`` -> an :class:`Axis`."""
    searched = isinstance(raw, Mapping) and (rule.parse is None or set(raw) & set(AXIS_KINDS))
    if (rule.kind is list and rule.parse is None) or not searched:
        return Axis("fixed", (coerce(path, rule, raw),))
    if not rule.searchable:
        raise SpecError(f"{path} cannot be searched; give one value ({rule.describe()}), got {dict(raw)}")
    if len(raw) != 1 or next(iter(raw)) not in AXIS_KINDS:
        raise SpecError(
            f"{path} must be one value or one of {{{', '.join(k + ': [...]' for k in AXIS_KINDS)}}}, "
            f"got {dict(raw)}"
        )
    kind, values = next(iter(raw.items()))
    where = f"{path}.{kind}"
    if not isinstance(values, list) or not values:
        raise SpecError(f"{where} must be a non-empty list, got {_show(values)}")
    if kind in ("grid", "choice"):
        checked = [coerce(f"{where}[{i}]", rule, v) for i, v in enumerate(values)]
        if len(set(map(repr, checked))) != len(checked):
            raise SpecError(f"{where} lists a value twice: {values}")
        return Axis(kind, tuple(checked))
    return Axis(kind, _range(where, kind, rule, values))


def _range(where: str, kind: str, rule: Rule, values: list[Any]) -> tuple[Any, ...]:
    if len(values) != 2:
        raise SpecError(f"{where} must be [low, high], got {values}")
    if kind == "randint":
        if rule.kind is not int:
            raise SpecError(f"{where}: randint draws integers; this field takes {rule.describe()}")
    elif rule.kind is not float:
        raise SpecError(f"{where}: {kind} draws real numbers; this field takes {rule.describe()} (use grid or randint)")
    low, high = (coerce(where, rule, v) for v in values)
    if not low < high:
        raise SpecError(f"{where} must have low < high, got {values}")
    if kind == "loguniform" and low <= 0:
        raise SpecError(f"{where} must have low > 0 for a log scale, got {values}")
    return (low, high)


def check_keys(path: str, raw: Mapping[str, Any], allowed: Mapping[str, Any] | tuple[str, ...]) -> None:
    """Reject unknown keys, suggesting the closest allowed one."""
    for key in raw:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            where = f"{path}.{key}" if path else str(key)
            raise SpecError(f"{where} is not a known field{hint}; allowed: {', '.join(allowed)}")


def section(path: str, raw: Any, rules: Mapping[str, Rule]) -> dict[str, Any]:
    """Validate a mapping against ``rules``: defaults filled, searchable fields as :class:`Axis`."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise SpecError(f"{path} must be a mapping of {', '.join(rules)}, got {_show(raw)}")
    check_keys(path, raw, rules)
    out: dict[str, Any] = {}
    for key, rule in rules.items():
        where = f"{path}.{key}"
        if rule.fields:
            out[key] = section(where, raw.get(key), rule.fields)
        elif key not in raw:
            unset = not rule.searchable or rule.default is None
            out[key] = rule.default if unset else Axis("fixed", (rule.default,))
        elif rule.searchable:
            out[key] = None if raw[key] is None else parse_axis(where, rule, raw[key])
        else:
            out[key] = parse_axis(where, rule, raw[key]).values[0]
    return out


def split_reference(field: str, reference: Any) -> tuple[str, str]:
    """``"pkg.mod:fn"`` -> ("pkg.mod", "fn"), or one clear line naming ``field``."""
    if not isinstance(reference, str) or reference.count(":") != 1:
        raise SpecError(f"{field} must be 'package.module:function' (a module importable from the spec's folder "
                        f"or PYTHONPATH, and a function in it), got {reference!r}")
    module, name = reference.split(":")
    if not module or not name or not all(p.isidentifier() for p in module.split(".")) or not name.isidentifier():
        raise SpecError(f"{field} must be 'package.module:function' with Python names, got {reference!r}")
    return module, name
