"""Burned captions in every script a writer may write: glyphs drawn into the film's frames.

That no glyph is the font's missing-glyph box is checked glyph by glyph in
``test_typesetting.py``; here the frames of the film are compared with a blank one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clips import entry, film_spec, frame_at, make_clip
from test_typesetting import SAMPLES

from storyboard._export import export_film

BAND = slice(380, 470)
"""The rows of a 480p frame where a one-line caption stands."""


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same cut, one scene per script, plain and with captions burned in."""
    folder = tmp_path_factory.mktemp("scripts")
    clip = make_clip(folder / "green.mp4", "green", seconds=1.0, tone=None)
    entries = [
        entry(f"s{index}", clip, caption=text, seconds=1.0)
        for index, text in enumerate(SAMPLES.values())
    ]
    cache = folder / ".storyboard"
    plain = export_film(film_spec(entries, captions="none"), folder / "plain.mp4", cache)
    burned = export_film(film_spec(entries, captions="burn"), folder / "burned.mp4", cache)
    return plain.path, burned.path


@pytest.mark.parametrize(("index", "script"), list(enumerate(SAMPLES)))
def test_a_burned_caption_in_each_script_draws_its_glyphs(
    films: tuple[Path, Path], index: int, script: str
) -> None:
    plain, burned = films
    middle = index + 0.5
    blank = frame_at(plain, middle).astype(int)
    shown = frame_at(burned, middle).astype(int)
    assert np.abs(blank[:300] - shown[:300]).max() < 12, "only the bottom of the picture changes"
    white = (shown[BAND].min(axis=2) > 200).sum()
    assert white > 150, f"the {script} caption's glyphs are drawn"
    assert (blank[BAND].min(axis=2) > 200).sum() == 0


def test_each_script_burns_its_own_glyphs(films: tuple[Path, Path]) -> None:
    _, burned = films
    bands = [frame_at(burned, index + 0.5)[BAND].min(axis=2) > 200 for index in range(len(SAMPLES))]
    for index, band in enumerate(bands):
        assert not any(np.array_equal(band, other) for other in bands[index + 1 :])
