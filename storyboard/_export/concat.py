"""Joining pieces by stream copy, with ffmpeg's concat demuxer.

Nothing is decoded or encoded here: the film is the pieces' packets, one
after another. Picture and sound are read through two lists of the same
files. The picture list gives each piece its exact length in frames. The
sound list keeps, for each piece, either all its whole AAC frames or all but
the last, whichever keeps the sound's running end nearest the picture's; so
sound never drifts from picture by more than half an AAC frame (about 11 ms
at 48 kHz), however many pieces a film has.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from .._errors import ExportError
from .._media import run_ffmpeg
from .cache import Piece
from .profile import AAC_FRAME, Profile


def join(pieces: Sequence[Piece], profile: Profile, work: Path, output: Path) -> None:
    """Write the pieces end to end into ``output`` (an MP4) without re-encoding."""
    if not pieces:
        raise ExportError("a film needs at least one piece")
    picture = work / "picture.ffconcat"
    sound = work / "sound.ffconcat"
    picture.write_text(_picture_list(pieces, profile), encoding="utf-8")
    sound.write_text(_sound_list(pieces, profile), encoding="utf-8")
    concat = ["-f", "concat", "-safe", "0", "-i"]
    run_ffmpeg(
        [
            *concat,
            os.fspath(picture),
            *concat,
            os.fspath(sound),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            os.fspath(output),
        ],
        what="join the film's pieces",
    )


def _picture_list(pieces: Sequence[Piece], profile: Profile) -> str:
    lines = ["ffconcat version 1.0"]
    for piece in pieces:
        lines += [_file_line(piece.path), f"duration {_microseconds(piece.frames, profile.fps)}us"]
    return "\n".join(lines) + "\n"


def _sound_list(pieces: Sequence[Piece], profile: Profile) -> str:
    lines = ["ffconcat version 1.0"]
    for piece, samples in zip(pieces, kept_samples(pieces, profile), strict=True):
        lines += [
            _file_line(piece.path),
            f"outpoint {_microseconds(samples, profile.audio_rate)}us",
        ]
    return "\n".join(lines) + "\n"


def kept_samples(pieces: Sequence[Piece], profile: Profile) -> Iterator[int]:
    """For each piece, how many of its sound samples the film keeps (whole AAC frames)."""
    picture_end = 0
    sound_end = 0
    for piece in pieces:
        picture_end += profile.samples(piece.frames)
        whole = profile.padded_samples(piece.frames)
        kept = min(
            (whole - AAC_FRAME, whole), key=lambda choice: abs(picture_end - sound_end - choice)
        )
        sound_end += kept
        yield kept


def _microseconds(count: int, rate: int) -> int:
    """``count / rate`` seconds in whole microseconds, rounded down.

    Rounding down puts an out point at or before the first packet it must
    drop; the error (under a microsecond) vanishes when ffmpeg rescales it to
    the stream's own time base.
    """
    return count * 1_000_000 // rate


def _file_line(path: Path) -> str:
    quoted = os.fspath(path.resolve()).replace("'", "'\\''")
    return f"file '{quoted}'"
