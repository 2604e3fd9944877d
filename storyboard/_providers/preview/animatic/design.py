"""The animatic's design: frame rate and motion, palette and measures, the sheet
being drawn on (size, unit, fonts), and the geometry of boxes and the push-in.

Every other part of the animatic draws with these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from ...._typesetting import Typeface
from ...._vocabulary import ACCENTS, Mode, accent_slot

FPS = 24
SUPERSAMPLE = 2
"""The moving picture is drawn this many times larger than it is shown."""
ZOOM = 0.05
"""How far the camera pushes in over a scene."""

RGB = tuple[int, int, int]

BACKGROUND_TOP: RGB = (16, 19, 24)
BACKGROUND_BOTTOM: RGB = (25, 29, 37)
PLACEHOLDER_FILL: RGB = (28, 32, 40)
TRACK: RGB = (38, 43, 52)
TEXT: RGB = (236, 232, 224)
TEXT_SOFT: RGB = (168, 175, 188)
TEXT_MUTED: RGB = (112, 120, 134)
MODE_NAMES: dict[Mode, str] = {
    "reference": "REFERENCE-TO-VIDEO",
    "image": "IMAGE-TO-VIDEO",
    "text": "TEXT-TO-VIDEO",
    "edit": "EDIT",
    "extend": "EXTENSION",
}
MODE_ACCENTS: dict[Mode, RGB] = {
    "reference": ACCENTS[0],
    "image": ACCENTS[1],
    "text": ACCENTS[3],
    "edit": ACCENTS[2],
    "extend": ACCENTS[4],
}
TIMECODE_HEIGHT = 64
"""The timecode's band above the progress bar, in design pixels."""
LEADING = 1.42
"""Line height as a multiple of the font size."""


def accent_colour(index: int) -> RGB:
    """The colour of image ``index`` (1-based), shared by its card and its tokens."""
    return ACCENTS[accent_slot(index) - 1]


# --- geometry -----------------------------------------------------------------------


class Box(NamedTuple):
    """A rectangle: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def corners(self) -> tuple[int, int, int, int]:
        """Integer (left, top, right, bottom), as Pillow takes them."""
        return round(self.x), round(self.y), round(self.x + self.w), round(self.y + self.h)

    def scaled(self, factor: float) -> Box:
        return Box(self.x * factor, self.y * factor, self.w * factor, self.h * factor)

    def inset(self, by: float) -> Box:
        return Box(self.x + by, self.y + by, max(1.0, self.w - 2 * by), max(1.0, self.h - 2 * by))

    def snapped(self) -> Box:
        """Even integer position and size, as 4:2:0 video needs."""
        left, top = math.floor(self.x / 2) * 2, math.floor(self.y / 2) * 2
        right = math.ceil((self.x + self.w) / 2) * 2
        bottom = math.ceil((self.y + self.h) / 2) * 2
        return Box(left, top, right - left, bottom - top)


def before_push_in(point: tuple[float, float], origin: tuple[float, float]) -> tuple[float, float]:
    """Where to draw what should sit at ``point`` halfway through a push-in about ``origin``."""
    middle = 1 + ZOOM / 2
    return (
        origin[0] + (point[0] - origin[0]) / middle,
        origin[1] + (point[1] - origin[1]) / middle,
    )


def room_for_push_in(area: Box, origin: tuple[float, float]) -> Box:
    """The part of ``area`` whose contents, pushed in about ``origin``, stay inside ``area``
    to the end and are centred in it halfway."""
    x, y = before_push_in(area.centre, origin)
    width, height = area.w / (1 + ZOOM), area.h / (1 + ZOOM)
    return Box(x - width / 2, y - height / 2, width, height)


# --- the sheet: size, unit, fonts ------------------------------------------------


class Fonts:
    """The typeface (:mod:`storyboard._typesetting`) at any size from 9 px up, loaded per
    render (faces are not thread-safe) and kept for the whole render."""

    def __init__(self) -> None:
        self._sizes: dict[int, Typeface] = {}

    def __call__(self, size: float) -> Typeface:
        pixels = max(9, round(size))
        if pixels not in self._sizes:
            self._sizes[pixels] = Typeface(pixels)
        return self._sizes[pixels]


@dataclass(frozen=True)
class Sheet:
    """A canvas being designed: its size, its unit of measure and its fonts."""

    width: int
    height: int
    fonts: Fonts

    @property
    def unit(self) -> float:
        """One design pixel: a 720-pixel short side is 1.0."""
        return min(self.width, self.height) / 720

    @property
    def margin(self) -> float:
        return 44 * self.unit

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def enlarged(self, factor: int) -> Sheet:
        """The same design ``factor`` times larger."""
        return Sheet(self.width * factor, self.height * factor, self.fonts)
