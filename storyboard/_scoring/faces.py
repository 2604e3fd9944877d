"""Scoring a person: dlib face descriptors for identity, aligned chips for copies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .flags import Sightings, subject_score
from .frames import SampledFrame
from .native import FoundFace, Image, Stack, Vector
from .records import SubjectScore
from .settings import ScoreSettings


@dataclass(frozen=True)
class FaceReference:
    """The largest face of a reference image, its descriptor, and the colour of its chip."""

    face: FoundFace
    descriptor: Vector
    colour: npt.NDArray[np.float32]


def face_reference(picture: Image, stack: Stack, settings: ScoreSettings) -> FaceReference | None:
    """The reference's face, or None when it shows none (then its appearance is scored)."""
    faces = stack.faces(picture, max(settings.detect_width, picture.shape[1]))
    if not faces:
        return None
    largest = max(faces, key=lambda face: face.box[2] * face.box[3])
    return FaceReference(largest, stack.descriptor(largest), stack.hue_saturation(largest.chip))


def score_face(
    mention: str,
    kind: str,
    reference: FaceReference,
    frames: list[SampledFrame],
    stack: Stack,
    settings: ScoreSettings,
    people: int = 1,
) -> SubjectScore:
    """Cross (1 - median distance of the likeliest face per frame), presence and flags;
    the descriptor kept for *self* is the mean of the likeliest faces. ``people``: how
    many faces the scene mentions (faces are followed from frame to frame once found)."""
    sightings = Sightings(frames=len(frames))
    distances: list[float] = []
    likeliest: list[Vector] = []
    anchor = reference.descriptor
    for index, frame in enumerate(frames):
        faces = frame.faces(people)
        if not faces:
            continue
        gaps = [float(np.linalg.norm(face.descriptor - anchor)) for face in faces]
        best = int(np.argmin(gaps))
        face = faces[best]
        distances.append(gaps[best])
        likeliest.append(face.descriptor)
        sightings.seen(1.0 - gaps[best], index, face.box)
        if gaps[best] > settings.face_distance:
            continue
        sightings.recognised += 1
        sightings.sizes.append(face.box[3] / frame.height)
        sightings.colours.append(
            stack.histogram_correlation(stack.hue_saturation(face.chip), reference.colour)
        )
        sightings.copies.append(_chip_likeness(face.chip, reference.face.chip, stack))
    mismatched = bool(distances) and float(np.median(distances)) > settings.face_distance
    descriptor = tuple(np.mean(likeliest, axis=0).round(5).tolist()) if likeliest else None
    kept = tuple(anchor.round(5).tolist())
    return subject_score(mention, kind, "face", sightings, settings, mismatched, descriptor, kept)


def _chip_likeness(chip: Image, reference: Image, stack: Stack) -> float:
    """Pixel correlation of two aligned chips, the better of as-is and mirrored."""
    target = _centred(stack.grey(reference))
    plain = _centred(stack.grey(chip))
    mirrored = plain[:, ::-1]
    return max(_correlation(plain, target), _correlation(mirrored, target))


def _centred(grey: Image) -> Vector:
    values = grey.astype(np.float64)
    return np.asarray(values - values.mean(), dtype=np.float64)


def _correlation(first: Vector, second: Vector) -> float:
    scale = float(np.sqrt((first * first).sum() * (second * second).sum()))
    return float((first * second).sum() / scale) if scale else 0.0
