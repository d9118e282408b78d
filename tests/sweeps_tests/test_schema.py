"""``sweeps schema``: a JSON Schema every shipped spec passes and a typo'd key fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sweeps import cli
from sweeps.spec.model import builtin_specs

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    """The schema as ``sweeps schema`` prints it."""
    out: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("builtins.print", lambda text, **_: out.append(text))
        assert cli.main(["schema"]) == 0
    schema = json.loads(out[0])
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator: jsonschema.Draft202012Validator, spec: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(spec)]


@pytest.mark.parametrize("path", [*sorted(builtin_specs().values()), *EXAMPLES], ids=lambda p: p.parent.name + "/"
                         + p.stem)
def test_every_shipped_spec_passes(validator: jsonschema.Draft202012Validator, path: Path) -> None:
    assert errors(validator, yaml.safe_load(path.read_text())) == []


def quickstart() -> dict[str, Any]:
    return yaml.safe_load(builtin_specs()["quickstart"].read_text())


@pytest.mark.parametrize("section, key", [(None, "trian"), ("train", "lerning_rate"), ("model", "widht"),
                                          ("search", "schedular")])
def test_a_typod_key_fails(validator: jsonschema.Draft202012Validator, section: str | None, key: str) -> None:
    spec = quickstart()
    (spec if section is None else spec[section])[key] = 1
    assert any(repr(key) in message for message in errors(validator, spec))


@pytest.mark.parametrize("section, key, value", [
    ("model", "width", 0), ("model", "width", {"grid": [16, 0]}), ("train", "optimizer", "adamw"),
    ("model", "dropout", {"uniform": [0.1]}), ("search", "asha", {"grace_period": 0}),
])
def test_a_value_outside_its_rule_fails(validator: jsonschema.Draft202012Validator, section: str, key: str,
                                        value: Any) -> None:
    spec = quickstart()
    spec[section][key] = value
    assert errors(validator, spec)


def test_a_user_model_takes_its_own_keys_and_numbers_written_as_yaml_strings(
        validator: jsonschema.Draft202012Validator) -> None:
    spec = quickstart()
    spec["model"] = {"build": "mymodels:build", "units": {"grid": [8, 16]}}
    spec["train"]["learning_rate"] = "1e-4"
    assert errors(validator, spec) == []
