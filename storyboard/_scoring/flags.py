"""Turning a subject's measurements in one clip into its score and flags."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from statistics import median

from .records import ClipScore, FoundAt, Method, SubjectScore
from .settings import ScoreSettings


@dataclass
class Sightings:
    """What was measured of one subject, frame by frame.

    ``seen``: a frame where a candidate was found (any face, for a face);
    ``similarity``: per seen frame, how like the reference the candidate is;
    the other lists hold one value per frame where it was recognised; ``best`` is the
    seen frame of the highest similarity.
    """

    frames: int
    similarity: list[float] = field(default_factory=list)
    recognised: int = 0
    sizes: list[float] = field(default_factory=list)
    colours: list[float] = field(default_factory=list)
    copies: list[float] = field(default_factory=list)
    best: FoundAt | None = None

    def seen(self, similarity: float, frame: int, box: tuple[int, int, int, int]) -> None:
        """A candidate seen in ``frame`` at ``box``, this much like the reference."""
        if not self.similarity or similarity > max(self.similarity):
            self.best = FoundAt(frame, box)
        self.similarity.append(similarity)


def subject_score(
    mention: str,
    kind: str,
    method: Method,
    sightings: Sightings,
    settings: ScoreSettings,
    mismatched: bool,
    descriptor: tuple[float, ...] | None = None,
    anchor: tuple[float, ...] | None = None,
) -> SubjectScore:
    """The score and flags of one subject; ``mismatched`` is the route's own verdict."""
    cross = round(median(sightings.similarity), 4) if sightings.similarity else None
    present = round(sightings.recognised / sightings.frames, 4) if sightings.frames else 0.0
    size = _median(sightings.sizes)
    colour = _median(sightings.colours)
    copy = _median(sightings.copies)
    flags = subject_flags(method, cross, mismatched, (present, size, colour, copy), settings)
    return SubjectScore(
        mention=mention,
        kind=kind,
        method=method,
        cross=cross,
        present=present,
        size=size,
        colour=colour,
        copy=copy,
        flags=flags,
        found=sightings.best,
        descriptor=descriptor,
        anchor=anchor,
    )


def subject_flags(
    method: Method,
    cross: float | None,
    mismatched: bool,
    measured: tuple[float, float | None, float | None, float | None],
    settings: ScoreSettings,
) -> tuple[str, ...]:
    """A subject's flags from its measurements: ``measured`` is its presence, size,
    colour and copy; ``mismatched`` the route's own verdict."""
    present, size, colour, copy = measured
    if cross is None:
        return ("absent",)
    if mismatched:
        return ("mismatch",)
    flags: list[str] = []
    if present < settings.present_share:
        flags.append("intermittent")
    if size is not None and size < settings.small_share:
        flags.append("small")
    if colour is not None and colour < settings.colour_correlation:
        flags.append("colour-drift")
    if copy is not None and _is_copy(method, copy, settings):
        flags.append("copy-paste")
    return tuple(flags)


def redrawn(score: ClipScore, settings: ScoreSettings) -> ClipScore:
    """A stored score with its flags drawn again under other thresholds (a calibration),
    from its measurements: a face is a mismatch when 1 - cross is over the face distance;
    presence stays as counted when the take was scored."""
    subjects = tuple(
        dataclasses.replace(
            subject,
            flags=subject_flags(
                subject.method,
                subject.cross,
                _mismatched(subject, settings),
                (subject.present, subject.size, subject.colour, subject.copy),
                settings,
            ),
        )
        for subject in score.subjects
    )
    continuity = score.continuity
    jump = continuity is not None and continuity < settings.continuity_correlation
    return dataclasses.replace(score, subjects=subjects, flags=("jump",) if jump else ())


def _mismatched(subject: SubjectScore, settings: ScoreSettings) -> bool:
    if subject.method == "face" and subject.cross is not None:
        return round(1.0 - subject.cross, 4) > settings.face_distance
    return "mismatch" in subject.flags


def _is_copy(method: Method, copy: float, settings: ScoreSettings) -> bool:
    if method == "face":
        return copy >= settings.copy_correlation
    return copy >= settings.copy_inliers


def _median(values: list[float]) -> float | None:
    return round(median(values), 4) if values else None
