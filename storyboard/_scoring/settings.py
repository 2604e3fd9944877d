"""The thresholds the flags are drawn with: settings, with the defaults documented in
docs/consistency.md (starting values from the feasibility study's measurements)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreSettings:
    """Every threshold of the scorer. A face's *distance* is the L2 distance of two dlib
    descriptors; its *cross* is 1 - distance (not an ArcFace cosine)."""

    face_distance: float = 0.60
    """At most this far from the reference is the same person (dlib's own threshold)."""
    detect_width: int = 640
    """Frames are searched for faces at this width (faces under ~1/9 of a 720p frame's
    height are not found there)."""
    match_inliers: int = 10
    """A non-face subject is found where at least this many SIFT matches agree."""
    keypoint_side: int = 640
    """Keypoints are taken on pictures shrunk to this longest side."""
    present_share: float = 0.5
    """Found in fewer of the sampled frames than this: `intermittent`."""
    small_share: float = 0.12
    """Found, but its median height is under this share of the frame's: `small`."""
    colour_correlation: float = 0.30
    """Hue-saturation histograms correlating under this: `colour-drift`."""
    copy_correlation: float = 0.90
    """A face chip correlating at least this with the reference's (mirror-aware): `copy-paste`."""
    copy_inliers: int = 60
    """A non-face subject matched by at least this many SIFT inliers: `copy-paste`."""
    continuity_correlation: float = 0.50
    """A start-frame scene whose first frame correlates under this with that frame: `jump`."""
