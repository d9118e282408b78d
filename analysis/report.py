"""Results folders -> ``index.html`` and ``report.md``: the only module of analysis that writes files.

The page is self-contained (PNG figures as data URIs, inline CSS, no scripts, no links
out) so it can be mailed, archived or opened on a phone offline. It leads with the
answer, then figures and tables, then the spec as run and the run facts.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from analysis._document import Block, Heading, Image, to_html, to_markdown
from analysis._parts import SweepParts, sweep_answer, sweep_parts
from analysis._sections import (
    Plot,
    answer_blocks,
    comparison_blocks,
    facts_blocks,
    figure_blocks,
    spec_blocks,
    table_blocks,
)
from analysis.answer_file import VERSION
from analysis.load import Results, load
from sweeps.results import constants as c

DPI = 130
"""Pixels per inch of the embedded PNGs; with ``plots._style.PANEL_WIDTH`` it sets their width."""
HTML_FILE = "index.html"
ANSWER_FILE = "answer.json"
"""The answer as data (see analysis.answer_file); for several sweeps, one entry per sweep."""
MARKDOWN_FILE = "report.md"
FIGURES_DIR = "figures"
"""Beside report.md: the same PNGs index.html embeds, for Markdown to link to."""


def write_report(dirs: str | Path | Iterable[str | Path], out: str | Path | None = None) -> Path:
    """Write the HTML and Markdown report of one sweep, or a comparison of several.

    Args:
        dirs: Results folders (``results/<name>/``); several give one report comparing them.
        out: Folder to write into; by default ``report/`` inside the first results folder.

    Returns:
        The path of ``index.html``.

    Example:
        >>> analysis.write_report(["results/quickstart"])
        PosixPath('results/quickstart/report/index.html')
    """
    folders = [Path(dirs)] if isinstance(dirs, (str, Path)) else [Path(d) for d in dirs]
    results = load(folders)
    parts = [sweep_parts(results, name) for name in results.sweeps]
    title, blocks = build_report(results, parts)
    rendered = render_figures(blocks)
    target = Path(out) if out is not None else folders[0] / c.REPORT_DIR
    target.mkdir(parents=True, exist_ok=True)
    images = [b for b in rendered if isinstance(b, Image)]
    if images:
        (target / FIGURES_DIR).mkdir(exist_ok=True)
    for image in images:
        _write(target / FIGURES_DIR / f"{image.name}.png", image.png)
    _write(target / MARKDOWN_FILE, to_markdown(title, rendered, FIGURES_DIR).encode("utf-8"))
    _write(target / HTML_FILE, to_html(title, rendered).encode("utf-8"))
    _write(target / ANSWER_FILE, (json.dumps(answers(parts), indent=2, allow_nan=False) + "\n").encode("utf-8"))
    return target / HTML_FILE


def build_report(results: Results, parts: list[SweepParts] | None = None) -> tuple[str, list[Block | Plot]]:
    """The report's title and blocks; figures are still matplotlib Figures."""
    names = list(results.sweeps)
    parts = parts if parts is not None else [sweep_parts(results, name) for name in names]
    if len(parts) == 1:
        p = parts[0]
        blocks: list[Block | Plot] = [*answer_blocks(p), *figure_blocks(p, 2), *table_blocks(p, 2),
                                      *spec_blocks(p.info, 2), *facts_blocks(p, 2)]
        return f"Sweep report: {p.info.name}", blocks
    blocks = comparison_blocks(results, parts)
    for p in parts:
        blocks += [Heading(2, f"Sweep {p.info.name}"), *answer_blocks(p), *figure_blocks(p, 3),
                   *table_blocks(p, 3), *spec_blocks(p.info, 3), *facts_blocks(p, 3)]
    return f"Sweep comparison: {', '.join(names)}", blocks


def answers(parts: Sequence[SweepParts]) -> dict[str, Any]:
    """answer.json's content: the one sweep's answer, or every sweep's under ``sweeps``."""
    documents = [sweep_answer(p) for p in parts]
    return documents[0] if len(documents) == 1 else {"version": VERSION, "sweeps": documents}


def render_figures(blocks: Sequence[Block | Plot]) -> list[Block]:
    """Every :class:`Plot` as a PNG :class:`Image` with a unique name."""
    out: list[Block] = []
    taken: set[str] = set()
    for block in blocks:
        if not isinstance(block, Plot):
            out.append(block)
            continue
        name, n = block.name, 2
        while name in taken:
            name, n = f"{block.name}-{n}", n + 1
        taken.add(name)
        out.append(Image(name, png_bytes(block), block.alt, block.caption))
    return out


def png_bytes(plot: Plot) -> bytes:
    """The figure as PNG, without the matplotlib version stamp, so the same results give the same bytes."""
    buffer = io.BytesIO()
    plot.figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write then rename, so a reader never sees half a report."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
