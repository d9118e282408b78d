from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

import analysis
from analysis._document import Callout, Image, Table, Text, png_size, to_html, to_markdown
from sweeps.results import constants as c
from tests.analysis_tests.synthetic import synthetic_sweep, write_results_folder


class Page(HTMLParser):
    """Every tag with its attributes, in order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def decode_images(page: Page) -> list[tuple[int, int]]:
    """Decode every <img> as PNG; returns their pixel sizes."""
    sizes = []
    for attrs in page.named("img"):
        src = attrs.get("src") or ""
        assert src.startswith("data:image/png;base64,"), src[:60]
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 50 and pixels.shape[1] > 50
        assert png_size(png) == (pixels.shape[1], pixels.shape[0])
        sizes.append(png_size(png))
    return sizes


def test_report_is_self_contained(source_report: Path) -> None:
    assert source_report.name == "index.html" and source_report.is_file()
    text = source_report.read_text()
    page = Page(text)
    links = [(tag, key, value) for tag, attrs in page.tags for key, value in attrs.items()
             if key in ("src", "href", "srcset", "action", "data", "poster")]
    assert links and all((value or "").startswith("data:") for _, _, value in links), links[:5]
    assert not page.named("script") and not page.named("link") and not page.named("iframe")
    assert "url(" not in text and "@import" not in text
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.named("meta")
    assert "max-width" in text
    assert len(decode_images(page)) >= 2


def test_report_leads_with_the_answer(source_report: Path) -> None:
    text = source_report.read_text()
    order = [text.find(marker) for marker in ("Question:", "Answer:", "Held-out test", "Noise:", "<img",
                                              "Spec as run", "Run facts")]
    assert -1 not in order and order == sorted(order)
    for fact in ("ray version", "tensorflow version", "nodes", "duration", "started"):
        assert f"<td>{fact}</td>" in text


def test_markdown_has_the_same_sections_and_its_figures(source_report: Path) -> None:
    index = source_report
    markdown = (index.parent / "report.md").read_text()
    html_headings = re.findall(r"<h[1-6]>(.*?)</h[1-6]>", index.read_text())
    md_headings = [line.lstrip("#").strip().replace("\\", "") for line in markdown.splitlines()
                   if line.startswith("#")]
    assert md_headings == html_headings
    figures = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", markdown)
    assert len(figures) == len(Page(index.read_text()).named("img"))
    for figure in figures:
        assert (index.parent / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_content_of_the_synthetic_sweep(toy_dir: Path, toy_report: Path) -> None:
    text = toy_report.read_text()
    trials = pd.read_parquet(toy_dir / c.TRIALS_FILE)
    chosen = trials.loc[trials[c.CHOSEN].astype(bool)]
    tested = chosen.loc[chosen["test_loss"].notna(), c.TRIAL_ID].tolist()
    assert len(chosen) == 2 and len(tested) == 1
    assert f"(trial {tested[0]}, mean of 2 runs: trials {', '.join(chosen[c.TRIAL_ID])})." in text
    assert "Held-out test: loss" in text and "2 runs" in text
    assert "48 trials: 4 completed, 36 pruned, 8 diverged." in text
    images = [str(a["alt"]).removesuffix(", sweep toy") for a in Page(text).named("img")]
    assert images == ["Effect of each searched axis", "Learning-rate sensitivity", "Capacity", "Capacity curves",
                      "Train/validation gap", "Importance of each searched axis", "Pruning", "The best trials",
                      "Learning curves"]


def test_default_out_is_report_inside_the_first_folder(tmp_path: Path) -> None:
    folder = synthetic_sweep(tmp_path / "small", widths=(8,), depths=(1,), optimizers=("adam",), repeats=1,
                             scheduler="fifo", max_epochs=3)
    assert analysis.write_report([folder]) == folder / "report" / "index.html"
    assert (folder / "report" / "report.md").is_file()
    assert not list((folder / "report").glob(".*partial"))


def test_figures_with_nothing_to_show_are_left_out_with_a_reason(tmp_path: Path) -> None:
    folder = synthetic_sweep(tmp_path / "flat", name="flat", widths=(32,), depths=(2,), learning_rates=(0.01,),
                             repeats=1, scheduler="fifo")
    text = analysis.write_report(folder, tmp_path / "out").read_text()
    assert "No capacity figure: width and depth were not searched (every trial used width=32, depth=2)." in text
    assert "No learning-rate figure" in text and "No pruning figure: no trial was pruned" in text
    assert "Cannot tell" in text
    assert len(Page(text).named("img")) == 4  # effects (optimizer), gap, best trials, learning curves
    assert "capacity" not in " ".join(str(a.get("alt")) for a in Page(text).named("img")).lower()


def test_several_folders_make_one_comparison(tmp_path: Path) -> None:
    a = synthetic_sweep(tmp_path / "a", name="narrow", widths=(16,), depths=(1,), repeats=1, max_epochs=6)
    b = synthetic_sweep(tmp_path / "b", name="wide", widths=(64, 128), depths=(1,), optimizers=("adam",),
                        repeats=1, scheduler="fifo", max_epochs=6)
    index = analysis.write_report([a, b], tmp_path / "both")
    text = index.read_text()
    assert "<h1>Sweep comparison: narrow, wide</h1>" in text
    assert "<h2>Comparison</h2>" in text and "<h2>Sweep narrow</h2>" in text and "<h2>Sweep wide</h2>" in text
    table = text[text.find("<h2>Comparison</h2>"):text.find("<h2>Sweep narrow</h2>")]
    assert table.count("<tr>") == 3 and "Best trial of each sweep" in table
    names = [p.name for p in (index.parent / "figures").iterdir()]
    assert "comparison.png" in names and any(n.startswith("narrow-") for n in names)
    assert any(n.startswith("wide-") for n in names)
    decode_images(Page(text))


def test_a_sweep_where_every_trial_diverged(tmp_path: Path) -> None:
    rows = [{"sweep": "boom", "trial_id": t, "epoch": e, "optimizer": "sgd", "learning_rate": lr,
             "loss": float("nan"), "val_loss": float("inf")} for t, lr in (("x", 1.0), ("y", 10.0)) for e in (1, 2)]
    trials = [{"sweep": "boom", "trial_id": t, "optimizer": "sgd", "learning_rate": lr, "status": "diverged",
               "epochs_run": 2, "chosen": False} for t, lr in (("x", 1.0), ("y", 10.0))]
    folder = write_results_folder(tmp_path / "boom", rows, trials, axes=["learning_rate"],
                                  metrics=("loss", "val_loss"))
    text = analysis.write_report(folder, tmp_path / "out").read_text()
    assert "Answer: none; no trial has a finite val_loss." in text
    assert "2 trials: 2 diverged." in text
    assert not Page(text).named("img")


def test_html_and_markdown_escape_text() -> None:
    blocks = [Callout(("a <b> & c",)), Text("<script>alert(1)</script>"),
              Table(("x|y",), (("1|2",),), (False,)), Image("f", b"\x89PNG\r\n\x1a\n" + b"\0" * 4 + b"IHDR"
                                                        + (3).to_bytes(4, "big") + (2).to_bytes(4, "big"), "alt")]
    page = to_html("T <1>", blocks)
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &lt;b&gt; &amp; c" in page
    assert 'width="3" height="2"' in page and "<title>T &lt;1&gt;</title>" in page
    markdown = to_markdown("T", blocks)
    assert "| x\\|y |" in markdown and "![alt](figures/f.png)" in markdown and "a \\<b\\> & c" in markdown
    assert "is in index.html" in to_markdown("T", blocks, figures=None)


def test_png_size_rejects_other_bytes() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + b"\0" * 30)
