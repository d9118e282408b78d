"""Spec -> search space: grid expansion, repeats, unused optimizer settings dropped."""

from __future__ import annotations

from sweeps import count_trials, load_spec
from sweeps.search.space import grid_points, param_space, resolve_config, trial_order


def test_grid_is_expanded_with_repeats_and_seeds() -> None:
    spec = load_spec({"name": "g", "data": {"seed": 7}, "model": {"width": {"grid": [8, 16]}},
                      "search": {"num_samples": 3}})
    points = grid_points(spec)
    assert count_trials(spec) == 6
    assert sorted((p["width"], p["repeat"], p["seed"]) for p in points) == [
        (8, 0, 7), (8, 1, 8), (8, 2, 9), (16, 0, 7), (16, 1, 8), (16, 2, 9)]


def test_settings_an_optimizer_does_not_take_do_not_multiply_its_trials() -> None:
    spec = load_spec({"name": "o", "train": {"optimizer": {"grid": ["adam", "adadelta"]},
                                             "beta_1": {"grid": [0.5, 0.9]}, "rho": {"grid": [0.9, 0.95, 0.99]}}})
    points = grid_points(spec)
    assert count_trials(spec) == 2 + 3
    assert all("rho" not in p for p in points if p["optimizer"] == "adam")
    assert all("beta_1" not in p for p in points if p["optimizer"] == "adadelta")


def test_random_axes_become_tune_domains_and_resolve_flat() -> None:
    from ray.tune.search.sample import Float

    spec = load_spec({"name": "r", "train": {"optimizer": "sgd", "momentum": {"uniform": [0.1, 0.9]},
                                             "learning_rate": {"loguniform": [1e-4, 1e-1]}}})
    space = param_space(spec)
    assert isinstance(space["learning_rate"], Float)
    flat = resolve_config({"point": space["point"]["grid_search"][0], "learning_rate": 0.01, "momentum": 0.5},
                          "mlp")
    assert flat["learning_rate"] == 0.01 and flat["momentum"] == 0.5 and flat["family"] == "mlp"
    assert resolve_config({"point": {"optimizer": "adam"}, "momentum": 0.5}, "mlp") == {
        "optimizer": "adam", "family": "mlp"}


def test_asha_starts_each_repeat_in_a_seeded_random_order_and_fifo_in_spec_order() -> None:
    base = {"name": "o", "model": {"width": {"grid": [8, 16, 32, 64]}, "depth": {"grid": [1, 2, 3]}},
            "search": {"scheduler": "asha", "num_samples": 2}}
    asha = load_spec(base)
    order = trial_order(asha)
    assert order == trial_order(load_spec(base))
    assert [p["repeat"] for p in order] == [0] * 12 + [1] * 12
    assert sorted(map(str, order[:12])) == sorted(map(str, grid_points(asha)[:12]))
    assert order[:12] != grid_points(asha)[:12]
    fifo = load_spec({**base, "search": {"scheduler": "fifo", "num_samples": 2}})
    assert trial_order(fifo) == grid_points(fifo)
    assert param_space(asha)["point"]["grid_search"] == order
