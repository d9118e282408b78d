"""Writes passengers.csv: a small Titanic-like table with a free-text name column (an identifier)."""

from pathlib import Path

import numpy as np
import pandas as pd


def passengers(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    klass = rng.choice(["1st", "2nd", "3rd"], rows, p=[0.25, 0.25, 0.5])
    sex = rng.choice(["female", "male"], rows)
    age = rng.normal(30, 14, rows).clip(1, 80).round()
    age[rng.random(rows) < 0.3] = np.nan
    chance = 0.15 + 0.5 * (sex == "female") + 0.2 * (klass == "1st") - 0.1 * (klass == "3rd")
    survived = (rng.random(rows) < chance).astype(int)
    names = [f"Passenger {i}, {'Mrs' if s == 'female' else 'Mr'} {rng.integers(1e6)}" for i, s in enumerate(sex)]
    return pd.DataFrame({"name": names, "pclass": klass, "sex": sex, "age": age, "survived": survived})


if __name__ == "__main__":
    passengers().to_csv(Path(__file__).with_name("passengers.csv"), index=False)
