"""What each trial-level optimisation buys, in one process without Ray.

    python benchmarks/trial_overhead.py            # 12 trials x 8 epochs per variant

Trains the same trials (4 optimizers x 3 learning rates, width 100, depth 3, digits,
batch 32, one thread as a trial on one CPU gets) under cumulative variants:

  plain          what Keras does by default: a new model compiled per trial, numpy arrays to fit
  +prebuilt      optimizer and metric variables created before the first traced step
  +tf.data       a seeded, prefetched tf.data pipeline built once per trial
  +warm graphs   a trial reuses the traced graph of an earlier one with the same architecture
                 and optimizer (sweeps.trial.warm)
  +steps/exec    64 training steps per call into TensorFlow; this is what the runner does
  +xla           the same, XLA-compiled (``resources.jit_compile: true``; off by default)

and prints per variant: median set-up seconds (build + compile), median first epoch
(which includes tracing), median later epoch, and the total for all trials.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

VARIANTS = ("plain", "+prebuilt", "+tf.data", "+warm graphs", "+steps/exec", "+xla")


def trials() -> list[dict[str, Any]]:
    return [{"family": "mlp", "width": 100, "depth": 3, "activation": "relu", "dropout": 0.0, "batch_size": 32,
             "optimizer": opt, "learning_rate": lr, "seed": 0}
            for opt in ("sgd", "adam", "rmsprop", "nadam") for lr in (1e-3, 1e-2, 1e-1)]


def run_variant(variant: str, data: Any, epochs: int) -> dict[str, float]:
    import keras

    from sweeps.trial import warm
    from sweeps.trial.models import build_model
    from sweeps.trial.optimizers import make_optimizer
    from sweeps.trial.pipelines import evaluation_batches, training_batches

    level = VARIANTS.index(variant)
    warm.forget()
    setups, firsts, laters = [], [], []
    started = time.perf_counter()
    for hp in trials():
        begin = time.perf_counter()
        spe = 64 if level >= 4 else 1
        if level >= 3:
            model = warm.compiled_model(hp, data.feature_shape, data.n_classes, steps_per_execution=spe,
                                        jit_compile=level >= 5)
        else:
            keras.utils.set_random_seed(hp["seed"])
            model = build_model(hp, data.feature_shape, data.n_classes)
            model.compile(optimizer=make_optimizer(hp["optimizer"], hp["learning_rate"]),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=spe)
            if level >= 1:
                warm._build_state(model)
        setups.append(time.perf_counter() - begin)
        timer = _epoch_timer()
        if level >= 2:
            model.fit(training_batches(data.x_train, data.y_train, 32, hp["seed"]),
                      validation_data=evaluation_batches(data.x_val, data.y_val),
                      epochs=epochs, verbose=0, callbacks=[timer])
        else:
            model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), batch_size=32,
                      epochs=epochs, verbose=0, callbacks=[timer])
        firsts.append(timer.seconds[0])
        laters.extend(timer.seconds[1:])
    return {"setup_s": statistics.median(setups), "first_epoch_s": statistics.median(firsts),
            "later_epoch_s": statistics.median(laters), "total_s": time.perf_counter() - started}


def _epoch_timer() -> Any:
    """A Keras callback that keeps each epoch's seconds in ``.seconds``."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []
            self._began = 0.0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._began = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self._began)

    return EpochTimer()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    import tensorflow as tf

    from sweeps import load_spec
    from sweeps.trial.data import load_data

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    spec = load_spec({"name": "overhead"})
    data = load_data(spec.data, spec.family)
    run_variant("plain", data, 2)
    print(f"{len(trials())} trials x {args.epochs} epochs, 1 thread, {time.strftime('%Y-%m-%d')}")
    print(f"{'variant':<14} {'set-up s':>9} {'1st epoch s':>12} {'later epoch s':>14} {'total s':>8}")
    for variant in VARIANTS:
        f = run_variant(variant, data, args.epochs)
        print(f"{variant:<14} {f['setup_s']:>9.3f} {f['first_epoch_s']:>12.3f} {f['later_epoch_s']:>14.4f} "
              f"{f['total_s']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
