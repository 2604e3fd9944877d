"""Start frames fitted to their scene's shape, never stretched.

xAI stretches an image-to-video start image to the ``aspect_ratio`` it is sent
with. So a start frame (another scene's last frame, or an image) whose shape
differs from its scene's is fitted first: cropped around its centre (``crop``,
the default) or padded with black bars (``pad``). Shapes within
:data:`SHAPE_TOLERANCE` of each other count as the same (854x480 is 16:9).
The compiler and the plan read the geometry here; the engine makes the copy
that is sent (:func:`fitted_copy`), and the preview draws that same copy.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import MediaError
from ._fileops import sha256_file, write_atomically
from ._images import sendable_bytes
from ._vocabulary import ASPECT_RATIOS, Fit

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where a picture is fitted: the compiler and the plan read only the
# geometry, and `check`, `plan` and `status` never load it.

Shape = tuple[int, int]
"""A width and a height: pixels, or the two terms of an aspect ratio."""

SHAPE_TOLERANCE = 0.01
"""Shapes whose width-to-height ratios differ by at most this share are the same shape."""

FIT_WORDS: dict[Fit, str] = {"crop": "cropped", "pad": "padded"}


def ratio_shape(aspect_ratio: str) -> Shape:
    """``"16:9"`` as ``(16, 9)``."""
    width, height = aspect_ratio.split(":")
    return int(width), int(height)


def differs(shape: Shape, aspect_ratio: str) -> bool:
    """Whether a picture of ``shape`` would be stretched to reach ``aspect_ratio``."""
    width, height = shape
    ratio_width, ratio_height = ratio_shape(aspect_ratio)
    return abs((width * ratio_height) / (height * ratio_width) - 1) > SHAPE_TOLERANCE


def shape_name(shape: Shape) -> str:
    """The aspect ratio a shape has (``"1:1"``), or its size when it has none of them."""
    named = next((ratio for ratio in ASPECT_RATIOS if not differs(shape, ratio)), None)
    return named or f"{shape[0]}x{shape[1]}"


def fit_words(shape: Shape, aspect_ratio: str, fit: Fit) -> str | None:
    """What fitting does to a start frame of ``shape``, in words; None when nothing."""
    if not differs(shape, aspect_ratio):
        return None
    return f"start frame {shape_name(shape)} -> {aspect_ratio}, {FIT_WORDS[fit]}"


def fitted_box(shape: Shape, aspect_ratio: str, fit: Fit) -> Shape:
    """The size of ``shape`` fitted to ``aspect_ratio``: the largest box of that ratio
    inside it (crop) or the smallest around it (pad)."""
    width, height = shape
    ratio_width, ratio_height = ratio_shape(aspect_ratio)
    wider = width * ratio_height > height * ratio_width
    if wider == (fit == "crop"):
        return max(1, round(height * ratio_width / ratio_height)), height
    return width, max(1, round(width * ratio_height / ratio_width))


def fit_picture(picture: Image.Image, aspect_ratio: str, fit: Fit) -> Image.Image:
    """``picture`` cropped or padded (black, centred) to ``aspect_ratio``."""
    from PIL import Image

    box_width, box_height = fitted_box(picture.size, aspect_ratio, fit)
    left = (picture.width - box_width) // 2
    top = (picture.height - box_height) // 2
    if fit == "crop":
        return picture.crop((left, top, left + box_width, top + box_height))
    mode = "RGBA" if picture.mode == "RGBA" else "RGB"
    canvas = Image.new(mode, (box_width, box_height), "black")
    canvas.paste(picture.convert(mode), (-left, -top))
    return canvas


def fitted_copy(source: Path, aspect_ratio: str, fit: Fit, folder: Path) -> tuple[Path, str]:
    """``source`` (a prepared image or a frame) fitted to ``aspect_ratio`` and its sha256.

    The copy is made once, in ``folder``, named after the source's content and
    the fit; a source that already has the shape is its own copy.
    """
    try:
        return _fitted_copy(source, aspect_ratio, fit, folder)
    except OSError as error:  # Pillow's "cannot identify image" is an OSError too
        raise MediaError(f"the start frame {source.name} cannot be fitted: {error}") from None


def _fitted_copy(source: Path, aspect_ratio: str, fit: Fit, folder: Path) -> tuple[Path, str]:
    from PIL import Image

    with Image.open(source) as opened:
        if not differs(opened.size, aspect_ratio):
            return source, sha256_file(source)
        stem = f"{sha256_file(source)}-{aspect_ratio.replace(':', 'x')}-{fit}"
        for extension in ("png", "jpg"):
            made = folder / f"{stem}.{extension}"
            if made.is_file():
                return made, sha256_file(made)
        opened.load()
        picture = fit_picture(opened, aspect_ratio, fit)
    data, extension = sendable_bytes(picture, f'the start frame "{source.name}"')
    target = folder / f"{stem}.{extension}"
    write_atomically(target, data)
    return target, hashlib.sha256(data).hexdigest()


def _demo(source: str, aspect_ratio: str, fit: Fit) -> None:
    """``python -m storyboard._fitting IMAGE 16:9 crop``: fit an image into the current folder."""
    from PIL import Image

    path = Path(source)
    with Image.open(path) as opened:
        print(fit_words(opened.size, aspect_ratio, fit) or "already that shape")
    made, _ = fitted_copy(path, aspect_ratio, fit, Path.cwd())
    print(made)


if __name__ == "__main__":
    _demo(sys.argv[1], sys.argv[2], "pad" if sys.argv[3:] == ["pad"] else "crop")
