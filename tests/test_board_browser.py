"""The board in a real browser: headless Chromium draws it, loads every picture, plays its clips.

Skipped where Chromium is not installed (CI installs it). The page itself has
no script; to see what the browser loaded, a copy of it with a small probe
script is written beside it (so that its relative links still resolve), and
Chromium's ``--dump-dom`` reports what the probe found.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from test_board import PROVIDER, Page, populated_example

from storyboard._board import write_board
from storyboard._studio import Studio

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,  # a headless browser
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]

WINDOW = (1400, 2400)

PROBE = """
<script>
window.addEventListener("load", () => {
  const report = {
    images: [...document.images].map((img) => [img.getAttribute("src"), img.naturalWidth]),
    clips: [...document.querySelectorAll("video")].map((video) => [
      video.getAttribute("src"), video.readyState, video.error ? video.error.code : 0,
      video.duration || 0,
    ]),
  };
  const marker = document.createElement("pre");
  marker.id = "probe";
  marker.textContent = JSON.stringify(report);
  document.body.append(marker);
});
</script>
"""
"""Reports, once the page has loaded, each picture's width (0 when it did not load) and each
video's readyState, error code and duration."""


def probe_page(board: Path) -> Path:
    """A copy of the board that loads everything before its load event, then reports.

    Videos preload (a media element holds the load event until it has data or fails), and
    each poster is also shown as a hidden picture, so nothing is left pending when the report
    is written: no timer, nothing for a slow machine to race.
    """
    text = board.read_text(encoding="utf-8").replace('preload="none"', 'preload="auto"')
    posters = "".join(
        f'<img src="{value}" alt="">' for tag, name, value in Page(text).links if name == "poster"
    )
    probe = board.with_name("probe.html")
    probe.write_text(
        text.replace("</body>", f"<div hidden>{posters}</div>{PROBE}</body>"), encoding="utf-8"
    )
    return probe


def run_chromium(page: Path, *args: str) -> str:
    """Run headless Chromium on a page, offline, in a throwaway profile; return its stdout."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="board-chromium-") as profile:
        command = [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}",
            "--virtual-time-budget=15000", *args, page.as_uri(),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    return result.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The board of the example project with real takes, written once for this module."""
    studio = Studio.open(populated_example(tmp_path_factory.mktemp("browser")))
    try:
        return write_board(studio, provider=PROVIDER)
    finally:
        studio.close()


def test_the_board_draws_a_real_page(board: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "board.png"
    run_chromium(board, f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}")
    with Image.open(screenshot) as image:
        assert image.size == WINDOW
        small = image.convert("RGB").resize((WINDOW[0] // 10, WINDOW[1] // 10))
    colours = small.getcolors(maxcolors=small.width * small.height)
    assert colours is not None
    assert len(colours) > 200, "the page looks blank"
    most_common = max(count for count, _ in colours)
    assert most_common < 0.8 * small.width * small.height, "one colour fills the page"


def test_every_picture_loads_and_every_clip_opens(board: Path) -> None:
    dom = run_chromium(probe_page(board), "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    report = json.loads(html.unescape(found.group(1)))

    images = report["images"]
    assert len(images) >= 10
    assert any(src.startswith("thumbs/poster-") for src, _ in images)
    assert [src for src, width in images if width == 0] == []
    assert report["clips"]
    for src, ready_state, error, duration in report["clips"]:
        assert error == 0 and ready_state >= 1, f"{src} did not open (error {error})"
        assert duration == pytest.approx(2.0, abs=0.2), src
