"""The film's profile: one frame, one rate, one set of encoder settings.

Every piece of a film (normalised clips, their crossfade pieces, crossfade
segments, cards, slates) is encoded to the same profile, so that pieces can
be joined by stream copy. This module is the one place that knows the
encoder settings, and it hands out the filter tails and encoder arguments
every producer uses.

Audio needs care to be joined by stream copy. AAC codes audio in frames of
1024 samples and its encoder starts every stream with one "priming" frame.
Copied end to end, each piece would add that frame and the padding of its
last frame, and sound would drift from picture a little at every join. So a
piece's audio is padded to a whole number of AAC frames and its priming
frame is dropped (see :func:`Profile.piece_audio_args`); :mod:`.concat` then
chooses, join by join, how many of those frames to keep.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .._format import ExportSettings
from .._limits import frame_size

AAC_FRAME = 1024
"""Samples in one AAC frame."""

RECIPE_VERSION = 1
"""Bump when the way pieces are made changes, so old cached pieces are not reused."""


@dataclass(frozen=True)
class Profile:
    """Size, rate, pixel format, sound and encoder settings shared by a film's pieces."""

    width: int
    height: int
    fps: int
    pixel_format: str = "yuv420p"
    audio_rate: int = 48000
    audio_layout: str = "stereo"
    audio_channels: int = 2
    video_codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 20
    h264_profile: str = "high"
    audio_codec: str = "aac"
    audio_bitrate: str = "160k"

    @classmethod
    def for_film(cls, settings: ExportSettings, aspect_ratio: str, resolution: str) -> Profile:
        """The profile of a film with these export settings and this frame."""
        width, height = frame_size(aspect_ratio, resolution)
        return cls(width=width, height=height, fps=settings.fps)

    @property
    def digest(self) -> str:
        """A short hash of every field, naming this profile's cached pieces."""
        fields = {**asdict(self), "recipe": RECIPE_VERSION}
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def seconds(self, frames: int) -> float:
        """The length of ``frames`` frames."""
        return frames / self.fps

    def frames(self, seconds: float) -> int:
        """The nearest whole number of frames to ``seconds``."""
        return round(seconds * self.fps)

    def samples(self, frames: int) -> int:
        """Audio samples that play alongside ``frames`` frames."""
        return round(frames * self.audio_rate / self.fps)

    def padded_samples(self, frames: int) -> int:
        """Audio samples a piece of ``frames`` frames holds: whole AAC frames, at least as long."""
        return math.ceil(self.samples(frames) / AAC_FRAME) * AAC_FRAME

    def fit_filter(self) -> str:
        """Scale to fit inside the frame without stretching, then pad (letterbox or pillarbox)."""
        return (
            f"scale={self.width}:{self.height}:force_original_aspect_ratio=decrease"
            ":force_divisible_by=2:out_color_matrix=bt709:out_range=tv,"
            f"pad={self.width}:{self.height}:(ow-iw)/2:(oh-ih)/2:color=black"
        )

    def picture_tail(self) -> str:
        """Filters that end every picture: square pixels, BT.709 tags, the pixel format."""
        return (
            "setsar=1,setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709,"
            f"format={self.pixel_format}"
        )

    def video_tail(self, frames: int) -> str:
        """Filters that make a picture stream exactly ``frames`` frames in this profile."""
        return (
            f"fps={self.fps},tpad=stop_mode=clone:stop=-1,trim=end_frame={frames},"
            f"setpts=PTS-STARTPTS,{self.picture_tail()}"
        )

    def audio_tail(self, frames: int) -> str:
        """Filters that make a sound stream in this profile, padded to whole AAC frames."""
        return (
            f"aresample={self.audio_rate},"
            f"aformat=sample_fmts=fltp:sample_rates={self.audio_rate}"
            f":channel_layouts={self.audio_layout},"
            f"apad,atrim=end_sample={self.padded_samples(frames)},asetpts=PTS-STARTPTS"
        )

    def silence_input(self) -> list[str]:
        """ffmpeg input arguments for an endless silent track."""
        return [
            "-f",
            "lavfi",
            "-i",
            f"anullsrc=r={self.audio_rate}:cl={self.audio_layout}",
        ]

    def video_args(self) -> list[str]:
        """H.264 encoder arguments, identical for every piece so streams can be copied together."""
        return ["-c:v", self.video_codec, "-preset", self.preset, *self.encoder_settings()]

    def encoder_settings(self) -> list[str]:
        """The encoder settings besides codec and preset (which moviepy takes by name)."""
        return [
            "-crf",
            str(self.crf),
            "-profile:v",
            self.h264_profile,
            "-g",
            str(self.fps * 2),
            "-pix_fmt",
            self.pixel_format,
            *self.timescale_args(),
        ]

    def timescale_args(self) -> list[str]:
        """One MP4 time scale for every piece's picture, a whole number of ticks per frame."""
        return ["-video_track_timescale", str(self.fps * 1000)]

    def audio_args(self) -> list[str]:
        """AAC encoder arguments for a finished film."""
        return [
            "-c:a",
            self.audio_codec,
            "-b:a",
            self.audio_bitrate,
            "-ar",
            str(self.audio_rate),
            "-ac",
            str(self.audio_channels),
        ]

    def piece_audio_args(self) -> list[str]:
        """AAC encoder arguments for a piece: the priming frame is dropped (see the module doc)."""
        return [*self.audio_args(), "-bsf:a", r"noise=drop=eq(n\,0)"]

    def piece_output(self, video: str, audio: str) -> list[str]:
        """Map two filter outputs and encode them as a piece of this profile."""
        return [
            "-map",
            f"[{video}]",
            "-map",
            f"[{audio}]",
            *self.video_args(),
            *self.piece_audio_args(),
        ]


def overlap_frames(transition: str, seconds: float, lengths: Sequence[int], fps: int) -> int:
    """Frames each crossfade lasts: ``seconds`` at ``fps``, shortened so every shot keeps a body.

    Zero for a plain cut or a film of one shot.
    """
    if transition != "crossfade" or len(lengths) < 2:
        return 0
    wanted = max(1, round(seconds * fps))
    return min([wanted, *((frames - 1) // 2 for frames in lengths)])
