"""A clip's frames for scoring: sampled evenly, decoded in one pass of ffmpeg."""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from .._errors import MediaError
from .._media import SCORED_FRAMES, ffmpeg_exe, probe, sampling_step
from .keyframes import frame_index, sampled_frames
from .native import FoundFace, Image, Keypoints, Stack, Vector
from .settings import ScoreSettings

SAMPLED_FRAMES = SCORED_FRAMES
DESCRIBE_EVERY = 3
"""A face followed from the sampled frame before keeps the descriptor read there, read
afresh every third frame: the descriptor is the costly step of scoring a face, and a
face followed a fraction of a second on is the same person."""
UNCHANGED_CHIP = 8.0
"""A followed face keeps that descriptor past the third frame while its chip stays this
close to the chip the descriptor was read off (the mean absolute difference of their grey
pixels, of 255): read again, it would differ by no more than alignment's own noise.
Measured on the test and example clips: the same face pasted still, aligned afresh in
each frame, differs by 2 to 4 (descriptors 0.05 to 0.08 apart); a face that turns or
scales, by 17 to 25 (0.15 to 0.21); another person, by 70."""
FOLLOWED_HEIGHT = (0.75, 4 / 3)
"""A face followed a sampled frame on has between these multiples of the height it had
(so it is searched for around where it was on a copy just fine enough for the lower)."""
KEYPOINTS_EVERY = 2
"""What has no face is looked for in every other sampled frame (the first, third ...):
SIFT keypoints are the costliest step of a frame, and a prop or a place moves less than
a face and matches on many details at once."""


@dataclass(frozen=True)
class SeenFace:
    """A face in a sampled frame: its box (x, y, width, height), aligned chip, and its
    descriptor, read off the face ``age`` sampled frames earlier (0: in this frame) from
    the grey chip ``described``."""

    box: tuple[int, int, int, int]
    chip: Image
    descriptor: Vector
    described: Image
    age: int = 0


def sample_frames(clip: Path, count: int = SAMPLED_FRAMES) -> Iterator[Image]:
    """``count`` RGB frames of ``clip``: the first, then one every duration / count seconds.

    Each frame is handed over as soon as ffmpeg has decoded it, so the caller works on
    one while ffmpeg decodes the next (on the other core); ffmpeg decodes in one thread,
    which costs less CPU than its threads would. When every frame it samples is a
    keyframe, it decodes the keyframes alone (the same pixels, a third of the CPU)."""
    info = probe(clip)
    step = sampling_step(info.duration, count)
    index = frame_index(clip)
    keyframes_only = index is not None and all(
        number in index.keyframes for number in sampled_frames(index.times, float(step), count)
    )
    command = [
        *(ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", "1"),
        *(("-skip_frame", "nokey") if keyframes_only else ()),
        *("-i", os.fspath(clip), "-an"),
        *("-vf", f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{step})'"),
        *("-fps_mode", "vfr", "-frames:v", str(count)),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
    ]
    frame_bytes = info.width * info.height * 3
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:
        assert ffmpeg.stdout is not None and ffmpeg.stderr is not None
        try:
            read = 0
            while chunk := ffmpeg.stdout.read(frame_bytes):
                if len(chunk) < frame_bytes:
                    break
                read += 1
                yield np.frombuffer(chunk, dtype=np.uint8).reshape(info.height, info.width, 3)
        finally:
            ffmpeg.kill()
        log = ffmpeg.stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    if not read or (ffmpeg.returncode not in (0, -9) and log):
        raise MediaError("cannot read its frames to score them: " + " | ".join(log), clip)


def read_picture(path: Path) -> Image:
    """A reference image or a start frame as RGB pixels."""
    with PILImage.open(path) as picture:
        return np.asarray(picture.convert("RGB"), dtype=np.uint8)


def sampled(
    clip: Path,
    stack: Stack,
    settings: ScoreSettings,
    prepare: Callable[[SampledFrame], None],
    count: int = SAMPLED_FRAMES,
) -> list[SampledFrame]:
    """The clip's ``count`` sampled frames, each knowing the one before; ``prepare`` is
    called on each as it arrives (to find what the subjects will ask for while ffmpeg
    decodes on)."""
    frames: list[SampledFrame] = []
    if not count:
        return frames
    for pixels in sample_frames(clip, count):
        frames.append(SampledFrame(pixels, stack, settings, frames[-1] if frames else None))
        prepare(frames[-1])
    return frames


class SampledFrame:
    """One sampled frame, with its faces and keypoints worked out once, when first asked."""

    def __init__(
        self,
        pixels: Image,
        stack: Stack,
        settings: ScoreSettings,
        before: SampledFrame | None = None,
    ) -> None:
        self.pixels = pixels
        self.height = pixels.shape[0]
        self._stack = stack
        self._settings = settings
        self._faces: list[SeenFace] | None = None
        self.before = before
        """The frame sampled before this one: faces are searched for around its faces first."""
        self._keypoints: Keypoints | Future[Keypoints] | None = None
        self.index: int = before.index + 1 if before else 0
        """Its place among the clip's sampled frames, from 0."""

    @property
    def matched(self) -> bool:
        """Whether what has no face is looked for in this frame (:data:`KEYPOINTS_EVERY`)."""
        return self.index % KEYPOINTS_EVERY == 0

    def faces(self, wanted: int = 1) -> list[SeenFace]:
        """The faces in the frame, with their descriptors (:data:`DESCRIBE_EVERY`)."""
        if self._faces is None:
            earlier = self.before.faces(wanted) if self.before else []
            found = self._found(wanted, earlier)
            self._faces = [self._seen(face, found, earlier) for face in found]
        return self._faces

    def _found(self, wanted: int, earlier: list[SeenFace]) -> list[FoundFace]:
        """Around the faces of the frame before first, when it showed at least ``wanted``
        (the people the scene mentions) and they are all still there; else everywhere."""
        width = self._settings.detect_width
        if earlier and len(earlier) >= wanted:
            boxes = [face.box for face in earlier]
            found = self._stack.faces(self.pixels, width, boxes, FOLLOWED_HEIGHT[0])
            if len(found) >= len(earlier):
                return found
        return self._stack.faces(self.pixels, width)

    def _seen(self, face: FoundFace, found: list[FoundFace], earlier: list[SeenFace]) -> SeenFace:
        followed = _followed(face, found, earlier)
        described = self._stack.grey(face.described)
        if followed is not None and (
            followed.age + 1 < DESCRIBE_EVERY or _unchanged(described, followed.described)
        ):
            kept = followed.descriptor
            return SeenFace(face.box, face.chip, kept, followed.described, followed.age + 1)
        return SeenFace(face.box, face.chip, self._stack.descriptor(face), described)

    def find_keypoints(self, helper: Executor) -> None:
        """Start finding the frame's keypoints on ``helper`` (:meth:`keypoints` waits)."""
        if self._keypoints is None:
            side = self._settings.keypoint_side
            self._keypoints = helper.submit(self._stack.keypoints, self.pixels, side)

    def keypoints(self) -> Keypoints:
        if self._keypoints is None:
            self._keypoints = self._stack.keypoints(self.pixels, self._settings.keypoint_side)
        if isinstance(self._keypoints, Future):
            self._keypoints = self._keypoints.result()
        return self._keypoints


def _followed(face: FoundFace, found: list[FoundFace], earlier: list[SeenFace]) -> SeenFace | None:
    """The face of the frame before that ``face`` continues: the only one it is near,
    near no other face of this frame; None for a new face, or when it is unclear."""
    near = [old for old in earlier if _continues(face.box, old.box)]
    if len(near) != 1 or sum(_continues(other.box, near[0].box) for other in found) != 1:
        return None
    return near[0]


def _unchanged(chip: Image, described: Image) -> bool:
    """Whether a face's grey descriptor chip is :data:`UNCHANGED_CHIP` close to the one
    its followed descriptor was read off."""
    difference = np.abs(chip.astype(np.int16) - described.astype(np.int16)).mean()
    return bool(difference < UNCHANGED_CHIP)


def _continues(box: tuple[int, int, int, int], earlier: tuple[int, int, int, int]) -> bool:
    """Whether a face at ``box`` may be the one at ``earlier`` a sampled frame on: its
    centre moved less than twice that face's width (as far as a face is searched for around
    it), and its height changed by under a third."""
    left, top, width, height = box
    was_left, was_top, was_width, was_height = earlier
    moved = math.hypot(
        left + width / 2 - was_left - was_width / 2, top + height / 2 - was_top - was_height / 2
    )
    shortest, tallest = FOLLOWED_HEIGHT
    return moved < 2 * was_width and shortest < height / was_height < tallest
