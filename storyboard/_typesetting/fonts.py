"""The fonts text is drawn in, and which of them draws each character.

Every font comes from the project's own dependencies (Noto, under the SIL Open
Font License 1.1): ``manimgx-fonts`` (Noto Sans for Latin, Greek and Cyrillic;
Noto Sans Hebrew, Arabic and the other scripts; Noto Emoji; Noto Sans Symbols)
and ``noto-cjk-sans-jp-regular`` (Noto Sans CJK for Chinese, Japanese and
Korean). They form a chain: a character is drawn by the first font that has it.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path

from fontTools.ttLib import TTFont

_FIRST = (
    "NotoSans[wght].ttf",
    "NotoSansHebrew[wght].ttf",
    "NotoSansArabic[wght].ttf",
    "NotoEmoji[wght].ttf",
    "NotoSansSymbols[wght].ttf",
)
"""The fonts tried first, in order; the package's other scripts follow, then CJK."""
_SKIPPED = frozenset({"NotoSans-Italic[wght].ttf"})
_PICTOGRAPHS = frozenset({"NotoEmoji[wght].ttf", "NotoSansSymbols[wght].ttf"})
"""Fonts for single glyphs: their spaces and punctuation are too wide for text."""

REPLACEMENT = "\ufffd"
"""Drawn for a character no font has, instead of an empty box."""

_JOINERS = frozenset("\u200c\u200d\ufe0e\ufe0f\u20e3") | frozenset(
    map(chr, range(0x1F3FB, 0x1F400))
)
"""Characters that belong to the glyph before them: joiners, variation selectors,
the keycap and skin tones."""


@cache
def chain() -> tuple[Path, ...]:
    """Every font file, in the order they are tried."""
    scripts = Path(str(files("manimgx_fonts")))
    others = sorted(
        path.name
        for path in scripts.glob("*.ttf")
        if path.name not in _FIRST and path.name not in _SKIPPED
    )
    return (
        *(scripts / name for name in (*_FIRST, *others)),
        Path(str(files("noto_cjk_sans_jp_regular") / "NotoSansCJKjp-Regular.otf")),
    )


@cache
def _coverage(index: int) -> frozenset[int]:
    """The code points font ``index`` of the chain has a glyph for (read once, lazily)."""
    with TTFont(chain()[index], lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


def is_pictographic(index: int) -> bool:
    """Whether font ``index`` of the chain is an emoji or symbol font."""
    return chain()[index].name in _PICTOGRAPHS


def has_glyph(index: int, char: str) -> bool:
    """Whether font ``index`` of the chain draws ``char``."""
    return ord(char) in _coverage(index)


@cache
def font_for(char: str) -> int | None:
    """The index of the first font in the chain that draws ``char``; None if none does."""
    return next((i for i in range(len(chain())) if has_glyph(i, char)), None)


def belongs_to_previous(char: str) -> bool:
    """Whether ``char`` only modifies the character before it (a combining mark, a joiner)."""
    return char in _JOINERS or unicodedata.category(char) in ("Mn", "Me")


def drawable(text: str) -> str:
    """``text`` as it can be drawn on one line: control and format characters gone (but
    joiners and selectors kept), tabs and line breaks as spaces, and what no font has
    as :data:`REPLACEMENT`."""
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r\v\f\x85\u2028\u2029":
            kept.append(" ")
        elif char in _JOINERS or category not in ("Cc", "Cf", "Cs"):
            kept.append(char if font_for(char) is not None else REPLACEMENT)
    return "".join(kept)
