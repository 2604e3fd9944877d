"""ffmpeg, as imageio-ffmpeg ships it: running it, probing files, grabbing frames.

There is no ffprobe in imageio-ffmpeg, so :func:`probe` reads the stream
summary that ``ffmpeg -i`` prints.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from ._errors import MediaError
from ._fileops import atomic_write

SCORED_FRAMES = 8
"""How many frames a take's consistency score samples (storyboard/_scoring/frames.py)."""


def sampling_step(duration: float, count: int = SCORED_FRAMES) -> str:
    """The seconds, as ffmpeg reads them, from one frame a score samples in a clip
    ``duration`` long to the next: the first frame, then the first at least this long
    after the one before. The preview puts a keyframe at each (its scorer then decodes
    those alone)."""
    return f"{max(duration / count - 0.01, 0.001):.4f}"


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
    _check_length(path, info.duration, expected_duration, tolerance)
    return info


def check_download(path: Path, expected_duration: float, tolerance: float = 1.5) -> None:
    """:func:`check_clip` for a downloaded clip, quickly: a whole MP4 whose header names a
    video track is measured from that header; anything else is left to ffmpeg's probe.

    A build downloads hundreds of clips, and starting ffmpeg for each was most of its
    work; reading the header costs a few reads.
    """
    duration = mp4_duration(path)
    if duration is None:
        check_clip(path, expected_duration, tolerance)
    else:
        _check_length(path, duration, expected_duration, tolerance)


def _check_length(
    path: Path, duration: float, expected_duration: float | None, tolerance: float
) -> None:
    if duration <= 0:
        raise MediaError("the video has no length", path)
    if expected_duration is not None and abs(duration - expected_duration) > max(
        tolerance, expected_duration * 0.25
    ):
        raise MediaError(
            f"the video lasts {duration:.2f} s, expected about {expected_duration:g} s", path
        )


_BOX_HEADER = struct.Struct(">I4s")
_MAX_MOOV_BYTES = 64 * 1024 * 1024


def mp4_duration(path: Path) -> float | None:
    """The duration an MP4's movie header gives, read without ffmpeg; None unless the
    file is plainly whole: boxes from an ``ftyp`` that end exactly where the file ends,
    one ``moov`` with a video track, an ``mdat`` (a file cut short fails here)."""
    try:
        with path.open("rb") as stream:
            boxes = _top_level_boxes(stream, os.fstat(stream.fileno()).st_size)
            if boxes is None or not boxes or boxes[0][0] != b"ftyp":
                return None
            kinds = [kind for kind, _, _ in boxes]
            if kinds.count(b"moov") != 1 or b"mdat" not in kinds:
                return None
            _, start, end = boxes[kinds.index(b"moov")]
            if end - start > _MAX_MOOV_BYTES:
                return None
            stream.seek(start)
            return _movie_duration(stream.read(end - start))
    except (OSError, struct.error):
        return None


def _top_level_boxes(stream: BinaryIO, size: int) -> list[tuple[bytes, int, int]] | None:
    """Each top-level box as (type, payload start, end); None if they do not tile the file."""
    boxes = []
    offset = 0
    while offset < size:
        stream.seek(offset)
        header = stream.read(16)
        box = _box_at(header, 0, size - offset)
        if box is None:
            return None
        kind, payload, end = box
        boxes.append((kind, offset + payload, offset + end))
        offset += end
    return boxes


def _box_at(data: bytes, offset: int, limit: int) -> tuple[bytes, int, int] | None:
    """The box at ``offset`` of ``data``: its type, payload start and end (relative to
    ``data``), or None if its header is cut or it claims more than ``limit`` bytes."""
    if limit < _BOX_HEADER.size or len(data) < offset + _BOX_HEADER.size:
        return None
    size, kind = _BOX_HEADER.unpack_from(data, offset)
    header = _BOX_HEADER.size
    if size == 1:
        if len(data) < offset + 16:
            return None
        (size,) = struct.unpack_from(">Q", data, offset + 8)
        header = 16
    elif size == 0:
        size = limit
    if size < header or size > limit:
        return None
    return kind, offset + header, offset + size


def _children(data: bytes, start: int, end: int) -> dict[bytes, list[tuple[int, int]]]:
    """The boxes inside ``data[start:end]`` by type, each as (payload start, end)."""
    found: dict[bytes, list[tuple[int, int]]] = {}
    offset = start
    while offset < end:
        box = _box_at(data, offset, end - offset)
        if box is None:
            raise struct.error("a box runs past its parent")
        kind, payload, box_end = box
        found.setdefault(kind, []).append((payload, box_end))
        offset = box_end
    return found


def _movie_duration(moov: bytes) -> float | None:
    """Seconds from ``mvhd``, if a ``trak`` holds video (``hdlr`` of type ``vide``)."""
    inside = _children(moov, 0, len(moov))
    if not inside.get(b"mvhd") or not any(
        _is_video_track(moov, start, end) for start, end in inside.get(b"trak", [])
    ):
        return None
    start, _ = inside[b"mvhd"][0]
    if moov[start] == 1:
        timescale, duration = struct.unpack_from(">IQ", moov, start + 20)
    else:
        timescale, duration = struct.unpack_from(">II", moov, start + 12)
    return duration / timescale if timescale else None


def _is_video_track(moov: bytes, start: int, end: int) -> bool:
    for media_start, media_end in _children(moov, start, end).get(b"mdia", []):
        for handler, _ in _children(moov, media_start, media_end).get(b"hdlr", []):
            if moov[handler + 8 : handler + 12] == b"vide":
                return True
    return False


def extract_last_frame(clip: Path, destination: Path) -> None:
    """Write the last frame of ``clip`` as a PNG, atomically."""
    with atomic_write(destination) as temporary:
        run_ffmpeg(
            [
                "-sseof",
                "-1",
                "-i",
                os.fspath(clip),
                # The last second's frames backwards, and only the first of them: one
                # picture encoded, not one per frame.
                "-vf",
                "reverse",
                "-frames:v",
                "1",
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
