"""The report as a phone shows it: headless Chromium at 412 px, every image decoded, nothing too wide."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y "
                                                         "chromium); CI installs it")
PHONE = 412
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Injected into a copy of the page only: the report itself has no scripts. Headless Chromium will not make a
# window narrower than 500 px, so the page is pinned to phone width before measuring.
CHECK = """<script>
addEventListener("load", () => {
  const images = [...document.images];
  document.documentElement.style.width = "%dpx";
  const out = document.createElement("pre");
  out.id = "layout-check";
  out.textContent = JSON.stringify({
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    widest: document.body.scrollWidth,
  });
  document.body.appendChild(out);
});
</script>""" % PHONE


def chromium(page: Path, profile: Path, *extra: str) -> str:
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--window-size={PHONE},2000",
                           *extra, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_every_image_loads_and_nothing_is_wider_than_a_phone(source_report: Path, tmp_path: Path) -> None:
    text = source_report.read_text()
    copy = tmp_path / "checked.html"
    copy.write_text(text.replace("</body>", CHECK + "</body>"))
    dom = chromium(copy, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom")
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', dom, re.S)
    assert found, "the check script did not run: " + dom[-500:]
    check = json.loads(found.group(1).replace("&quot;", '"'))
    assert check["images"] == text.count("<img ") and check["images"] > 0
    assert check["broken"] == []
    assert check["widest"] <= PHONE, "something (not inside a scrolling table) is wider than the phone"


def test_screenshot_at_phone_width(source_report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "phone.png"
    chromium(source_report, tmp_path / "profile", f"--screenshot={shot}")
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[1] == PHONE and pixels.shape[0] >= 1000
    assert float(np.std(pixels[..., :3])) > 0.05, "the screenshot is blank"
