"""Arrays -> ``tf.data`` pipelines built once per trial, so Keras does not rebuild one every epoch.

Handing ``fit`` numpy arrays makes Keras wrap, shuffle and slice them anew each epoch, which
costs more than a small model's training steps. A dataset shuffled with the trial's seed
(reshuffled each epoch, so the order is reproducible) and prefetched avoids that. Its
threads are limited to the trial's CPU share, like TensorFlow's own pools, so parallel trials
do not oversubscribe the cores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

EVALUATION_BATCH = 1024
"""Batch size for validation and test: large batches, fewer steps; the metrics do not depend on it."""


def training_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, threads: int = 1) -> Any:
    import tensorflow as tf

    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE)
            .with_options(_options(threads)))


def evaluation_batches(x: np.ndarray, y: np.ndarray, threads: int = 1) -> Any:
    import tensorflow as tf

    return (tf.data.Dataset.from_tensor_slices((x, y)).batch(EVALUATION_BATCH).cache()
            .prefetch(tf.data.AUTOTUNE).with_options(_options(threads)))


def _options(threads: int) -> Any:
    import tensorflow as tf

    options = tf.data.Options()
    options.threading.private_threadpool_size = max(1, threads)
    options.threading.max_intra_op_parallelism = max(1, threads)
    return options
