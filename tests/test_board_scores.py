"""Consistency on the board: beside each reference the crop of where the take shows it, its
score and its flags in words; each character's strip across the film, the outlier marked;
an unscored take says how to score it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from scoring_clips import GRACE, eileen_project
from test_board import read_page, scene_section

from storyboard import BuildOptions, Studio
from storyboard._board import write_board
from storyboard._boardscores import (
    HOW_TO_SCORE,
    HOW_TO_SCORE_ALL,
    Likeness,
    StripFrame,
    mark_outliers,
)
from storyboard._media import probe
from storyboard._scoring.crops import crop_size
from storyboard.testing.xai_standin import Faults, XaiStandin

STORY = """\
storyboard: 1
title: Who drifted
defaults: {duration: 2, resolution: 480p}
characters:
  eileen: {image: assets/eileen.png}
scenes:
  - {id: meet, title: Meet, prompt: "meet: @eileen waves"}
  - {id: wave, title: Wave, prompt: "wave: @eileen waves again"}
  - {id: swap, title: Swap, prompt: "swap: @eileen walks in"}
"""

CROP = re.compile(r'<img src="(thumbs/crop-[0-9a-f]{64}\.jpg)"')


def shown(note: str) -> str:
    """A note as the page writes it, the command as code."""
    return note.replace("storyboard score", "<code>storyboard score</code>")


@dataclass(frozen=True)
class Board:
    studio: Studio
    page: Path
    text: str


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    """Eileen animated in two scenes, Grace Hopper in her place in the third; scored as the
    build goes (one build for the module: it is the slow part)."""
    root = eileen_project(tmp_path_factory.mktemp("board-scores") / "drift", STORY)
    key = f"xai-test-{secrets.token_hex(12)}"
    showings = {"meet:": ["animated"], "wave:": ["animated"], "swap:": [f"animated:{GRACE}"]}
    with (
        XaiStandin(key=key, clip_dir=root.parent / "standin") as standin,
        pytest.MonkeyPatch.context() as patch,
        Studio.open(root) as studio,
    ):
        standin.faults = Faults(showings=showings)
        patch.setenv("XAI_API_KEY", key)
        patch.setenv("XAI_BASE_URL", standin.base_url)
        result = studio.build("xai", BuildOptions(concurrency=3))
        assert result.ok and not result.unscored
        page = write_board(studio, provider="xai")
        yield Board(studio, page, page.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_each_reference_shows_its_crop_score_and_flags_in_words(board: Board) -> None:
    text = board.text
    meet, swap = scene_section(text, "meet"), scene_section(text, "swap")
    for section in (meet, swap):
        assert len(CROP.findall(section)) == 1
        assert re.search(r"likeness <b>0\.\d\d</b> · self <b>-?\d\.\d\d</b>", section)
    assert "looks right" in meet and "someone else" not in meet
    assert "Eileen looks like someone else" in swap
    assert "Eileen looks unlike the other scenes" in swap
    assert 'title="mismatch"' in swap and 'title="drift"' in swap
    assert shown(HOW_TO_SCORE) not in text and shown(HOW_TO_SCORE_ALL) not in text


@pytest.mark.slow
def test_the_crop_files_are_the_pictures_the_scorer_kept(board: Board) -> None:
    store = board.studio.existing_store
    assert store is not None
    for scene_id in ("meet", "wave", "swap"):
        (take,) = board.studio.takes(scene_id, "xai")
        assert take.score is not None
        (subject,) = take.score.subjects
        assert subject.found is not None
        clip = probe(store.clip_path(take.clip))
        (src,) = CROP.findall(scene_section(board.text, scene_id))
        with Image.open(board.page.parent / src) as crop:
            assert crop.format == "JPEG"
            assert crop.size == crop_size(subject.found, (clip.width, clip.height))


@pytest.mark.slow
def test_the_character_strip_runs_in_film_order_and_marks_who_drifted(board: Board) -> None:
    text = board.text
    start = text.index("Characters across the film")
    strip = text[start : text.index("</section>", start)]
    assert "<h3>Eileen</h3>" in strip and "the reference" in strip
    frames = re.findall(r'<li class="(strip-frame[^"]*)"[^>]*><a href="#scene-(\w+)"', strip)
    assert frames == [
        ("strip-frame", "meet"),
        ("strip-frame", "wave"),
        ("strip-frame outlier-drift", "swap"),
    ]
    assert strip.count("drifted") == 1 and len(CROP.findall(strip)) == 3


def test_an_unscored_take_says_how_to_score_it(tmp_path: Path) -> None:
    root = eileen_project(tmp_path / "unscored", STORY)
    with Studio.open(root) as studio:
        assert studio.build("preview", BuildOptions(score=False)).ok
        page = write_board(studio, provider="preview")
    text, _ = read_page(page)
    for scene_id in ("meet", "wave", "swap"):
        section = scene_section(text, scene_id)
        assert shown(HOW_TO_SCORE) in section
        assert "likeness" not in section and not CROP.search(section)
    start = text.index("Characters across the film")
    assert shown(HOW_TO_SCORE_ALL) in text[start : text.index("</section>", start)]
    assert not list((page.parent / "thumbs").glob("crop-*"))


def strip_frame(scene_id: str, self: float | None, flags: tuple[str, ...] = ()) -> StripFrame:
    likeness = Likeness(scene_id, "Eileen", "face", None, 0.7, 1.0, 8, self, flags)
    return StripFrame(scene_id, 1, scene_id, likeness)


def outliers(frames: list[StripFrame]) -> dict[str, str | None]:
    return {frame.scene_id: frame.outlier for frame in mark_outliers(frames)}


def test_the_outlier_is_every_drift_else_the_lowest_self_among_three() -> None:
    drifted = [strip_frame("a", 0.8), strip_frame("b", 0.3, ("drift",)), strip_frame("c", 0.2)]
    assert outliers(drifted) == {"a": None, "b": "drift", "c": None}
    three = [strip_frame("a", 0.8), strip_frame("b", 0.7), strip_frame("c", 0.75)]
    assert outliers(three) == {"a": None, "b": "lowest", "c": None}
    two = [strip_frame("a", 0.8), strip_frame("b", 0.7), strip_frame("c", None)]
    assert outliers(two) == {"a": None, "b": None, "c": None}
