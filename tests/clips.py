"""Real clips for the export tests, made by ffmpeg: solid colours with a tone, or silent.

Each scene of a test film is a distinct solid colour (and a distinct tone),
so frames sampled from a film prove the order of its scenes and the blend
inside a crossfade. Helpers here also read frames and sound back out.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from storyboard._export import FilmEntry, FilmSpec
from storyboard._format import ExportSettings
from storyboard._media import ffmpeg_exe, probe, run_ffmpeg

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 200, 60),
    "blue": (40, 60, 220),
    "yellow": (230, 220, 40),
    "magenta": (210, 40, 200),
    "cyan": (40, 210, 210),
}


def make_clip(
    path: Path,
    colour: str = "red",
    *,
    seconds: float = 2.0,
    size: tuple[int, int] = (320, 180),
    fps: int = 24,
    tone: float | None = 440.0,
) -> Path:
    """An H.264 + AAC MP4 of one solid colour (and a sine tone, unless ``tone`` is None)."""
    red, green, blue = COLOURS[colour]
    width, height = size
    inputs = [
        "-f",
        "lavfi",
        "-i",
        f"color=c=0x{red:02x}{green:02x}{blue:02x}:s={width}x{height}:r={fps}:d={seconds}",
    ]
    if tone is not None:
        inputs += ["-f", "lavfi", "-i", f"sine=f={tone}:r=44100:d={seconds}"]
    audio = ["-c:a", "aac", "-b:a", "96k"] if tone is not None else []
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        [
            *inputs,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            *audio,
            os.fspath(path),
        ],
        what="make a test clip",
    )
    return path


def frame_at(video: Path, seconds: float) -> npt.NDArray[np.uint8]:
    """The frame shown at ``seconds``, as an RGB array (height, width, 3)."""
    size = _size(video)
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            f"{seconds:.4f}",
            "-i",
            os.fspath(video),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    width, height = size
    return np.frombuffer(result.stdout, dtype=np.uint8).reshape(height, width, 3)


def mean_colour(frame: npt.NDArray[np.uint8]) -> tuple[float, float, float]:
    """The average colour of the middle of a frame."""
    height, width, _ = frame.shape
    centre = frame[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4]
    red, green, blue = centre.reshape(-1, 3).mean(axis=0)
    return float(red), float(green), float(blue)


def close_to(colour: tuple[float, float, float], name: str, tolerance: float = 20) -> bool:
    """Whether ``colour`` is within ``tolerance`` of the named test colour on every channel."""
    return all(abs(a - b) <= tolerance for a, b in zip(colour, COLOURS[name], strict=True))


def sound(video: Path, rate: int = 48000) -> npt.NDArray[np.float32]:
    """The film's sound, mono, as floats."""
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            os.fspath(video),
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(result.stdout, dtype=np.float32)


def tone_strength(samples: npt.NDArray[np.float32], frequency: float, rate: int = 48000) -> float:
    """How strongly ``frequency`` sounds in ``samples`` (magnitude of its FFT bin, normalised)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    index = round(frequency * len(samples) / rate)
    return float(spectrum[max(0, index - 2) : index + 3].max() / len(samples))


def _size(video: Path) -> tuple[int, int]:
    info = probe(video)
    return info.width, info.height


def entry(
    scene_id: str,
    clip: Path | None,
    *,
    caption: str | None = None,
    title: str | None = None,
    seconds: float = 2.0,
) -> FilmEntry:
    """A film entry for a test clip (take 1, a made-up key)."""
    return FilmEntry(
        scene_id=scene_id,
        title=title,
        clip=clip,
        clip_sha256=None,
        duration=seconds,
        caption=caption,
        take=1 if clip else None,
        key=f"key-{scene_id}",
    )


def film_spec(
    entries: list[FilmEntry],
    *,
    aspect_ratio: str = "16:9",
    soundtrack: Path | None = None,
    **settings: Any,
) -> FilmSpec:
    """A 480p film of ``entries`` at 12 fps (small and quick) unless ``settings`` say otherwise."""
    settings.setdefault("fps", 12)
    return FilmSpec(
        title="A Test Film",
        cut="film",
        entries=tuple(entries),
        settings=ExportSettings(**settings),
        aspect_ratio=aspect_ratio,
        resolution="480p",
        soundtrack=soundtrack,
    )
