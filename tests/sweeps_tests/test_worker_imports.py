"""A trial process imports Keras without the optional extras, and Keras still trains."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import json, sys
    {preload}
    from sweeps.trial.worker_imports import OPTIONAL_EXTRAS, import_keras
    keras = import_keras()
    loaded_after_keras = sorted(name for name in OPTIONAL_EXTRAS if name in sys.modules)
    import numpy as np
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(np.ones((8, 4)), np.zeros(8), epochs=2, verbose=0)
    import sklearn
    print(json.dumps({{"loaded": loaded_after_keras, "losses": history.history["loss"],
                      "sklearn_after": "sklearn" in sys.modules,
                      "finders_left": [f for f in map(repr, sys.meta_path) if "_HideModules" in f]}}))
    """
)


def run_probe(preload: str = "") -> dict:
    completed = subprocess.run([sys.executable, "-c", PROBE.format(preload=preload)], capture_output=True, text=True,
                               timeout=180, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_keras_imports_without_extras_and_still_trains_and_extras_import_afterwards() -> None:
    probe = run_probe()
    assert probe["loaded"] == []
    assert len(probe["losses"]) == 2 and all(loss == loss for loss in probe["losses"])
    assert probe["sklearn_after"] is True
    assert probe["finders_left"] == []


def test_an_extra_already_loaded_is_left_alone() -> None:
    probe = run_probe(preload="import pandas")
    assert "pandas" in probe["loaded"]
    assert "sklearn" not in probe["loaded"] and "matplotlib" not in probe["loaded"]
