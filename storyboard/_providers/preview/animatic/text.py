"""Text on the animatic: prompts fitted and wrapped (each ``<IMAGE_k>`` in its card's
colour, words in reading order for right-to-left text), names cut short with an
ellipsis, letter-spaced tags and pills. Any script is drawn
(:mod:`storyboard._typesetting`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from PIL import ImageDraw

from ...._typesetting import Typeface, bidi, drawable, split_to_width
from .design import BACKGROUND_TOP, LEADING, RGB, TEXT, TEXT_MUTED, Box, Sheet, accent_colour

_TOKEN = re.compile(r"(<IMAGE_\d+>)")


def printable(text: str) -> str:
    """``text`` as the animatic draws it: its lines with tabs as spaces, control characters
    gone and what no font has as U+FFFD."""
    return "\n".join(drawable(line) for line in text.split("\n"))


class _Run(NamedTuple):
    text: str
    color: RGB


_Word = tuple[_Run, ...]
_Line = list[_Word]


def _paragraphs(text: str, color: RGB) -> list[list[_Word]]:
    """Paragraphs of words, each word split into runs with ``<IMAGE_k>`` in its accent."""
    return [
        [
            tuple(
                _Run(part, accent_colour(int(part[7:-1])) if _TOKEN.fullmatch(part) else color)
                for part in _TOKEN.split(word)
                if part
            )
            for word in paragraph.split()
        ]
        for paragraph in printable(text).split("\n")
    ]


def line_width(line: _Line, font: Typeface) -> float:
    words = sum(font.getlength(run.text) for word in line for run in word)
    return words + font.getlength(" ") * max(0, len(line) - 1)


def _wrap(paragraphs: list[list[_Word]], font: Typeface, width: float) -> list[_Line]:
    lines: list[_Line] = []
    for paragraph in paragraphs:
        line: _Line = []
        for word in (piece for whole in paragraph for piece in _fitted(whole, font, width)):
            if line and line_width([*line, word], font) > width:
                lines.append(line)
                line = []
            line.append(word)
        if line:
            lines.append(line)
    return lines


def _fitted(word: _Word, font: Typeface, width: float) -> list[_Word]:
    """``word``, or its pieces when it is wider than a line (Chinese and Japanese are written
    without spaces) and all of one colour."""
    if len(word) != 1:
        return [word]
    run = word[0]
    return [(_Run(piece, run.color),) for piece in split_to_width(run.text, font, width)]


def _visual_words(line: _Line) -> list[_Word]:
    """The words of ``line`` in the order they stand, right-to-left words reversed."""
    text = " ".join("".join(run.text for run in word) for word in line)
    char_levels = bidi.levels(text)
    word_levels: list[int] = []
    start = 0
    for word in line:
        end = start + sum(len(run.text) for run in word)
        word_levels.append(min(char_levels[start:end], default=0))
        start = end + 1
    return bidi.visual_order(line, word_levels)


def _truncate(lines: list[_Line], font: Typeface, width: float, limit: int) -> list[_Line]:
    """At most ``limit`` lines, the last ending in an ellipsis when text was cut."""
    if len(lines) <= limit:
        return lines
    kept = [list(line) for line in lines[:limit]]
    ellipsis = (_Run("…", TEXT_MUTED),)
    while len(kept[-1]) > 1 and line_width([*kept[-1], ellipsis], font) > width:
        kept[-1].pop()
    kept[-1].append(ellipsis)
    return kept


def fit_text(
    text: str, sheet: Sheet, size: float, width: float, max_lines: int
) -> tuple[Typeface, list[_Line]]:
    """Wrap ``text``, shrinking the font down to 70 % before cutting lines off."""
    paragraphs = _paragraphs(text, TEXT)
    for scale in (1.0, 0.9, 0.8, 0.7):
        font = sheet.fonts(size * scale)
        lines = _wrap(paragraphs, font, width)
        if len(lines) <= max_lines:
            return font, lines
    return font, _truncate(lines, font, width, max_lines)


def draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[_Line],
    font: Typeface,
    box: Box,
    *,
    centred: bool = False,
) -> None:
    """Draw wrapped lines from the top of ``box``, left-aligned or centred in it."""
    space = font.getlength(" ")
    for number, line in enumerate(lines):
        x = box.x + ((box.w - line_width(line, font)) / 2 if centred else 0)
        y = box.y + number * font.size * LEADING
        for word in _visual_words(line):
            for run in word:
                font.draw(draw, (x, y), run.text, fill=run.color, anchor="la")
                x += font.getlength(run.text)
            x += space


def ellipsized(text: str, font: Typeface, width: float) -> str:
    text = printable(text)
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _tracked_width(text: str, font: Typeface, tracking: float) -> float:
    return font.getlength(text) + tracking * max(0, len(text) - 1)


def draw_tracked(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Typeface,
    fill: RGB,
    tracking: float,
) -> None:
    """Letter-spaced capitals for tags and small headings; ``xy`` is the left-middle."""
    x, y = xy
    for char in text:
        font.draw(draw, (x, y), char, fill=fill, anchor="lm")
        x += font.getlength(char) + tracking


def draw_pill(
    draw: ImageDraw.ImageDraw,
    sheet: Sheet,
    text: str,
    accent: RGB,
    at: tuple[float, float],
    anchor: str,
) -> Box:
    """A rounded tag; ``at`` is its right-middle (``anchor="r"``) or its centre (``"m"``)."""
    font, tracking = sheet.fonts(13 * sheet.unit), 1.6 * sheet.unit
    width, height = _tracked_width(text, font, tracking) + 28 * sheet.unit, 28 * sheet.unit
    left = at[0] - width if anchor == "r" else at[0] - width / 2
    box = Box(left, at[1] - height / 2, width, height)
    fill = tuple(round(a * 0.16 + b * 0.84) for a, b in zip(accent, BACKGROUND_TOP, strict=True))
    outline = tuple(round(a * 0.6 + b * 0.4) for a, b in zip(accent, BACKGROUND_TOP, strict=True))
    draw.rounded_rectangle(box.corners(), radius=height / 2, fill=fill, outline=outline)
    draw_tracked(draw, (left + 14 * sheet.unit, at[1]), text, font, accent, tracking)
    return box
