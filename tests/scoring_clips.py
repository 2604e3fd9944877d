"""The test pictures of consistency scoring, and clips made of them (cached per session)."""

from __future__ import annotations

import shutil
from pathlib import Path

from storyboard.testing.subject_clips import Showing, make_subject_clip

FACES = Path(__file__).resolve().parent / "fixtures" / "faces"
EILEEN = FACES / "eileen_collins.png"
GRACE = FACES / "grace_hopper.jpg"
EXAMPLE_ASSETS = Path(__file__).resolve().parent.parent / "projects" / "astronaut-cat" / "assets"
MUG = EXAMPLE_ASSETS / "coffee.png"
CAT = EXAMPLE_ASSETS / "chelsea.png"


def eileen_project(root: Path, story: str) -> Path:
    """A project at ``root`` whose assets/eileen.png is Eileen Collins's photo."""
    (root / "assets").mkdir(parents=True)
    shutil.copyfile(EILEEN, root / "assets" / "eileen.png")
    (root / "story.yaml").write_text(story, encoding="utf-8")
    return root


def subject_clip(folder: Path, picture: Path, showing: Showing) -> Path:
    """A 2 s 720p clip of ``picture`` shown that way, at 4 fps (each frame is sampled)."""
    path = folder / f"{picture.stem}-{showing}.mp4"
    if not path.exists():
        make_subject_clip(path, picture, showing, seconds=2.0, fps=4)
    return path
