"""Export: clips in, films and editor timelines out.

Every clip is normalised once to the film's profile and cached; a plain cut
is then a stream copy, and only crossfade overlaps, burned captions, cards and
the soundtrack are ever composed. Timelines (OTIO, FCP 7 XML, CMX 3600 EDL)
and subtitles describe the same cut for an editor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from .._vocabulary import TIMELINE_FORMATS, TimelineFormat

if TYPE_CHECKING:
    from .film import export_film
    from .spec import ExportResult, FilmEntry, FilmSpec
    from .timelines import TIMELINE_SUFFIXES, export_timeline

_LAZY = {
    "export_film": "film",
    "ExportResult": "spec",
    "FilmEntry": "spec",
    "FilmSpec": "spec",
    "TIMELINE_SUFFIXES": "timelines",
    "export_timeline": "timelines",
}
"""Names imported on first use: a module of this package (``files``, say) can be used
without loading the exporter, its pictures and OpenTimelineIO."""

__all__ = [
    "TIMELINE_FORMATS",
    "TIMELINE_SUFFIXES",
    "ExportResult",
    "FilmEntry",
    "FilmSpec",
    "TimelineFormat",
    "export_film",
    "export_timeline",
]


__getattr__ = lazy_names(__name__, _LAZY)
