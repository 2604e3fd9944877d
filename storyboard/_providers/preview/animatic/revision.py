"""Previews of revision steps, drawn from the clip they revise.

An edit is its input clip recoloured, with a band across its head (where the
input's name and mode were) that names the step and shows its instruction; an
extension is its input clip followed by an animatic of what it adds (a title
card with the step and its prompt), as long as the whole video xAI would answer.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw

from ...._errors import MediaError
from ...._fileops import atomic_write
from ...._media import MediaInfo, probe, run_ffmpeg
from ...base import VideoRequest
from .design import FPS, MODE_ACCENTS, MODE_NAMES, TEXT, Fonts, Sheet
from .encode import keyframes_where_scored, render_animatic
from .text import ellipsized

BAND_SHARE = 0.16
"""The instruction band's height, as a share of the frame's."""
_ENCODE = [
    *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-threads", "2"),
    *("-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2"),
    *("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"),
    *("-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4"),
]


def render_revision(request: VideoRequest, output: Path) -> None:
    """Render an ``edit`` or ``extend`` request at ``output``, whole or not at all."""
    if request.source_video is None:
        raise MediaError(f"the {request.mode} {request.label!r} has no clip to revise")
    source = probe(request.source_video)
    with (
        atomic_write(output) as temporary,
        tempfile.TemporaryDirectory(prefix="storyboard-revision-") as scratch,
    ):
        if request.mode == "edit":
            args = _edit_args(request, source, Path(scratch))
        else:
            args = _extend_args(request, source, Path(scratch))
        run_ffmpeg([*args, *_ENCODE, os.fspath(temporary)], what=f"preview {request.label}")


def _edit_args(request: VideoRequest, source: MediaInfo, scratch: Path) -> list[str]:
    band = scratch / "band.png"
    _instruction_band(request, source.width, source.height).save(band)
    assert request.source_video is not None
    graph = "[0:v]hue=h=200:s=0.55,eq=brightness=-0.06[tinted];[tinted][1:v]overlay=0:0[video]"
    return [
        *("-i", os.fspath(request.source_video), "-i", os.fspath(band)),
        *("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"),
        *("-filter_complex", graph, "-map", "[video]", "-map", "2:a"),
        *("-t", f"{source.duration:.3f}", "-r", str(FPS)),
        *keyframes_where_scored(source.duration),
    ]


def _extend_args(request: VideoRequest, source: MediaInfo, scratch: Path) -> list[str]:
    added = scratch / "added.mp4"
    render_animatic(replace(request, source_video=None), added)
    assert request.source_video is not None
    size = f"{source.width}:{source.height}"
    fit = f"scale={size}:force_original_aspect_ratio=decrease,pad={size}:-1:-1,setsar=1"
    graph = (
        f"[0:v]{fit},fps={FPS},format=yuv420p[before];"
        f"[1:v]{fit},fps={FPS},format=yuv420p[after];"
        "[before][after]concat=n=2:v=1:a=0[video]"
    )
    total = source.duration + request.duration
    return [
        *("-i", os.fspath(request.source_video), "-i", os.fspath(added)),
        *("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"),
        *("-filter_complex", graph, "-map", "[video]", "-map", "2:a"),
        *("-t", f"{total:.3f}"),
        *keyframes_where_scored(total),
    ]


def _instruction_band(request: VideoRequest, width: int, height: int) -> Image.Image:
    """The step's name and instruction on a dark band as wide as the clip."""
    band_height = max(24, round(height * BAND_SHARE) // 2 * 2)
    band = Image.new("RGBA", (width, band_height), (16, 18, 24, 215))
    draw = ImageDraw.Draw(band)
    sheet = Sheet(width, height, Fonts())
    margin = sheet.margin / 2
    font = sheet.fonts(band_height * 0.34)
    accent = MODE_ACCENTS[request.mode]
    heading = f"{MODE_NAMES[request.mode]} · {request.label}"
    font.draw(
        draw,
        (margin, band_height * 0.3),
        ellipsized(heading, font, width - 2 * margin),
        fill=accent,
        anchor="lm",
    )
    line = ellipsized(request.prompt, font, width - 2 * margin)
    font.draw(draw, (margin, band_height * 0.72), line, fill=TEXT, anchor="lm")
    return band
