"""Fault injection for tests: wrap the real trial function so that one configuration always raises."""

from __future__ import annotations

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
