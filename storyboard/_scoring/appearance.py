"""Scoring what has no face (animals, props, wardrobe, locations), with no model weights:
SIFT keypoints matched to the reference for presence and copies, hue-saturation
histograms for colour. It recognises this picture's details, not the category: a
re-drawn object with few matching details reads as absent, never as a mismatch."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .flags import Sightings, subject_score
from .frames import SampledFrame
from .native import Image, Keypoints, Stack
from .records import SubjectScore
from .settings import ScoreSettings

INLIER_SCALE = 20.0
"""cross = 1 - exp(-inliers / INLIER_SCALE): 10 inliers read 0.39, 60 read 0.95."""


@dataclass(frozen=True)
class AppearanceReference:
    keypoints: Keypoints
    colour: npt.NDArray[np.float32]


def appearance_reference(
    picture: Image, stack: Stack, settings: ScoreSettings
) -> AppearanceReference:
    return AppearanceReference(
        stack.keypoints(picture, settings.keypoint_side), stack.hue_saturation(picture)
    )


def score_appearance(
    mention: str,
    kind: str,
    reference: AppearanceReference,
    frames: list[SampledFrame],
    stack: Stack,
    settings: ScoreSettings,
) -> SubjectScore:
    """Cross from the SIFT matches that agree on one homography, per frame found in, of
    the frames it is looked for in (:data:`~storyboard._scoring.frames.KEYPOINTS_EVERY`)."""
    looked_in = [frame for frame in frames if frame.matched]
    sightings = Sightings(frames=len(looked_in))
    for frame in looked_in:
        height, width = frame.pixels.shape[:2]
        match = stack.locate(reference.keypoints, frame.keypoints(), (width, height))
        if match.inliers < settings.match_inliers:
            continue
        left, top, box_width, box_height = match.box
        sightings.seen(1.0 - math.exp(-match.inliers / INLIER_SCALE), frame.index, match.box)
        sightings.recognised += 1
        sightings.sizes.append(box_height / height)
        sightings.copies.append(float(match.rigid))
        crop = frame.pixels[top : top + max(box_height, 1), left : left + max(box_width, 1)]
        sightings.colours.append(
            stack.histogram_correlation(stack.hue_saturation(crop), reference.colour)
        )
    return subject_score(mention, kind, "appearance", sightings, settings, mismatched=False)
