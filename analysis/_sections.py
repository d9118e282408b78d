"""What a report says, section by section, as blocks: answer, figures, tables, spec, run facts.

Figures stay matplotlib Figures here (:class:`Plot`); :mod:`analysis.report` turns them
into PNG bytes, the only place that saves a figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis import plots
from analysis._document import Block, Callout, Code, Heading, Table, Text, frame_table
from analysis._parts import SweepParts
from analysis.load import Results, SweepInfo
from analysis.noise import RUNS, noise
from analysis.summarise import (
    EPOCHS_REACHED,
    capacity,
    describe,
    format_value,
    optimizers,
    survivors,
)
from sweeps.results import constants as c

TOP_CURVES = 20
"""Learning curves drawn per sweep: the leaders; ten thousand lines say nothing and take long."""
TOP_ROWS = 10


@dataclass(frozen=True)
class Plot:
    """A figure to embed: ``name`` is its file stem, unique within the report."""

    name: str
    figure: Figure
    alt: str
    caption: str = ""


def answer_blocks(parts: SweepParts) -> list[Block | Plot]:
    """The answer box, then the trial count by status: what a reader came for."""
    counts = parts.answer.statuses
    total = sum(counts.values())
    said = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items())
    return [Callout(tuple(parts.answer.lines)), Text(f"{total} trials: {said}." if total else "No trials recorded.")]


FigureCandidate = tuple[str, str, Any, Callable[[Any], Figure]]


def figure_groups(parts: SweepParts) -> list[tuple[str, list[FigureCandidate]]]:
    """The report's figures grouped by the question each answers, in reading order."""
    info, best, epochs = parts.info, parts.best, parts.results.epochs
    metric, mode = info.metric, info.mode
    axes = [a for a in info.axes if a not in (c.REPEAT, c.SEED)]
    colour = plots.colour_key(best, axes)
    rows, cols = _capacity_axes(best)
    grid = plots.capacity_info(best, metric, mode, rows, cols)
    return [
        ("Which setting of each axis", [
            ("effects", "Effect of each searched axis", plots.effects_info(parts.effects), plots.plot_effects)]),
        ("Which optimizer and learning rate", [
            ("learning-rate", "Learning-rate sensitivity", plots.learning_rate_info(best, metric, mode),
             plots.plot_learning_rate)]),
        ("Which capacity", [
            ("capacity-heatmap", "Capacity", grid, plots.plot_capacity_heatmap),
            ("capacity-curves", "Capacity curves", grid, plots.plot_capacity_curves),
            ("gap", "Train/validation gap", plots.gap_info(epochs, best, metric, mode, colour), plots.plot_gap)]),
        ("Is it real", [
            ("importance", "Importance of each searched axis", plots.importance_info(parts.importance),
             plots.plot_importance),
            ("pruning", "Pruning", plots.pruning_info(parts.reached, parts.results.trials, parts.rungs),
             plots.plot_pruning)]),
        ("How the leaders learned", [
            ("best", "The best trials", plots.best_curves_info(epochs, best, metric, axes), plots.plot_best_curves),
            ("learning-curves", "Learning curves",
             plots.learning_curves_info(epochs, best, metric, colour, TOP_CURVES), plots.plot_learning_curves)]),
    ]


def figure_blocks(parts: SweepParts, level: int) -> list[Block | Plot]:
    """Every figure that has something to show, grouped by question; for the others, one sentence saying why not."""
    stem = _stem(parts.info.name)
    blocks: list[Block | Plot] = []
    omitted: set[str] = set()
    for heading, candidates in figure_groups(parts):
        group: list[Block | Plot] = []
        for name, title, figure_info, draw in candidates:
            if isinstance(figure_info, plots.Omitted):
                if figure_info.reason not in omitted:
                    group.append(Text(figure_info.reason, "note"))
                    omitted.add(figure_info.reason)
                continue
            caption = getattr(figure_info, "caption", "")
            group.append(Plot(f"{stem}-{name}", draw(figure_info), f"{title}, sweep {parts.info.name}", caption))
        group += extra_blocks(parts, heading)
        if group:
            blocks += [Heading(level, heading), *group]
    return blocks


def extra_blocks(parts: SweepParts, heading: str) -> list[Block | Plot]:
    """Tables that answer a figure group's question beside its figures."""
    info = parts.info
    if heading == "Is it real":
        return [Text(line) for line in parts.pairs.sentences()]
    if heading == "Which optimizer and learning rate" and not parts.optimizers.empty:
        return [frame_table(parts.optimizers, f"Per optimizer: configuration means of {info.metric} (over repeats), "
                            "best, mean and worst over its settings, and the settings of its best")]
    return []


def table_blocks(parts: SweepParts, level: int) -> list[Block | Plot]:
    """The numbers behind the figures, cut to their leading rows."""
    info, best = parts.info, parts.best
    metric, mode = info.metric, info.mode
    axes = [a for a in info.axes if a in best.columns]
    blocks: list[Block | Plot] = [Heading(level, "Tables")]
    others = [m for m in info.metrics if m != metric and m in best.columns]
    leaders = best[[c.TRIAL_ID, *axes, c.BEST_EPOCH, EPOCHS_REACHED, metric, *others]]
    status = parts.results.trials[[c.TRIAL_ID, c.STATUS]] if c.STATUS in parts.results.trials else None
    if status is not None:
        leaders = leaders.astype({c.TRIAL_ID: str}).merge(status.astype({c.TRIAL_ID: str}), on=c.TRIAL_ID, how="left")
    leaders = leaders.head(TOP_ROWS).reset_index(drop=True)
    leaders.insert(0, "rank", range(1, len(leaders) + 1))
    blocks.append(frame_table(leaders, f"Trials by best {metric} ({mode}), at their best epoch "
                              f"(the best {len(leaders)} of {len(best)})"))
    table = noise(best, metric, mode, info.axes).drop(columns=[c.SWEEP])
    if not table.empty and int(table[RUNS].max()) > 1:
        blocks.append(frame_table(table, f"{metric} per configuration across repeats: mean and 95% t-interval",
                                  TOP_ROWS))
    rows, cols = _capacity_axes(best)
    if not isinstance(plots.capacity_info(best, metric, mode, rows, cols), plots.Omitted):
        blocks.append(frame_table(capacity(best, metric, mode, rows, cols).drop(columns=[c.SWEEP]),
                                  f"Capacity: best {metric} per {rows} and {cols}, gap at that epoch"))
    if not isinstance(plots.learning_rate_info(best, metric, mode), plots.Omitted) and "optimizer" in best:
        blocks.append(frame_table(optimizers(best, metric, mode).drop(columns=[c.SWEEP]),
                                  f"Optimizers: best {metric} per learning rate and the epoch it was reached",
                                  3 * TOP_ROWS))
    if parts.rungs and (parts.results.trials.get(c.STATUS, pd.Series(dtype=str)) == c.PRUNED).any():
        blocks.append(frame_table(survivors(parts.reached, parts.rungs), "Trials reaching each rung"))
    return blocks


def spec_blocks(info: SweepInfo, level: int) -> list[Block | Plot]:
    """The spec as run, verbatim, so the report says exactly what was tried."""
    text = info.spec_text.strip()
    return [Heading(level, "Spec as run"), Code(text, "yaml") if text else Text("No spec.yaml was found.", "note")]


def facts_blocks(parts: SweepParts, level: int) -> list[Block | Plot]:
    """When, how long, on what versions and nodes: what it takes to trust or rerun the sweep."""
    info, run = parts.info, parts.info.run
    versions = run.get("versions") or {}
    facts = [
        ("sweep", info.name), ("folder", str(info.path)), ("dataset", info.dataset),
        ("scheduler", info.scheduler), ("metric", f"{info.metric} ({info.mode})"),
        ("axes", ", ".join(info.axes) or "none"), ("num_samples", format_value(run.get("num_samples"))),
        ("started", _when(run.get("started"))), ("finished", _when(run.get("finished")) or "not finished"),
        ("duration", _duration(run.get("duration_seconds"))),
        ("trials", ", ".join(f"{s} {n}" for s, n in parts.answer.statuses.items())),
        *((f"{tool} version", str(versions.get(tool, "unknown"))) for tool in ("ray", "tensorflow")),
        *((f"{tool} version", str(v)) for tool, v in versions.items() if tool not in ("ray", "tensorflow")),
        ("nodes", ", ".join(info.nodes) or "unknown"),
    ]
    table = Table(("fact", "value"), tuple(facts), (False, False))
    return [Heading(level, "Run facts"), table, *(Text(note, "note") for note in info.notes)]


def comparison_blocks(results: Results, parts: list[SweepParts]) -> list[Block | Plot]:
    """A table of every sweep's answer and, when they share a metric, their best curves together."""
    rows = []
    for p in parts:
        a = p.answer
        verdict = {True: "beyond noise", False: "within noise", None: "cannot tell"}[a.verdict.separated]
        test = ", ".join(f"{k} {format_value(v)}" for k, v in a.test.items())
        rows.append((p.info.name, p.info.dataset, p.info.scheduler, str(sum(a.statuses.values())),
                     f"{a.metric} ({a.mode})", format_value(a.validation), test, describe(a.configuration), verdict))
    table = Table(("sweep", "dataset", "scheduler", "trials", "metric", "best", "test", "configuration", "noise"),
                  tuple(rows), (False, False, False, True, False, True, False, False, False),
                  "Each sweep's chosen configuration")
    blocks: list[Block | Plot] = [Heading(2, "Comparison"), table]
    metrics = {(p.info.metric, p.info.mode) for p in parts}
    if len(metrics) != 1:
        return blocks + [Text("No comparison figure: the sweeps optimise different metrics.", "note")]
    metric, mode = metrics.pop()
    leaders = pd.concat([p.best.head(1) for p in parts if not p.best.empty], ignore_index=True)
    info = plots.best_curves_info(results.epochs, leaders, metric, [c.SWEEP], top=len(leaders))
    if isinstance(info, plots.Omitted):
        return blocks + [Text(info.reason, "note")]
    return blocks + [Plot("comparison", plots.plot_best_curves(info), "Best trial of each sweep",
                          f"The best trial of each sweep: {metric} per epoch.")]


def _capacity_axes(best: pd.DataFrame) -> tuple[str, str]:
    """Depth x width for an MLP, dense units x filters for a CNN."""
    if "width" not in best.columns and "filters" in best.columns:
        return "dense_units", "filters"
    if "width" in best.columns and best["width"].isna().all() and "filters" in best.columns:
        return "dense_units", "filters"
    return "depth", "width"


def _stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)


def _when(value: object) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M %Z").strip()
    except ValueError:
        return str(value)


def _duration(seconds: object) -> str:
    if not isinstance(seconds, (int, float)):
        return "unknown"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min {secs} s" if hours else f"{minutes} min {secs} s"
