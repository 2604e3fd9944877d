"""The render: the stills written as raw pixels, one ffmpeg filter graph that animates
them (push-in, timecode, progress bar, the opening's fade) and a bit-exact x264
and AAC encode, moved into place whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from ...._fileops import atomic_write
from ...._media import run_ffmpeg, sampling_step
from ...base import VideoRequest
from .compose import Layers, compose_layers
from .design import FPS, ZOOM, Box

ProgressCallback = Callable[[int], None]


def keyframes_where_scored(duration: float) -> list[str]:
    """ffmpeg options for a keyframe at each frame a take's score samples, whose clip is
    ``duration`` seconds long: its scorer then decodes those keyframes alone, the same
    pixels for a third of the CPU (a 5 s take: 0.15 s against 0.42 s), for about 5 % more
    encoding and a fifth more bytes."""
    step = sampling_step(duration)
    return ["-force_key_frames", f"expr:isnan(prev_forced_t)+gte(t-prev_forced_t,{step})"]


def render_animatic(
    request: VideoRequest, output: Path, *, on_progress: ProgressCallback | None = None
) -> None:
    """Render ``request`` as an animatic MP4 at ``output``, whole or not at all.

    Raises MediaError when an image cannot be read or ffmpeg fails.
    """
    report = on_progress or (lambda percent: None)
    layers = compose_layers(request)
    report(30)
    with (
        atomic_write(output) as temporary,
        tempfile.TemporaryDirectory(prefix="storyboard-animatic-") as scratch,
    ):
        args = _ffmpeg_args(request, layers, Path(scratch), temporary)
        run_ffmpeg(args, what=f"render the animatic of {request.label or 'a scene'}")
    report(100)


# --- ffmpeg -------------------------------------------------------------------------


class _Opening(NamedTuple):
    """Image-to-video: how many frames hold the start image, then fade it away."""

    hold: int
    fade: int


def _opening_frames(duration: int) -> _Opening:
    frames = duration * FPS
    return _Opening(hold=min(FPS, frames // 3), fade=min(FPS // 2, frames // 4))


def _raw_input(image: Image.Image, path: Path) -> list[str]:
    """Write ``image`` as raw pixels (far quicker than PNG both ways) and name it as an input."""
    path.write_bytes(image.tobytes())
    pixel_format = "rgba" if image.mode == "RGBA" else "rgb24"
    size = f"{image.width}x{image.height}"
    return [
        "-f", "rawvideo", "-pix_fmt", pixel_format, "-video_size", size,
        "-framerate", str(FPS), "-i", os.fspath(path),
    ]  # fmt: skip


def _to_yuv(alpha: bool = False) -> str:
    """Convert RGB(A) stills with the BT.709 matrix the output is tagged with."""
    return f"scale=out_color_matrix=bt709:out_range=tv,format={'yuva420p' if alpha else 'yuv420p'}"


def _hold(frames: int) -> str:
    """Repeat a single still ``frames`` times at the film's rate."""
    return f"loop=loop={frames - 1}:size=1,setpts=N/{FPS}/TB"


def _push_in(frames: int, region: Box) -> str:
    """A ``zoompan`` easing from 1 to ``1 + ZOOM`` about the picture's top-left corner.

    ``zoompan`` crops whole pixels (pairs of them across, in 4:2:0), so a push-in
    about any other point wobbles by a pixel; about the corner the crop never
    moves and only its size changes, which on the doubled picture is half a pixel
    at most, always forwards. Layouts allow for the drift this brings.
    """
    ease = f"(0.5-0.5*cos(PI*on/{max(1, frames - 1)}))"
    size = f"{round(region.w)}x{round(region.h)}"
    return f"zoompan=z='1+{ZOOM}*{ease}':x=0:y=0:d={frames}:s={size}:fps={FPS}"


def _filter_graph(request: VideoRequest, layers: Layers) -> str:
    """Inputs: 0 stage, 1 picture, 2 timecodes, 3 bar, 4 opening (image-to-video only)."""
    frames = request.duration * FPS
    region = layers.region
    cell_w, cell_h = layers.timecodes.width, layers.timecodes.height // frames
    moving = "[staged]" if layers.opening else "[scene]"
    steps = [
        f"[0:v]{_to_yuv()},{_hold(frames)}[stage]",
        f"[1:v]{_to_yuv(alpha=True)},{_push_in(frames, region)}[picture]",
        f"[stage][picture]overlay={round(region.x)}:{round(region.y)}{moving}",
        f"[2:v]{_hold(frames)},crop={cell_w}:{cell_h}:0:'n*{cell_h}',{_to_yuv(alpha=True)}[timecode]",
        f"[3:v]{_to_yuv(alpha=True)}[bar]",
    ]
    if layers.opening:
        hold, fade = _opening_frames(request.duration)
        steps += [
            f"[4:v]{_to_yuv(alpha=True)},{_hold(hold + fade)},"
            f"fade=t=out:st={hold / FPS}:d={fade / FPS}:alpha=1[opening]",
            "[staged][opening]overlay=0:0:eof_action=pass[scene]",
        ]
    x, y = layers.timecode_at
    steps += [
        f"[scene][timecode]overlay={x}:{y}[timed]",
        f"[timed][bar]overlay=x='-w+W*(t*{FPS}+1)/{frames}':y={layers.bar_y},format=yuv420p[video]",
    ]
    return ";".join(steps)


def _ffmpeg_args(request: VideoRequest, layers: Layers, scratch: Path, output: Path) -> list[str]:
    """The whole render as one ffmpeg command; the stills are written to ``scratch``.

    x264's ``ultrafast`` looks the same as slower presets on these mostly still
    pictures at this quality once two of its savings are undone: deblocking, and
    adaptive quantisation biased to dark scenes, without which the dark backdrop
    turns to blocks. The files are larger (one or two MB for six seconds), which a
    preview can afford; the preset is what keeps a render several times faster
    than real time.
    """
    stills = [layers.stage, layers.picture, layers.timecodes, layers.bar]
    if layers.opening:
        stills.append(layers.opening)
    inputs = [
        arg for n, still in enumerate(stills) for arg in _raw_input(still, scratch / f"{n}.raw")
    ]
    return [
        *inputs,
        "-f", "lavfi", "-t", str(request.duration), "-i", "anullsrc=r=48000:cl=stereo",
        "-filter_complex_threads", "1",
        "-filter_complex", _filter_graph(request, layers),
        "-map", "[video]", "-map", f"{len(stills)}:a",
        "-frames:v", str(request.duration * FPS), "-r", str(FPS),
        "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "deblock=0,0:aq-mode=3",
        "-crf", "20", "-threads", "2",
        "-g", str(2 * FPS), *keyframes_where_scored(request.duration),
        "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
        "-color_trc", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-movflags", "+faststart", "-f", "mp4", os.fspath(output),
    ]  # fmt: skip
