"""How long axis effects, the noise floor and their figure take on a big sweep (1,000,000 epoch rows).

Builds report_speed's synthetic store (10,000 trials x 100 epochs: a 1,000-configuration
grid x 10 repeats, some runs diverging), loads it, and prints seconds per stage; the
effects' share of the report's 10 s budget should stay well under 2 s.

    .venv/bin/python benchmarks/effects_speed.py [--trials 10000] [--epochs 100] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import analysis
from analysis import plots

sys.path.insert(0, str(Path(__file__).parent))
from report_speed import AXES, build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp) / "big", args.trials, args.epochs)
        times: dict[str, float] = {}
        start = time.perf_counter()
        results = analysis.load(folder)
        best = analysis.best_epochs(results.epochs, "val_loss", "min")
        times["load + best_epochs"] = time.perf_counter() - start
        start = time.perf_counter()
        effects = analysis.axis_effects(best, results.trials, "val_loss", "min", AXES, resamples=args.resamples)
        times[f"axis_effects ({len(AXES)} axes, {args.resamples} resamples)"] = time.perf_counter() - start
        start = time.perf_counter()
        floor = analysis.noise_floor(best, results.trials, "val_loss", "min", AXES)
        times["noise_floor"] = time.perf_counter() - start
        start = time.perf_counter()
        info = plots.effects_info(effects)
        if not isinstance(info, plots.Omitted):
            plots.plot_effects(info).savefig(Path(tmp) / "effects.png", dpi=110)
        times["effects figure (drawn and saved)"] = time.perf_counter() - start
        for stage, seconds in times.items():
            print(f"{stage:<42} {seconds:6.2f} s")
        for effect in effects.values():
            print(effect.sentence)
        print(" ".join(floor.sentences))


if __name__ == "__main__":
    main()
