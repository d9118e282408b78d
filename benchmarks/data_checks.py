"""What the data checks (identifier, row order, leak) and the baselines add to loading the data.

    python benchmarks/data_checks.py                 # an MNIST-shaped loader array: 70,000 rows x 784 columns
    python benchmarks/data_checks.py --rows 20000 --columns 100

The array has pixel-like columns (256 levels, a quarter of them mostly zero) and ten classes; the checks
run on the driver while Ray starts, once per `sweeps validate` or `sweeps run`. Prints seconds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sweeps.trial.audit import audit_arrays
from sweeps.trial.baselines import baselines
from sweeps.trial.data import Splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=70_000)
    parser.add_argument("--columns", type=int, default=784)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = (np.round(rng.random((args.rows, args.columns)) * 255) / 255).astype("float32")
    x[:, : args.columns // 4] *= rng.random((args.rows, args.columns // 4)) < 0.1
    y = rng.integers(0, 10, args.rows).astype("int32")
    cut, end = int(args.rows * 0.56), int(args.rows * 0.8)
    splits = Splits(x[:cut], y[:cut], x[cut:end], y[cut:end], x[end:], y[end:], tuple(map(str, range(10))))
    audit_arrays(x[:100], x[:60], y[:60], x[60:100], y[60:100], "classification")  # imports, once
    started = time.perf_counter()
    audit = audit_arrays(x, splits.x_train, splits.y_train, splits.x_val, splits.y_val, "classification")
    checked = time.perf_counter()
    baselines(splits)
    done = time.perf_counter()
    print(f"{args.rows} rows x {args.columns} columns: column checks {checked - started:.2f} s "
          f"({(checked - started) / args.columns * 1000:.1f} ms a column, {len(audit.warnings)} warnings), "
          f"baselines {done - checked:.3f} s")


if __name__ == "__main__":
    main()
