"""ffmpeg, as imageio-ffmpeg ships it: running it, probing files, grabbing frames.

There is no ffprobe in imageio-ffmpeg, so :func:`probe` reads the stream
summary that ``ffmpeg -i`` prints.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ._errors import MediaError
from ._fileops import atomic_write


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg  # only when ffmpeg runs: plan and status seldom need it

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: list[str], *, what: str, input_bytes: bytes | None = None) -> None:
    """Run ffmpeg quietly; raise MediaError with the end of its log on failure."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    if input_bytes is not None:
        command.remove("-nostdin")
    result = subprocess.run(command, input=input_bytes, capture_output=True, check=False)
    if result.returncode != 0:
        log = result.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise MediaError(f"ffmpeg could not {what}: " + " | ".join(log))


@dataclass(frozen=True)
class MediaInfo:
    """What a media file holds, as ffmpeg sees it."""

    duration: float
    width: int
    height: int
    fps: float
    video_codec: str
    pixel_format: str
    has_audio: bool
    audio_codec: str | None = None
    audio_rate: int | None = None
    audio_channels: int | None = None


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)[^,]*?(?:\([^)]*\))?, (\d+)x(\d+)")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)[^,]*, (\d+) Hz, ([\w.]+)")


def probe(path: Path) -> MediaInfo:
    """Describe a video file, or raise MediaError if ffmpeg cannot read it."""
    if not path.is_file():
        raise MediaError("no such file", path)
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", os.fspath(path)],
        capture_output=True,
        check=False,
    )
    text = result.stderr.decode("utf-8", "replace")
    duration = _DURATION.search(text)
    video = _VIDEO.search(text)
    if "Invalid data" in text or not duration or not video:
        raise MediaError("not a readable video", path)
    hours, minutes, seconds = duration.groups()
    fps = _FPS.search(text[video.start() :].splitlines()[0])
    audio = _AUDIO.search(text)
    return MediaInfo(
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        video_codec=video.group(1),
        pixel_format=video.group(2),
        width=int(video.group(3)),
        height=int(video.group(4)),
        fps=float(fps.group(1)) if fps else 0.0,
        has_audio=audio is not None,
        audio_codec=audio.group(1) if audio else None,
        audio_rate=int(audio.group(2)) if audio else None,
        audio_channels=_channel_count(audio.group(3)) if audio else None,
    )


def _channel_count(layout: str) -> int:
    named = {"mono": 1, "stereo": 2, "5.1": 6, "7.1": 8}
    if layout in named:
        return named[layout]
    digits = re.match(r"(\d+)", layout)
    return int(digits.group(1)) if digits else 2


def check_clip(path: Path, expected_duration: float | None, tolerance: float = 1.5) -> MediaInfo:
    """Probe a clip and make sure it is about as long as asked."""
    info = probe(path)
    if info.duration <= 0:
        raise MediaError("the video has no length", path)
    if expected_duration is not None and abs(info.duration - expected_duration) > max(
        tolerance, expected_duration * 0.25
    ):
        raise MediaError(
            f"the video lasts {info.duration:.2f} s, expected about {expected_duration:g} s", path
        )
    return info


def extract_last_frame(clip: Path, destination: Path) -> None:
    """Write the last frame of ``clip`` as a PNG, atomically."""
    with atomic_write(destination) as temporary:
        run_ffmpeg(
            [
                "-sseof",
                "-1",
                "-i",
                os.fspath(clip),
                "-update",
                "1",
                "-f",
                "image2",
                os.fspath(temporary),
            ],
            what=f"read the last frame of {clip.name}",
        )
        if not temporary.exists():
            run_ffmpeg(
                ["-i", os.fspath(clip), "-update", "1", "-f", "image2", os.fspath(temporary)],
                what=f"read the last frame of {clip.name}",
            )
