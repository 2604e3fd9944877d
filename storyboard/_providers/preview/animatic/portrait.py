"""The preview's generated references: a portrait card drawn from a description, or the
edited image with its instruction shown, so a story whose cast is described builds
offline. Each take differs (its backdrop shifts), as a real model's would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from ...._fileops import atomic_write
from ...base import ImageRequest
from .cards import load_image
from .design import BACKGROUND_BOTTOM, RGB, TEXT_MUTED, Box, Fonts, Sheet, accent_colour
from .text import draw_lines, draw_pill, draw_tracked, fit_text

SIDE = 768
"""A generated card is square, as ``grok-imagine-image`` makes by default; an edit keeps
its input's shape with this longer side."""


def render_portrait(request: ImageRequest, output: Path) -> None:
    """Draw the image ``request`` asks for into ``output`` (a PNG), whole or not at all."""
    accent = _accent(request)
    picture = _card(request, accent) if request.source is None else _edited(request, accent)
    with atomic_write(output) as partial:
        picture.save(partial, "PNG")


def _accent(request: ImageRequest) -> RGB:
    digest = hashlib.sha256(f"{request.label}/{request.take}".encode()).digest()
    return accent_colour(digest[0] % 6 + 1)


def _card(request: ImageRequest, accent: RGB) -> Image.Image:
    sheet = Sheet(SIDE, SIDE, Fonts())
    shade = tuple(
        round(a * 0.25 + b * 0.75) for a, b in zip(accent, BACKGROUND_BOTTOM, strict=True)
    )
    image = Image.new("RGB", (SIDE, SIDE), shade)
    draw = ImageDraw.Draw(image)
    unit, margin = sheet.unit, sheet.margin
    head = Box(SIDE * 0.38, SIDE * 0.16, SIDE * 0.24, SIDE * 0.26)
    draw.ellipse(head.corners(), fill=accent)
    draw.pieslice((SIDE * 0.22, SIDE * 0.44, SIDE * 0.78, SIDE * 0.9), 180, 360, fill=accent)
    draw_tracked(draw, (margin, margin), f"@{request.label}", sheet.fonts(22 * unit), accent, unit)
    draw_pill(draw, sheet, f"TAKE {request.take}", accent, (SIDE - margin, margin), "r")
    _caption(draw, sheet, "DESCRIBED", request.prompt)
    return image


def _edited(request: ImageRequest, accent: RGB) -> Image.Image:
    assert request.source is not None
    source = load_image(request.source)
    scale = SIDE / max(source.size)
    size = (max(2, round(source.width * scale)), max(2, round(source.height * scale)))
    image = ImageOps.fit(source, size).convert("RGB")
    sheet = Sheet(size[0], size[1], Fonts())
    draw = ImageDraw.Draw(image, "RGBA")
    band = size[1] * 0.4
    draw.rectangle((0, size[1] - band, size[0], size[1]), fill=(*BACKGROUND_BOTTOM, 255))
    draw.rectangle((0, 0, size[0], 8 * sheet.unit), fill=accent)
    label = f"@{request.label} · TAKE {request.take}"
    draw_pill(draw, sheet, label, accent, (size[0] - sheet.margin, sheet.margin + 10), "r")
    _caption(draw, sheet, "EDITED", request.prompt)
    return image


def _caption(draw: ImageDraw.ImageDraw, sheet: Sheet, heading: str, words: str) -> None:
    """The description or instruction, wrapped at the foot of the picture."""
    unit, margin = sheet.unit, sheet.margin
    width = sheet.width - 2 * margin
    font, lines = fit_text(words, sheet, 24 * unit, width, 4)
    top = sheet.height - margin - len(lines) * font.size * 1.42
    draw_tracked(
        draw, (margin, top - 18 * unit), heading, sheet.fonts(12 * unit), TEXT_MUTED, 2 * unit
    )
    draw_lines(draw, lines, font, Box(margin, top, width, 0))
