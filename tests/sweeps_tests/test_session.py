"""A local Ray's workers get the worker settings by inheritance; the driver's environment is left as it was."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sweeps.session import NO_IDLE_WORKERS, WORKER_ENV, _environment


def test_settings_apply_only_inside_and_a_users_own_value_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWEEPS_TEST_MINE", "mine")
    monkeypatch.delenv("SWEEPS_TEST_ADDED", raising=False)
    with _environment({"SWEEPS_TEST_MINE": "default", "SWEEPS_TEST_ADDED": "added"}):
        assert os.environ["SWEEPS_TEST_MINE"] == "mine"
        assert os.environ["SWEEPS_TEST_ADDED"] == "added"
    assert os.environ["SWEEPS_TEST_MINE"] == "mine"
    assert "SWEEPS_TEST_ADDED" not in os.environ


@pytest.mark.slow
def test_workers_inherit_the_worker_settings(ray_local: Any) -> None:
    settings = {**WORKER_ENV, **NO_IDLE_WORKERS}

    @ray_local.remote(num_cpus=0)
    def environment() -> dict[str, str | None]:
        return {name: os.environ.get(name) for name in settings}

    seen = ray_local.get(environment.remote())
    assert seen == {name: os.environ.get(name, value) for name, value in settings.items()}


def test_ray_client_addresses_are_refused_with_one_line_before_anything_is_written(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "sweeps.cli", "run", "quickstart", "--address", "ray://head:10001",
                           "--results", str(tmp_path / "r")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("error: --address ray://head:10001: Ray Client")
    left = [p for p in (tmp_path / "r").rglob("*") if p.is_file()] if (tmp_path / "r").exists() else []
    assert not left, left
