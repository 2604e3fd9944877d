"""Text drawn with Pillow: the shipped font at sizes relative to the frame, wrapped to fit.

Only Pillow's own font (``ImageFont.load_default``) is used, so films look the
same on a fresh machine with no system fonts.
"""

from __future__ import annotations

from PIL import ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def font(frame_height: int, fraction: float) -> Font:
    """Pillow's built-in font, ``fraction`` of the frame's height tall (at least 10 px)."""
    return ImageFont.load_default(size=max(10, round(frame_height * fraction)))


def wrap(text: str, face: Font, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` pixels (a long word stands alone)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and face.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def line_height(face: Font) -> int:
    """The distance between two lines' baselines."""
    _, top, _, bottom = face.getbbox("Hg")
    return round((bottom - top) * 1.35)


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
        draw.text((centre_x, top + index * step), line, font=face, fill=fill, anchor="ma")
    return top + len(lines) * step


def block_height(lines: list[str], face: Font) -> int:
    """How tall ``lines`` stand when drawn by :func:`draw_centred`."""
    return len(lines) * line_height(face)
