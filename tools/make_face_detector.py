"""Write storyboard/data/scoring/face_detector.svm: dlib's HOG face detector, saved.

dlib builds its frontal face detector from a compressed copy inside its library on every
``get_frontal_face_detector()``, which costs most of the scorer's model load (about
0.8 s of CPU); read back from this file it takes milliseconds. The file is dlib's own
detector (Boost Software License, as dlib), byte for byte what dlib saves: run this
again after upgrading dlib (``tests/test_scoring_cost.py`` fails when it differs)::

    .venv/bin/python tools/make_face_detector.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import dlib  # noqa: E402

from storyboard._scoring.native import FACE_DETECTOR  # noqa: E402


def main() -> None:
    FACE_DETECTOR.parent.mkdir(parents=True, exist_ok=True)
    dlib.get_frontal_face_detector().save(str(FACE_DETECTOR))
    print(f"wrote {FACE_DETECTOR.relative_to(REPO)} ({FACE_DETECTOR.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
