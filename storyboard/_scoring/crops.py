"""The picture of where a subject was found best: cut from the sampled frame while it is
in memory and kept in the cache with the score, so the board shows it without decoding
the clip again."""

from __future__ import annotations

import base64
import io

from PIL import Image as PILImage

from .native import Image
from .records import FoundAt

CROP_SIDE = 192
"""The longest side of a crop, in pixels (the board shows it at about half that)."""
MARGIN = 0.35
"""The box is grown by this share of its size on each side (a face box stops at the brow)."""
JPEG_QUALITY = 85


def crop_box(found: FoundAt, frame_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The area cut around ``found`` (left, top, right, bottom), inside a frame of
    ``frame_size`` (width, height)."""
    left, top, width, height = found.box
    grow_x, grow_y = round(width * MARGIN), round(height * MARGIN)
    return (
        max(0, left - grow_x),
        max(0, top - grow_y),
        min(frame_size[0], left + width + grow_x),
        min(frame_size[1], top + height + grow_y),
    )


def crop_size(found: FoundAt, frame_size: tuple[int, int]) -> tuple[int, int]:
    """The width and height of the crop of ``found``: its area fitted in CROP_SIDE."""
    left, top, right, bottom = crop_box(found, frame_size)
    width, height = max(right - left, 1), max(bottom - top, 1)
    scale = min(1.0, CROP_SIDE / max(width, height))
    return max(round(width * scale), 1), max(round(height * scale), 1)


def cut_crop(pixels: Image, found: FoundAt) -> str:
    """The crop of ``found`` in ``pixels`` (an RGB frame) as a base64 JPEG."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = crop_box(found, (width, height))
    area = PILImage.fromarray(pixels[top : max(bottom, top + 1), left : max(right, left + 1)])
    fitted = area.resize(crop_size(found, (width, height)), PILImage.Resampling.LANCZOS)
    encoded = io.BytesIO()
    fitted.save(encoded, "JPEG", quality=JPEG_QUALITY)
    return base64.b64encode(encoded.getvalue()).decode("ascii")
