"""Clips that show a picture in known ways, for testing consistency scores end to end.

:func:`make_subject_clip` writes an H.264 MP4 of a reference picture on a plain
background, shown one of these ways (:data:`SHOWINGS`):

- ``animated``: moving, scaling and turning (a perspective sway), so it is the
  picture's subject re-drawn every frame, not a pasted copy: it should pass;
- ``still``: the picture pasted in place and barely moved: a copy-paste clip;
- ``recoloured``: animated, with every hue turned a third of the way round;
- ``small``: animated, but farther away (the face about a tenth of the frame's height);
- ``empty``: the background alone.

Give another person's picture to make a mismatch. Pure numpy and Pillow, so the
stand-in can make these clips without the scoring extra.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from .._media import run_ffmpeg

Showing = Literal["animated", "still", "recoloured", "small", "empty"]
SHOWINGS: tuple[Showing, ...] = ("animated", "still", "recoloured", "small", "empty")
BACKGROUND = (52, 60, 72)


def make_subject_clip(
    path: Path,
    picture: Path,
    showing: Showing = "animated",
    *,
    size: tuple[int, int] = (1280, 720),
    seconds: float = 2.0,
    fps: int = 12,
) -> Path:
    """Write the clip (silent) and return its path."""
    with Image.open(picture) as opened:
        subject = opened.convert("RGB")
    if showing == "recoloured":
        subject = _turn_hues(subject, 60)
    count = max(1, round(seconds * fps))
    frames = b"".join(
        _frame(subject, showing, index / count, size).tobytes() for index in range(count)
    )
    width, height = size
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        [
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}"),
            *("-r", str(fps), "-i", "-"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"),
            *("-movflags", "+faststart", os.fspath(path)),
        ],
        what="make a subject clip",
        input_bytes=frames,
    )
    return path


def _frame(
    subject: Image.Image, showing: Showing, progress: float, size: tuple[int, int]
) -> Image.Image:
    canvas = Image.new("RGB", size, BACKGROUND)
    if showing == "empty":
        return canvas
    width, height = size
    if showing == "still":
        scale = 0.95 * height / subject.height * (1 + 0.01 * progress)
        placed = subject.resize((round(subject.width * scale), round(subject.height * scale)))
        canvas.paste(placed, ((width - placed.width) // 2, (height - placed.height) // 2))
        return canvas
    wave = math.sin(2 * math.pi * progress)
    reach = 0.6 if showing == "small" else 1.2
    scale = reach * height / subject.height * (1 + 0.08 * wave)
    placed = subject.resize((round(subject.width * scale), round(subject.height * scale)))
    placed = _sway(placed, 0.3 if int(progress * 8) % 2 else -0.3)
    left = round((width - placed.width) * (0.2 + 0.6 * progress))
    top = round(-0.1 * placed.height + 0.05 * height * wave)
    canvas.paste(placed, (left, top))
    return canvas


def _sway(picture: Image.Image, turn: float) -> Image.Image:
    """The picture as if turned about its vertical axis (``turn`` of its width, signed)."""
    width, height = picture.size
    inset = abs(turn) * width
    near, far = (0.0, inset * 0.3) if turn > 0 else (inset * 0.3, 0.0)
    corners = [
        (inset if turn < 0 else 0.0, near),
        (width - (inset if turn > 0 else 0.0), far),
        (width - (inset if turn > 0 else 0.0), height - far),
        (inset if turn < 0 else 0.0, height - near),
    ]
    source = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    return picture.transform(
        picture.size,
        Image.Transform.PERSPECTIVE,
        _perspective(corners, source),
        Image.Resampling.BILINEAR,
        fillcolor=BACKGROUND,
    )


def _perspective(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's coefficients mapping each output point in ``target`` to ``source``."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    values = np.array([coordinate for point in source for coordinate in point])
    solved: npt.NDArray[np.float64] = np.linalg.solve(np.array(rows, dtype=np.float64), values)
    return tuple(float(value) for value in solved)


def _turn_hues(picture: Image.Image, degrees: int) -> Image.Image:
    hue, saturation, value = picture.convert("HSV").split()
    turned = hue.point(lambda level: (level + round(degrees * 255 / 360)) % 256)
    return Image.merge("HSV", (turned, saturation, value)).convert("RGB")
