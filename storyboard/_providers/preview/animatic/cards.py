"""The picture's cards: reference images read (or stand-ins drawn for remote ones),
laid out in rows and drawn with a shadow and a caption; and the full-frame
opening still of an image-to-video scene.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import unquote_to_bytes, urlparse

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ...._errors import MediaError
from ...._vocabulary import ACCENTS
from ...base import ImageInput, VideoRequest
from .design import (
    BACKGROUND_TOP,
    PLACEHOLDER_FILL,
    RGB,
    TEXT,
    TEXT_MUTED,
    TEXT_SOFT,
    Box,
    Sheet,
    accent_colour,
)
from .text import draw_tracked, ellipsized


@dataclass(frozen=True)
class Card:
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


def cards_of(request: VideoRequest) -> list[Card]:
    if request.start_image is not None:
        return [_card(request.start_image, "START FRAME", ACCENTS[1])]
    return [
        _card(image, f"IMAGE_{index}", accent_colour(index))
        for index, image in enumerate(request.references, start=1)
    ]


def _card(image: ImageInput, tag: str, accent: RGB) -> Card:
    url = image.url or ""
    if image.path is None and not url.startswith("data:"):
        return Card(tag, image.label, accent, host=urlparse(url).hostname or "remote image")
    return Card(tag, image.label, accent, picture=load_image(image))


def load_image(image: ImageInput) -> Image.Image:
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


def layout_cards(aspects: Sequence[float], area: Box, sheet: Sheet) -> list[Box]:
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


def draw_card(canvas: Image.Image, card: Card, box: Box, sheet: Sheet) -> None:
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
    draw_tracked(draw, (left, tag_y), card.tag, sheet.fonts(13 * unit), card.accent, 1.6 * unit)
    name_font = sheet.fonts(19 * unit)
    name = ellipsized(card.label, name_font, right - left)
    name_font.draw(draw, (left, tag_y + 24 * unit), name, fill=TEXT, anchor="lm")


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


def _card_picture(card: Card, size: tuple[int, int], sheet: Sheet) -> Image.Image:
    if card.picture is None:
        return _placeholder(size, card.host or "", sheet)
    return ImageOps.fit(card.picture, size, Image.Resampling.LANCZOS)


def _placeholder(size: tuple[int, int], host: str, sheet: Sheet) -> Image.Image:
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
    font.draw(draw, (cx, text_y), ellipsized(host, font, width * 0.9), fill=TEXT_SOFT, anchor="mm")
    small = sheet.fonts(font.size * 0.7)
    small.draw(draw, (cx, text_y + font.size * 1.3), "remote image", fill=TEXT_MUTED, anchor="mm")
    return card


def opening_still(start: ImageInput, sheet: Sheet) -> Image.Image:
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
