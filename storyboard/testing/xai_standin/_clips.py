"""The stand-in's videos: real MP4 clips made by ffmpeg, once per shape and request."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from ..._fileops import atomic_write
from ..._limits import frame_size
from ..._media import run_ffmpeg
from ..subject_clips import Showing, make_subject_clip

SMALL_SHORT_SIDE = 144
"""The shorter side of the stand-in's clips unless ``full_size`` asks for the real size."""
SHARED_CLIP_DIR = Path(tempfile.gettempdir()) / "storyboard-xai-standin-clips"
"""Where the stand-in run as a process keeps its clips: shared, reused, never removed,
so a killed stand-in leaves nothing new behind and later runs skip making clips."""


class ClipMaker:
    """Real MP4 clips (testsrc2 picture tinted by the request, silent AAC), made once each;
    or, when a test asks (``Faults.showings``), a clip showing a picture in a known way."""

    def __init__(self, folder: Path, full_size: bool = False) -> None:
        self.folder = folder
        self.full_size = full_size
        self._lock = threading.Lock()
        self._locks: dict[Path, threading.Lock] = {}

    def size(self, aspect_ratio: str, resolution: str) -> tuple[int, int]:
        width, height = frame_size(aspect_ratio, resolution)
        if self.full_size:
            return width, height
        scale = SMALL_SHORT_SIDE / min(width, height)
        return _even(width * scale), _even(height * scale)

    def clip(self, duration: int, aspect_ratio: str, resolution: str, variant: str = "") -> Path:
        width, height = self.size(aspect_ratio, resolution)
        path = self.folder / f"testsrc-{duration}s-{width}x{height}-{variant or 'plain'}.mp4"
        with self._lock:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:
            if not path.exists():
                self._make(path, duration, width, height, int(variant or "0", 16) % 360)
        return path

    def subject_clip(
        self,
        duration: int,
        aspect_ratio: str,
        resolution: str,
        variant: str,
        picture: bytes,
        showing: Showing,
    ) -> Path:
        """A clip at the real size showing ``picture`` that way (made once per variant)."""
        path = self.folder / f"subject-{duration}s-{resolution}-{variant}.mp4"
        with self._lock:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:
            if not path.exists():
                still = self.folder / f"subject-{variant}.picture"
                still.write_bytes(picture)
                size = frame_size(aspect_ratio, resolution)
                with atomic_write(path) as temporary:
                    make_subject_clip(
                        temporary, still, showing, size=size, seconds=duration, fps=12
                    )
                still.unlink()
        return path

    def _make(self, path: Path, duration: int, width: int, height: int, hue: int) -> None:
        with atomic_write(path) as temporary:
            run_ffmpeg(
                [
                    *("-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24,hue=h={hue}"),
                    *("-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"),
                    *("-t", str(duration), "-map", "0:v", "-map", "1:a"),
                    *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
                    *("-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"),
                    os.fspath(temporary),
                ],
                what="make a stand-in clip",
            )


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
