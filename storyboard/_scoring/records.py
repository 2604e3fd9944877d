"""What a score is: the stable shapes that the cache keeps and `--json` prints.

One :class:`ClipScore` per take: one :class:`SubjectScore` per asset the scene
mentions, and the continuity with the frame it started from. ``self`` (across
scenes) is worked out from the cached scores of every take, so it is not
part of a clip's record (see :mod:`storyboard._scoring.consensus`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

SCORER_VERSION = 6
"""Bump when a number, a flag or what a record holds would come out differently: cached
scores are kept per version, so the next `storyboard score` works them out again (never
regenerating). 2: each subject records where it was found best, and keeps that crop.
3: a face followed across frames keeps its descriptor for up to three sampled frames;
a clip with nothing to score samples no frame (the first alone for continuity); only a
character is scored by its face. 4: what has no face is looked for in every other sampled
frame. 5: a followed face keeps its descriptor beyond three frames while its chip stays
as it was when the descriptor was read. 6: a large face followed is searched for on a
coarser copy."""

Method = Literal["face", "appearance"]

FLAGS = (
    "mismatch",
    "absent",
    "intermittent",
    "small",
    "colour-drift",
    "copy-paste",
    "jump",
    "drift",
)
"""Every flag a take can carry, worst first (``drift`` is across scenes, ``jump`` is
continuity with a start frame)."""


@dataclass(frozen=True)
class Subject:
    """An asset a scene mentions: its mention (``eileen:portrait``), kind and image."""

    mention: str
    kind: str
    image: Path


@dataclass(frozen=True)
class FoundAt:
    """Where a subject was found best in a clip: the sampled frame (0-based, in the order
    of :func:`storyboard._scoring.frames.sample_frames`) and its box there (x, y, width,
    height in the clip's pixels). For a face, the face likeliest to be the reference's
    (even one that is someone else); otherwise the frame with the most matching details."""

    frame: int
    box: tuple[int, int, int, int]

    def as_dict(self) -> dict[str, Any]:
        return {"frame": self.frame, "box": list(self.box)}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> FoundAt:
        left, top, width, height = (int(value) for value in record["box"])
        return cls(int(record["frame"]), (left, top, width, height))


@dataclass(frozen=True)
class SubjectScore:
    """How one asset fared in one clip.

    ``cross`` is 1 - the median dlib face distance (``method`` "face") or
    1 - exp(-inliers / 20) of the median SIFT match (``method`` "appearance");
    None when the subject was never found. ``present`` is the share of sampled
    frames it was found (and recognised) in; ``size`` its median height as a
    share of the frame's; ``colour`` the hue-saturation correlation with the
    reference; ``copy`` the face-chip correlation or SIFT inliers that decide
    ``copy-paste``. ``descriptor`` is the mean face descriptor (for ``self``), and
    ``anchor`` the reference's.
    """

    mention: str
    kind: str
    method: Method
    cross: float | None
    present: float
    size: float | None
    colour: float | None
    copy: float | None
    flags: tuple[str, ...]
    found: FoundAt | None = None
    descriptor: tuple[float, ...] | None = field(default=None, repr=False)
    anchor: tuple[float, ...] | None = field(default=None, repr=False)
    """The reference's face descriptor: the picture's place in the consensus."""
    crop: str | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        shown = asdict(self)
        shown["flags"] = list(self.flags)
        shown["found"] = self.found.as_dict() if self.found else None
        del shown["descriptor"], shown["anchor"], shown["crop"]
        return shown


@dataclass(frozen=True)
class ClipScore:
    """One take's scores: a subject score per mentioned asset, and continuity."""

    version: int
    frames: int
    subjects: tuple[SubjectScore, ...]
    continuity: float | None = None
    """Correlation of the first frame with the frame the scene started from, if any."""
    flags: tuple[str, ...] = ()
    """The clip's own flags (``jump``); each subject carries its own."""

    def all_flags(self) -> list[str]:
        """Every flag of the clip and its subjects, each once, worst first."""
        found = {*self.flags, *(flag for s in self.subjects for flag in s.flags)}
        return [flag for flag in FLAGS if flag in found]

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape (docs/consistency.md)."""
        return {
            "version": self.version,
            "frames": self.frames,
            "continuity": self.continuity,
            "flags": self.all_flags(),
            "subjects": [subject.as_dict() for subject in self.subjects],
        }

    def stored(self) -> dict[str, Any]:
        """The cached form: the JSON shape plus the face descriptors and the crops."""
        shown = self.as_dict()
        shown["clip_flags"] = list(self.flags)
        for subject, record in zip(self.subjects, shown["subjects"], strict=True):
            record["descriptor"] = list(subject.descriptor) if subject.descriptor else None
            record["anchor"] = list(subject.anchor) if subject.anchor else None
            record["crop"] = subject.crop
        return shown

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> ClipScore:
        subjects = []
        for record in stored["subjects"]:
            fields = dict(record)
            fields["flags"] = tuple(fields["flags"])
            for name in ("descriptor", "anchor"):
                value = fields.get(name)
                fields[name] = tuple(value) if value else None
            found = fields.get("found")
            fields["found"] = FoundAt.from_dict(found) if found else None
            subjects.append(SubjectScore(**fields))
        return cls(
            version=int(stored["version"]),
            frames=int(stored["frames"]),
            subjects=tuple(subjects),
            continuity=stored.get("continuity"),
            flags=tuple(stored.get("clip_flags", ())),
        )
