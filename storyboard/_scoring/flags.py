"""Turning a subject's measurements in one clip into its score and flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from .records import FoundAt, Method, SubjectScore
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
    flags: list[str] = []
    if cross is None:
        flags.append("absent")
    elif mismatched:
        flags.append("mismatch")
    else:
        if present < settings.present_share:
            flags.append("intermittent")
        if size is not None and size < settings.small_share:
            flags.append("small")
        if colour is not None and colour < settings.colour_correlation:
            flags.append("colour-drift")
        if copy is not None and _is_copy(method, copy, settings):
            flags.append("copy-paste")
    return SubjectScore(
        mention=mention,
        kind=kind,
        method=method,
        cross=cross,
        present=present,
        size=size,
        colour=colour,
        copy=copy,
        flags=tuple(flags),
        found=sightings.best,
        descriptor=descriptor,
        anchor=anchor,
    )


def _is_copy(method: Method, copy: float, settings: ScoreSettings) -> bool:
    if method == "face":
        return copy >= settings.copy_correlation
    return copy >= settings.copy_inliers


def _median(values: list[float]) -> float | None:
    return round(median(values), 4) if values else None
