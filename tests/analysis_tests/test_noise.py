from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.noise import noise, noise_verdict, t_quantile_975


@pytest.mark.parametrize("dof, expected", [(1, 12.706204736), (2, 4.302652730), (9, 2.262157163),
                                           (30, 2.042272456), (40, 2.021075390), (100, 1.983971519),
                                           (1e6, 1.959966)])
def test_t_quantile_matches_students_t(dof: float, expected: float) -> None:
    assert t_quantile_975(dof)[0] == pytest.approx(expected, abs=2e-6)


def test_t_quantile_is_nan_without_degrees_of_freedom() -> None:
    assert np.isnan(t_quantile_975([0])[0])


def repeats(values: dict[tuple[str, float], list[float]]) -> pd.DataFrame:
    rows = [{"sweep": "s", "trial_id": f"{o}-{lr}-{r}", "optimizer": o, "learning_rate": lr, "repeat": r,
             "seed": r, "val_loss": v} for (o, lr), vs in values.items() for r, v in enumerate(vs)]
    return pd.DataFrame(rows)


AXES = ["optimizer", "learning_rate", "repeat"]


def test_interval_per_configuration() -> None:
    best = repeats({("adam", 0.01): [1.0, 2.0, 3.0], ("sgd", 0.1): [4.0, 4.0, float("nan")]})
    table = noise(best, "val_loss", "min", AXES)
    assert table[["optimizer", "learning_rate", "runs", "mean", "std"]].values.tolist() == [
        ["adam", 0.01, 3, 2.0, 1.0], ["sgd", 0.1, 2, 4.0, 0.0]]
    half = 4.302652730 / math.sqrt(3)
    assert table.loc[0, "half_width"] == pytest.approx(half)
    assert (table.loc[0, "low"], table.loc[0, "high"]) == pytest.approx((2.0 - half, 2.0 + half))


def test_verdict_separated_when_margin_exceeds_spread() -> None:
    best = repeats({("adam", 0.01): [1.0, 1.1, 0.9], ("sgd", 0.1): [2.0, 2.1, 1.9]})
    verdict = noise_verdict(noise(best, "val_loss", "min", AXES), "val_loss")
    half = 4.302652730 * 0.1 / math.sqrt(3)
    assert verdict.separated is True
    assert verdict.margin == pytest.approx(1.0)
    assert verdict.spread == pytest.approx(2 * half)
    assert verdict.leader == "optimizer=adam, learning_rate=0.01"
    assert verdict.runner_up == "optimizer=sgd, learning_rate=0.1"
    assert "larger than the noise" in verdict.text


def test_verdict_within_noise_for_mode_max() -> None:
    best = repeats({("adam", 0.01): [0.80, 0.90, 0.85], ("sgd", 0.1): [0.88, 0.86, 0.87]})
    verdict = noise_verdict(noise(best, "val_loss", "max", AXES), "val_loss")
    assert verdict.leader == "optimizer=sgd, learning_rate=0.1"
    assert verdict.separated is False
    assert verdict.margin == pytest.approx(0.02)
    assert "within noise" in verdict.text


def test_one_repeat_cannot_tell() -> None:
    best = repeats({("adam", 0.01): [1.0], ("sgd", 0.1): [2.0]})
    verdict = noise_verdict(noise(best, "val_loss", "min", AXES), "val_loss")
    assert verdict.separated is None
    assert verdict.margin == pytest.approx(1.0)
    assert "Cannot tell" in verdict.text and "every configuration ran once" in verdict.text


def test_single_configuration_and_empty_table() -> None:
    one = noise_verdict(noise(repeats({("adam", 0.01): [1.0, 2.0, 3.0]}), "val_loss", "min", AXES), "val_loss")
    assert one.separated is None and one.runner_up is None and "over 3 runs" in one.text
    empty = noise_verdict(noise(repeats({("adam", 0.01): [float("nan")]}), "val_loss", "min", AXES), "val_loss")
    assert empty.leader is None and "no leader" in empty.text
