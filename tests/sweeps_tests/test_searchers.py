"""search.algorithm: Ray Tune's searchers (TPE through Optuna, BOHB) through real Ray Tune and Keras,
and the specs they reject before Ray starts."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from ray import tune

import sweeps
from sweeps.errors import SpecError
from sweeps.results import constants as c
from sweeps.search.space import count_trials, grid_points, param_space
from sweeps.spec.model import load_spec
from tests.conftest import tiny_spec

HAS_OPTUNA = importlib.util.find_spec("optuna") is not None
HAS_BOHB = all(importlib.util.find_spec(name) is not None for name in ("hpbandster", "ConfigSpace"))
needs_optuna = pytest.mark.skipif(not HAS_OPTUNA, reason="optuna is not installed (pip install '.[search]')")
needs_bohb = pytest.mark.skipif(not HAS_BOHB,
                                reason="hpbandster and ConfigSpace are not installed (pip install '.[bohb]')")

WIDTH, LR = (4, 33), (1e-3, 0.3)


def searched_spec(name: str, algorithm: str, scheduler: str | None = "asha", samples: int = 6) -> dict[str, Any]:
    """Six draws of a tiny digits MLP: width a range, optimizer a grid list (a choice for the searcher)."""
    search: dict[str, Any] = {"algorithm": algorithm, "metric": "val_accuracy", "num_samples": samples}
    if scheduler is not None:
        search["scheduler"] = scheduler
    if scheduler == "asha":
        search["asha"] = {"grace_period": 1, "reduction_factor": 2}
    return tiny_spec(
        name,
        model={"family": "mlp", "width": {"randint": list(WIDTH)}, "depth": 1},
        train={"optimizer": {"grid": ["sgd", "adam"]}, "learning_rate": {"loguniform": list(LR)},
               "batch_size": 128, "max_epochs": 3, "early_stopping": None},
        search=search,
    )


def _sweep(ray_local: Any, tmp_path: Path, spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    outcome = sweeps.run(spec, results=tmp_path, progress=False)
    folder = Path(outcome.folder)
    return pd.read_parquet(folder / c.EPOCHS_FILE), pd.read_parquet(folder / c.TRIALS_FILE)


def _drawn(trials: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(trials[["width", "optimizer", "learning_rate"]].itertuples(index=False, name=None))


@pytest.fixture(scope="module")
def tpe_runs(ray_local: Any, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """The same seeded TPE + ASHA sweep, run twice."""
    if not HAS_OPTUNA:
        pytest.skip("optuna is not installed")
    return [_sweep(ray_local, tmp_path_factory.mktemp(f"tpe{i}"), searched_spec("tiny-tpe", "tpe")) for i in (0, 1)]


@pytest.mark.slow
@needs_optuna
def test_tpe_sweep_stores_draws_within_the_declared_ranges(tpe_runs: list[Any]) -> None:
    epochs, trials = tpe_runs[0]
    assert len(trials) == 6 and trials[c.TRIAL_ID].is_unique
    assert set(epochs[c.TRIAL_ID]) == set(trials[c.TRIAL_ID])
    assert not epochs.duplicated([c.TRIAL_ID, c.EPOCH]).any()
    for frame in (epochs, trials):
        assert frame["width"].between(WIDTH[0], WIDTH[1] - 1).all()  # randint's high end is exclusive
        assert frame["learning_rate"].between(*LR).all()
        assert set(frame["optimizer"]) <= {"sgd", "adam"}
    assert (trials[c.REPEAT] == 0).all() and (trials[c.SEED] == 0).all()
    assert len(set(_drawn(trials))) == 6, "TPE drew the same configuration twice"


@pytest.mark.slow
@needs_optuna
def test_the_same_seed_draws_the_same_configurations(tpe_runs: list[Any]) -> None:
    first, second = (_drawn(trials) for _, trials in tpe_runs)
    assert first == second


@pytest.mark.slow
@needs_bohb
def test_bohb_sweep_runs_with_its_own_hyperband(ray_local: Any, tmp_path: Path) -> None:
    spec = searched_spec("tiny-bohb", "bohb", scheduler=None, samples=4)
    epochs, trials = _sweep(ray_local, tmp_path, spec)
    assert len(trials) == 4
    assert not epochs.duplicated([c.TRIAL_ID, c.EPOCH]).any()
    assert epochs["width"].between(WIDTH[0], WIDTH[1] - 1).all() and epochs["learning_rate"].between(*LR).all()
    stored = yaml.safe_load((tmp_path / "tiny-bohb" / c.SPEC_FILE).read_text())
    assert stored["search"]["algorithm"] == "bohb" and stored["search"]["scheduler"] == "hyperband"


def test_default_algorithm_keeps_todays_grid_and_random_expansion() -> None:
    grid = load_spec("quickstart")
    assert grid.search["algorithm"] == "grid" and count_trials(grid) == 24
    drawn = load_spec("random-hyperband")
    assert drawn.search["algorithm"] == "random" and count_trials(drawn) == 30


def test_random_draws_grid_lists_as_choices_with_todays_repeats() -> None:
    spec = load_spec(tiny_spec("r", search={"algorithm": "random", "num_samples": 5}))
    assert count_trials(spec) == 5
    assert [p[c.SEED] for p in grid_points(spec)] == [0, 1, 2, 3, 4]
    space = param_space(spec)
    choices = {name: domain.categories for name, domain in space.items() if name != "point"}
    assert choices == {"width": [8, 32], "depth": [1, 2], "optimizer": ["sgd", "adam"], "learning_rate": [0.003, 0.1]}
    assert all(isinstance(space[name], tune.search.sample.Categorical) for name in choices)
    assert not set(choices) & set(space["point"]["grid_search"][0])


@needs_optuna
def test_searcher_space_is_one_constant_point_and_domains() -> None:
    spec = load_spec(searched_spec("t", "tpe", samples=7))
    assert count_trials(spec) == 7
    space = param_space(spec)
    assert space["point"][c.REPEAT] == 0 and "grid_search" not in str(space["point"])
    assert load_spec(spec.to_dict()) == spec


@pytest.mark.parametrize("search, message", [
    ({"algorithm": "cmaes"}, "search.algorithm must be one of: grid, random, tpe, bohb, got 'cmaes'"),
    ({"algorithm": "bohb", "scheduler": "asha"},
     "search.algorithm bohb combines only with search.scheduler hyperband, got search.scheduler 'asha'"),
    ({"algorithm": "bohb", "scheduler": "fifo"}, "search.algorithm bohb combines only with search.scheduler"),
])
def test_cli_rejects_bad_search_algorithm_with_exit_2(tmp_path: Path, search: dict[str, Any], message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(searched_spec("bad", "grid") | {"search": {"metric": "val_loss", **search}}))
    proc = subprocess.run([sys.executable, "-m", "sweeps.cli", "run", str(bad), "--results", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {message}") and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr and not (tmp_path / "r").exists()


def test_a_missing_package_is_one_line_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SpecError) as info:
        load_spec(searched_spec("t", "tpe"))
    assert str(info.value) == "search.algorithm: tpe needs optuna: pip install 'keras-sweeps[search]'"
    with pytest.raises(SpecError, match=r"^search.algorithm: bohb needs hpbandster and ConfigSpace: "
                                        r"pip install 'keras-sweeps\[bohb\]'$"):
        load_spec(searched_spec("t", "bohb", scheduler=None))
    with pytest.raises(SpecError, match=r"^search.algorithm bohb combines only with search.scheduler hyperband, got"):
        load_spec(searched_spec("t", "bohb", scheduler="asha"))


@needs_optuna
@pytest.mark.parametrize("change, message", [
    ({"model": {"family": "mlp", "widths": {"grid": [[8], [8, 8]]}}},
     "search.algorithm tpe draws widths from numbers, strings or booleans only"),
    ({"model": {"family": "mlp"}, "train": {"max_epochs": 2}}, "search.algorithm tpe needs at least one searched axis"),
])
def test_tpe_rejects_what_it_cannot_draw(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=f"^{message}"):
        load_spec(searched_spec("t", "tpe") | change)
