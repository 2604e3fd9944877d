"""Print the separation table of docs/consistency.md: the scorer on the test clips.

The clips are the ones ``tests/test_scoring.py`` scores (2 s, 720p, 4 fps, so each frame
is sampled; made by :mod:`storyboard.testing.subject_clips`): the test pictures moving,
pasted still, recoloured, far away, or absent. Run it after any change to the scorer
(one that bumps ``SCORER_VERSION``) and copy the rows into the doc::

    .venv/bin/python tools/score_separation.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests"):  # storyboard, and the tests' pictures and clips
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from scoring_clips import CAT, EILEEN, GRACE, MUG, subject_clip  # noqa: E402

from storyboard._scoring.records import SCORER_VERSION, Subject, SubjectScore  # noqa: E402
from storyboard._scoring.scorer import Scorer  # noqa: E402
from storyboard.testing.subject_clips import Showing  # noqa: E402

ROWS: tuple[tuple[str, Path, Showing, Path, str], ...] = (
    ("Eileen, animated", EILEEN, "animated", EILEEN, "character"),
    ("Eileen, pasted still", EILEEN, "still", EILEEN, "character"),
    ("Eileen, recoloured", EILEEN, "recoloured", EILEEN, "character"),
    ("Eileen, far away", EILEEN, "small", EILEEN, "character"),
    ("Grace Hopper in her place", GRACE, "animated", EILEEN, "character"),
    ("nothing", EILEEN, "empty", EILEEN, "character"),
    ("the mug, animated", MUG, "animated", MUG, "prop"),
    ("the mug, pasted still", MUG, "still", MUG, "prop"),
    ("the mug, recoloured", MUG, "recoloured", MUG, "prop"),
    ("the cat, animated", CAT, "animated", CAT, "prop"),
    ("the cat, pasted still", CAT, "still", CAT, "prop"),
    ("the cat's picture scored in a clip of Eileen", EILEEN, "animated", CAT, "prop"),
)


def row(label: str, score: SubjectScore) -> str:
    def shown(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    flags = ", ".join(f"`{flag}`" for flag in score.flags) or "none"
    return (
        f"| {label} | {shown(score.cross)} | {shown(score.present)} | {shown(score.copy)} "
        f"| {shown(score.colour)} | {flags} |"
    )


def main() -> None:
    scorer = Scorer()
    print(f"scorer version {SCORER_VERSION}\n")
    print("| clip | cross | present | copy | colour | flags |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, shown, showing, reference, kind in ROWS:
            clip = subject_clip(Path(folder), shown, showing)
            (score,) = scorer.score(clip, [Subject("it", kind, reference)]).subjects
            print(row(label, score))


if __name__ == "__main__":
    main()
