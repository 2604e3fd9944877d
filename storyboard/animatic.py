"""Animatics: an offline stand-in for a generated clip, drawn from a request.

An animatic shows what a scene asks for and how long it lasts: its reference
images as captioned cards (``IMAGE_n`` and the asset's name), the compiled
prompt with its ``<IMAGE_k>`` tokens in the colour of their cards, the scene's
label and mode, a running timecode and a progress bar. Image-to-video scenes
open full-frame on their start image, as the generated clip would; text-only
scenes get a title card.

Pillow composes a few stills once; ffmpeg does the per-frame work:

* the *picture* (background and cards, drawn at twice the frame size so the
  slow push-in moves in half pixels) goes through ``zoompan``;
* the *HUD* (label, mode, prompt) is a still overlay, so text stays crisp;
* the timecode is a strip of pre-drawn cells that ``crop`` steps through;
* the progress bar is a still that ``overlay`` slides in.

The same request always gives the same bytes: no clock, fixed thread counts,
bit-exact muxing.
"""

from __future__ import annotations

import base64
import itertools
import os
import re
import sys
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote_to_bytes, urlparse

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from .errors import MediaError
from .limits import frame_size
from .media import run_ffmpeg
from .providers.base import ImageInput, Mode, VideoRequest

__all__ = ["FPS", "ProgressCallback", "render_animatic"]

FPS = 24
SUPERSAMPLE = 2
"""The picture is drawn this many times larger than the frame, for smooth zooms."""
ZOOM = 0.05
"""How far the camera pushes in over a scene (5 %)."""

ProgressCallback = Callable[[int], None]
RGB = tuple[int, int, int]

BACKGROUND_TOP: RGB = (16, 19, 24)
BACKGROUND_BOTTOM: RGB = (25, 29, 37)
CARD_FILL: RGB = (11, 13, 17)
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

_TOKEN = re.compile(r"(<IMAGE_\d+>)")
_GLYPHS = frozenset(map(chr, range(32, 127))) | frozenset("©«°±´·»‘’“”…‹›⁄")
"""The characters Pillow's bundled font (a cut of Aileron) can draw."""
_SUBSTITUTES = str.maketrans({"—": "-", "–": "-", "‐": "-", "‑": "-", "→": "->", "\t": " "})


class Box(NamedTuple):
    """A rectangle in frame pixels."""

    x: float
    y: float
    w: float
    h: float

    def scaled(self, factor: float) -> tuple[int, int, int, int]:
        """Integer (left, top, right, bottom) at ``factor`` times the frame size."""
        return (
            round(self.x * factor),
            round(self.y * factor),
            round((self.x + self.w) * factor),
            round((self.y + self.h) * factor),
        )


@dataclass(frozen=True)
class Card:
    """One image shown as a card: a picture (or a remote host), a tag and a name."""

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


@dataclass(frozen=True)
class Layers:
    """The stills ffmpeg animates; see the module docstring."""

    picture: Image.Image
    focus: tuple[float, float]
    hud: Image.Image
    timecodes: Image.Image
    timecode_at: tuple[int, int]
    bar: Image.Image
    bar_y: int
    opening: Image.Image | None


def render_animatic(
    request: VideoRequest, output: Path, *, on_progress: ProgressCallback | None = None
) -> None:
    """Render ``request`` as an animatic MP4 at ``output``, whole or not at all."""
    report = on_progress or (lambda percent: None)
    layers = compose_layers(request)
    report(30)
    temporary = output.with_name(f".{output.name}.{uuid.uuid4().hex}.part")
    try:
        with tempfile.TemporaryDirectory(prefix="storyboard-animatic-") as scratch:
            inputs = _save_layers(layers, Path(scratch))
            run_ffmpeg(
                _ffmpeg_args(request, layers, inputs, temporary),
                what=f"render the animatic of {request.label or 'a scene'}",
            )
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
    report(100)


def compose_layers(request: VideoRequest) -> Layers:
    """Draw every still the animatic of ``request`` needs."""
    width, height = frame_size(request.aspect_ratio, request.resolution)
    sheet = _Sheet(width, height, _Fonts())
    cards = _cards(request)
    accent = MODE_ACCENTS[request.mode]
    picture = _background(width * SUPERSAMPLE, height * SUPERSAMPLE, accent)
    hud = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(hud)
    if cards:
        area = _draw_storyboard_text(draw, sheet, request, accent)
        boxes = _layout_cards([card.aspect for card in cards], area, sheet)
        for card, box in zip(cards, boxes, strict=True):
            _draw_card(picture, card, box, sheet)
        focus = _centre(boxes)
    else:
        _draw_title_card(draw, sheet, request, accent)
        focus = (width / 2, height / 2)
    timecodes, cell = _timecode_strip(sheet, request.duration)
    bar_y = _draw_footer(draw, sheet, request, cell)
    return Layers(
        picture=picture,
        focus=focus,
        hud=hud,
        timecodes=timecodes,
        timecode_at=(round(sheet.margin), round(bar_y - sheet.unit * 14 - cell[1])),
        bar=Image.new("RGBA", (width, height - bar_y), (*accent, 255)),
        bar_y=bar_y,
        opening=_opening(request.start_image, sheet) if request.start_image else None,
    )


# --- text -------------------------------------------------------------------------


class _Fonts:
    """Pillow's bundled font at any size, loaded per render (faces are not thread-safe)."""

    def __init__(self) -> None:
        self._sizes: dict[int, ImageFont.FreeTypeFont] = {}

    def __call__(self, size: float) -> ImageFont.FreeTypeFont:
        pixels = max(6, round(size))
        if pixels not in self._sizes:
            font = ImageFont.load_default(size=pixels)
            if not isinstance(font, ImageFont.FreeTypeFont):
                raise MediaError("Pillow was built without FreeType; previews need it for text")
            self._sizes[pixels] = font
        return self._sizes[pixels]


@dataclass(frozen=True)
class _Sheet:
    """The frame being designed: its size, its unit of measure and its fonts."""

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


def _words(text: str, color: RGB) -> list[list[_Word]]:
    """Paragraphs of words, each word split into runs with ``<IMAGE_k>`` in its accent."""
    paragraphs = []
    for paragraph in printable(text).split("\n"):
        words = []
        for word in paragraph.split():
            runs = [
                _Run(part, _accent(int(part[7:-1])) if _TOKEN.fullmatch(part) else color)
                for part in _TOKEN.split(word)
                if part
            ]
            words.append(tuple(runs))
        paragraphs.append(words)
    return paragraphs


def _word_width(word: _Word, font: ImageFont.FreeTypeFont) -> float:
    return sum(font.getlength(run.text) for run in word)


def _line_width(line: _Line, font: ImageFont.FreeTypeFont) -> float:
    space = font.getlength(" ")
    return sum(_word_width(word, font) for word in line) + space * max(0, len(line) - 1)


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


def _truncate(lines: list[_Line], font: ImageFont.FreeTypeFont, width: float, limit: int) -> list[_Line]:
    """At most ``limit`` lines, the last ending in an ellipsis when text was cut."""
    if len(lines) <= limit:
        return lines
    kept = [list(line) for line in lines[:limit]]
    ellipsis = _Run("…", TEXT_MUTED)
    while len(kept[-1]) > 1 and _line_width([*kept[-1], (ellipsis,)], font) > width:
        kept[-1].pop()
    kept[-1].append((ellipsis,))
    return kept


def _fit_text(
    text: str, sheet: _Sheet, size: float, width: float, max_lines: int, color: RGB = TEXT
) -> tuple[ImageFont.FreeTypeFont, list[_Line]]:
    """Wrap ``text``, shrinking the font down to 70 % before cutting lines off."""
    paragraphs = _words(text, color)
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
) -> float:
    """Draw wrapped lines from the top of ``box``; return the y below the last."""
    leading = font.size * 1.42
    space = font.getlength(" ")
    y = box.y
    for line in lines:
        x = box.x + ((box.w - _line_width(line, font)) / 2 if centred else 0)
        for word in line:
            for run in word:
                draw.text((x, y), run.text, font=font, fill=run.color, anchor="la")
                x += font.getlength(run.text)
            x += space
        y += leading
    return y


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
    """Letter-spaced capitals, for tags and small headings."""
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=font, fill=fill, anchor="lm")
        x += font.getlength(char) + tracking


def _draw_pill(
    draw: ImageDraw.ImageDraw, sheet: _Sheet, text: str, accent: RGB, at: tuple[float, float], anchor: str
) -> Box:
    """A rounded tag; ``anchor`` is ``"r"`` (``at`` is its right-middle) or ``"m"`` (centre)."""
    font, tracking = sheet.fonts(13 * sheet.unit), 1.6 * sheet.unit
    width = _tracked_width(text, font, tracking) + 28 * sheet.unit
    height = 28 * sheet.unit
    left = at[0] - width if anchor == "r" else at[0] - width / 2
    box = Box(left, at[1] - height / 2, width, height)
    tint = tuple(round(c * 0.16 + b * 0.84) for c, b in zip(accent, BACKGROUND_TOP, strict=True))
    draw.rounded_rectangle(box.scaled(1), radius=height / 2, fill=(*tint, 255), outline=(*accent, 150))
    _draw_tracked(draw, (left + 14 * sheet.unit, at[1]), text, font, accent, tracking)
    return box


# --- the picture --------------------------------------------------------------------


def _background(width: int, height: int, accent: RGB) -> Image.Image:
    """A dark vertical gradient with a faint glow of the mode's accent."""
    gradient = Image.linear_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    picture = ImageOps.colorize(gradient, BACKGROUND_TOP, BACKGROUND_BOTTOM)
    glow = Image.radial_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    glow = glow.point(lambda value: max(0, 255 - value * 2) * 22 // 255)
    return Image.composite(Image.new("RGB", (width, height), accent), picture, glow)


def _cards(request: VideoRequest) -> list[Card]:
    if request.start_image is not None:
        image = request.start_image
        return [_card(image, "START FRAME", ACCENTS[1])]
    return [
        _card(image, f"IMAGE_{index}", _accent(index))
        for index, image in enumerate(request.references, start=1)
    ]


def _card(image: ImageInput, tag: str, accent: RGB) -> Card:
    url = image.url or ""
    if image.path is None and not url.startswith("data:"):
        return Card(tag, image.label, accent, host=urlparse(url).hostname or "remote image")
    return Card(tag, image.label, accent, picture=load_image(image))


def load_image(image: ImageInput) -> Image.Image:
    """The pixels of a local or ``data:`` image, upright and in RGB."""
    try:
        if image.path is not None:
            with Image.open(image.path) as opened:
                return _upright_rgb(opened)
        header, _, payload = (image.url or "").partition(",")
        data = base64.b64decode(payload) if header.endswith(";base64") else unquote_to_bytes(payload)
        with Image.open(BytesIO(data)) as opened:
            return _upright_rgb(opened)
    except (OSError, ValueError) as error:
        raise MediaError(f"cannot read the image of {image.label or 'a reference'}: {error}") from error


def _upright_rgb(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        flat = Image.new("RGB", upright.size, CARD_FILL)
        flat.paste(upright.convert("RGBA"), mask=upright.convert("RGBA"))
        return flat
    return upright.convert("RGB")


def _layout_cards(aspects: Sequence[float], area: Box, sheet: _Sheet) -> list[Box]:
    """Cards in rows of equal height, as large as fits in ``area``, centred."""
    gap, caption = 22 * sheet.unit, 58 * sheet.unit
    best: tuple[float, list[list[float]]] | None = None
    for rows in range(1, min(3, len(aspects)) + 1):
        for cuts in itertools.combinations(range(1, len(aspects)), rows - 1):
            groups = [list(aspects[a:b]) for a, b in itertools.pairwise((0, *cuts, len(aspects)))]
            by_height = (area.h - gap * (rows - 1)) / rows - caption
            by_width = min((area.w - gap * (len(group) - 1)) / sum(group) for group in groups)
            height = min(by_height, by_width)
            if best is None or height > best[0] * 1.05:
                best = (height, groups)
    assert best is not None
    height, groups = best
    boxes = []
    y = area.y + (area.h - len(groups) * (height + caption) - gap * (len(groups) - 1)) / 2
    for group in groups:
        x = area.x + (area.w - sum(group) * height - gap * (len(group) - 1)) / 2
        for aspect in group:
            boxes.append(Box(x, y, aspect * height, height))
            x += aspect * height + gap
        y += height + caption + gap
    return boxes


def _centre(boxes: Sequence[Box]) -> tuple[float, float]:
    left, top = min(b.x for b in boxes), min(b.y for b in boxes)
    right, bottom = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    return (left + right) / 2, (top + bottom) / 2


def _draw_card(canvas: Image.Image, card: Card, box: Box, sheet: _Sheet) -> None:
    """A card with a soft shadow, its picture, and its tag and name beneath."""
    k = SUPERSAMPLE
    left, top, right, bottom = box.scaled(k)
    radius = round(12 * sheet.unit * k)
    _drop_shadow(canvas, (left, top, right, bottom), radius, sheet.unit * k)
    picture = _card_picture(card, (right - left, bottom - top), sheet, k)
    mask = Image.new("L", picture.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, *picture.size), radius=radius, fill=255)
    canvas.paste(picture, (left, top), mask)
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle(
        (left, top, right - 1, bottom - 1), radius=radius, outline=card.accent, width=round(k * sheet.unit)
    )
    tag_font = sheet.fonts(13 * sheet.unit * k)
    tag_y = bottom + 18 * sheet.unit * k
    _draw_tracked(draw, (left, tag_y), card.tag, tag_font, card.accent, 1.6 * sheet.unit * k)
    name_font = sheet.fonts(19 * sheet.unit * k)
    name = _ellipsized(card.label, name_font, right - left)
    draw.text((left, tag_y + 24 * sheet.unit * k), name, font=name_font, fill=TEXT, anchor="lm")


def _drop_shadow(canvas: Image.Image, box: tuple[int, int, int, int], radius: int, unit: float) -> None:
    blur, drop = round(14 * unit), round(8 * unit)
    left, top, right, bottom = box
    pad = blur * 3
    shadow = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (pad, pad, pad + right - left, pad + bottom - top), radius=radius, fill=150
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(blur))
    canvas.paste((0, 0, 0), (left - pad, top - pad + drop), shadow)


def _card_picture(card: Card, size: tuple[int, int], sheet: _Sheet, scale: float) -> Image.Image:
    if card.picture is None:
        return _placeholder(size, card.host or "", sheet, scale)
    return ImageOps.fit(card.picture, size, Image.Resampling.LANCZOS)


def _placeholder(size: tuple[int, int], host: str, sheet: _Sheet, scale: float) -> Image.Image:
    """A neat stand-in for an image the preview does not download: an icon and the host."""
    width, height = size
    card = Image.new("RGB", size, (28, 32, 40))
    draw = ImageDraw.Draw(card)
    icon = min(width, height) * 0.22
    cx, cy = width / 2, height * 0.42
    frame = (cx - icon, cy - icon * 0.75, cx + icon, cy + icon * 0.75)
    line = max(1, round(2 * sheet.unit * scale))
    draw.rounded_rectangle(frame, radius=icon * 0.12, outline=TEXT_MUTED, width=line)
    draw.polygon(
        [(cx - icon * 0.8, cy + icon * 0.6), (cx - icon * 0.2, cy - icon * 0.1), (cx + icon * 0.2, cy + icon * 0.3),
         (cx + icon * 0.45, cy + icon * 0.05), (cx + icon * 0.8, cy + icon * 0.6)],
        fill=TEXT_MUTED,
    )
    sun = icon * 0.16
    draw.ellipse((cx + icon * 0.3 - sun, cy - icon * 0.35 - sun, cx + icon * 0.3 + sun, cy - icon * 0.35 + sun), fill=TEXT_MUTED)
    font = sheet.fonts(max(8.0, min(22 * sheet.unit * scale, width / 14)))
    text_y = cy + icon + font.size
    draw.text((cx, text_y), _ellipsized(host, font, width * 0.9), font=font, fill=TEXT_SOFT, anchor="mm")
    small = sheet.fonts(font.size * 0.7)
    draw.text((cx, text_y + font.size * 1.3), "remote image", font=small, fill=TEXT_MUTED, anchor="mm")
    return card


def _opening(start: ImageInput, sheet: _Sheet) -> Image.Image:
    """The start image full-frame (on a blurred fill when its shape differs)."""
    size = (sheet.width * SUPERSAMPLE, sheet.height * SUPERSAMPLE)
    card = _card(start, "", ACCENTS[1])
    if card.picture is None:
        return _placeholder(size, card.host or "", sheet, SUPERSAMPLE)
    small = ImageOps.fit(card.picture, (max(1, size[0] // 16), max(1, size[1] // 16)))
    still = small.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BILINEAR)
    still = Image.blend(still, Image.new("RGB", size, BACKGROUND_TOP), 0.45)
    fitted = ImageOps.contain(card.picture, size, Image.Resampling.LANCZOS)
    still.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return still


# --- the HUD ------------------------------------------------------------------------


def _draw_storyboard_text(
    draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, accent: RGB
) -> Box:
    """Header and prompt around the cards; return the area left for the cards."""
    unit, margin = sheet.unit, sheet.margin
    top = _draw_header(draw, sheet, request, accent)
    width = sheet.width - 2 * margin
    prompt = request.prompt.strip() or "(no prompt: the clip continues from its start frame)"
    font, lines = _fit_text(prompt, sheet, 25 * unit, width, 8 if sheet.portrait else 4)
    block = len(lines) * font.size * 1.42
    bottom = sheet.height - margin - 70 * unit
    prompt_top = bottom - block
    _draw_tracked(draw, (margin, prompt_top - 16 * unit), "PROMPT", sheet.fonts(12 * unit), TEXT_MUTED, 2 * unit)
    _draw_lines(draw, lines, font, Box(margin, prompt_top, width, block))
    return Box(margin, top + 26 * unit, width, prompt_top - 44 * unit - top - 26 * unit)


def _draw_header(draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, accent: RGB) -> float:
    """The scene's label on the left, its mode on the right; return the header's bottom."""
    unit, margin = sheet.unit, sheet.margin
    middle = margin + 16 * unit
    pill = _draw_pill(draw, sheet, MODE_NAMES[request.mode], accent, (sheet.width - margin, middle), "r")
    font = sheet.fonts(30 * unit)
    label = _ellipsized(request.label or "untitled scene", font, pill.x - margin - 24 * unit)
    draw.text((margin, middle), label, font=font, fill=TEXT, anchor="lm")
    return middle + 16 * unit


def _draw_title_card(draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, accent: RGB) -> None:
    """Text-only scenes: mode, label, a rule and the prompt, centred."""
    unit = sheet.unit
    width = sheet.width - 2 * sheet.margin - (0 if sheet.portrait else 160 * unit)
    font, lines = _fit_text(request.prompt.strip(), sheet, 32 * unit, width, 9 if sheet.portrait else 5)
    label_font = sheet.fonts(40 * unit)
    block = 28 * unit + 30 * unit + label_font.size + 50 * unit + len(lines) * font.size * 1.42
    y = (sheet.height - block) / 2 - 20 * unit
    centre = sheet.width / 2
    _draw_pill(draw, sheet, MODE_NAMES[request.mode], accent, (centre, y + 14 * unit), "m")
    y += 28 * unit + 30 * unit
    label = _ellipsized(request.label or "untitled scene", label_font, width)
    draw.text((centre, y), label, font=label_font, fill=TEXT, anchor="ma")
    y += label_font.size + 24 * unit
    draw.rectangle((centre - 28 * unit, y, centre + 28 * unit, y + 2 * unit), fill=accent)
    _draw_lines(draw, lines, font, Box(sheet.margin, y + 26 * unit, sheet.width - 2 * sheet.margin, 0), centred=True)


def _draw_footer(draw: ImageDraw.ImageDraw, sheet: _Sheet, request: VideoRequest, cell: tuple[int, int]) -> int:
    """The progress track along the bottom edge and the clip's facts; return the bar's top."""
    unit = sheet.unit
    bar_y = sheet.height - max(2, round(5 * unit))
    draw.rectangle((0, bar_y, sheet.width, sheet.height), fill=TRACK)
    facts = f"{request.model}  ·  {request.aspect_ratio}  ·  {request.resolution}  ·  animatic preview"
    font = sheet.fonts(15 * unit)
    y = bar_y - 14 * unit - cell[1] / 2
    right = sheet.width - sheet.margin
    text = _ellipsized(facts, font, right - sheet.margin - cell[0] - 30 * unit)
    draw.text((right, y), text, font=font, fill=TEXT_MUTED, anchor="rm")
    return bar_y


def _timecode_strip(sheet: _Sheet, duration: int) -> tuple[Image.Image, tuple[int, int]]:
    """One cell per frame, top to bottom: ``00:03.12 / 00:06.00``; and the cell size."""
    font = sheet.fonts(21 * sheet.unit)
    total = f"  /  {_timecode(duration)}"
    sample = _timecode(0.0)
    width = round(font.getlength(sample + total)) + 4
    height = round(font.size * 1.5) // 2 * 2
    frames = duration * FPS
    strip = Image.new("RGBA", (width, height * frames), (0, 0, 0, 0))
    draw = ImageDraw.Draw(strip)
    offset = font.getlength(sample)
    for frame in range(frames):
        middle = frame * height + height / 2
        draw.text((0, middle), _timecode(frame / FPS), font=font, fill=TEXT, anchor="lm")
        draw.text((offset, middle), total, font=font, fill=TEXT_MUTED, anchor="lm")
    return strip, (width, height)


def _timecode(seconds: float) -> str:
    hundredths = round(seconds * 100)
    return f"{hundredths // 6000:02d}:{hundredths // 100 % 60:02d}.{hundredths % 100:02d}"


# --- ffmpeg -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    picture: Path
    hud: Path
    timecodes: Path
    bar: Path
    opening: Path | None


def _save_layers(layers: Layers, folder: Path) -> _Inputs:
    def save(image: Image.Image, name: str) -> Path:
        path = folder / name
        image.save(path, format="PNG", compress_level=1)
        return path

    return _Inputs(
        picture=save(layers.picture, "picture.png"),
        hud=save(layers.hud, "hud.png"),
        timecodes=save(layers.timecodes, "timecodes.png"),
        bar=save(layers.bar, "bar.png"),
        opening=save(layers.opening, "opening.png") if layers.opening else None,
    )


class _Opening(NamedTuple):
    """Image-to-video: how many frames hold the start image, and how many fade."""

    hold: int
    fade: int


def _opening_frames(duration: int) -> _Opening:
    frames = duration * FPS
    return _Opening(hold=min(FPS, frames // 3), fade=min(FPS // 2, frames // 4))


def _to_yuv(alpha: bool) -> str:
    """Convert RGB(A) stills with the BT.709 matrix the output is tagged with."""
    return f"scale=out_color_matrix=bt709:out_range=tv,format={'yuva420p' if alpha else 'yuv420p'}"


def _push_in(frames: int, size: tuple[int, int], focus: tuple[float, float], zoom: float) -> str:
    """A ``zoompan`` that eases from 1 to ``1 + zoom`` about ``focus`` (frame pixels)."""
    ease = f"(0.5-0.5*cos(PI*on/{max(1, frames - 1)}))"
    fx, fy = focus[0] * SUPERSAMPLE, focus[1] * SUPERSAMPLE
    return (
        f"zoompan=z='1+{zoom}*{ease}':x='{fx:.1f}*(1-1/zoom)':y='{fy:.1f}*(1-1/zoom)'"
        f":d={frames}:s={size[0]}x{size[1]}:fps={FPS}"
    )


def _filter_graph(request: VideoRequest, layers: Layers) -> str:
    size = layers.hud.size
    frames = request.duration * FPS
    cell_w, cell_h = layers.timecodes.width, layers.timecodes.height // frames
    tc_x, tc_y = layers.timecode_at
    opening = _opening_frames(request.duration) if layers.opening else _Opening(0, 0)
    main_frames = frames - opening.hold
    steps = [
        f"[0:v]{_to_yuv(False)},{_push_in(main_frames, size, layers.focus, ZOOM)}[picture]",
        f"[1:v]{_to_yuv(True)}[hud]",
        "[picture][hud]overlay=0:0[main]",
        f"[2:v]loop=loop={frames - 1}:size=1,setpts=N/{FPS}/TB,"
        f"crop={cell_w}:{cell_h}:0:'n*{cell_h}',{_to_yuv(True)}[timecode]",
        f"[3:v]{_to_yuv(True)}[bar]",
    ]
    scene = "[main]"
    if layers.opening:
        centre = (size[0] / 2, size[1] / 2)
        steps += [
            f"[4:v]{_to_yuv(False)},{_push_in(opening.hold + opening.fade, size, centre, 0.02)}[opening]",
            f"[opening][main]xfade=transition=fade:duration={opening.fade / FPS}"
            f":offset={opening.hold / FPS}[scene]",
        ]
        scene = "[scene]"
    steps += [
        f"{scene}[timecode]overlay={tc_x}:{tc_y}[timed]",
        f"[timed][bar]overlay=x='-w+W*(t*{FPS}+1)/{frames}':y={layers.bar_y},format=yuv420p[video]",
    ]
    return ";".join(steps)


def _ffmpeg_args(request: VideoRequest, layers: Layers, inputs: _Inputs, output: Path) -> list[str]:
    frames = request.duration * FPS
    stills = [inputs.picture, inputs.hud, inputs.timecodes, inputs.bar]
    if inputs.opening:
        stills.append(inputs.opening)
    args: list[str] = []
    for still in stills:
        args += ["-i", os.fspath(still)]
    audio = len(stills)
    args += ["-f", "lavfi", "-t", str(request.duration), "-i", "anullsrc=r=48000:cl=stereo"]
    return [
        *args,
        "-filter_complex_threads", "1",
        "-filter_complex", _filter_graph(request, layers),
        "-map", "[video]", "-map", f"{audio}:a",
        "-frames:v", str(frames), "-r", str(FPS),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-threads", "2", "-g", str(2 * FPS),
        "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
        "-color_trc", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-movflags", "+faststart", "-f", "mp4", os.fspath(output),
    ]  # fmt: skip


def _demo(output: Path) -> None:
    """Render a small example: two remote references and a prompt."""
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
