"""The pruning picture: where trials stopped, and how many survived each rung.

ASHA and HyperBand save time by stopping laggards early; this shows how much (most
trials stop at the first rung) and whether the survivors were worth it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots._lines import Omitted
from analysis.plots._style import colours, new_figure
from analysis.summarise import EPOCHS_REACHED, KEYS, SURVIVORS, survivors
from sweeps.results import constants as c


@dataclass(frozen=True)
class PruningInfo:
    """Trials by last epoch and status (``counts[s][e]``: status s, epoch ``epochs[e]``), survivors per rung."""

    epochs: tuple[int, ...]
    statuses: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    rungs: tuple[int, ...]
    survivors: tuple[int, ...]
    total: int


def pruning_info(reached: pd.DataFrame, trials: pd.DataFrame, rungs: Sequence[int] = ()) -> PruningInfo | Omitted:
    """From :func:`analysis.summarise.epochs_reached` and the trials' statuses; rungs default to the stops seen."""
    if c.STATUS not in trials.columns or trials[c.STATUS].isna().all():
        return Omitted("No pruning figure: trial statuses are unknown (no trials.parquet).")
    if not (trials[c.STATUS] == c.PRUNED).any():
        return Omitted("No pruning figure: no trial was pruned; every trial ran until early stopping, "
                       "divergence or max_epochs.")
    status = trials[[*KEYS, c.STATUS]].astype({k: str for k in KEYS})
    frame = reached.astype({k: str for k in KEYS}).merge(status, on=KEYS, how="left")
    frame[c.STATUS] = frame[c.STATUS].fillna("unknown").astype(str)
    last = int(frame[EPOCHS_REACHED].max())
    epochs = np.arange(1, last + 1)
    order = [s for s in c.STATUSES if s in set(frame[c.STATUS])] + sorted(set(frame[c.STATUS]) - set(c.STATUSES))
    table = pd.crosstab(frame[c.STATUS], frame[EPOCHS_REACHED]).reindex(index=order, columns=epochs, fill_value=0)
    rung_list = sorted(set(rungs)) or sorted(set(frame[EPOCHS_REACHED].astype(int)))
    alive = survivors(frame, rung_list)
    return PruningInfo(epochs=tuple(int(e) for e in epochs), statuses=tuple(order),
                       counts=tuple(tuple(int(v) for v in row) for row in table.to_numpy()),
                       rungs=tuple(int(r) for r in alive["rung"]),
                       survivors=tuple(int(s) for s in alive[SURVIVORS]), total=len(frame))


def plot_pruning(info: PruningInfo) -> Figure:
    """Stacked bars of trials by the epoch they stopped at, above bars of survivors per rung."""
    figure, (stops, rungs) = new_figure(2)
    palette = colours(c.STATUS, info.statuses)
    bottom = np.zeros(len(info.epochs))
    for status, counts in zip(info.statuses, info.counts):
        stops.bar(info.epochs, counts, bottom=bottom, color=palette[status], label=status, width=0.8)
        bottom += np.asarray(counts)
    stops.set_xlabel("last epoch")
    stops.set_ylabel("trials")
    stops.set_title(f"Where the {info.total} trials stopped", fontsize=10)
    stops.legend(fontsize=7)
    positions = np.arange(len(info.rungs))
    bars = rungs.bar(positions, info.survivors, color="#4c72b0")
    rungs.bar_label(bars, labels=[f"{s} ({s / info.total:.0%})" for s in info.survivors], fontsize=8)
    rungs.set_xticks(positions, [f"epoch {r}" for r in info.rungs])
    rungs.set_ylabel("trials reaching it")
    rungs.set_title("Survivors per rung", fontsize=10)
    rungs.set_ylim(0, info.total * 1.15)
    return figure
