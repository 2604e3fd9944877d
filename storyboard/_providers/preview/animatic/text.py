"""Text on the animatic: what the bundled font can draw, prompts fitted and wrapped
(each ``<IMAGE_k>`` in its card's colour), names cut short with an ellipsis,
letter-spaced tags and pills.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from PIL import ImageDraw, ImageFont

from .design import BACKGROUND_TOP, LEADING, RGB, TEXT, TEXT_MUTED, Box, Sheet, accent_colour

_TOKEN = re.compile(r"(<IMAGE_\d+>)")
_GLYPHS = frozenset(map(chr, range(32, 127))) | frozenset("©«°±´·»‘’“”…‹›⁄")
"""The characters Pillow's bundled font (a cut of Aileron) can draw."""
_SUBSTITUTES = str.maketrans({"—": "-", "–": "-", "‐": "-", "‑": "-", "→": "->", "\t": " "})


def printable(text: str) -> str:
    """``text`` with what the bundled font cannot draw replaced (é -> e, — -> -, 猫 -> ?)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SUBSTITUTES))
    kept = (char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if char in _GLYPHS or char == "\n" else "?" for char in kept)


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


def line_width(line: _Line, font: ImageFont.FreeTypeFont) -> float:
    words = sum(font.getlength(run.text) for word in line for run in word)
    return words + font.getlength(" ") * max(0, len(line) - 1)


def _wrap(paragraphs: list[list[_Word]], font: ImageFont.FreeTypeFont, width: float) -> list[_Line]:
    lines: list[_Line] = []
    for paragraph in paragraphs:
        line: _Line = []
        for word in paragraph:
            if line and line_width([*line, word], font) > width:
                lines.append(line)
                line = []
            line.append(word)
        if line:
            lines.append(line)
    return lines


def _truncate(
    lines: list[_Line], font: ImageFont.FreeTypeFont, width: float, limit: int
) -> list[_Line]:
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
) -> tuple[ImageFont.FreeTypeFont, list[_Line]]:
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
    font: ImageFont.FreeTypeFont,
    box: Box,
    *,
    centred: bool = False,
) -> None:
    """Draw wrapped lines from the top of ``box``, left-aligned or centred in it."""
    space = font.getlength(" ")
    for number, line in enumerate(lines):
        x = box.x + ((box.w - line_width(line, font)) / 2 if centred else 0)
        y = box.y + number * font.size * LEADING
        for word in line:
            for run in word:
                draw.text((x, y), run.text, font=font, fill=run.color, anchor="la")
                x += font.getlength(run.text)
            x += space


def ellipsized(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    text = printable(text)
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _tracked_width(text: str, font: ImageFont.FreeTypeFont, tracking: float) -> float:
    return font.getlength(text) + tracking * max(0, len(text) - 1)


def draw_tracked(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: RGB,
    tracking: float,
) -> None:
    """Letter-spaced capitals for tags and small headings; ``xy`` is the left-middle."""
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=font, fill=fill, anchor="lm")
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
