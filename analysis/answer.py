"""The answer a sweep was run for: which configuration won, by how much, and can we trust it.

A report leads with this, so it is computed once, as plain data, and rendered by the
report (HTML and Markdown) or printed by :func:`summary_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.baselines import Improvement, held_out_improvements, validation_improvements
from analysis.baselines import verdict as baseline_verdict
from analysis.held_out import Estimate, held_out_estimates, held_out_warnings
from analysis.load import Results, SweepInfo
from analysis.noise import NoiseVerdict, noise, noise_verdict, t_quantile_975
from analysis.runs import configuration_axes
from analysis.summarise import best_epochs, configuration, describe, format_value, metric_range, status_counts
from sweeps.results import constants as c
from sweeps.results.choice import choose


@dataclass(frozen=True)
class Answer:
    """One sweep's result: the chosen configuration, its scores beside their baselines, the noise verdict.

    With repeats the chosen configuration is the best mean over repeats, not the luckiest run;
    ``trial_ids`` are its runs and ``trial_id`` the one whose best epoch set the test retrain.
    """

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
    data: str = ""
    trial_ids: tuple[str, ...] = ()
    runs: int = 0
    validation_low: float | None = None
    validation_high: float | None = None
    held_out_estimates: Mapping[str, Estimate] = field(default_factory=dict)
    held_out_warnings: tuple[str, ...] = ()
    improvements: tuple[Improvement, ...] = ()
    beats_baseline: bool | None = None
    baseline_line: str = ""
    axis_lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        """The answer in a few sentences, question first."""
        out = [f"Question: {self.question}"]
        if self.trial_id is None:
            out.append(f"Answer: none; no trial has a finite {self.metric}.")
            return out
        if self.beats_baseline is False:
            out.append(self.baseline_line)
        runs = f", mean of {self.runs} runs: trials {', '.join(self.trial_ids)}" if self.runs > 1 else ""
        out.append(f"Answer: {describe(self.configuration)} (trial {self.trial_id}{runs}"
                   + ("" if self.chosen_by_runner else ", best by the epoch rows; the runner chose none") + ").")
        at = f" at epoch {self.best_epoch}" if self.best_epoch is not None and self.runs <= 1 else ""
        span = (f" [{format_value(self.validation_low)}, {format_value(self.validation_high)}]"
                if self.validation_low is not None and self.validation_high is not None else "")
        what = f"Validation {self.metric}" + (" (mean over repeats)" if self.runs > 1 else "")
        out.append(f"{what}: {format_value(self.validation)}{span}{at}.")
        if self.held_out_estimates:
            out.append("Held-out test: " + ", ".join(f"{k} {e.text}" for k, e in self.held_out_estimates.items()) + ".")
        elif self.test:
            out.append("Held-out test: " + ", ".join(f"{k} {format_value(v)}" for k, v in self.test.items()) + ".")
        else:
            out.append("Held-out test: not measured (the runner scores only the configuration it chose, at the end).")
        if self.beats_baseline is not False and self.baseline_line:
            out.append(self.baseline_line)
        out.extend(f"Baseline: {i.text}." for i in self.improvements
                   if i.split == "test" and i.text not in self.baseline_line)
        out.extend(self.held_out_warnings)
        out.append(f"Noise: {self.verdict.text}")
        out.extend(self.axis_lines)
        out.extend(self.notes)
        if self.best_by_epochs is not None and self.best_by_epochs not in (self.trial_id, *self.trial_ids):
            out.append(f"Note: the single best run is trial {self.best_by_epochs}, outside the chosen configuration; "
                       "its lead is one run's luck until repeats confirm it.")
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


def answer_from(info: SweepInfo, trials: pd.DataFrame, best: pd.DataFrame, verdict: NoiseVerdict,
                axis_lines: tuple[str, ...] = (), notes: tuple[str, ...] = ()) -> Answer:
    """The answer from parts already computed (the report computes ``best`` once for every section)."""
    metric = info.metric
    leader = best.iloc[0] if not best.empty else None
    axes = configuration_axes(info.axes)
    flags = trials[c.CHOSEN].fillna(False).astype(bool) if c.CHOSEN in trials.columns else None
    chosen = trials.loc[flags] if flags is not None else trials.head(0)
    if chosen.empty:
        chosen = _best_mean_runs(trials, best, info)
    row = _representative(chosen)
    base: dict[str, Any] = dict(sweep=info.name, question=question(info), metric=metric, mode=info.mode,
                                verdict=verdict, statuses=status_counts(trials), data=info.data_source,
                                best_by_epochs=None if leader is None else str(leader[c.TRIAL_ID]))
    if row is None:
        return Answer(trial_id=None, configuration={}, validation=None, best_epoch=None, test={},
                      chosen_by_runner=False, **base)
    ids = tuple(str(t) for t in chosen[c.TRIAL_ID])
    scores = _chosen_scores(best, ids, metric)
    finite = scores[np.isfinite(scores)]
    validation = float(finite.mean()) if len(finite) else None
    low: float | None = None
    high: float | None = None
    if len(finite) > 1:
        mean = float(finite.mean())
        half = float(t_quantile_975(len(finite) - 1)[0] * finite.std(ddof=1) / np.sqrt(len(finite)))
        floor, ceiling = metric_range(metric)
        low, high = max(mean - half, floor), min(mean + half, ceiling)
    epoch = _integer(row.get(c.BEST_EPOCH))
    if epoch is None:
        match = best.loc[best[c.TRIAL_ID].astype(str) == str(row[c.TRIAL_ID])]
        epoch = _integer(match.iloc[0][c.BEST_EPOCH]) if not match.empty else None
    test = {m: v for m in info.metrics if (v := _finite(row.get(c.TEST_PREFIX + m))) is not None}
    task = _task(info)
    loss = str((info.spec.get("train") or {}).get("loss") or "mse")
    rows = info.split_rows.get("test")
    estimates = held_out_estimates(test, info.test_predictions, rows, task, loss) if test else {}
    validation_by_metric = {m.removeprefix("val_"): float(v) for m in info.metrics if m.startswith("val_")
                            and (v := _finite(_mean_of(best, ids, m))) is not None}
    improvements = [*validation_improvements(info.run, metric, validation if validation is not None else np.nan,
                                             np.nan if low is None else low, np.nan if high is None else high),
                    *held_out_improvements(info.run, estimates, info.test_predictions, task, loss)]
    beats, line = baseline_verdict(improvements, metric)
    return Answer(
        trial_id=str(row[c.TRIAL_ID]), configuration=configuration(row, axes), validation=validation,
        best_epoch=epoch, test=test, chosen_by_runner=flags is not None and bool(flags.any()),
        trial_ids=ids, runs=len(ids), validation_low=low, validation_high=high, held_out_estimates=estimates,
        held_out_warnings=tuple(held_out_warnings(estimates, validation_by_metric, rows)),
        improvements=tuple(improvements),
        beats_baseline=beats, baseline_line=line, axis_lines=axis_lines, notes=notes, **base,
    )


def question(info: SweepInfo) -> str:
    """The question a sweep answers, from its axes, metric and dataset."""
    best = "lowest" if info.mode == "min" else "highest"
    axes = [a for a in info.axes if a not in (c.REPEAT, c.SEED)]
    if not axes:
        return f"What {info.metric} does this configuration reach on {info.data_source}, run to run?"
    named = axes[0] if len(axes) == 1 else ", ".join(axes[:-1]) + " and " + axes[-1]
    return f"Which {named} give{'s' if len(axes) == 1 else ''} the {best} {info.metric} on {info.data_source}?"


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


def _best_mean_runs(trials: pd.DataFrame, best: pd.DataFrame, info: SweepInfo) -> pd.DataFrame:
    """When the runner chose nothing (a sweep still running or stopped): the runs of the runner's rule's pick."""
    column = c.BEST_PREFIX + info.metric
    frame = trials if column in trials.columns else best.rename(columns={info.metric: column})
    pick = choose(frame, info.metric, info.mode, info.hyperparameters)
    if pick is None:
        return frame.head(0)
    return frame.loc[frame[c.TRIAL_ID].astype(str).isin(pick.trial_ids)]


def _representative(chosen: pd.DataFrame) -> pd.Series | None:
    """The chosen run that was scored on the test split, else the first."""
    if chosen.empty:
        return None
    tested = [col for col in chosen.columns if col.startswith(c.TEST_PREFIX)]
    if tested:
        scored = chosen.loc[chosen[tested].notna().any(axis=1)]
        if not scored.empty:
            return scored.iloc[0]
    return chosen.iloc[0]


def _chosen_scores(best: pd.DataFrame, ids: tuple[str, ...], metric: str) -> np.ndarray:
    values = pd.to_numeric(best.loc[best[c.TRIAL_ID].astype(str).isin(ids), metric], errors="coerce")
    return values.to_numpy(dtype=float)


def _mean_of(best: pd.DataFrame, ids: tuple[str, ...], metric: str) -> float | None:
    if metric not in best.columns:
        return None
    values = _chosen_scores(best, ids, metric)
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else None


def _task(info: SweepInfo) -> str:
    task = (info.run.get("baselines") or {}).get("task") or (info.run.get("data") or {}).get("task")
    return str(task or ("regression" if "val_mae" in info.metrics else "classification"))
