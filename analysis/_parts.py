"""One sweep's computed parts, once per report: best epochs, the answer, effects, importance, comparisons.

Every section of the report and ``answer.json`` read from :class:`SweepParts`, so each
number is computed once and the page and the file cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.answer import Answer, answer_from
from analysis.answer_file import answer_document
from analysis.effects import AxisEffect, axis_effects
from analysis.importance import AXIS, HIGH, IMPORTANCE, LOW, VERDICT, Importance, importance
from analysis.load import Results, SweepInfo
from analysis.noise import noise, noise_verdict
from analysis.noise_floor import NoiseFloor, noise_floor, validation_rows
from analysis.pairs import Pairs, pairs
from analysis.per_optimizer import optimizer_summary
from analysis.summarise import EPOCHS_REACHED, best_epochs, epochs_reached


@dataclass(frozen=True)
class SweepParts:
    """What one sweep's section is built from, computed once."""

    info: SweepInfo
    results: Results
    best: pd.DataFrame
    reached: pd.DataFrame
    answer: Answer
    optimizers: pd.DataFrame
    effects: Mapping[str, AxisEffect]
    floor: NoiseFloor
    importance: Importance
    pairs: Pairs

    @property
    def rungs(self) -> tuple[int, ...]:
        """ASHA's rungs and the last epoch, or, when the rungs are unknown, every epoch a trial stopped at."""
        if not self.info.rungs:
            return ()
        last = self.info.max_epochs or int(self.reached[EPOCHS_REACHED].max())
        return tuple(sorted({*self.info.rungs, last}))


def sweep_parts(results: Results, name: str) -> SweepParts:
    """Best epochs, noise and the answer of one sweep."""
    one = results.sweep(name) if len(results.sweeps) > 1 else results
    info = one.sweeps[name]
    best = best_epochs(one.epochs, info.metric, info.mode)
    verdict = noise_verdict(noise(best, info.metric, info.mode, info.axes), info.metric)
    effects = axis_effects(best, one.trials, info.metric, info.mode, info.axes)
    floor = noise_floor(best, one.trials, info.metric, info.mode, info.axes, rows=validation_rows(info))
    shares = importance(best, info.metric, info.mode, info.axes, trials=one.trials)
    leaders = pairs(best, info.metric, info.mode, info.axes, trials=one.trials)
    lines = tuple(_axis_line(effect, shares) for effect in effects.values())
    cheapest = [line for line in (leaders.cheapest_sentence(),) if line]
    answer = answer_from(info, one.trials, best, verdict, axis_lines=lines,
                         notes=(*floor.sentences, *shares.warnings, *cheapest))
    return SweepParts(info, one, best, epochs_reached(one.epochs), answer,
                      optimizer_summary(best, info.metric, info.mode, info.axes), effects, floor, shares, leaders)


def _axis_line(effect: AxisEffect, shares: Importance) -> str:
    """An axis's verdict sentence, with its importance when the surrogate could give one."""
    row = shares.table.loc[shares.table[AXIS] == effect.axis]
    if row.empty or not np.isfinite(row[IMPORTANCE].iloc[0]):
        return effect.sentence
    share = row.iloc[0]
    return (f"{effect.sentence}; importance {share[IMPORTANCE]:.0%} [{share[LOW]:.0%}, {share[HIGH]:.0%}] "
            f"of the variation: {share[VERDICT]}")


def sweep_answer(parts: SweepParts) -> dict[str, Any]:
    """One sweep's answer.json content: the answer and every table behind it."""
    shares = parts.importance.table.set_index(AXIS)
    axes = {name: {"kind": e.kind, "interval_over": e.interval_over, "effect_in_repeat_sd": e.effect_sd,
                   "sentence": e.sentence, "values": e.table,
                   "importance": ({"share": shares.at[name, IMPORTANCE], "low": shares.at[name, LOW],
                                   "high": shares.at[name, HIGH], "verdict": shares.at[name, VERDICT]}
                                  if name in shares.index else None)}
            for name, e in parts.effects.items()}
    surrogate = {"r2": parts.importance.r2, "configurations": parts.importance.configurations,
                 "refits": parts.importance.resamples, "warnings": list(parts.importance.warnings)}
    comparisons = {"leaders": parts.pairs.leaders, "within_noise": parts.pairs.within_noise,
                   "paired": parts.pairs.paired, "cost": parts.pairs.cost,
                   "sentences": list(parts.pairs.sentences())}
    split = parts.floor.split
    floor = {"between_share": split.between_share, "repeat_sd": split.repeat_sd,
             "between_variance": split.between_var, "within_variance": split.within_var,
             "resolution_rows": parts.floor.resolution.rows, "resolution_source": parts.floor.resolution.source,
             "ties_at_the_top": parts.floor.ties, "sentences": list(parts.floor.sentences)}
    return answer_document(parts.answer, {"axes": axes, "importance": surrogate, "comparisons": comparisons,
                                          "noise_floor": floor, "optimizers": parts.optimizers})
