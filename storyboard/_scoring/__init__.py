"""Consistency scores: how well each take keeps the look of the assets its scene mentions.

``native`` is the only module that touches dlib and OpenCV (the optional
``score`` extra); ``frames`` decodes a clip's sampled frames once; ``faces``
and ``appearance`` are the two ways of recognising a subject; ``flags`` turns
measurements into a score; ``scorer`` puts them together per clip and
``consensus`` works out *self* across a character's takes. The shapes are
in ``records``; the thresholds in ``settings`` (docs/consistency.md).
"""

from __future__ import annotations

from .consensus import SelfScore, character_of, self_scores
from .native import INSTALL_HINT, load_stack
from .records import FLAGS, SCORER_VERSION, ClipScore, SubjectScore
from .scorer import Scorer, Subject
from .settings import ScoreSettings

__all__ = [
    "FLAGS",
    "INSTALL_HINT",
    "SCORER_VERSION",
    "ClipScore",
    "ScoreSettings",
    "Scorer",
    "SelfScore",
    "Subject",
    "SubjectScore",
    "character_of",
    "load_stack",
    "self_scores",
]
