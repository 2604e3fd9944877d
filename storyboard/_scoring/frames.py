"""A clip's frames for scoring: sampled evenly, decoded in one pass of ffmpeg."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from .._errors import MediaError
from .._media import ffmpeg_exe, probe
from .native import FoundFace, Image, Keypoints, Stack
from .settings import ScoreSettings

SAMPLED_FRAMES = 8


def sample_frames(clip: Path, count: int = SAMPLED_FRAMES) -> Iterator[Image]:
    """``count`` RGB frames of ``clip``: the first, then one every duration / count seconds.

    Each frame is handed over as soon as ffmpeg has decoded it, so the caller works on
    one while ffmpeg decodes the next (on the other core)."""
    info = probe(clip)
    step = max(info.duration / count - 0.01, 0.001)
    command = [
        *(ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"),
        *("-i", os.fspath(clip), "-an"),
        *("-vf", f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{step:.4f})'"),
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
    clip: Path, stack: Stack, settings: ScoreSettings, prepare: Callable[[SampledFrame], None]
) -> list[SampledFrame]:
    """The clip's sampled frames, each knowing the one before; ``prepare`` is called on
    each as it arrives (to find what the subjects will ask for while ffmpeg decodes on)."""
    frames: list[SampledFrame] = []
    for pixels in sample_frames(clip):
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
        self._faces: list[FoundFace] | None = None
        self.before = before
        """The frame sampled before this one: faces are searched for around its faces first."""
        self._keypoints: Keypoints | None = None

    def faces(self, wanted: int = 1) -> list[FoundFace]:
        """The faces in the frame. Around the faces of the frame before first, when it
        showed at least ``wanted`` (the people the scene mentions) and they are all still
        there; else everywhere."""
        if self._faces is None:
            width = self._settings.detect_width
            before = self.before.faces(wanted) if self.before else None
            if before and len(before) >= wanted:
                near = [face.box for face in before]
                self._faces = self._stack.faces(self.pixels, width, near)
                if len(self._faces) < len(before):
                    self._faces = None
            if self._faces is None:
                self._faces = self._stack.faces(self.pixels, width)
        return self._faces

    def keypoints(self) -> Keypoints:
        if self._keypoints is None:
            self._keypoints = self._stack.keypoints(self.pixels, self._settings.keypoint_side)
        return self._keypoints
