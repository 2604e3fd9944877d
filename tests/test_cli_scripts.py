"""Every script through the real command: a title card and a burned caption in many
scripts, drawn into the film; a multi-line caption as one subtitle; a title with line
breaks that stays on its lines of the EDL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import opentimelineio as otio
from cli_subprocess import storyboard
from clips import frame_at

STORY = """\
storyboard: 1
title: "港口 · שלום · مرحبا 😀"
defaults: {duration: 1, resolution: 480p}
scenes:
  - id: harbour
    title: "Dawn\\nat the\\tharbour\\u0007"
    prompt: a quiet harbour at dawn
    caption: "Καλημέρα, Привет, Crème brûlée\\n\\n港口的黎明 😀\\nשלום עולם, مرحبا بالعالم"
export:
  fps: 24
  captions: {captions}
  title_card: true
"""


def project(root: Path, captions: str) -> Path:
    root.mkdir()
    (root / "story.yaml").write_text(STORY.replace("{captions}", captions), encoding="utf-8")
    return root


def test_a_film_in_many_scripts_through_the_command(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "both")
    built = storyboard("build", "-p", str(root), "--provider", "preview")
    assert built.code == 0, built.output
    film = root / "out" / "film.mp4"

    srt = (root / "out" / "film.srt").read_text(encoding="utf-8")
    assert srt.count(" --> ") == 1
    assert srt.strip().splitlines()[2:] == [
        "Καλημέρα, Привет, Crème brûlée",
        "港口的黎明 😀",
        "שלום עולם, مرحبا بالعالم",
    ]
    vtt = (root / "out" / "film.vtt").read_text(encoding="utf-8")
    assert [block for block in vtt.split("\n\n") if " --> " in block] == [vtt.split("\n\n")[1]]

    title = frame_at(film, 1.5).astype(int)
    assert (title.min(axis=2) > 200).sum() > 300, "the title card's glyphs are drawn"
    assert title[:60].max() < 40 and title[-60:].max() < 40, "on black, in the middle"

    plain_root = project(tmp_path / "plain", "none")
    plain = storyboard("build", "-p", str(plain_root), "--provider", "preview")
    assert plain.code == 0, plain.output
    burned = frame_at(film, 3.5).astype(int)
    blank = frame_at(plain_root / "out" / "film.mp4", 3.5).astype(int)
    assert np.abs(burned[:250] - blank[:250]).mean() < 2, "the caption changes only the bottom"
    assert (np.abs(burned[300:] - blank[300:]).max(axis=2) > 100).sum() > 500

    edl = storyboard("export", "-p", str(root), "--format", "edl", "-o", str(tmp_path / "f.edl"))
    assert edl.code == 0, edl.output
    timeline = otio.adapters.read_from_file(str(tmp_path / "f.edl"), "cmx_3600", rate=24)
    assert [clip.name for clip in timeline.find_clips()] == ["harbour: Dawn at the harbour"]
