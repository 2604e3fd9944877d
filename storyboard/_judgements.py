"""The writer's judgements of takes: an approved anchor per character, good and bad labels,
and the thresholds fitted to those labels.

All three are kept in the cache per clip content (docs/consistency.md): ``approve``
makes a scene's selected take the anchor of each character whose face it shows, which
*self* then measures the character against in place of its picture (the right anchor for
a stylised film); ``label`` marks a take good or bad; ``calibrate`` fits the flags'
thresholds to the labels (storyboard/_scoring/calibration.py) and keeps those that get
more labels right than the defaults, which every score read from the cache is then
flagged with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import UsageError
from ._scoring.calibration import Fit, fit_all
from ._scoring.consensus import character_of
from ._scoring.records import ClipScore
from ._scoring.settings import ScoreSettings
from ._store import Store, Take

VERDICTS = ("good", "bad")


@dataclass(frozen=True)
class Approval:
    """A take approved as the anchor of the characters it shows."""

    scene_id: str
    take: int
    characters: tuple[str, ...]


def approve(store: Store, provider: str, scene_id: str, take: Take, score: ClipScore) -> Approval:
    """Make ``take`` the anchor of every character whose face its score found."""
    shown = [
        character_of(subject.mention)
        for subject in score.subjects
        if subject.kind == "character" and subject.descriptor is not None
    ]
    characters = tuple(dict.fromkeys(shown))
    if not characters:
        raise UsageError(
            f"{scene_id} take {take.take} shows no character's face to anchor: approve a "
            "take where a character's face is found (see `storyboard takes "
            f"{scene_id}`)"
        )
    for character in characters:
        store.approve(provider, character, take.clip, scene_id)
    return Approval(scene_id, take.take, characters)


def anchors_by_clip(store: Store | None, provider: str) -> dict[str, list[str]]:
    """The characters each approved clip anchors."""
    found: dict[str, list[str]] = {}
    for character, clip in (store.anchors(provider) if store is not None else {}).items():
        found.setdefault(clip, []).append(character)
    return found


def anchor_descriptors(
    store: Store | None, provider: str, scores: Mapping[str, ClipScore]
) -> dict[str, tuple[float, ...]]:
    """Each anchored character's face descriptor in its approved take (``scores`` by clip)."""
    found: dict[str, tuple[float, ...]] = {}
    for character, clip in (store.anchors(provider) if store is not None else {}).items():
        score = scores.get(clip)
        for subject in score.subjects if score else ():
            if character_of(subject.mention) == character and subject.descriptor:
                found[character] = subject.descriptor
                break
    return found


@dataclass(frozen=True)
class Calibration:
    """What ``storyboard calibrate`` found: each threshold's fit, over ``labels`` takes
    (``good`` of them good); ``unscored`` labelled takes could not be used."""

    fits: tuple[Fit, ...]
    labels: int
    good: int
    unscored: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "good": self.good,
            "unscored": self.unscored,
            "thresholds": [fit.as_dict() for fit in self.fits],
        }


def calibrate(store: Store, scores: Mapping[str, ClipScore]) -> Calibration:
    """Fit the thresholds to the labelled takes scored in ``scores`` (by clip, as
    measured), keep those that get more labels right than the defaults, and say how
    well each separates."""
    labels = store.labels()
    labelled = [
        (scores[clip], verdict == "good") for clip, (_, verdict) in labels.items() if clip in scores
    ]
    if not labelled:
        raise UsageError(
            "no labelled take is scored yet: label takes with `storyboard label SCENE "
            "[TAKE] good|bad` and score them (`storyboard score`)"
        )
    fits = fit_all(labelled, ScoreSettings())
    store.remember_calibration({fit.setting: fit.value for fit in fits if fit.adopted})
    good = sum(1 for _, is_good in labelled if is_good)
    return Calibration(tuple(fits), len(labelled), good, len(labels) - len(labelled))
