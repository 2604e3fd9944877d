"""Lettering in every script: the font chain, per-glyph fallback, right-to-left order and
shaping, with Raqm and with the basic layout."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from storyboard._typesetting import (
    ENGINE,
    REPLACEMENT,
    Engine,
    Typeface,
    bidi,
    chain,
    drawable,
    runs,
    split_to_width,
)

SAMPLES = {
    "accented Latin": "Crème brûlée, façade, Ångström, Łódź",
    "Greek": "Καλημέρα κόσμε",
    "Cyrillic": "Привет, мир",
    "CJK": "港口的黎明 夜明けの港 새벽 항구",
    "Arabic": "مرحبا بالعالم",
    "Hebrew": "שלום עולם",
    "emoji": "😀 🐱 🚀 ❤️ 👍🏽",
}
"""One caption per script a writer may write."""

ENGINES: list[Engine] = ["basic", *(["raqm"] if ENGINE == "raqm" else [])]
MISSING = "\u0378"
"""An unassigned code point: no font has it, so drawing it shows the missing-glyph box."""


def mask(face: ImageFont.FreeTypeFont | Typeface, text: str, size: int = 64) -> np.ndarray:
    """The coverage of ``text`` drawn on a tile (the tile is wide enough for a cluster)."""
    tile = Image.new("L", (size * 3, size * 2), 0)
    draw = ImageDraw.Draw(tile)
    if isinstance(face, Typeface):
        face.draw(draw, (size // 2, size // 2), text, fill=255)
    else:
        draw.text((size // 2, size // 2), text, font=face, fill=255)
    return np.asarray(tile)


def clusters(text: str) -> list[str]:
    """``text``'s visible characters, each with the marks, joiners and modifiers after it."""
    found: list[str] = []
    for char in text:
        joins = found and (found[-1].endswith("\u200d") or char in "\u200d\ufe0f\U0001f3fd")
        if joins:
            found[-1] += char
        elif not char.isspace() and char not in ",":
            found.append(char)
    return found


def test_the_fonts_come_from_the_projects_own_dependencies_under_the_ofl() -> None:
    for distribution in ("manimgx-fonts", "noto-cjk-sans-jp-regular"):
        assert importlib.metadata.metadata(distribution)["License-Expression"] == "OFL-1.1"
    names = [path.name for path in chain()]
    assert names[0] == "NotoSans[wght].ttf" and names[-1] == "NotoSansCJKjp-Regular.otf"
    assert all(path.is_file() for path in chain())


@pytest.mark.parametrize("script", SAMPLES)
def test_every_script_is_drawn_by_a_font_that_has_it(script: str) -> None:
    text = SAMPLES[script]
    assert drawable(text) == text
    drawn_by = {chain()[run.font].name for run in runs(text) if run.text.strip()}
    expected = {
        "accented Latin": {"NotoSans[wght].ttf"},
        "Greek": {"NotoSans[wght].ttf"},
        "Cyrillic": {"NotoSans[wght].ttf"},
        "CJK": {"NotoSansCJKjp-Regular.otf"},
        "Arabic": {"NotoSansArabic[wght].ttf"},
        "Hebrew": {"NotoSansHebrew[wght].ttf"},
        "emoji": {"NotoEmoji[wght].ttf"},
    }
    assert drawn_by == expected[script]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("script", SAMPLES)
def test_no_character_of_any_script_is_drawn_as_the_missing_glyph_box(
    script: str, engine: Engine
) -> None:
    face = Typeface(64, engine=engine)
    for cluster in clusters(SAMPLES[script]):
        (run,) = runs(cluster)
        glyph = mask(face, cluster)
        box = mask(face.face(run.font), MISSING)
        assert box.any(), "the font's missing-glyph box is drawn"
        assert glyph.any(), f"{cluster!r} is drawn"
        assert not np.array_equal(glyph, box), f"{cluster!r} is not the missing-glyph box"


def test_mixed_scripts_on_one_line_fall_back_glyph_by_glyph() -> None:
    found = runs("Tea 茶 and שלום 😀")
    fonts = [(run.text.strip(), chain()[run.font].name) for run in found if run.text.strip()]
    assert ("茶", "NotoSansCJKjp-Regular.otf") in fonts
    assert ("שלום", "NotoSansHebrew[wght].ttf") in fonts
    assert ("😀", "NotoEmoji[wght].ttf") in fonts
    assert fonts[0] == ("Tea", "NotoSans[wght].ttf")


def test_what_no_font_has_is_a_replacement_character_and_controls_are_dropped() -> None:
    assert drawable(f"a{MISSING}b\x07\tc\ud7ff") == f"a{REPLACEMENT}b c{REPLACEMENT}"
    assert drawable("a\u200db\ufe0f") == "a\u200db\ufe0f"


@pytest.mark.parametrize("engine", ENGINES)
def test_hebrew_reads_from_the_right(engine: Engine) -> None:
    face = Typeface(64, engine=engine)
    word, first = "שלום", "ש"
    whole = mask(face, word)
    columns = np.nonzero(whole.any(axis=0))[0]
    alone = mask(face, first)
    width = np.nonzero(alone.any(axis=0))[0]
    shin = alone[:, width.min() : width.max() + 1]
    right = whole[:, columns.max() - shin.shape[1] + 1 : columns.max() + 1]
    left = whole[:, columns.min() : columns.min() + shin.shape[1]]
    assert np.abs(right.astype(int) - shin).mean() < np.abs(left.astype(int) - shin).mean() / 3


@pytest.mark.parametrize("engine", ENGINES)
def test_arabic_letters_are_joined(engine: Engine) -> None:
    face = Typeface(64, engine=engine)
    assert face.getlength("ببب") < 2.5 * face.getlength("ب")
    assert not np.array_equal(mask(face, "ببب"), mask(Typeface(64, engine=engine), "ب ب ب"))


def test_levels_and_visual_order_follow_the_bidirectional_algorithm() -> None:
    text = "abc שלום 123 def"
    assert bidi.levels(text) == [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0]
    assert "".join(bidi.visual_order(list(text), bidi.levels(text))) == "abc 123 םולש def"
    rtl = "שלום, עולם 2024!"
    assert bidi.base_level(rtl) == 1 and bidi.base_level("123 abc") == 0
    assert "".join(bidi.visual_order(list(rtl), bidi.levels(rtl))) == "!2024 םלוע ,םולש"


def test_a_line_of_chinese_breaks_between_characters() -> None:
    face = Typeface(20)
    text = "港口的黎明海鸥在灰色的水面上盘旋" * 3
    pieces = split_to_width(text, face, 200)
    assert "".join(pieces) == text and len(pieces) > 1
    assert all(face.getlength(piece) <= 200 for piece in pieces)
    assert split_to_width("short", face, 200) == ["short"]
