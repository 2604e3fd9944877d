"""Scoring one clip against the assets its scene mentions (and the frame it started from).

A :class:`Scorer` loads the models once and remembers each reference image it
has read, so a process scores many clips for the price of one load. A clip's
frames are decoded once (:func:`sample_frames`), only as many as are looked at (none
for a clip with nothing to score, the first for continuity alone); faces and
keypoints are found once per frame, whichever subjects ask for them (faces in every sampled
frame, keypoints in every other), the keypoints on a thread of their own beside the faces
(OpenCV lets go of the GIL while it works).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .appearance import AppearanceReference, appearance_reference, score_appearance
from .crops import cut_crop
from .faces import FaceReference, face_reference, score_face
from .frames import SAMPLED_FRAMES, SampledFrame, read_picture, sampled
from .native import Image, Stack, Vector, load_stack
from .records import SCORER_VERSION, ClipScore, Subject, SubjectScore
from .settings import ScoreSettings

THUMBNAIL = (64, 36)
"""Continuity compares small grey thumbnails: the framing and light, not the details."""


class Scorer:
    """Scores clips; one per process is enough (it keeps the models and references)."""

    def __init__(self, settings: ScoreSettings | None = None, stack: Stack | None = None) -> None:
        self.settings = settings or ScoreSettings()
        self.stack = stack or load_stack()
        self._references: dict[tuple[Path, bool], FaceReference | AppearanceReference] = {}
        self._keypoints = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keypoints")

    def score(
        self, clip: Path, subjects: Sequence[Subject], start_frame: Path | None = None
    ) -> ClipScore:
        """The clip's score for each subject, and its continuity with ``start_frame``."""
        references = [self._reference(subject) for subject in subjects]
        people = sum(isinstance(reference, FaceReference) for reference in references)
        objects = len(references) - people

        def prepare(frame: SampledFrame) -> None:
            if objects and frame.matched:
                frame.find_keypoints(self._keypoints)
            if people:
                frame.faces(people)

        wanted = SAMPLED_FRAMES if subjects else int(start_frame is not None)
        frames = sampled(clip, self.stack, self.settings, prepare, wanted)
        scores = tuple(
            _with_crop(self._score_subject(subject, reference, frames, people), frames)
            for subject, reference in zip(subjects, references, strict=True)
        )
        continuity = None
        flags: tuple[str, ...] = ()
        if start_frame is not None and frames:
            continuity = self._continuity(read_picture(start_frame), frames[0].pixels)
            if continuity < self.settings.continuity_correlation:
                flags = ("jump",)
        return ClipScore(SCORER_VERSION, len(frames), scores, continuity, flags)

    def _score_subject(
        self,
        subject: Subject,
        reference: FaceReference | AppearanceReference,
        frames: list[SampledFrame],
        people: int,
    ) -> SubjectScore:
        if isinstance(reference, FaceReference):
            return score_face(
                subject.mention, subject.kind, reference, frames, self.stack, self.settings, people
            )
        return score_appearance(
            subject.mention, subject.kind, reference, frames, self.stack, self.settings
        )

    def _reference(self, subject: Subject) -> FaceReference | AppearanceReference:
        """A character by its face when its picture shows one; anything else (a character
        without a face, a prop, wardrobe, a location) by its appearance, even when a face
        is in its picture."""
        person = subject.kind == "character"
        known = self._references.get((subject.image, person))
        if known is None:
            picture = read_picture(subject.image)
            face = face_reference(picture, self.stack, self.settings) if person else None
            known = face or appearance_reference(picture, self.stack, self.settings)
            self._references[subject.image, person] = known
        return known

    def _continuity(self, start: Image, first: Image) -> float:
        before = self._thumbnail(start)
        after = self._thumbnail(first)
        scale = float(np.sqrt((before * before).sum() * (after * after).sum()))
        return round(float((before * after).sum() / scale), 4) if scale else 0.0

    def _thumbnail(self, picture: Image) -> Vector:
        values = self.stack.fitted(self.stack.grey(picture), THUMBNAIL).astype(np.float64)
        return np.asarray(values - values.mean(), dtype=np.float64)


def _with_crop(score: SubjectScore, frames: list[SampledFrame]) -> SubjectScore:
    """The score with the crop of where its subject was found best, if it was."""
    if score.found is None:
        return score
    return dataclasses.replace(score, crop=cut_crop(frames[score.found.frame].pixels, score.found))
