"""Captions: timed to the film, written as SRT and WebVTT, or burned into the picture.

A caption spans its scene's visible time. Where two scenes crossfade, each
owns half of the overlap, so captions follow one another without overlapping.
A burned caption is white text on a dark translucent box at the bottom
centre, sized relative to the frame's height; burning re-encodes the scene's
piece once (cached by the caption's text).
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from .._media import run_ffmpeg
from .cache import Piece, PieceCache
from .lettering import block_height, draw_centred, font, wrap
from .plaintext import cue_text
from .profile import Profile


@dataclass(frozen=True)
class Cue:
    """One caption on screen from ``start`` to ``end`` seconds."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Shot:
    """What captions need of one shot of a film: its length and its caption."""

    frames: int
    caption: str | None


def cues(shots: Sequence[Shot], overlap: int, fps: int) -> list[Cue]:
    """The captions of shots laid end to end, neighbours overlapping by ``overlap`` frames."""
    found: list[Cue] = []
    start = 0
    for index, shot in enumerate(shots):
        first = start + (overlap / 2 if index > 0 else 0)
        last = start + shot.frames - (overlap / 2 if index < len(shots) - 1 else 0)
        text = cue_text(shot.caption or "")
        if text:
            found.append(Cue(first / fps, last / fps, text))
        start += shot.frames - overlap
    return found


def srt(captions: Sequence[Cue]) -> str:
    """SubRip text."""
    blocks = [
        f"{number}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{cue.text}\n"
        for number, cue in enumerate(captions, start=1)
    ]
    return "\n".join(blocks)


def webvtt(captions: Sequence[Cue]) -> str:
    """WebVTT text (``&``, ``<`` and ``>`` escaped, as cue text needs)."""
    blocks = [
        f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n{_vtt_escaped(cue.text)}\n"
        for cue in captions
    ]
    return "\n".join(["WEBVTT\n", *blocks])


def _vtt_escaped(text: str) -> str:
    return html.escape(text, quote=False)


def _stamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{separator}{millis:03d}"


def caption_image(text: str, width: int, height: int) -> Image.Image:
    """A transparent frame with ``text`` in a dark box at the bottom centre."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    face = font(height, 0.055)
    padding = max(4, round(height * 0.015))
    lines = wrap(text, face, int(width * 0.84))
    text_width = max(round(face.getlength(line)) for line in lines)
    text_height = block_height(lines, face)
    bottom = height - round(height * 0.06)
    top = bottom - text_height - 2 * padding
    box = (
        (width - text_width) // 2 - padding,
        top,
        (width + text_width) // 2 + padding,
        bottom,
    )
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(box, radius=padding, fill=(0, 0, 0, 170))
    draw_centred(draw, lines, face, width // 2, top + padding, (255, 255, 255, 255))
    return image


def burned(piece: Piece, text: str, profile: Profile, cache: PieceCache) -> Piece:
    """``piece`` with ``text`` drawn into its picture, cached by the text."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return cache.make(
        f"{piece.name}-cap{digest}", lambda output: _burn(piece, text, profile, output)
    )


def _burn(piece: Piece, text: str, profile: Profile, output: Path) -> int:
    overlay = output.with_suffix(".png")
    caption_image(text, profile.width, profile.height).save(overlay)
    graph = f"[0:v][1:v]overlay=0:0:format=auto,{profile.video_tail(piece.frames)}[v]"
    try:
        run_ffmpeg(
            [
                "-i",
                os.fspath(piece.path),
                "-i",
                os.fspath(overlay),
                "-filter_complex",
                graph,
                "-map",
                "[v]",
                "-map",
                "0:a",
                *profile.video_args(),
                "-c:a",
                "copy",
                os.fspath(output),
            ],
            what=f"burn a caption into {piece.name}",
        )
    finally:
        overlay.unlink(missing_ok=True)
    return piece.frames
