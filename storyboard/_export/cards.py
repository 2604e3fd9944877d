"""Cards: the title card before a film, and a slate in place of a missing scene.

Each card is drawn with Pillow at the film's frame size and encoded, with a
silent track, into a piece of the film's profile, cached by its text, its
length and the profile.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PIL import Image, ImageDraw

from .._media import run_ffmpeg
from .cache import Piece, PieceCache
from .lettering import block_height, draw_centred, font, wrap
from .profile import Profile

TITLE_SECONDS = 3.0
"""How long the title card stands."""

_TITLE_BACKGROUND = (0, 0, 0)
_SLATE_BACKGROUND = (32, 32, 36)
_WHITE = (255, 255, 255)
_GREY = (170, 170, 170)
_AMBER = (255, 176, 0)


def title_card(title: str, profile: Profile, cache: PieceCache) -> Piece:
    """A card with the film's title, :data:`TITLE_SECONDS` long."""
    frames = profile.frames(TITLE_SECONDS)
    name = f"title-{_digest(title, str(frames))}-{profile.digest}"
    return cache.make(
        name, lambda output: _still(_title_image(title, profile), frames, output, profile)
    )


def slate(
    scene_id: str, title: str | None, seconds: float, profile: Profile, cache: PieceCache
) -> Piece:
    """A card standing in for a scene that has no clip yet, as long as the scene."""
    frames = max(1, profile.frames(seconds))
    name = f"slate-{_digest(scene_id, title or '', f'{seconds:g}', str(frames))}-{profile.digest}"
    return cache.make(
        name,
        lambda output: _still(
            _slate_image(scene_id, title, seconds, profile), frames, output, profile
        ),
    )


def _title_image(title: str, profile: Profile) -> Image.Image:
    image = Image.new("RGB", profile.size, _TITLE_BACKGROUND)
    face = font(profile.height, 0.09)
    lines = wrap(title, face, int(profile.width * 0.8))
    top = (profile.height - block_height(lines, face)) // 2
    draw_centred(ImageDraw.Draw(image), lines, face, profile.width // 2, top, _WHITE)
    return image


def _slate_image(scene_id: str, title: str | None, seconds: float, profile: Profile) -> Image.Image:
    image = Image.new("RGB", profile.size, _SLATE_BACKGROUND)
    draw = ImageDraw.Draw(image)
    width, height = profile.size
    margin = max(4, height // 40)
    draw.rectangle(
        (margin, margin, width - margin - 1, height - margin - 1), outline=_AMBER, width=margin // 2
    )
    small, large = font(height, 0.05), font(height, 0.08)
    wrap_width = int(width * 0.8)
    blocks = [
        (wrap("MISSING SCENE", small, wrap_width), small, _AMBER),
        (wrap(scene_id, large, wrap_width), large, _WHITE),
        (wrap(title, small, wrap_width) if title else [], small, _GREY),
        (wrap(f"{seconds:g} s", small, wrap_width), small, _GREY),
    ]
    total = sum(block_height(lines, face) for lines, face, _ in blocks)
    top = (height - total) // 2
    for lines, face, colour in blocks:
        top = draw_centred(draw, lines, face, width // 2, top, colour)
    return image


def _still(image: Image.Image, frames: int, output: Path, profile: Profile) -> int:
    """Encode a still image held for ``frames`` frames, with silence, as a piece."""
    png = output.with_suffix(".png")
    image.save(png)
    graph = (
        f"[0:v]{profile.fit_filter()},{profile.video_tail(frames)}[v];"
        f"[1:a]{profile.audio_tail(frames)}[a]"
    )
    try:
        run_ffmpeg(
            [
                "-loop",
                "1",
                "-framerate",
                str(profile.fps),
                "-i",
                os.fspath(png),
                *profile.silence_input(),
                "-filter_complex",
                graph,
                *profile.piece_output("v", "a"),
                os.fspath(output),
            ],
            what="encode a card",
        )
    finally:
        png.unlink(missing_ok=True)
    return frames


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]
