"""Which frames of an MP4 clip are keyframes, read from its index (no decoding).

A keyframe decodes on its own; any other frame needs every frame since the keyframe
before it. When each frame the scorer samples is a keyframe, ffmpeg can decode the
keyframes alone (``-skip_frame nokey``) and hand over the very same pixels for a fraction
of the CPU. This reads the video track's sample times (``stts``) and keyframes (``stss``)
from the file's ``moov`` box; anything it does not expect (no index, frames reordered
for B-frames, an edit list that shifts the start) answers None, and the clip is decoded
in full as before.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
_MOOV_LIMIT = 64 * 1024 * 1024
"""An index larger than this is not read (a 5 s clip's is a few kB)."""


@dataclass(frozen=True)
class FrameIndex:
    """A video track's frame times (seconds, in order) and its keyframes (0-based)."""

    times: tuple[float, ...]
    keyframes: frozenset[int]


def frame_index(clip: Path) -> FrameIndex | None:
    """The clip's video frame times and keyframes, or None when they cannot be read
    plainly (then the clip is decoded in full)."""
    try:
        with clip.open("rb") as file:
            moov = _top_box(file, b"moov")
        return _video_index(moov) if moov is not None else None
    except (OSError, struct.error, ValueError):
        return None


def sampled_frames(times: tuple[float, ...], step: float, count: int) -> list[int]:
    """The frames ffmpeg's ``select='isnan(prev_selected_t)+gte(t-prev_selected_t,STEP)'``
    picks, up to ``count``: the first, then each first frame ``step`` after the last picked."""
    picked: list[int] = []
    for number, time in enumerate(times):
        if len(picked) == count:
            break
        if not picked or time - times[picked[-1]] >= step:
            picked.append(number)
    return picked


def _top_box(file: BinaryIO, wanted: bytes) -> bytes | None:
    """The payload of the top-level box ``wanted``, found by skipping the others (the
    clip's pictures are not read)."""
    while len(header := file.read(8)) == 8:
        size, kind = struct.unpack(">I4s", header)
        taken = 8
        if size == 1:
            size = struct.unpack(">Q", file.read(8))[0]
            taken = 16
        if kind == wanted:
            length = _MOOV_LIMIT if size == 0 else size - taken
            return file.read(length) if 0 <= length <= _MOOV_LIMIT else None
        if size < taken:
            return None
        file.seek(size - taken, os.SEEK_CUR)
    return None


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The boxes in ``data`` (type, payload), descending into the containers."""
    at = 0
    while at + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        start = at + 8
        if size == 1:
            size = struct.unpack_from(">Q", data, start)[0]
            start += 8
        end = len(data) if size == 0 else at + size
        if end <= at or end > len(data):
            raise ValueError("a box runs past its parent")
        yield kind, data[start:end]
        if kind in _CONTAINERS:
            yield from _boxes(data[start:end])
        at = end


def _video_index(moov: bytes) -> FrameIndex | None:
    for kind, trak in _boxes(moov):
        if kind != b"trak":
            continue
        boxes = dict(_boxes(trak))
        handler = boxes.get(b"hdlr", b"")
        if handler[8:12] != b"vide":
            continue
        if b"ctts" in boxes or _shifted(boxes.get(b"elst")):
            return None  # frames shown in another order than stored, or a shifted start
        stts, stss = boxes.get(b"stts"), boxes.get(b"stss")
        if stts is None or stss is None:
            return None  # no index, or every frame a keyframe (nothing to gain)
        scale = _timescale(boxes[b"mdhd"])
        times: list[float] = []
        ticks = 0
        (entries,) = struct.unpack_from(">I", stts, 4)
        for number in range(entries):
            frames, delta = struct.unpack_from(">II", stts, 8 + 8 * number)
            for _ in range(frames):
                times.append(ticks / scale)
                ticks += delta
        (keys,) = struct.unpack_from(">I", stss, 4)
        keyframes = frozenset(n - 1 for n in struct.unpack_from(f">{keys}I", stss, 8))
        return FrameIndex(tuple(times), keyframes)
    return None


def _timescale(mdhd: bytes) -> int:
    offset = 20 if mdhd[0] == 1 else 12
    (scale,) = struct.unpack_from(">I", mdhd, offset)
    if not scale:
        raise ValueError("no timescale")
    return int(scale)


def _shifted(elst: bytes | None) -> bool:
    """Whether an edit list starts the track anywhere but at its first frame."""
    if elst is None:
        return False
    version = elst[0]
    (entries,) = struct.unpack_from(">I", elst, 4)
    if entries != 1:
        return True
    wide = version == 1
    (media_time,) = struct.unpack_from(">q" if wide else ">i", elst, 16 if wide else 12)
    return bool(media_time != 0)
