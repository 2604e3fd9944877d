"""What to export, and what an export made.

A :class:`FilmSpec` is a cut laid out for assembly: each scene's selected
clip in play order with its caption and identity, plus the export settings
already resolved against the story's defaults. The export package never
reads a story itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._format import ExportSettings


@dataclass(frozen=True)
class FilmEntry:
    """One scene of a cut."""

    scene_id: str
    title: str | None
    clip: Path | None
    """The selected take's clip, or None when the scene has none yet."""
    clip_sha256: str | None
    duration: float
    """The scene's requested duration in seconds (how long a slate stands in for it)."""
    caption: str | None
    take: int | None
    key: str | None
    """The scene's cache key (metadata for timelines)."""

    @property
    def has_clip(self) -> bool:
        return self.clip is not None and self.clip.is_file()


@dataclass(frozen=True)
class FilmSpec:
    """A cut, ready to assemble."""

    title: str
    cut: str
    """``film`` for the default cut, else the cut's name."""
    entries: tuple[FilmEntry, ...]
    settings: ExportSettings
    aspect_ratio: str
    resolution: str
    soundtrack: Path | None

    @property
    def missing(self) -> list[str]:
        """The ids of scenes that have no clip."""
        return [entry.scene_id for entry in self.entries if not entry.has_clip]


@dataclass(frozen=True)
class ExportResult:
    """A film or a timeline written by an export (see ``format``)."""

    path: Path
    duration: float
    """Seconds."""
    srt: Path | None = None
    vtt: Path | None = None
    slated: tuple[str, ...] = ()
    """Scenes that a slate stands in for (``--partial``)."""
    format: str = "mp4"
    """``mp4`` for a film; ``otio``, ``fcpxml``, ``edl`` or ``srt`` for a timeline."""

    @property
    def sidecars(self) -> tuple[Path, ...]:
        """The subtitle files written beside the film."""
        return tuple(path for path in (self.srt, self.vtt) if path is not None)
