"""The answer a sweep was run for: which configuration won, by how much, and can we trust it.

A report leads with this, so it is computed once, as plain data, and rendered by the
report (HTML and Markdown) or printed by :func:`summary_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.load import Results, SweepInfo
from analysis.noise import NoiseVerdict, noise, noise_verdict
from analysis.summarise import best_epochs, configuration, describe, format_value, status_counts
from sweeps.results import constants as c


@dataclass(frozen=True)
class Answer:
    """One sweep's result: the chosen configuration, its validation and test scores, the noise verdict."""

    sweep: str
    question: str
    metric: str
    mode: str
    trial_id: str | None
    configuration: Mapping[str, Any]
    validation: float | None
    best_epoch: int | None
    test: Mapping[str, float]
    chosen_by_runner: bool
    best_by_epochs: str | None
    verdict: NoiseVerdict
    statuses: Mapping[str, int]

    @property
    def lines(self) -> list[str]:
        """The answer in a few sentences, question first."""
        out = [f"Question: {self.question}"]
        if self.trial_id is None:
            out.append(f"Answer: none; no trial has a finite {self.metric}.")
            return out
        out.append(f"Answer: {describe(self.configuration)} (trial {self.trial_id}"
                   + ("" if self.chosen_by_runner else ", best by the epoch rows; the runner chose none") + ").")
        at = f" at epoch {self.best_epoch}" if self.best_epoch is not None else ""
        out.append(f"Validation {self.metric}: {format_value(self.validation)}{at}.")
        if self.test:
            out.append("Held-out test: " + ", ".join(f"{k} {format_value(v)}" for k, v in self.test.items()) + ".")
        else:
            out.append("Held-out test: not measured (the runner scores only the trial it chose, at the end).")
        out.append(f"Noise: {self.verdict.text}")
        if self.best_by_epochs is not None and self.best_by_epochs != self.trial_id:
            out.append(f"Note: by the epoch rows the best trial is {self.best_by_epochs}, not the chosen one.")
        return out


def answer(results: Results, sweep: str | None = None) -> Answer:
    """The answer of ``sweep`` (or of the only sweep loaded).

    Example:
        >>> print("\\n".join(answer(analysis.load("results/quickstart")).lines))
    """
    if sweep is None:
        if len(results.sweeps) != 1:
            raise ValueError(f"several sweeps are loaded ({', '.join(results.sweeps)}); pass sweep=<name>")
        sweep = next(iter(results.sweeps))
    one = results.sweep(sweep) if len(results.sweeps) > 1 else results
    info = one.sweeps[sweep]
    best = best_epochs(one.epochs, info.metric, info.mode)
    return answer_from(info, one.trials, best, noise_verdict(noise(best, info.metric, info.mode, info.axes),
                                                             info.metric))


def answer_from(info: SweepInfo, trials: pd.DataFrame, best: pd.DataFrame, verdict: NoiseVerdict) -> Answer:
    """The answer from parts already computed (the report computes ``best`` once for every section)."""
    metric = info.metric
    leader = best.iloc[0] if not best.empty else None
    chosen = trials.loc[trials[c.CHOSEN].fillna(False).astype(bool)] if c.CHOSEN in trials.columns else trials.head(0)
    row: pd.Series | None = chosen.iloc[0] if not chosen.empty else leader
    validation, epoch, test = None, None, {}
    if row is not None and not chosen.empty:
        validation = _finite(row.get(c.BEST_PREFIX + metric))
        epoch = _integer(row.get(c.BEST_EPOCH))
        test = {m: v for m in info.metrics if (v := _finite(row.get(c.TEST_PREFIX + m))) is not None}
    if row is not None and (validation is None or epoch is None) and leader is not None:
        match = best.loc[best[c.TRIAL_ID].astype(str) == str(row[c.TRIAL_ID])]
        if not match.empty:
            validation = validation if validation is not None else _finite(match.iloc[0][metric])
            epoch = epoch if epoch is not None else _integer(match.iloc[0][c.BEST_EPOCH])
    return Answer(
        sweep=info.name, question=question(info), metric=metric, mode=info.mode,
        trial_id=None if row is None else str(row[c.TRIAL_ID]),
        configuration={} if row is None else configuration(row, info.axes),
        validation=validation, best_epoch=epoch, test=test, chosen_by_runner=not chosen.empty,
        best_by_epochs=None if leader is None else str(leader[c.TRIAL_ID]),
        verdict=verdict, statuses=status_counts(trials),
    )


def question(info: SweepInfo) -> str:
    """The question a sweep answers, from its axes, metric and dataset."""
    best = "lowest" if info.mode == "min" else "highest"
    axes = [a for a in info.axes if a not in (c.REPEAT, c.SEED)]
    if not axes:
        return f"What {info.metric} does this configuration reach on {info.dataset}, run to run?"
    named = axes[0] if len(axes) == 1 else ", ".join(axes[:-1]) + " and " + axes[-1]
    return f"Which {named} give{'s' if len(axes) == 1 else ''} the {best} {info.metric} on {info.dataset}?"


def summary_text(results: Results) -> str:
    """Every loaded sweep's answer as plain text, for a terminal or a notebook."""
    blocks = []
    for name in results.sweeps:
        result = answer(results, name)
        counts = ", ".join(f"{n} {s}" for s, n in result.statuses.items())
        blocks.append("\n".join([f"{name} ({sum(result.statuses.values())} trials: {counts})", *result.lines]))
    return "\n\n".join(blocks)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _integer(value: Any) -> int | None:
    number = _finite(value)
    return None if number is None else int(number)
