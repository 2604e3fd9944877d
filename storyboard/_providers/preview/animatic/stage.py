"""The stage, the still that never moves: the scene's label and mode, the prompt,
the footer and the timecode strip; and the title card of a text-only scene.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ...._typesetting import Typeface
from ...base import VideoRequest
from .design import (
    FPS,
    LEADING,
    MODE_NAMES,
    RGB,
    TEXT,
    TEXT_MUTED,
    TIMECODE_HEIGHT,
    TRACK,
    Box,
    Sheet,
)
from .text import draw_lines, draw_pill, draw_tracked, ellipsized, fit_text, line_width


def draw_storyboard_text(
    draw: ImageDraw.ImageDraw, sheet: Sheet, request: VideoRequest, accent: RGB
) -> Box:
    """Header and prompt around the cards; return the area left for the cards."""
    unit, margin = sheet.unit, sheet.margin
    top = _draw_header(draw, sheet, request, accent) + 8 * unit
    width = sheet.width - 2 * margin
    prompt = request.prompt.strip() or "(no prompt: the clip continues from its start frame)"
    font, lines = fit_text(prompt, sheet, 25 * unit, width, 8 if sheet.portrait else 4)
    prompt_top = sheet.height - margin - 70 * unit - len(lines) * font.size * LEADING
    heading_y = prompt_top - 16 * unit
    draw_tracked(draw, (margin, heading_y), "PROMPT", sheet.fonts(12 * unit), TEXT_MUTED, 2 * unit)
    draw_lines(draw, lines, font, Box(margin, prompt_top, width, 0))
    bottom = heading_y - 16 * unit
    return Box(margin / 2, top, sheet.width - margin, bottom - top)


def _draw_header(
    draw: ImageDraw.ImageDraw, sheet: Sheet, request: VideoRequest, accent: RGB
) -> float:
    """The scene's label on the left, its mode on the right; return the header's bottom."""
    unit, margin = sheet.unit, sheet.margin
    middle = margin + 16 * unit
    pill = draw_pill(
        draw, sheet, MODE_NAMES[request.mode], accent, (sheet.width - margin, middle), "r"
    )
    if request.take > 1:
        pill = draw_pill(
            draw, sheet, f"TAKE {request.take}", accent, (pill.x - 12 * unit, middle), "r"
        )
    font = sheet.fonts(30 * unit)
    label = ellipsized(request.label or "untitled scene", font, pill.x - margin - 24 * unit)
    font.draw(draw, (margin, middle), label, fill=TEXT, anchor="lm")
    return middle + 16 * unit


def draw_title_card(
    draw: ImageDraw.ImageDraw,
    sheet: Sheet,
    request: VideoRequest,
    accent: RGB,
    centre: tuple[float, float],
) -> Box:
    """Text-only scenes: mode, label, a rule and the prompt around ``centre``; return their box."""
    unit, (x, middle) = sheet.unit, centre
    width = sheet.width - 2 * sheet.margin - (40 if sheet.portrait else 160) * unit
    font, lines = fit_text(
        request.prompt.strip(), sheet, 32 * unit, width, 9 if sheet.portrait else 5
    )
    label_font = sheet.fonts(40 * unit)
    height = 98 * unit + label_font.size + len(lines) * font.size * LEADING
    top = middle - height / 2
    pill = draw_pill(draw, sheet, MODE_NAMES[request.mode], accent, (x, top + 14 * unit), "m")
    y = top + 58 * unit
    label = ellipsized(request.label or "untitled scene", label_font, width)
    label_font.draw(draw, (x, y), label, fill=TEXT, anchor="ma")
    y += label_font.size + 22 * unit
    draw.rectangle((x - 28 * unit, y, x + 28 * unit, y + 2 * unit), fill=accent)
    draw_lines(draw, lines, font, Box(x - width / 2, y + 18 * unit, width, 0), centred=True)
    widest = max([label_font.getlength(label), pill.w, *(line_width(line, font) for line in lines)])
    return Box(x - widest / 2, top, widest, height)


def draw_footer(
    draw: ImageDraw.ImageDraw, sheet: Sheet, request: VideoRequest, timecode_width: int
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
    if request.take > 1:
        facts = f"take {request.take}  ·  {facts}"
    font = sheet.fonts(15 * unit)
    right = sheet.width - sheet.margin
    text = ellipsized(facts, font, right - sheet.margin - timecode_width - 30 * unit)
    font.draw(draw, (right, bar_y - TIMECODE_HEIGHT / 2 * unit), text, fill=TEXT_MUTED, anchor="rm")
    return bar_y


class _Strip(NamedTuple):
    """Timecode cells stacked top to bottom, one per frame."""

    image: Image.Image
    width: int
    height: int
    inset: int
    """Room left of the text for its shadow."""


def timecode_strip(sheet: Sheet, duration: int) -> _Strip:
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


def _text_mask(text: str, font: Typeface, size: tuple[int, int]) -> np.ndarray:
    """The coverage of ``text`` drawn left-middle on a ``size`` tile."""
    tile = Image.new("L", size, 0)
    font.draw(ImageDraw.Draw(tile), (0, size[1] / 2), text, fill=255, anchor="lm")
    return np.asarray(tile)


def _timecode(seconds: float) -> str:
    hundredths = round(seconds * 100)
    return f"{hundredths // 6000:02d}:{hundredths // 100 % 60:02d}.{hundredths % 100:02d}"
