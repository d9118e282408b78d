"""Paired comparisons of the leaders: does the chosen configuration really beat the next few?

Trials that share a ``repeat`` share a seed (initial weights, shuffling), so two
configurations run at the same repeat differ only by their settings: comparing them
repeat by repeat removes the seed's share of the noise (Bouthillier et al., MLSys 2021).
Per rival this gives P(chosen beats it), the fraction of paired repeats the chosen one
wins (rliable's probability of improvement), and the paired difference with the
interval :mod:`analysis.effects` uses (so a value of one axis is never "within noise"
there and "clearly worse" here); a rival whose interval reaches 0 is not clearly worse. Among those, the
cheapest (fewest parameters, else fewest seconds per epoch) is the economical choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._bootstrap import config_draws, interval
from analysis.held_out import wilson
from analysis.noise import MEAN, RUNS, t_quantile_975
from analysis.runs import CONFIG, DIVERGED, SCORE, configuration_axes, runs
from analysis.summarise import KEYS, configuration, describe, format_value
from sweeps.results import constants as c

SCORED = "scored_runs"
PAIRS = "pairs"
P_BETTER = "p_better"
P_LOW = "p_low"
P_HIGH = "p_high"
WORSE_BY = "worse_by"
WORSE_LOW = "worse_low"
WORSE_HIGH = "worse_high"
WITHIN_NOISE = "within_noise"
PARAMS = c.PARAMS
SECONDS_PER_EPOCH = c.SECONDS_PER_EPOCH
COSTS = (PARAMS, SECONDS_PER_EPOCH)
EFFECTS_SEED, EFFECTS_RESAMPLES = 0, 1000
""":func:`analysis.effects.axis_effects`' defaults: the same draws give the same verdicts."""
"""Per-trial cost columns of trials.parquet, cheapest-first preference order."""


def rank_configurations(best: pd.DataFrame, metric: str, mode: str, axes: Sequence[str],
                        trials: pd.DataFrame | None = None) -> pd.DataFrame:
    """Configurations best first: fewest diverged runs, then best mean of the others, then first trial id.

    The one ranking rule of this module (the chosen configuration is the first row), kept
    alone so it can give way to the runner's own rule. Runs are :func:`analysis.runs.runs`'
    (``trials`` adds the diverged ones). Returns the sweep and axis columns plus ``runs``,
    ``scored_runs`` and ``mean`` (of the runs that did not diverge, in ``metric``'s units).
    """
    return _rank(runs(best, trials, metric, mode, axes), mode, configuration_axes(axes)).drop(columns=CONFIG)


def _rank(frame: pd.DataFrame, mode: str, names: list[str]) -> pd.DataFrame:
    scored = frame[SCORE].where(~frame[DIVERGED].to_numpy(dtype=bool))
    groups = frame.assign(_scored=scored, _id=frame[c.TRIAL_ID].astype(str)).groupby(CONFIG, sort=True)
    table = groups[[c.SWEEP, *names]].first().assign(
        **{RUNS: groups.size(), SCORED: groups["_scored"].count(), "_mean": groups["_scored"].mean(),
           "_first": groups["_id"].min()})
    mean = table["_mean"].to_numpy(dtype=float)
    unscored = (table[RUNS] - table[SCORED]).to_numpy()
    order = np.lexsort((table["_first"].to_numpy(), np.where(np.isfinite(mean), mean, np.inf), unscored))
    table[MEAN] = mean if mode == "min" else -mean
    return table.iloc[order].drop(columns=["_mean", "_first"]).reset_index()


@dataclass(frozen=True, eq=False)
class Pairs:
    """Every configuration against the chosen one (``table``'s first row), best mean first.

    Columns: the configuration, runs, scored_runs, mean, then over paired repeats: pairs,
    p_better (P(chosen beats it), ties half) with its Wilson interval p_low, p_high; worse_by
    (how much worse it is, in ``metric``'s units) with its 95% interval worse_low, worse_high;
    within_noise (True when that interval reaches 0, NA without two pairs); params and
    seconds_per_epoch (per-configuration medians, NaN where not recorded).
    """

    metric: str
    axes: tuple[str, ...]
    table: pd.DataFrame
    top: int
    paired: bool
    cost: str | None
    cheapest: int | None

    @property
    def leaders(self) -> pd.DataFrame:
        """The chosen configuration and the next ``top`` by mean."""
        return self.table.head(self.top + 1)

    @property
    def within_noise(self) -> pd.DataFrame:
        """The chosen configuration and every one not clearly worse than it."""
        return self.table.loc[self.table[WITHIN_NOISE].fillna(False).astype(bool)]

    def sentences(self) -> tuple[str, ...]:
        """The chosen configuration, P(chosen beats each leader), the noise set and its cheapest member."""
        if self.table.empty:
            return (f"No trial has a {self.metric}, so there is nothing to compare.",)
        chosen = self.table.iloc[0]
        lines = [f"Chosen: {self._name(chosen)} (best mean {self.metric} {format_value(chosen[MEAN])} over "
                 f"{int(chosen[SCORED])} runs)."]
        if len(self.table) == 1:
            return (*lines, "It is the only configuration, so there is nothing to compare it with.")
        if not self.paired:
            return (*lines, "No paired comparison: no two configurations ran at the same repeat (one run each, "
                            "or no repeat column), so whether the chosen one beats the rest cannot be told.")
        for _, row in self.leaders.iloc[1:].iterrows():
            lines.append(self._versus(chosen, row))
        others = len(self.within_noise) - 1
        lines.append("No other configuration is within noise of the chosen one." if others == 0 else
                     f"{others} other configuration{'s are' if others > 1 else ' is'} within noise of the chosen "
                     "one (their paired difference's 95% interval reaches 0).")
        if others:
            lines.append(self._cheapest_sentence(chosen))
        return tuple(lines)

    def cheapest_sentence(self) -> str:
        """The cheapest configuration within noise of the chosen one, in a sentence ("" when none is within noise)."""
        if not self.paired or len(self.within_noise) < 2:
            return ""
        return self._cheapest_sentence(self.table.iloc[0])

    def _name(self, row: pd.Series, against: pd.Series | None = None) -> str:
        """A configuration in words; against another, only the values that differ from it."""
        several = self.table[c.SWEEP].nunique() > 1
        config = configuration(row, [c.SWEEP, *self.axes] if several else self.axes)
        if against is not None:
            config = {k: v for k, v in config.items() if configuration(against, [k]).get(k) != v} or config
        return describe(config)

    def _versus(self, chosen: pd.Series, row: pd.Series) -> str:
        rival = self._name(row, chosen)
        if row[PAIRS] == 0:
            return f"{rival}: shares no repeat with the chosen one, so they cannot be paired."
        head = (f"P(chosen beats {rival}) = {row[P_BETTER]:.2f} [{row[P_LOW]:.2f}, {row[P_HIGH]:.2f}] "
                f"over {int(row[PAIRS])} paired repeat{'s' if row[PAIRS] > 1 else ''}")
        if pd.isna(row[WITHIN_NOISE]):
            return head + "; one pair cannot tell noise from a difference."
        verdict = "within noise" if row[WITHIN_NOISE] else "clearly worse"
        return (head + f"; it is worse by {format_value(row[WORSE_BY])} [{format_value(row[WORSE_LOW])}, "
                       f"{format_value(row[WORSE_HIGH])}]: {verdict}.")

    def _cheapest_sentence(self, chosen: pd.Series) -> str:
        if self.cost is None or self.cheapest is None:
            return "No cost per trial was recorded (params, seconds_per_epoch), so the cheapest of them is unknown."
        pick = self.table.loc[self.cheapest]
        what = "parameters" if self.cost == PARAMS else "seconds per epoch"
        mine, theirs = _cost_text(pick[self.cost], self.cost), _cost_text(chosen[self.cost], self.cost)
        if self.cheapest == self.table.index[0]:
            return f"The chosen configuration is also the cheapest of them ({mine} {what})."
        ratio = float(pick[self.cost]) / float(chosen[self.cost])
        if not np.isfinite(ratio):
            return f"{self._name(pick, chosen)} is within noise of the chosen one and the cheapest ({mine} {what})."
        share = "half the" if 0.45 <= ratio <= 0.55 else f"{ratio:.0%} of the"
        return (f"{self._name(pick, chosen)} is within noise of {self._name(chosen, pick)} with {share} {what} "
                f"({mine} vs {theirs}).")


def pairs(best: pd.DataFrame, metric: str, mode: str, axes: Sequence[str], *, top: int = 5,
          trials: pd.DataFrame | None = None) -> Pairs:
    """Compare the chosen (best-mean) configuration with every other, repeat by repeat.

    ``best`` is :func:`analysis.summarise.best_epochs`' output; ``trials`` (say
    ``Results.trials``) adds the diverged trials (their configuration ranks after those
    whose every run scored; in paired differences they score their sweep's worst, as
    :func:`analysis.runs.runs` has it) and supplies ``params`` and ``seconds_per_epoch``
    when ``best`` lacks them.

    Example:
        >>> result = pairs(best, "val_accuracy", "max", ["width", "depth", "repeat"])
        >>> print("\\n".join(result.sentences()))
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    names = configuration_axes(axes)
    frame = runs(best, trials, metric, mode, axes)
    table = _rank(frame, mode, names).set_index(CONFIG)
    table = table.join(_paired(frame, table.index)).join(_costs(frame, best, trials))
    table.loc[table.index[:1], [P_BETTER, P_LOW, P_HIGH]] = np.nan
    table.loc[table.index[:1], [WITHIN_NOISE]] = True
    table = table.reset_index(drop=True)
    noise_set = table.loc[table[WITHIN_NOISE].fillna(False).astype(bool)]
    cost = next((name for name in COSTS if noise_set[name].notna().any()), None)
    cheapest = None
    if cost is not None:
        cheapest = int(noise_set[cost].astype(float).idxmin())
    has_pairs = bool((table[PAIRS].iloc[1:] > 0).any())
    return Pairs(metric, tuple(names), table, top, has_pairs, cost, cheapest)


def _paired(frame: pd.DataFrame, order: pd.Index) -> pd.DataFrame:
    """Per configuration, paired with the first of ``order`` over shared repeats."""
    out = pd.DataFrame(index=order, data={PAIRS: 0})
    if c.REPEAT not in frame.columns or order.empty:
        return out.assign(**{name: np.nan for name in (P_BETTER, P_LOW, P_HIGH, WORSE_BY, WORSE_LOW, WORSE_HIGH)},
                          **{WITHIN_NOISE: pd.NA})
    grid = frame.pivot_table(index=CONFIG, columns=c.REPEAT, values=SCORE, aggfunc="mean", dropna=False)
    grid = grid.reindex(order).to_numpy(dtype=float)
    worse = grid - grid[0]
    shared = np.isfinite(worse)
    n = shared.sum(axis=1)
    wins = np.where(shared, (worse > 0) + 0.5 * (worse == 0), 0.0).sum(axis=1)
    low, high = np.array([wilson(w, k) for w, k in zip(wins, n)]).reshape(-1, 2).T
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, np.where(shared, worse, 0.0).sum(axis=1) / n, np.nan)
        spread = np.sqrt(np.where(shared, (worse - mean[:, None]) ** 2, 0.0).sum(axis=1) / (n - 1))
        half = t_quantile_975(n - 1) * spread / np.sqrt(n)
    worse_low, worse_high = mean - half, mean + half
    drawn = _draw_differences(frame, order)
    if drawn is not None:
        worse_low, worse_high = np.where(n >= 2, drawn[0], worse_low), np.where(n >= 2, drawn[1], worse_high)
    within = pd.array(np.where(n >= 2, worse_low <= 0, False), dtype="boolean")
    within[n < 2] = pd.NA
    return out.assign(**{PAIRS: n, P_BETTER: np.where(n > 0, wins / np.maximum(n, 1), np.nan), P_LOW: low,
                         P_HIGH: high, WORSE_BY: mean, WORSE_LOW: worse_low, WORSE_HIGH: worse_high,
                         WITHIN_NOISE: within})


def _draw_differences(frame: pd.DataFrame, order: pd.Index) -> tuple[np.ndarray, np.ndarray] | None:
    """The difference to the chosen one's interval by the effects' own rule, so the report says one verdict.

    Repeat slots are redrawn together for every configuration (:func:`analysis._bootstrap.config_draws`,
    the same draws and seed as :func:`analysis.effects.axis_effects`) and the interval is the expanded
    percentile; None without repeats (then the paired t-interval stands).
    """
    size = frame.groupby(CONFIG).size()
    if frame.empty or size.median() < 2:
        return None
    rng = np.random.default_rng(EFFECTS_SEED)
    draws = config_draws(frame[CONFIG].to_numpy(), frame[SCORE].to_numpy(dtype=float), EFFECTS_RESAMPLES, rng)
    columns = order.to_numpy(dtype=np.int64)
    diff = draws[:, columns] - draws[:, columns[:1]]
    return interval(diff, float(size.reindex(frame[CONFIG].to_numpy()).median()))


def _costs(frame: pd.DataFrame, best: pd.DataFrame, trials: pd.DataFrame | None) -> pd.DataFrame:
    """Median params and seconds per epoch per configuration, from ``best`` or else ``trials`` (NaN if neither)."""
    keys = pd.MultiIndex.from_frame(frame[KEYS].astype(str))
    costs = pd.DataFrame({CONFIG: frame[CONFIG].to_numpy()})
    for name in COSTS:
        source = best if name in best.columns else trials if trials is not None and name in trials.columns else None
        if source is None or not set(KEYS) <= set(source.columns):
            costs[name] = np.nan
            continue
        lookup = pd.Series(pd.to_numeric(source[name], errors="coerce").to_numpy(),
                           index=pd.MultiIndex.from_frame(source[KEYS].astype(str)))
        costs[name] = lookup[~lookup.index.duplicated()].reindex(keys).to_numpy()
    return costs.groupby(CONFIG, sort=True)[list(COSTS)].median()


def _cost_text(value: float, cost: str) -> str:
    return f"{int(round(value)):,}" if cost == PARAMS else f"{value:.3g} s"
