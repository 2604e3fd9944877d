"""Crossfade segments, composed with moviepy.

Only the overlaps are composed: the tail of one scene under the head of the
next, the head fading in over it (``CrossFadeIn``) while the sounds fade out
and in (``AudioFadeOut``, ``AudioFadeIn``). Everything between overlaps is
copied into the film untouched. moviepy renders the picture (encoded with the
profile's settings) and the sound (as PCM); one ffmpeg pass then encodes the
sound the way every piece's sound is encoded and muxes the two. Each clip
moviepy opens is closed before this module returns. moviepy (and numpy with it) is
loaded only to render a crossfade: a film whose crossfades are all cached needs neither.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._errors import ExportError
from .._media import run_ffmpeg
from .cache import Piece, PieceCache
from .profile import Profile


def crossfade(tail: Piece, head: Piece, profile: Profile, cache: PieceCache) -> Piece:
    """The segment where ``tail`` dissolves into ``head`` (equal lengths), cached."""
    if tail.frames != head.frames:
        raise ExportError(f"{tail.name} and {head.name} differ in length")
    digest = hashlib.sha256(f"{tail.name}\n{head.name}".encode()).hexdigest()[:32]
    return cache.make(
        f"xfade-{digest}", lambda output: _render(tail, head, profile, cache.work, output)
    )


def _render(tail: Piece, head: Piece, profile: Profile, work: Path, output: Path) -> int:
    frames = tail.frames
    picture = work / f"{output.stem}-picture.mp4"
    sound = work / f"{output.stem}-sound.wav"
    with (
        _opened(tail.path, profile.audio_rate) as outgoing,
        _opened(head.path, profile.audio_rate) as incoming,
    ):
        _write_blend(outgoing, incoming, frames, profile, picture, sound)
    run_ffmpeg(
        [
            "-i",
            os.fspath(picture),
            "-i",
            os.fspath(sound),
            "-filter_complex",
            f"[1:a]{profile.audio_tail(frames)}[a]",
            "-map",
            "0:v",
            "-c:v",
            "copy",
            *profile.timescale_args(),
            "-map",
            "[a]",
            *profile.piece_audio_args(),
            os.fspath(output),
        ],
        what="mux a crossfade",
    )
    picture.unlink()
    sound.unlink()
    return frames


@contextlib.contextmanager
def _opened(path: Path, audio_rate: int) -> Iterator[Any]:
    """A clip, closed after use with its ffmpeg pipes (moviepy leaves those of an exited ffmpeg)."""
    from moviepy import VideoFileClip

    clip = VideoFileClip(os.fspath(path), audio_fps=audio_rate)
    try:
        yield clip
    finally:
        readers = [clip.reader, clip.audio.reader if clip.audio is not None else None]
        processes = [reader.proc for reader in readers if reader is not None and reader.proc]
        clip.close()
        for process in processes:
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()
            process.wait()


def _write_blend(
    outgoing: Any, incoming: Any, frames: int, profile: Profile, picture: Path, sound: Path
) -> None:
    """Write ``incoming`` dissolving in over ``outgoing``: picture to an MP4, sound to a WAV."""
    from moviepy import CompositeVideoClip, afx, vfx

    seconds = profile.seconds(frames)
    below = outgoing.with_duration(seconds).with_effects([afx.AudioFadeOut(seconds)])
    above = incoming.with_duration(seconds).with_effects(
        [vfx.CrossFadeIn(seconds), afx.AudioFadeIn(seconds)]
    )
    blend = CompositeVideoClip([below, above], bg_color=(0, 0, 0))
    try:
        blend.audio.with_duration(seconds).write_audiofile(
            os.fspath(sound), fps=profile.audio_rate, nbytes=2, codec="pcm_s16le", logger=None
        )
        # moviepy writes int(duration * fps) frames: half a frame more guards against rounding down.
        blend.with_duration(profile.seconds(frames) + 0.5 / profile.fps).write_videofile(
            os.fspath(picture),
            fps=profile.fps,
            codec=profile.video_codec,
            preset=profile.preset,
            audio=False,
            temp_audiofile_path=os.fspath(picture.parent),
            ffmpeg_params=[
                "-vf",
                f"scale=out_color_matrix=bt709:out_range=tv,{profile.picture_tail()}",
                *profile.encoder_settings(),
            ],
            logger=None,
        )
    finally:
        blend.close()
