"""A live one-line view of a sweep: trials by state and the best so far.

On a terminal the line is redrawn in place; in a log (CI, a cluster job) a new line is
printed every ``log_seconds`` so the output stays readable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from sweeps.hyperparameters import FIELDS, SHOWN
from sweeps.results import constants as c
from sweeps.results.choice import MEAN_PREFIX

_LABELS = {c.RUNNING: "running", c.COMPLETED: "completed", c.EARLY_STOPPED: "early-stopped",
           c.PRUNED: "pruned", c.DIVERGED: "diverged", c.ERRORED: "error", c.INTERRUPTED: "interrupted"}


def describe_trial(row: Mapping[str, Any], extra: tuple[str, ...] = ()) -> str:
    """A short configuration text: 'adam width=64 depth=1 lr=0.03' (``extra``: a user model's own keys).

    Shows the registry's ``label``-ed hyperparameters (the optimizer bare and first), then ``extra``.
    """
    parts: list[str] = []
    for key in (*SHOWN, *extra):
        value = row.get(key)
        if value is None:
            continue
        label = FIELDS[key].label if key in FIELDS else key
        if label == "":
            parts.insert(0, str(value))
        else:
            parts.append(f"{label}={value:g}" if isinstance(value, float) else f"{label}={value}")
    return " ".join(parts)


def describe_choice(best: Mapping[str, Any], metric: str, axes: Iterable[str] = ()) -> str:
    """The chosen configuration with every searched axis (a user model's own too), and its runs.

    'adam width=64 depth=1 lr=0.003 (trial a_00001)', or with repeats
    'adam width=64 depth=1 lr=0.003 (mean val_loss 0.1356 over 3 runs; trials a_00001, a_00002, a_00003)'.
    """
    extra = tuple(a for a in axes if a not in SHOWN and a not in (c.REPEAT, c.SEED))
    text = describe_trial(best, extra=extra)
    trial_ids = list(best.get("trial_ids") or [best[c.TRIAL_ID]])
    if len(trial_ids) == 1:
        return f"{text} (trial {trial_ids[0]})"
    runs, scored = best.get("runs", len(trial_ids)), best.get("scored_runs", len(trial_ids))
    counted = f"{runs} runs" if scored == runs else f"{scored} of {runs} runs"
    return f"{text} (mean {metric} {best[MEAN_PREFIX + metric]:.4f} over {counted}; trials {', '.join(trial_ids)})"


def progress_line(counts: Mapping[str, int], total: int, best: Mapping[str, Any] | None, metric: str,
                  elapsed: float, extra: tuple[str, ...] = ()) -> str:
    """'[0:42] 24 trials: 2 running, 10 pruned, ... | best val_loss 0.0912 (adam lr=0.03 ...)'."""
    minutes, seconds = divmod(int(elapsed), 60)
    known = sum(counts.values())
    parts = [f"{n} {_LABELS[s]}" for s, n in counts.items() if n and s in _LABELS]
    if total > known:
        parts.insert(0, f"{total - known} pending")
    line = f"[{minutes}:{seconds:02d}] {total} trials: {', '.join(parts) or 'starting'}"
    if best is not None:
        value = best.get(c.BEST_PREFIX + metric)
        line += f" | best {metric} {value:.4f} ({describe_trial(best, extra=extra)}, epoch {best.get(c.BEST_EPOCH)})"
    return line


class ProgressPrinter:
    """Prints :func:`progress_line` as the store changes, throttled."""

    def __init__(self, total: int, metric: str, stream: TextIO | None = None, log_seconds: float = 10.0) -> None:
        self.total = total
        self.metric = metric
        self.stream = stream
        self.log_seconds = log_seconds
        self._started = time.monotonic()
        self._last = 0.0
        self._width = 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "stream": None}

    def update(self, store: Any, final: bool = False) -> None:
        stream = self.stream or sys.stdout
        tty = stream.isatty()
        now = time.monotonic()
        if not final and now - self._last < (0.5 if tty else self.log_seconds):
            return
        self._last = now
        from sweeps.results.records import user_columns

        extra = user_columns(getattr(store, "hyperparameters", ()))
        line = progress_line(store.counts(), self.total, store.best_trial(), self.metric, now - self._started, extra)
        if tty:
            stream.write("\r" + line.ljust(self._width)[: max(self._width, len(line))] + ("\n" if final else ""))
            self._width = len(line)
        else:
            stream.write(line + "\n")
        stream.flush()
