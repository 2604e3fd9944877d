"""Export: clips in, films and editor timelines out.

Every clip is normalised once to the film's profile and cached; a plain cut
is then a stream copy, and only crossfade overlaps, burned captions, cards and
the soundtrack are ever composed. Timelines (OTIO, FCP 7 XML, CMX 3600 EDL)
and subtitles describe the same cut for an editor.
"""

from .._vocabulary import TIMELINE_FORMATS, TimelineFormat
from .film import export_film
from .spec import ExportResult, FilmEntry, FilmSpec
from .timelines import TIMELINE_SUFFIXES, export_timeline

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
