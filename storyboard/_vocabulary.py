"""The words every stage shares, defined once: modes, frame shapes, output formats.

This module sits at the bottom of the package and imports nothing of it, so
the format, the compiler, the limits, the providers, export and the CLI all
derive their lists from here instead of spelling them out again.
"""

from __future__ import annotations

from typing import Literal, get_args

Mode = Literal["reference", "image", "text", "edit", "extend"]
"""How a clip is asked for: from reference images, from a start frame, from text; or, for a
revision step, by editing or extending the clip before it."""
RevisionMode = Literal["edit", "extend"]
REVISION_MODES: tuple[RevisionMode, ...] = get_args(RevisionMode)

AspectRatio = Literal["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"]
ASPECT_RATIOS: tuple[AspectRatio, ...] = get_args(AspectRatio)

Fit = Literal["crop", "pad"]
"""How a start frame of another shape is fitted to its scene's: cropped or padded."""

Resolution = Literal["480p", "720p", "1080p"]
RESOLUTION_HEIGHTS: dict[str, int] = {"480p": 480, "720p": 720, "1080p": 1080}
"""Each resolution and its pixel count on the frame's shorter side."""
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)

TimelineFormat = Literal["otio", "fcpxml", "edl", "srt"]
TIMELINE_FORMATS: tuple[TimelineFormat, ...] = get_args(TimelineFormat)
ExportFormat = Literal["mp4", "otio", "fcpxml", "edl", "srt"]
"""What ``storyboard export --format`` writes: the film itself or a timeline of it."""
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
FORMAT_SUFFIXES: dict[str, str] = {
    "mp4": ".mp4",
    "otio": ".otio",
    "fcpxml": ".xml",
    "edl": ".edl",
    "srt": ".srt",
}
"""The file suffix each export format is saved with (``.xml``: see docs/export.md)."""
FORMAT_NAMES: dict[str, str] = {
    "mp4": "the film",
    "otio": "OpenTimelineIO",
    "fcpxml": "Final Cut Pro 7 XML, for Premiere and Resolve",
    "edl": "CMX 3600",
    "srt": "subtitles",
}
"""What each export format writes, in the words ``--help`` and the docs use."""

RGB = tuple[int, int, int]
ACCENTS: tuple[RGB, ...] = (
    (127, 200, 192),  # teal
    (224, 181, 110),  # amber
    (217, 143, 159),  # rose
    (169, 155, 224),  # lavender
    (166, 196, 138),  # sage
    (130, 178, 230),  # sky
    (214, 169, 138),  # sand
)
"""The colour of reference image k is ``ACCENTS[(k - 1) % 7]``, a start frame's the amber
one: the preview's cards and the board's chips agree, so a writer matches them by eye."""
START_ACCENT = 2
"""The 1-based slot of :data:`ACCENTS` that marks a start frame."""


def accent_slot(index: int | None) -> int:
    """The 1-based slot of :data:`ACCENTS` for reference image ``index`` (None: a start
    frame)."""
    if index is None:
        return START_ACCENT
    return (index - 1) % len(ACCENTS) + 1
