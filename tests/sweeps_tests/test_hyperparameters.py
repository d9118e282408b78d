"""The hyperparameter registry against what users read: the README's field list and the console."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sweeps import cli
from sweeps.hyperparameters import FIELDS
from sweeps.runner import SweepOutcome
from sweeps.trial.warm import graph_key

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_fields(section: str) -> list[str]:
    """Keys (set or commented out) under ``section:`` in the README's spec example."""
    block = README.read_text().split("## The spec", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    body = block.split(f"\n{section}:\n", 1)[1]
    keys = []
    for line in body.splitlines():
        if re.match(r"^\S", line):
            break
        found = re.match(r"^  (?:# )?([a-z_0-9]+):", line)
        if found:
            keys.append(found.group(1))
    return keys


@pytest.mark.parametrize("section", ["model", "train"])
def test_the_readme_lists_every_field_of_the_registry(section: str) -> None:
    declared = [name for name, field in FIELDS.items() if field.section == section]
    assert sorted(readme_fields(section)) == sorted(declared)


def test_the_best_line_names_a_user_models_own_hyperparameters(capsys: pytest.CaptureFixture[str]) -> None:
    chosen = {"trial_id": "t1", "optimizer": "adam", "learning_rate": 0.01, "batch_size": 16, "units": 64,
              "head": "wide", "best_val_mae": 0.5, "best_epoch": 2}
    cli._print_outcome(SweepOutcome("results/x", "val_mae", {"completed": 1}, chosen, axes=["units", "head"]))
    assert "best: adam lr=0.01 batch_size=16 units=64 head=wide (trial t1)" in capsys.readouterr().out


def key(**hp: object) -> tuple[object, ...]:
    base = {"family": "mlp", "width": 8, "depth": 1, "activation": "relu", "optimizer": "sgd", "learning_rate": 0.1,
            "batch_size": 32}
    return graph_key({**base, **hp}, (4,), 3, 1, "float32")


@pytest.mark.parametrize("change, shares", [
    ({"width": 16}, False), ({"dropout": 0.5}, False), ({"l2": 1e-4}, False),
    ({"kernel_initializer": "he_normal"}, False), ({"momentum": 0.9}, False), ({"optimizer": "adam"}, False),
    ({"clipnorm": 1.0}, False),
    ({"learning_rate": 0.5}, True), ({"batch_size": 64}, True), ({"beta_1": 0.5}, True),
])
def test_only_values_the_graph_reads_from_variables_share_a_traced_graph(change: dict[str, object],
                                                                        shares: bool) -> None:
    """``beta_1`` is no setting of sgd, so a trial drops it; the learning rate is assigned to a reused optimizer."""
    assert (key(**change) == key()) is shares
