"""Consistency scores: how well each take keeps the look of the assets its scene mentions.

``native`` is the only module that touches dlib and OpenCV (the optional
``score`` extra); ``frames`` decodes a clip's sampled frames once (``keyframes``
says when its keyframes alone are enough); ``faces`` and ``appearance`` are the
two ways of recognising a subject; ``flags`` turns measurements into a score;
``scorer`` puts them together per clip and ``consensus`` works out *self* across a
character's takes. The shapes are in ``records``; the thresholds in ``settings``
(docs/consistency.md).

Import from the modules themselves: reading a stored score (``records``) must not
load what scoring needs.
"""
