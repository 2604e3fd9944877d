"""The stills ffmpeg animates (:class:`Layers`), composed once with Pillow: the stage,
the moving picture (the cards, or the title) with its soft mask, the timecode
strip, the progress bar and the opening still. How ffmpeg moves each of them is
told in the package docstring (:mod:`storyboard._providers.preview.animatic`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from ...._limits import frame_size
from ...base import VideoRequest
from .cards import Card, cards_of, draw_card, layout_cards, opening_still
from .design import (
    BACKGROUND_BOTTOM,
    BACKGROUND_TOP,
    MODE_ACCENTS,
    RGB,
    SUPERSAMPLE,
    TIMECODE_HEIGHT,
    ZOOM,
    Box,
    Fonts,
    Sheet,
    before_push_in,
    room_for_push_in,
)
from .stage import draw_footer, draw_storyboard_text, draw_title_card, timecode_strip


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


def compose_layers(request: VideoRequest) -> Layers:
    """Draw every still the animatic of ``request`` needs."""
    width, height = frame_size(request.aspect_ratio, request.resolution)
    sheet = Sheet(width, height, Fonts())
    accent = MODE_ACCENTS[request.mode]
    backdrop = _backdrop((width, height), accent, request.take)
    stage = backdrop.copy()
    draw = ImageDraw.Draw(stage)
    cards = cards_of(request)
    if cards:
        region = draw_storyboard_text(draw, sheet, request, accent).snapped()
        picture = _picture(backdrop, region, partial(_draw_cards, cards=cards, sheet=sheet))
    else:
        region, centre = _place_title(sheet, request)
        draw_title = partial(_draw_title, sheet=sheet, request=request, centre=centre)
        picture = _picture(backdrop, region, draw_title)
    strip = timecode_strip(sheet, request.duration)
    bar_y = draw_footer(draw, sheet, request, strip.width - 2 * strip.inset)
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
        opening=opening_still(request.start_image, sheet) if request.start_image else None,
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


def _draw_cards(canvas: Image.Image, *, cards: list[Card], sheet: Sheet) -> None:
    """The cards, laid out so that the push-in keeps them inside ``canvas``."""
    fine = sheet.enlarged(SUPERSAMPLE)
    whole = Box(0, 0, canvas.width, canvas.height)
    room = room_for_push_in(whole.inset(32 * fine.unit), (0, 0))
    boxes = layout_cards([card.aspect for card in cards], room, fine)
    for card, box in zip(cards, boxes, strict=True):
        draw_card(canvas, card, box, fine)


def _place_title(sheet: Sheet, request: VideoRequest) -> tuple[Box, tuple[float, float]]:
    """The region the title card moves in, and where in it to centre the card (doubled).

    The card is measured first (drawn on a scratch canvas), so that it can be placed
    where the push-in carries it to the middle of the frame halfway through.
    """
    fine = sheet.enlarged(SUPERSAMPLE)
    centre = (fine.width / 2, fine.height / 2 - 30 * fine.unit)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    block = draw_title_card(scratch, fine, request, MODE_ACCENTS[request.mode], centre)
    region = _title_region(block.scaled(1 / SUPERSAMPLE), sheet)
    big = region.scaled(SUPERSAMPLE)
    return region, before_push_in((centre[0] - big.x, centre[1] - big.y), (0, 0))


def _title_region(block: Box, sheet: Sheet) -> Box:
    """Room around the title for the push-in, inside the frame and above the footer."""
    grown = block.inset(-(sheet.margin / 2 + max(block.w, block.h) * ZOOM))
    left, top = max(0.0, grown.x), max(0.0, grown.y)
    right = min(float(sheet.width), grown.x + grown.w)
    bottom = min(sheet.height - 80 * sheet.unit, grown.y + grown.h)
    return Box(left, top, right - left, bottom - top).snapped()


def _draw_title(
    canvas: Image.Image, *, sheet: Sheet, request: VideoRequest, centre: tuple[float, float]
) -> None:
    fine, accent = sheet.enlarged(SUPERSAMPLE), MODE_ACCENTS[request.mode]
    draw_title_card(ImageDraw.Draw(canvas), fine, request, accent, centre)


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


def _backdrop(size: tuple[int, int], accent: RGB, take: int = 1) -> Image.Image:
    """A dark vertical gradient with a faint glow of the mode's accent.

    Dithered, because a gradient this subtle spans only a few levels and would
    otherwise show bands. The picture is drawn on this enlarged, so the two meet
    without a seam. Each take after the first moves the glow and brightens it:
    the variation a real model's new take would bring.
    """
    width, height = size
    down = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array(BACKGROUND_TOP, np.float32), np.array(BACKGROUND_BOTTOM, np.float32)
    shift, strength = _variation(take)
    across = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :] - shift
    distance = np.sqrt(across**2 + (down[:, :, 0] * 2 - 1) ** 2)
    glow = (np.clip(1 - distance / 1.5, 0, 1) ** 2 * strength)[:, :, None]
    colour = top + (bottom - top) * down
    colour = colour + (np.array(accent, np.float32) - colour) * glow
    noise = np.random.default_rng(7).random((height, width, 1), dtype=np.float32) - 0.5
    return Image.fromarray(np.clip(colour + noise, 0, 255).astype(np.uint8))


def _variation(take: int) -> tuple[float, float]:
    """Where the backdrop's glow sits (-1 left to 1 right) and how strong it is, per take."""
    if take <= 1:
        return 0.0, 0.09
    return ((take * 0.618) % 1.0) * 1.6 - 0.8, 0.3
