"""A soundtrack under the whole film, in one ffmpeg pass over the assembled film.

The soundtrack is looped or trimmed to the film's length, turned down to the
story's ``soundtrack_volume``, faded out over the last seconds and mixed with
the clips' own sound. The picture is copied; only the sound is re-encoded.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._media import run_ffmpeg
from .profile import Profile

FADE_SECONDS = 2.0
"""How long the soundtrack takes to fade out at the end of the film."""


def lay_soundtrack(
    film: Path, soundtrack: Path, volume: float, seconds: float, profile: Profile, output: Path
) -> None:
    """Write ``film`` with ``soundtrack`` mixed under its sound into ``output``."""
    fade = min(FADE_SECONDS, seconds / 2)
    graph = (
        f"[1:a]aresample={profile.audio_rate},"
        f"aformat=sample_fmts=fltp:sample_rates={profile.audio_rate}"
        f":channel_layouts={profile.audio_layout},"
        f"atrim=end={seconds:.6f},volume={volume:g},"
        f"afade=t=out:st={seconds - fade:.6f}:d={fade:.6f}[bed];"
        "[0:a][bed]amix=inputs=2:duration=first:normalize=0[a]"
    )
    run_ffmpeg(
        [
            "-i",
            os.fspath(film),
            "-stream_loop",
            "-1",
            "-i",
            os.fspath(soundtrack),
            "-filter_complex",
            graph,
            "-map",
            "0:v",
            "-c:v",
            "copy",
            "-map",
            "[a]",
            *profile.audio_args(),
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            os.fspath(output),
        ],
        what=f"lay the soundtrack {soundtrack.name} under the film",
    )
