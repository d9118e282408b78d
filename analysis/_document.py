"""A report as a list of plain blocks, rendered twice: self-contained HTML and Markdown.

Building the content once and rendering it twice keeps index.html and report.md saying
the same thing. Rendering is pure (strings in, strings out); writing is the report's job.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.summarise import format_value


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph; ``kind`` "note" is set in a quieter style."""

    text: str
    kind: str = "p"


@dataclass(frozen=True)
class Callout:
    """The answer box: a few lines that must be seen first."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    caption: str = ""


@dataclass(frozen=True)
class Image:
    """A PNG figure; ``name`` is its file stem when written beside report.md."""

    name: str
    png: bytes
    alt: str
    caption: str = ""


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


Block = Heading | Text | Callout | Table | Image | Code

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#fff;
overflow-wrap:anywhere}
main{max-width:52rem;margin:0 auto;padding:.5rem 1rem 3rem}
h1{font-size:1.5rem;line-height:1.25}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin-top:1.5rem}
.answer{background:#eef7f0;border-left:4px solid #2a8a4a;padding:.5rem 1rem;margin:1rem 0}
.answer p{margin:.35rem 0}.note{color:#555;font-size:.9rem}
figure{margin:1rem 0}figure img{display:block;width:100%;max-width:650px;height:auto}
figcaption{color:#555;font-size:.9rem}
.scroll{overflow-x:auto;max-width:100%;margin:0 0 .75rem}
table{border-collapse:collapse;font-size:.85rem}.caption{color:#555;font-size:.9rem;margin:1rem 0 .25rem}
th,td{padding:.25rem .5rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top;
overflow-wrap:normal}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;white-space:pre;overflow-wrap:normal;font-size:.8rem}
"""


def frame_table(frame: pd.DataFrame, caption: str = "", limit: int | None = None) -> Table:
    """A DataFrame as a table of formatted strings; long frames are cut with a note in the caption."""
    shown = frame if limit is None else frame.head(limit)
    if limit is not None and len(frame) > limit:
        caption = f"{caption} (first {limit} of {len(frame)} rows)".strip()
    numeric = tuple(pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
                    for col in frame.columns)
    rows = tuple(tuple(format_value(v) for v in row) for row in shown.itertuples(index=False, name=None))
    return Table(columns=tuple(str(col) for col in frame.columns), rows=rows, numeric=numeric, caption=caption)


def to_html(title: str, blocks: Sequence[Block]) -> str:
    """One self-contained page: inline CSS, images as data URIs, no scripts, no links out."""
    body = "\n".join(_html_block(block) for block in blocks)
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n")


def _html_block(block: Block) -> str:
    e = html.escape
    if isinstance(block, Heading):
        level = min(max(block.level, 2), 6)
        return f"<h{level}>{e(block.text)}</h{level}>"
    if isinstance(block, Text):
        return f"<p class=\"{e(block.kind)}\">{e(block.text)}</p>" if block.kind != "p" else f"<p>{e(block.text)}</p>"
    if isinstance(block, Callout):
        return "<div class=\"answer\">" + "".join(f"<p>{e(line)}</p>" for line in block.lines) + "</div>"
    if isinstance(block, Table):
        caption = f"<p class=\"caption\">{e(block.caption)}</p>" if block.caption else ""
        head = "".join(f"<th>{e(col)}</th>" for col in block.columns)
        opens = ["<td class=\"n\">" if num else "<td>" for num in block.numeric]
        rows = "".join("<tr>" + "".join(f"{o}{e(cell)}</td>" for cell, o in zip(row, opens)) + "</tr>"
                       for row in block.rows)
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        return f"{caption}<div class=\"scroll\">{table}</div>"
    if isinstance(block, Image):
        width, height = png_size(block.png)
        data = base64.b64encode(block.png).decode("ascii")
        caption = f"<figcaption>{e(block.caption)}</figcaption>" if block.caption else ""
        return (f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{e(block.alt)}\" width=\"{width}\" "
                f"height=\"{height}\">{caption}</figure>")
    if isinstance(block, Code):
        return f"<pre><code>{e(block.text)}</code></pre>"
    raise TypeError(f"unknown block {block!r}")


def to_markdown(title: str, blocks: Sequence[Block], figures: str | None = "figures") -> str:
    """The same content in Markdown; images link to ``figures/<name>.png``, or are noted when ``figures`` is None."""
    parts = [f"# {title}"]
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * min(max(block.level, 2), 6) + " " + block.text)
        elif isinstance(block, Text):
            parts.append(f"*{_md(block.text)}*" if block.kind == "note" else _md(block.text))
        elif isinstance(block, Callout):
            parts.append("\n>\n".join(f"> {_md(line)}" for line in block.lines))
        elif isinstance(block, Table):
            parts.append(_md_table(block))
        elif isinstance(block, Image):
            image = (f"![{_md(block.alt)}]({figures}/{block.name}.png)" if figures is not None
                     else f"*(Figure \"{_md(block.alt)}\" is in index.html.)*")
            parts.append(image + (f"\n\n*{_md(block.caption)}*" if block.caption else ""))
        elif isinstance(block, Code):
            fence = "~~~~" if "```" in block.text else "```"
            parts.append(f"{fence}{block.language}\n{block.text.rstrip()}\n{fence}")
    return "\n\n".join(parts) + "\n"


def _md_table(table: Table) -> str:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_md(cell).replace("|", "\\|") or " " for cell in cells) + " |"

    rule = "|" + "|".join("---:" if num else "---" for num in table.numeric) + "|"
    lines = [row(table.columns), rule, *(row(r) for r in table.rows)]
    return (f"*{_md(table.caption)}*\n\n" if table.caption else "") + "\n".join(lines)


def _md(text: str) -> str:
    """Escape what Markdown would read as markup; an underscore inside a word (learning_rate) is left alone."""
    text = re.sub(r"([\\`*\[\]<>])", r"\\\1", text)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header, so the page can reserve the space before decoding."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)
