"""Imports flow one way through the stages: spec -> search -> trial -> results.

A stage imports from itself, from earlier stages and from the leaf tables every stage shares,
never from a later stage, so each stage can be read, imported and tested without the ones after it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sweeps"
STAGES = ("spec", "search", "trial", "results")
LEAVES = {"sweeps", "sweeps.errors", "sweeps.hyperparameters", "sweeps.tasks", "sweeps.search.rungs",
          "sweeps.results.constants", "sweeps.results.records", "sweeps.results.predictions"}
"""Pure tables, the error types and the results' schemas (the contract with analysis, which every stage
writes to): importable from any stage."""


def stage_of(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def imports_of(path: Path) -> set[str]:
    """Every sweeps module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if (PACKAGE.parent / node.module.replace(".", "/") / f"{alias.name}.py").is_file())
    return {name for name in found if name == "sweeps" or name.startswith("sweeps.")}


def allowed(importer_stage: int, module: str) -> bool:
    """A leaf, a stage's (empty) package, or a module of this stage or an earlier one."""
    stage = stage_of(module)
    return module in LEAVES or module.count(".") == 1 and stage is not None or (
        stage is not None and stage <= importer_stage)


def modules(stage: str) -> list[str]:
    return sorted(f"sweeps.{stage}.{p.stem}" for p in (PACKAGE / stage).glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_nothing_from_a_later_one(stage: str) -> None:
    index = STAGES.index(stage)
    wrong = {f"{path.relative_to(PACKAGE.parent)} imports {name}"
             for path in (PACKAGE / stage).glob("*.py") for name in imports_of(path) if not allowed(index, name)}
    assert not wrong, sorted(wrong)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_imports_alone(stage: str) -> None:
    """Importing every module of a stage in a fresh Python loads no module of a later stage."""
    script = ("import sys\n" + "".join(f"import {name}\n" for name in modules(stage))
              + "print(' '.join(sorted(m for m in sys.modules if m == 'sweeps' or m.startswith('sweeps.'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    index = STAGES.index(stage)
    assert [m for m in loaded if not allowed(index, m)] == []
