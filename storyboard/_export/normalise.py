"""Making pieces: each clip re-encoded once to the film's profile, and cut for crossfades.

A clip is fitted inside the frame without stretching (scaled down or up to
fit, then letterboxed or pillarboxed), resampled to the film's frame rate,
given a silent track if it has none, and encoded with the profile's settings.
For a crossfade, a piece is also cut into head, body and tail, each encoded
on its own so that the body can be copied into the film while the head and
tail are blended with the neighbouring scenes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._errors import ExportError
from .._media import probe, run_ffmpeg
from .cache import Piece, PieceCache
from .profile import Profile


def normalised_clip(clip: Path, sha256: str, profile: Profile, cache: PieceCache) -> Piece:
    """The clip as a piece of ``profile``, encoded the first time it is asked for."""
    return cache.make(
        f"{sha256}-{profile.digest}", lambda output: _normalise(clip, profile, output)
    )


def _normalise(clip: Path, profile: Profile, output: Path) -> int:
    info = probe(clip)
    frames = max(1, profile.frames(info.duration))
    inputs = ["-i", os.fspath(clip)]
    if not info.has_audio:
        inputs += profile.silence_input()
    sound = "[0:a]" if info.has_audio else "[1:a]"
    graph = (
        f"[0:v]{profile.fit_filter()},{profile.video_tail(frames)}[v];"
        f"{sound}{profile.audio_tail(frames)}[a]"
    )
    run_ffmpeg(
        [*inputs, "-filter_complex", graph, *profile.piece_output("v", "a"), os.fspath(output)],
        what=f"normalise {clip.name}",
    )
    return frames


@dataclass(frozen=True)
class CrossfadeParts:
    """A piece cut for crossfades: ``overlap`` frames of head and tail around a body."""

    head: Piece
    body: Piece
    tail: Piece


def crossfade_parts(
    piece: Piece, overlap: int, profile: Profile, cache: PieceCache
) -> CrossfadeParts:
    """Cut a piece into head, body and tail (cached); ``overlap`` < half its frames."""
    if not 0 < overlap < piece.frames - overlap:
        raise ExportError(f"{piece.name}: cannot cut {overlap} frames from each end")
    ranges = [
        (0, overlap),
        (overlap, piece.frames - overlap),
        (piece.frames - overlap, piece.frames),
    ]
    names = [f"{piece.name}-x{overlap}-{part}" for part in ("head", "body", "tail")]
    head, body, tail = cache.make_all(names, lambda outputs: _cut(piece, ranges, profile, outputs))
    return CrossfadeParts(head, body, tail)


def _cut(
    piece: Piece, ranges: Sequence[tuple[int, int]], profile: Profile, outputs: Sequence[Path]
) -> list[int]:
    count = len(ranges)
    graph = [
        f"[0:v]split={count}" + "".join(f"[vin{i}]" for i in range(count)),
        f"[0:a]asplit={count}" + "".join(f"[ain{i}]" for i in range(count)),
    ]
    outputs_arguments: list[str] = []
    for index, ((first, end), output) in enumerate(zip(ranges, outputs, strict=True)):
        frames = end - first
        graph.append(
            f"[vin{index}]trim=start_frame={first}:end_frame={end},setpts=PTS-STARTPTS,"
            f"{profile.video_tail(frames)}[v{index}]"
        )
        graph.append(
            f"[ain{index}]atrim=start_sample={profile.samples(first)}"
            f":end_sample={profile.samples(end)},asetpts=PTS-STARTPTS,"
            f"{profile.audio_tail(frames)}[a{index}]"
        )
        outputs_arguments += [*profile.piece_output(f"v{index}", f"a{index}"), os.fspath(output)]
    run_ffmpeg(
        ["-i", os.fspath(piece.path), "-filter_complex", ";".join(graph), *outputs_arguments],
        what=f"cut {piece.name} for crossfades",
    )
    return [end - first for first, end in ranges]
