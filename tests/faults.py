"""Wrappers of the real trial function for tests: inject a failure, or record what a trial receives."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any


def raising_for(learning_rate: float, attempts_dir: Path) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``_wrap_trainable`` for ``sweeps.run``: trials with this learning rate raise; others train for real."""
    folder = str(attempts_dir)

    def wrap(train: Callable[..., Any]) -> Callable[..., Any]:
        def trial(config: dict[str, Any], **params: Any) -> Any:
            lr = config.get("learning_rate", config.get("point", {}).get("learning_rate"))
            if lr == learning_rate:
                (Path(folder) / f"attempt-{uuid.uuid4().hex}").touch()
                raise RuntimeError(f"injected failure for learning_rate={lr}")
            return train(config, **params)

        return trial

    return wrap


def recording_splits(record_dir: Path) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``_wrap_trainable`` that writes the rows of each split a trial receives to a JSON file, then trains."""
    folder = str(record_dir)

    def wrap(train: Callable[..., Any]) -> Callable[..., Any]:
        def trial(config: dict[str, Any], **params: Any) -> Any:
            data = params["data"]
            rows = {name: len(getattr(data, name)) for name in ("x_train", "y_train", "x_val", "y_val",
                                                                   "x_test", "y_test")}
            (Path(folder) / f"splits-{uuid.uuid4().hex}.json").write_text(json.dumps(rows))
            return train(config, **params)

        return trial

    return wrap
