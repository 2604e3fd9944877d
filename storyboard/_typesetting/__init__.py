"""Lettering in every script: the font chain, right-to-left order and shaping.

Titles, cards, burned captions and the preview's animatic all draw text with
:class:`Typeface`, so accented Latin, Greek, Cyrillic, CJK, Arabic, Hebrew and
emoji come out drawn, not as empty boxes. See :mod:`.fonts` for the fonts and
their licence.
"""

from . import bidi
from .fonts import REPLACEMENT, chain, drawable
from .typeface import ENGINE, Engine, Run, Typeface, runs, split_to_width

__all__ = [
    "ENGINE",
    "REPLACEMENT",
    "Engine",
    "Run",
    "Typeface",
    "bidi",
    "chain",
    "drawable",
    "runs",
    "split_to_width",
]
