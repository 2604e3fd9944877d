"""Animatics: an offline stand-in for a generated clip, drawn from a request.

An animatic shows what a scene asks for and how long it lasts: its reference
images as captioned cards (``IMAGE_n`` and the asset's name), the compiled
prompt with each ``<IMAGE_k>`` in the colour of its card, the scene's label and
mode, a running timecode and a progress bar, under a slow push-in.
Image-to-video scenes open full-frame on their start image, as the generated
clip would; text-only scenes get a title card.

Drawing every frame in Python would be far too slow, so Pillow composes a few
stills once and ffmpeg does the per-frame work:

* the *stage* (background, label, mode, prompt, footer) never moves;
* the *picture* (the cards, or the title) is drawn at twice its size, pushed
  in with ``zoompan`` (so it moves in half pixels) and laid on the stage
  through a soft mask: only what is drawn moves, so the backdrop stays still
  and the encoder has little to do;
* the timecode is a strip of pre-drawn cells that ``crop`` steps through;
* the progress bar is a still that ``overlay`` slides in;
* an image-to-video scene's start image lies on top for its first second,
  then fades away.

The same request always gives the same bytes: no clock, fixed thread counts,
bit-exact muxing.
"""

from __future__ import annotations

import base64
import itertools
import math
import os
import re
import sys
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote_to_bytes, urlparse

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

from .errors import MediaError
from .limits import frame_size
from .media import run_ffmpeg
from .providers.base import ImageInput, Mode, VideoRequest

__all__ = [
    "ACCENTS",
    "FPS",
    "Box",
    "Layers",
    "ProgressCallback",
    "compose_layers",
    "printable",
    "render_animatic",
]

FPS = 24
SUPERSAMPLE = 2
"""The moving picture is drawn this many times larger than it is shown."""
ZOOM = 0.05
"""How far the camera pushes in over a scene."""

ProgressCallback = Callable[[int], None]
RGB = tuple[int, int, int]

BACKGROUND_TOP: RGB = (16, 19, 24)
BACKGROUND_BOTTOM: RGB = (25, 29, 37)
PLACEHOLDER_FILL: RGB = (28, 32, 40)
TRACK: RGB = (38, 43, 52)
TEXT: RGB = (236, 232, 224)
TEXT_SOFT: RGB = (168, 175, 188)
TEXT_MUTED: RGB = (112, 120, 134)
ACCENTS: tuple[RGB, ...] = (
    (127, 200, 192),  # teal
    (224, 181, 110),  # amber
    (217, 143, 159),  # rose
    (169, 155, 224),  # lavender
    (166, 196, 138),  # sage
    (130, 178, 230),  # sky
    (214, 169, 138),  # sand
)
MODE_NAMES: dict[Mode, str] = {
    "reference": "REFERENCE-TO-VIDEO",
    "image": "IMAGE-TO-VIDEO",
    "text": "TEXT-TO-VIDEO",
}
MODE_ACCENTS: dict[Mode, RGB] = {"reference": ACCENTS[0], "image": ACCENTS[1], "text": ACCENTS[3]}
TIMECODE_HEIGHT = 64
"""The timecode's band above the progress bar, in design pixels."""
LEADING = 1.42
"""Line height as a multiple of the font size."""

_TOKEN = re.compile(r"(<IMAGE_\d+>)")
_GLYPHS = frozenset(map(chr, range(32, 127))) | frozenset("©«°±´·»‘’“”…‹›⁄")
"""The characters Pillow's bundled font (a cut of Aileron) can draw."""
_SUBSTITUTES = str.maketrans({"—": "-", "–": "-", "‐": "-", "‑": "-", "→": "->", "\t": " "})


def render_animatic(
    request: VideoRequest, output: Path, *, on_progress: ProgressCallback | None = None
) -> None:
    """Render ``request`` as an animatic MP4 at ``output``, whole or not at all.

    Raises MediaError when an image cannot be read or ffmpeg fails.
    """
    report = on_progress or (lambda percent: None)
    layers = compose_layers(request)
    report(30)
    temporary = output.with_name(f".{output.name}.{uuid.uuid4().hex}.part")
    try:
        with tempfile.TemporaryDirectory(prefix="storyboard-animatic-") as scratch:
            args = _ffmpeg_args(request, layers, Path(scratch), temporary)
            run_ffmpeg(args, what=f"render the animatic of {request.label or 'a scene'}")
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
    report(100)


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


def _before_push_in(point: tuple[float, float], origin: tuple[float, float]) -> tuple[float, float]:
    """Where to draw what should sit at ``point`` halfway through a push-in about ``origin``."""
    middle = 1 + ZOOM / 2
    return (
        origin[0] + (point[0] - origin[0]) / middle,
        origin[1] + (point[1] - origin[1]) / middle,
    )


def _room_for_push_in(area: Box, origin: tuple[float, float]) -> Box:
    """The part of ``area`` whose contents, pushed in about ``origin``, stay inside ``area``
    to the end and are centred in it halfway."""
    x, y = _before_push_in(area.centre, origin)
    width, height = area.w / (1 + ZOOM), area.h / (1 + ZOOM)
    return Box(x - width / 2, y - height / 2, width, height)


# --- the stills ---------------------------------------------------------------------


@dataclass(frozen=True)
class Layers:
    """The stills ffmpeg animates (see the module docstring); positions in frame pixels."""

    stage: Image.Image
    picture: Image.Image
    region: Box
    timecodes: Image.Image
    timecode_at: tuple[int, int]
    bar: Image.Image
    bar_y: int
    opening: Image.Image | None


@dataclass(frozen=True)
class _Card:
    """One image shown as a card: its pixels (or a remote host), a tag and a name."""

    tag: str
    label: str
    accent: RGB
    picture: Image.Image | None = None
    host: str | None = None

    @property
    def aspect(self) -> float:
        if self.picture is None:
            return 4 / 3
        return min(1.8, max(0.6, self.picture.width / self.picture.height))


def compose_layers(request: VideoRequest) -> Layers:
    """Draw every still the animatic of ``request`` needs."""
    width, height = frame_size(request.aspect_ratio, request.resolution)
    sheet = _Sheet(width, height, _Fonts())
    accent = MODE_ACCENTS[request.mode]
    backdrop = _backdrop((width, height), accent)
    stage = backdrop.copy()
    draw = ImageDraw.Draw(stage)
    cards = _cards(request)
    if cards:
        region = _draw_storyboard_text(draw, sheet, request, accent).snapped()
        picture = _picture(backdrop, region, partial(_draw_cards, cards=cards, sheet=sheet))
    else:
        region, centre = _place_title(sheet, request)
        draw_title = partial(_draw_title, sheet=sheet, request=request, centre=centre)
        picture = _picture(backdrop, region, draw_title)
    strip = _timecode_strip(sheet, request.duration)
    bar_y = _draw_footer(draw, sheet, request, strip.width - 2 * strip.inset)
    return Layers(
        stage=stage,
        picture=picture,
        region=region,
        timecodes=strip.image,
        timecode_at=(
            round(sheet.margin) - strip.inset,
            round(bar_y - TIMECODE_HEIGHT / 2 * sheet.unit - strip.height / 2),
        ),
        bar=Image.new("RGBA", (width, height - bar_y), (*accent, 255)),
        bar_y=bar_y,
        opening=_opening(request.start_image, sheet) if request.start_image else None,
    )


def _picture(
    backdrop: Image.Image, region: Box, draw_on: Callable[[Image.Image], None]
) -> Image.Image:
    """The backdrop under ``region`` at SUPERSAMPLE times the size, drawn on by ``draw_on``,
    transparent where nothing was drawn."""
    size = (round(region.w) * SUPERSAMPLE, round(region.h) * SUPERSAMPLE)
    plain = backdrop.crop(region.corners()).resize(size, Image.Resampling.BILINEAR)
    canvas = plain.copy()
    draw_on(canvas)
    return _with_content_mask(canvas, plain)


def _draw_cards(canvas: Image.Image, *, cards: list[_Card], sheet: _Sheet) -> None:
    """The cards, laid out so that the push-in keeps them inside ``canvas``."""
    fine = sheet.enlarged(SUPERSAMPLE)
    whole = Box(0, 0, canvas.width, canvas.height)
    room = _room_for_push_in(whole.inset(32 * fine.unit), (0, 0))
    boxes = _layout_cards([card.aspect for card in cards], room, fine)
    for card, box in zip(cards, boxes, strict=True):
        _draw_card(canvas, card, box, fine)


def _place_title(sheet: _Sheet, request: VideoRequest) -> tuple[Box, tuple[float, float]]:
    """The region the title card moves in, and where in it to centre the card (doubled).

    The card is measured first (drawn on a scratch canvas), so that it can be placed
    where the push-in carries it to the middle of the frame halfway through.
    """
    fine = sheet.enlarged(SUPERSAMPLE)
    centre = (fine.width / 2, fine.height / 2 - 30 * fine.unit)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    block = _draw_title_card(scratch, fine, request, MODE_ACCENTS[request.mode], centre)
    region = _title_region(block.scaled(1 / SUPERSAMPLE), sheet)
    big = region.scaled(SUPERSAMPLE)
    return region, _before_push_in((centre[0] - big.x, centre[1] - big.y), (0, 0))


def _title_region(block: Box, sheet: _Sheet) -> Box:
    """Room around the title for the push-in, inside the frame and above the footer."""
    grown = block.inset(-(sheet.margin / 2 + max(block.w, block.h) * ZOOM))
    left, top = max(0.0, grown.x), max(0.0, grown.y)
    right = min(float(sheet.width), grown.x + grown.w)
    bottom = min(sheet.height - 80 * sheet.unit, grown.y + grown.h)
    return Box(left, top, right - left, bottom - top).snapped()


def _draw_title(
    canvas: Image.Image, *, sheet: _Sheet, request: VideoRequest, centre: tuple[float, float]
) -> None:
    fine, accent = sheet.enlarged(SUPERSAMPLE), MODE_ACCENTS[request.mode]
    _draw_title_card(ImageDraw.Draw(canvas), fine, request, accent, centre)


def _with_content_mask(picture: Image.Image, plain: Image.Image) -> Image.Image:
    """``picture`` made transparent, with soft edges, where it is only the backdrop.

    The backdrop then stays still under the moving cards: nothing to re-encode there,
    and no blocky gradients. Found on an eighth-size copy, which also feathers it.
    """
    step = 8
    changed = ImageChops.difference(picture.reduce(step), plain.reduce(step)).convert("L")
    near = changed.point(lambda value: 255 if value > 1 else 0).filter(ImageFilter.MaxFilter(3))
    rgba = picture.convert("RGBA")
    rgba.putalpha(near.resize(picture.size, Image.Resampling.BILINEAR))
    return rgba


def _backdrop(size: tuple[int, int], accent: RGB) -> Image.Image:
    """A dark vertical gradient with a faint glow of the mode's accent.

    Dithered, because a gradient this subtle spans only a few levels and would
    otherwise show bands. The picture is drawn on this enlarged, so the two meet
    without a seam.
    """
    width, height = size
    down = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array(BACKGROUND_TOP, np.float32), np.array(BACKGROUND_BOTTOM, np.float32)
    across = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    distance = np.sqrt(across**2 + (down[:, :, 0] * 2 - 1) ** 2)
    glow = (np.clip(1 - distance / 1.5, 0, 1) ** 2 * 0.09)[:, :, None]
    colour = top + (bottom - top) * down
    colour = colour + (np.array(accent, np.float32) - colour) * glow
    noise = np.random.default_rng(7).random((height, width, 1), dtype=np.float32) - 0.5
    return Image.fromarray(np.clip(colour + noise, 0, 255).astype(np.uint8))


# --- text -------------------------------------------------------------------------


class _Fonts:
    """Pillow's bundled font at any size from 9 px up, loaded per render (faces are not
    thread-safe)."""

    def __init__(self) -> None:
        self._sizes: dict[int, ImageFont.FreeTypeFont] = {}

    def __call__(self, size: float) -> ImageFont.FreeTypeFont:
        pixels = max(9, round(size))
        if pixels not in self._sizes:
            font = ImageFont.load_default(size=pixels)
            if not isinstance(font, ImageFont.FreeTypeFont):
                raise MediaError("Pillow was built without FreeType; previews need it for text")
            self._sizes[pixels] = font
        return self._sizes[pixels]


@dataclass(frozen=True)
class _Sheet:
    """A canvas being designed: its size, its unit of measure and its fonts."""

    width: int
    height: int
    fonts: _Fonts

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

    def enlarged(self, factor: int) -> _Sheet:
        """The same design ``factor`` times larger."""
        return _Sheet(self.width * factor, self.height * factor, self.fonts)


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


def _accent(index: int) -> RGB:
    """The colour of image ``index`` (1-based), shared by its card and its tokens."""
    return ACCENTS[(index - 1) % len(ACCENTS)]


def _paragraphs(text: str, color: RGB) -> list[list[_Word]]:
    """Paragraphs of words, each word split into runs with ``<IMAGE_k>`` in its accent."""
    return [
        [
            tuple(
                _Run(part, _accent(int(part[7:-1])) if _TOKEN.fullmatch(part) else color)
                for part in _TOKEN.split(word)
                if part
            )
            for word in paragraph.split()
        ]
        for paragraph in printable(text).split("\n")
    ]


def _line_width(line: _Line, font: ImageFont.FreeTypeFont) -> float:
    words = sum(font.getlength(run.text) for word in line for run in word)
    return words + font.getlength(" ") * max(0, len(line) - 1)


def _wrap(paragraphs: list[list[_Word]], font: ImageFont.FreeTypeFont, width: float) -> list[_Line]:
    lines: list[_Line] = []
    for paragraph in paragraphs:
        line: _Line = []
        for word in paragraph:
            if line and _line_width([*line, word], font) > width:
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
    while len(kept[-1]) > 1 and _line_width([*kept[-1], ellipsis], font) > width:
        kept[-1].pop()
    kept[-1].append(ellipsis)
    return kept


def _fit_text(
    text: str, sheet: _Sheet, size: float, width: float, max_lines: int
) -> tuple[ImageFont.FreeTypeFont, list[_Line]]:
    """Wrap ``text``, shrinking the font down to 70 % before cutting lines off."""
    paragraphs = _paragraphs(text, TEXT)
    for scale in (1.0, 0.9, 0.8, 0.7):
        font = sheet.fonts(size * scale)
        lines = _wrap(paragraphs, font, width)
        if len(lines) <= max_lines:
            return font, lines
    return font, _truncate(lines, font, width, max_lines)


def _draw_lines(
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
        x = box.x + ((box.w - _line_width(line, font)) / 2 if centred else 0)
        y = box.y + number * font.size * LEADING
        for word in line:
            for run in word:
                draw.text((x, y), run.text, font=font, fill=run.color, anchor="la")
                x += font.getlength(run.text)
            x += space


def _ellipsized(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    text = printable(text)
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _tracked_width(text: str, font: ImageFont.FreeTypeFont, tracking: float) -> float:
    return font.getlength(text) + tracking * max(0, len(text) - 1)


def _draw_tracked(
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


def _draw_pill(
    draw: ImageDraw.ImageDraw,
    sheet: _Sheet,
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
    _draw_tracked(draw, (left + 14 * sheet.unit, at[1]), text, font, accent, tracking)
    return box


# --- the stage: label, mode, prompt, footer ----------------------------------------


def _draw_storyboard_text(
    draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, accent: RGB
) -> Box:
    """Header and prompt around the cards; return the area left for the cards."""
    unit, margin = sheet.unit, sheet.margin
    top = _draw_header(draw, sheet, request, accent) + 8 * unit
    width = sheet.width - 2 * margin
    prompt = request.prompt.strip() or "(no prompt: the clip continues from its start frame)"
    font, lines = _fit_text(prompt, sheet, 25 * unit, width, 8 if sheet.portrait else 4)
    prompt_top = sheet.height - margin - 70 * unit - len(lines) * font.size * LEADING
    heading_y = prompt_top - 16 * unit
    _draw_tracked(draw, (margin, heading_y), "PROMPT", sheet.fonts(12 * unit), TEXT_MUTED, 2 * unit)
    _draw_lines(draw, lines, font, Box(margin, prompt_top, width, 0))
    bottom = heading_y - 16 * unit
    return Box(margin / 2, top, sheet.width - margin, bottom - top)


def _draw_header(
    draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, accent: RGB
) -> float:
    """The scene's label on the left, its mode on the right; return the header's bottom."""
    unit, margin = sheet.unit, sheet.margin
    middle = margin + 16 * unit
    pill = _draw_pill(
        draw, sheet, MODE_NAMES[request.mode], accent, (sheet.width - margin, middle), "r"
    )
    font = sheet.fonts(30 * unit)
    label = _ellipsized(request.label or "untitled scene", font, pill.x - margin - 24 * unit)
    draw.text((margin, middle), label, font=font, fill=TEXT, anchor="lm")
    return middle + 16 * unit


def _draw_title_card(
    draw: ImageDraw.ImageDraw,
    sheet: _Sheet,
    request: VideoRequest,
    accent: RGB,
    centre: tuple[float, float],
) -> Box:
    """Text-only scenes: mode, label, a rule and the prompt around ``centre``; return their box."""
    unit, (x, middle) = sheet.unit, centre
    width = sheet.width - 2 * sheet.margin - (40 if sheet.portrait else 160) * unit
    font, lines = _fit_text(
        request.prompt.strip(), sheet, 32 * unit, width, 9 if sheet.portrait else 5
    )
    label_font = sheet.fonts(40 * unit)
    height = 98 * unit + label_font.size + len(lines) * font.size * LEADING
    top = middle - height / 2
    pill = _draw_pill(draw, sheet, MODE_NAMES[request.mode], accent, (x, top + 14 * unit), "m")
    y = top + 58 * unit
    label = _ellipsized(request.label or "untitled scene", label_font, width)
    draw.text((x, y), label, font=label_font, fill=TEXT, anchor="ma")
    y += label_font.size + 22 * unit
    draw.rectangle((x - 28 * unit, y, x + 28 * unit, y + 2 * unit), fill=accent)
    _draw_lines(draw, lines, font, Box(x - width / 2, y + 18 * unit, width, 0), centred=True)
    widest = max(
        [label_font.getlength(label), pill.w, *(_line_width(line, font) for line in lines)]
    )
    return Box(x - widest / 2, top, widest, height)


def _draw_footer(
    draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, timecode_width: int
) -> int:
    """The progress track along the bottom edge and the clip's facts; return the bar's top.

    The facts sit right of the timecode, on its middle line.
    """
    unit = sheet.unit
    bar_y = sheet.height - max(2, round(5 * unit) // 2 * 2)
    draw.rectangle((0, bar_y, sheet.width, sheet.height), fill=TRACK)
    facts = (
        f"{request.model}  ·  {request.aspect_ratio}  ·  {request.resolution}  ·  animatic preview"
    )
    font = sheet.fonts(15 * unit)
    right = sheet.width - sheet.margin
    text = _ellipsized(facts, font, right - sheet.margin - timecode_width - 30 * unit)
    draw.text(
        (right, bar_y - TIMECODE_HEIGHT / 2 * unit), text, font=font, fill=TEXT_MUTED, anchor="rm"
    )
    return bar_y


class _Strip(NamedTuple):
    """Timecode cells stacked top to bottom, one per frame."""

    image: Image.Image
    width: int
    height: int
    inset: int
    """Room left of the text for its shadow."""


def _timecode_strip(sheet: _Sheet, duration: int) -> _Strip:
    """A cell per frame reading ``00:03.12  /  00:06.00``, with a soft shadow that keeps
    it legible over a bright start image.

    Each character is drawn once and stamped into every cell with numpy: drawing
    the text of each frame would take longer than all the rest of the composition.
    """
    font = sheet.fonts(21 * sheet.unit)
    inset, height = round(6 * sheet.unit), round(font.size * 1.7) // 2 * 2
    labels = [_timecode(frame / FPS) for frame in range(duration * FPS)]
    starts = [inset + round(font.getlength(labels[0][:i])) for i in range(len(labels[0]) + 1)]
    total = f"  /  {_timecode(duration)}"
    width = starts[-1] + round(font.getlength(total)) + inset + 2
    alpha = np.zeros((len(labels), height, width), np.uint8)
    tile = max(b - a for a, b in itertools.pairwise(starts)) + 4
    for position, left in enumerate(starts[:-1]):
        masks = {
            char: _text_mask(char, font, (tile, height))
            for char in {lab[position] for lab in labels}
        }
        stamps = np.stack([masks[label[position]] for label in labels])
        cells = alpha[:, :, left : left + tile]
        np.maximum(cells, stamps[:, :, : cells.shape[2]], out=cells)
    alpha[:, :, starts[-1] :] = _text_mask(total, font, (width - starts[-1], height))
    colours = np.array([TEXT if x < starts[-1] else TEXT_MUTED for x in range(width)], np.uint8)
    pixels = np.empty((*alpha.shape, 4), np.uint8)
    pixels[..., :3], pixels[..., 3] = colours, alpha
    text = Image.fromarray(pixels.reshape(-1, width, 4))
    shadow = Image.new("RGBA", text.size, (0, 0, 0, 0))
    blurred = text.getchannel("A").filter(ImageFilter.GaussianBlur(3 * sheet.unit))
    shadow.putalpha(blurred.point(lambda value: value * 3 // 4))
    return _Strip(Image.alpha_composite(shadow, text), width, height, inset)


def _text_mask(text: str, font: ImageFont.FreeTypeFont, size: tuple[int, int]) -> np.ndarray:
    """The coverage of ``text`` drawn left-middle on a ``size`` tile."""
    tile = Image.new("L", size, 0)
    ImageDraw.Draw(tile).text((0, size[1] / 2), text, font=font, fill=255, anchor="lm")
    return np.asarray(tile)


def _timecode(seconds: float) -> str:
    hundredths = round(seconds * 100)
    return f"{hundredths // 6000:02d}:{hundredths // 100 % 60:02d}.{hundredths % 100:02d}"


# --- the picture: cards -------------------------------------------------------------


def _cards(request: VideoRequest) -> list[_Card]:
    if request.start_image is not None:
        return [_card(request.start_image, "START FRAME", ACCENTS[1])]
    return [
        _card(image, f"IMAGE_{index}", _accent(index))
        for index, image in enumerate(request.references, start=1)
    ]


def _card(image: ImageInput, tag: str, accent: RGB) -> _Card:
    url = image.url or ""
    if image.path is None and not url.startswith("data:"):
        return _Card(tag, image.label, accent, host=urlparse(url).hostname or "remote image")
    return _Card(tag, image.label, accent, picture=_load_image(image))


def _load_image(image: ImageInput) -> Image.Image:
    """The pixels of a local or ``data:`` image, upright, in RGB."""
    try:
        if image.path is not None:
            with Image.open(image.path) as opened:
                return _upright_rgb(opened)
        header, _, payload = (image.url or "").partition(",")
        data = (
            base64.b64decode(payload) if header.endswith(";base64") else unquote_to_bytes(payload)
        )
        with Image.open(BytesIO(data)) as opened:
            return _upright_rgb(opened)
    except (OSError, ValueError) as error:
        raise MediaError(
            f"cannot read the image of {image.label or 'a reference'}: {error}"
        ) from error


def _upright_rgb(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", upright.size, PLACEHOLDER_FILL)
        flat.paste(rgba, mask=rgba)
        return flat
    return upright.convert("RGB")


def _layout_cards(aspects: Sequence[float], area: Box, sheet: _Sheet) -> list[Box]:
    """Cards in up to three rows of equal height, as large as fits in ``area``, centred."""
    gap, caption = 22 * sheet.unit, 58 * sheet.unit
    best: tuple[float, list[list[float]]] = (0.0, [list(aspects)])
    for rows in range(1, min(3, len(aspects)) + 1):
        for cuts in itertools.combinations(range(1, len(aspects)), rows - 1):
            groups = [list(aspects[a:b]) for a, b in itertools.pairwise((0, *cuts, len(aspects)))]
            by_height = (area.h - gap * (rows - 1)) / rows - caption
            by_width = min((area.w - gap * (len(group) - 1)) / sum(group) for group in groups)
            if min(by_height, by_width) > best[0] * 1.05:
                best = (min(by_height, by_width), groups)
    height, groups = max(best[0], 1.0), best[1]
    boxes = []
    y = area.y + (area.h - len(groups) * (height + caption) - gap * (len(groups) - 1)) / 2
    for group in groups:
        x = area.x + (area.w - sum(group) * height - gap * (len(group) - 1)) / 2
        for aspect in group:
            boxes.append(Box(x, y, aspect * height, height))
            x += aspect * height + gap
        y += height + caption + gap
    return boxes


def _draw_card(canvas: Image.Image, card: _Card, box: Box, sheet: _Sheet) -> None:
    """A card with a soft shadow and a thin accent edge, its tag and name beneath."""
    unit = sheet.unit
    left, top, right, bottom = box.corners()
    radius = round(12 * unit)
    _drop_shadow(canvas, box, radius, unit)
    picture = _card_picture(card, (right - left, bottom - top), sheet)
    mask = Image.new("L", picture.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, *picture.size), radius=radius, fill=255)
    canvas.paste(picture, (left, top), mask)
    draw = ImageDraw.Draw(canvas)
    edge = max(1, round(unit))
    draw.rounded_rectangle(
        (left, top, right - 1, bottom - 1), radius=radius, outline=card.accent, width=edge
    )
    tag_y = bottom + 18 * unit
    _draw_tracked(draw, (left, tag_y), card.tag, sheet.fonts(13 * unit), card.accent, 1.6 * unit)
    name_font = sheet.fonts(19 * unit)
    name = _ellipsized(card.label, name_font, right - left)
    draw.text((left, tag_y + 24 * unit), name, font=name_font, fill=TEXT, anchor="lm")


def _drop_shadow(canvas: Image.Image, box: Box, radius: int, unit: float) -> None:
    """A soft shadow under ``box``, blurred at a quarter size (it is all blur anyway)."""
    blur, drop, quarter = 10 * unit, round(6 * unit), 4
    left, top, right, bottom = box.corners()
    pad = round(blur * 3)
    size = (right - left + 2 * pad, bottom - top + 2 * pad)
    small = Image.new("L", (size[0] // quarter, size[1] // quarter), 0)
    inner = (
        pad // quarter,
        pad // quarter,
        (pad + right - left) // quarter,
        (pad + bottom - top) // quarter,
    )
    ImageDraw.Draw(small).rounded_rectangle(inner, radius=radius // quarter, fill=140)
    shadow = small.filter(ImageFilter.GaussianBlur(blur / quarter)).resize(
        size, Image.Resampling.BILINEAR
    )
    canvas.paste((0, 0, 0), (left - pad, top - pad + drop), shadow)


def _card_picture(card: _Card, size: tuple[int, int], sheet: _Sheet) -> Image.Image:
    if card.picture is None:
        return _placeholder(size, card.host or "", sheet)
    return ImageOps.fit(card.picture, size, Image.Resampling.LANCZOS)


def _placeholder(size: tuple[int, int], host: str, sheet: _Sheet) -> Image.Image:
    """A stand-in for an image the preview does not download: a picture icon and the host."""
    width, height = size
    card = Image.new("RGB", size, PLACEHOLDER_FILL)
    draw = ImageDraw.Draw(card)
    r = min(width, height) * 0.22
    cx, cy = width / 2, height * 0.42

    def at(dx: float, dy: float) -> tuple[float, float]:
        return cx + dx * r, cy + dy * r

    line = max(1, round(2 * sheet.unit))
    draw.rounded_rectangle(
        (*at(-1, -0.75), *at(1, 0.75)), radius=r * 0.12, outline=TEXT_MUTED, width=line
    )
    hills = [at(-0.8, 0.6), at(-0.2, -0.1), at(0.2, 0.3), at(0.45, 0.05), at(0.8, 0.6)]
    draw.polygon(hills, fill=TEXT_MUTED)
    draw.ellipse((*at(0.14, -0.51), *at(0.46, -0.19)), fill=TEXT_MUTED)
    font = sheet.fonts(max(8.0, min(22 * sheet.unit, width / 14)))
    text_y = cy + r + font.size
    draw.text(
        (cx, text_y), _ellipsized(host, font, width * 0.9), font=font, fill=TEXT_SOFT, anchor="mm"
    )
    small = sheet.fonts(font.size * 0.7)
    draw.text(
        (cx, text_y + font.size * 1.3), "remote image", font=small, fill=TEXT_MUTED, anchor="mm"
    )
    return card


def _opening(start: ImageInput, sheet: _Sheet) -> Image.Image:
    """The start image filling the frame (on a blurred fill when its shape differs)."""
    size = (sheet.width, sheet.height)
    card = _card(start, "", ACCENTS[1])
    if card.picture is None:
        return _placeholder(size, card.host or "", sheet)
    small = ImageOps.fit(card.picture, (max(1, size[0] // 16), max(1, size[1] // 16)))
    still = small.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BILINEAR)
    still = Image.blend(still, Image.new("RGB", size, BACKGROUND_TOP), 0.45)
    fitted = ImageOps.contain(card.picture, size, Image.Resampling.LANCZOS)
    still.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return still


# --- ffmpeg -------------------------------------------------------------------------


class _Opening(NamedTuple):
    """Image-to-video: how many frames hold the start image, then fade it away."""

    hold: int
    fade: int


def _opening_frames(duration: int) -> _Opening:
    frames = duration * FPS
    return _Opening(hold=min(FPS, frames // 3), fade=min(FPS // 2, frames // 4))


def _raw_input(image: Image.Image, path: Path) -> list[str]:
    """Write ``image`` as raw pixels (far quicker than PNG both ways) and name it as an input."""
    path.write_bytes(image.tobytes())
    pixel_format = "rgba" if image.mode == "RGBA" else "rgb24"
    size = f"{image.width}x{image.height}"
    return [
        "-f", "rawvideo", "-pix_fmt", pixel_format, "-video_size", size,
        "-framerate", str(FPS), "-i", os.fspath(path),
    ]  # fmt: skip


def _to_yuv(alpha: bool = False) -> str:
    """Convert RGB(A) stills with the BT.709 matrix the output is tagged with."""
    return f"scale=out_color_matrix=bt709:out_range=tv,format={'yuva420p' if alpha else 'yuv420p'}"


def _hold(frames: int) -> str:
    """Repeat a single still ``frames`` times at the film's rate."""
    return f"loop=loop={frames - 1}:size=1,setpts=N/{FPS}/TB"


def _push_in(frames: int, region: Box) -> str:
    """A ``zoompan`` easing from 1 to ``1 + ZOOM`` about the picture's top-left corner.

    ``zoompan`` crops whole pixels (pairs of them across, in 4:2:0), so a push-in
    about any other point wobbles by a pixel; about the corner the crop never
    moves and only its size changes, which on the doubled picture is half a pixel
    at most, always forwards. Layouts allow for the drift this brings.
    """
    ease = f"(0.5-0.5*cos(PI*on/{max(1, frames - 1)}))"
    size = f"{round(region.w)}x{round(region.h)}"
    return f"zoompan=z='1+{ZOOM}*{ease}':x=0:y=0:d={frames}:s={size}:fps={FPS}"


def _filter_graph(request: VideoRequest, layers: Layers) -> str:
    """Inputs: 0 stage, 1 picture, 2 timecodes, 3 bar, 4 opening (image-to-video only)."""
    frames = request.duration * FPS
    region = layers.region
    cell_w, cell_h = layers.timecodes.width, layers.timecodes.height // frames
    moving = "[staged]" if layers.opening else "[scene]"
    steps = [
        f"[0:v]{_to_yuv()},{_hold(frames)}[stage]",
        f"[1:v]{_to_yuv(alpha=True)},{_push_in(frames, region)}[picture]",
        f"[stage][picture]overlay={round(region.x)}:{round(region.y)}{moving}",
        f"[2:v]{_hold(frames)},crop={cell_w}:{cell_h}:0:'n*{cell_h}',{_to_yuv(alpha=True)}[timecode]",
        f"[3:v]{_to_yuv(alpha=True)}[bar]",
    ]
    if layers.opening:
        hold, fade = _opening_frames(request.duration)
        steps += [
            f"[4:v]{_to_yuv(alpha=True)},{_hold(hold + fade)},"
            f"fade=t=out:st={hold / FPS}:d={fade / FPS}:alpha=1[opening]",
            "[staged][opening]overlay=0:0:eof_action=pass[scene]",
        ]
    x, y = layers.timecode_at
    steps += [
        f"[scene][timecode]overlay={x}:{y}[timed]",
        f"[timed][bar]overlay=x='-w+W*(t*{FPS}+1)/{frames}':y={layers.bar_y},format=yuv420p[video]",
    ]
    return ";".join(steps)


def _ffmpeg_args(request: VideoRequest, layers: Layers, scratch: Path, output: Path) -> list[str]:
    """The whole render as one ffmpeg command; the stills are written to ``scratch``.

    x264's ``ultrafast`` looks the same as slower presets on these mostly still
    pictures at this quality once two of its savings are undone: deblocking, and
    adaptive quantisation biased to dark scenes, without which the dark backdrop
    turns to blocks. The files are larger (one or two MB for six seconds), which a
    preview can afford; the preset is what keeps a render several times faster
    than real time.
    """
    stills = [layers.stage, layers.picture, layers.timecodes, layers.bar]
    if layers.opening:
        stills.append(layers.opening)
    inputs = [
        arg for n, still in enumerate(stills) for arg in _raw_input(still, scratch / f"{n}.raw")
    ]
    return [
        *inputs,
        "-f", "lavfi", "-t", str(request.duration), "-i", "anullsrc=r=48000:cl=stereo",
        "-filter_complex_threads", "1",
        "-filter_complex", _filter_graph(request, layers),
        "-map", "[video]", "-map", f"{len(stills)}:a",
        "-frames:v", str(request.duration * FPS), "-r", str(FPS),
        "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "deblock=0,0:aq-mode=3",
        "-crf", "20", "-threads", "2",
        "-g", str(2 * FPS),
        "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
        "-color_trc", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-movflags", "+faststart", "-f", "mp4", os.fspath(output),
    ]  # fmt: skip


def _demo(output: Path) -> None:
    """Render an example: a prompt and two remote references (drawn as placeholders)."""
    request = VideoRequest(
        mode="reference",
        model="grok-imagine-video",
        prompt="<IMAGE_1> pours tea for <IMAGE_2> as the rain starts; steam curls past the window.",
        duration=4,
        aspect_ratio="16:9",
        resolution="720p",
        references=(
            ImageInput(sha256="0" * 64, label="eileen", url="https://example.com/eileen.png"),
            ImageInput(sha256="1" * 64, label="chelsea", url="https://example.com/chelsea.png"),
        ),
        label="kitchen",
    )
    render_animatic(request, output)
    print(output)


if __name__ == "__main__":
    _demo(Path(sys.argv[1] if len(sys.argv) > 1 else "animatic-demo.mp4"))
