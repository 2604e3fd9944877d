"""Text drawn on titles, slates and burned captions: the typeface at sizes relative to the
frame, wrapped to fit, in any script (:mod:`storyboard._typesetting`).
"""

from __future__ import annotations

from PIL import ImageDraw

from .._typesetting import Typeface, split_to_width

Font = Typeface


def font(frame_height: int, fraction: float) -> Font:
    """The typeface, ``fraction`` of the frame's height tall (at least 10 px)."""
    return Typeface(max(10, round(frame_height * fraction)))


def wrap(text: str, face: Font, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` pixels.

    Lines break between words; a word wider than a line (a long name, or a sentence of
    Chinese or Japanese, written without spaces) breaks between its characters.
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            pieces = split_to_width(word, face, width)
            candidate = f"{line} {pieces[0]}".strip()
            if line and face.getlength(candidate) > width:
                lines.append(line)
                candidate = pieces[0]
            lines.extend([candidate, *pieces[1:-1]] if len(pieces) > 1 else [])
            line = pieces[-1] if len(pieces) > 1 else candidate
        lines.append(line)
    return lines


def line_height(face: Font) -> int:
    """The distance between two lines' baselines."""
    return round(face.size * 1.35)


def draw_centred(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    face: Font,
    centre_x: int,
    top: int,
    fill: tuple[int, ...],
) -> int:
    """Draw lines centred on ``centre_x`` from ``top`` down; return the y below the last."""
    step = line_height(face)
    for index, line in enumerate(lines):
        face.draw(draw, (centre_x, top + index * step), line, fill=fill, anchor="ma")
    return top + len(lines) * step


def block_height(lines: list[str], face: Font) -> int:
    """How tall ``lines`` stand when drawn by :func:`draw_centred`."""
    return len(lines) * line_height(face)
