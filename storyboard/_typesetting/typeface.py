"""A typeface: the chain of fonts at one size, measuring and drawing a line of any script.

A line is cut into runs, each drawn by one font in one direction; the runs are
put in visual order (:mod:`.bidi`) and drawn side by side on one baseline. With
Pillow's Raqm layout (HarfBuzz shaping) each run is shaped in its direction;
without it, Arabic is joined by ``arabic-reshaper`` and right-to-left runs are
reversed by hand.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import arabic_reshaper
from PIL import ImageDraw, ImageFont, features

from . import bidi
from .fonts import belongs_to_previous, chain, drawable, font_for, has_glyph, is_pictographic

Engine = Literal["raqm", "basic"]
_SHAPES = features.check_feature("raqm") and features.check_feature("fribidi")
ENGINE: Engine = "raqm" if _SHAPES else "basic"
"""How runs are shaped here: with Raqm when this Pillow has it (see docs/decisions.md)."""

Anchor = Literal["la", "lm", "ls", "ld", "ma", "mm", "ms", "md", "ra", "rm", "rs", "rd"]
"""Where ``xy`` is: left, middle or right; ascender, middle, baseline or descender."""
_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
"""Brackets as they turn in right-to-left text (Raqm does this itself)."""


@dataclass(frozen=True)
class Run:
    """Characters drawn by one font of the chain in one direction."""

    text: str
    font: int
    rtl: bool


class Typeface:
    """Every font of the chain at ``size`` pixels, loaded when first needed.

    One typeface is for one thread at a time (FreeType faces are not thread-safe).
    """

    def __init__(self, size: int, engine: Engine = ENGINE) -> None:
        self.size = size
        self.engine: Engine = engine
        self._faces: dict[int, ImageFont.FreeTypeFont] = {}
        self._lengths: dict[str, float] = {}

    def face(self, index: int) -> ImageFont.FreeTypeFont:
        """Font ``index`` of the chain at this size."""
        if index not in self._faces:
            layout = ImageFont.Layout.RAQM if self.engine == "raqm" else ImageFont.Layout.BASIC
            self._faces[index] = ImageFont.truetype(
                str(chain()[index]), self.size, layout_engine=layout
            )
        return self._faces[index]

    def getmetrics(self) -> tuple[int, int]:
        """Ascent and descent of the first font: every run sits on its baseline."""
        return self.face(0).getmetrics()

    def getlength(self, text: str) -> float:
        """How wide ``text`` stands on one line, in pixels."""
        if text not in self._lengths:
            self._lengths[text] = sum(self._run_length(run) for run in runs(text))
        return self._lengths[text]

    def draw(
        self,
        draw: ImageDraw.ImageDraw,
        xy: tuple[float, float],
        text: str,
        fill: tuple[int, ...] | int | str,
        anchor: Anchor = "la",
    ) -> None:
        """Draw ``text`` on one line; ``anchor`` as in Pillow (l, m or r; a, m, s or d)."""
        horizontal, vertical = anchor[0], anchor[1]
        x = xy[0] - {"l": 0.0, "m": 0.5, "r": 1.0}[horizontal] * self.getlength(text)
        y = xy[1] + self._baseline_offset(vertical)
        for run in runs(text):
            draw.text(
                (x, y),
                self._shown(run),
                font=self.face(run.font),
                fill=fill,
                anchor="ls",
                direction=self._direction(run),
            )
            x += self._run_length(run)

    def _baseline_offset(self, vertical: str) -> float:
        ascent, descent = self.getmetrics()
        return {"a": ascent, "m": (ascent - descent) / 2, "s": 0, "d": -descent}[vertical]

    def _run_length(self, run: Run) -> float:
        return self.face(run.font).getlength(self._shown(run), direction=self._direction(run))

    def _direction(self, run: Run) -> str | None:
        if self.engine == "basic":
            return None
        return "rtl" if run.rtl else "ltr"

    def _shown(self, run: Run) -> str:
        """The run's text as this engine takes it: as written for Raqm; joined and in
        visual order for the basic layout."""
        if self.engine == "raqm" or not run.rtl:
            return run.text
        joined = arabic_reshaper.reshape(run.text).translate(_MIRRORED)
        return "".join(reversed(_clusters(joined)))


@lru_cache(maxsize=4096)
def runs(text: str) -> tuple[Run, ...]:
    """``text`` (one line) cut into runs of one font and one direction, in visual order."""
    shown = drawable(text)
    if not shown:
        return ()
    fonts = _fonts(shown)
    char_levels = bidi.levels(shown)
    pieces: list[tuple[str, int, int]] = []
    for char, font, level in zip(shown, fonts, char_levels, strict=True):
        if pieces and pieces[-1][1:] == (font, level):
            pieces[-1] = (pieces[-1][0] + char, font, level)
        else:
            pieces.append((char, font, level))
    ordered = bidi.visual_order(pieces, [level for _, _, level in pieces])
    return tuple(Run(piece, font, bool(level % 2)) for piece, font, level in ordered)


def _fonts(text: str) -> list[int]:
    """The font that draws each character: a mark, joiner or space stays in the font of the
    character before it when that font has it; otherwise the first font that has it."""
    chosen: list[int] = []
    for char in text:
        previous = chosen[-1] if chosen else None
        if previous is not None and _stays(char, previous):
            chosen.append(previous)
        else:
            chosen.append(font_for(char) or 0)
    return chosen


def _stays(char: str, previous: int) -> bool:
    """Whether ``char`` had best be drawn in ``previous``, the font of the character before."""
    if not has_glyph(previous, char):
        return False
    if belongs_to_previous(char):
        return True
    neutral = char.isspace() or unicodedata.category(char)[0] == "P"
    return neutral and not is_pictographic(previous)


def _clusters(text: str) -> list[str]:
    """``text`` as characters, each with the marks that follow it."""
    found: list[str] = []
    for char in text:
        if found and belongs_to_previous(char):
            found[-1] += char
        else:
            found.append(char)
    return found


def split_to_width(text: str, face: Typeface, width: float) -> list[str]:
    """``text`` cut between characters into pieces no wider than ``width`` (a character
    wider than that stands alone); ``[text]`` when it fits."""
    if face.getlength(text) <= width:
        return [text]
    pieces = [""]
    for cluster in _clusters(text):
        if pieces[-1] and face.getlength(pieces[-1] + cluster) > width:
            pieces.append("")
        pieces[-1] += cluster
    return pieces
