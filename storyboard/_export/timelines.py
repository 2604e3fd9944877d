"""Timelines for editors: the cut as OpenTimelineIO, FCP 7 XML, CMX 3600 EDL or SRT.

Each scene is a clip named by its scene id (and title), at the film's frame
rate, whose media is an ``ExternalReference`` to the scene's clip (an
absolute ``file://`` URL, or a path relative to ``media_root``) so an editor
can relink it; its metadata carries ``{"storyboard": {"scene_id", "take",
"key", "clip_sha256"}}``. Crossfades are ``Transition`` objects (SMPTE
dissolves) centred on each cut, and clips are trimmed so that the timeline
runs exactly as long as the film; a title card is a gap of its visible
length. A scene with no clip is a ``MissingReference`` when ``partial``
allows it.

``fcpxml`` is written by the ``fcp_xml`` adapter (otio-fcp-adapter): Final
Cut Pro 7 XML (``xmeml``), which Premiere Pro and DaVinci Resolve import.
It is saved as ``.xml``, because a ``.fcpxml`` name promises Final Cut Pro
X's own format, which that adapter does not write. The storyboard metadata
rides in each clip item's ``<logginginfo>``; an EDL has no room for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opentimelineio as otio

from .._errors import ExportError, MissingClips
from .._media import probe
from .._vocabulary import FORMAT_SUFFIXES, TIMELINE_FORMATS, TimelineFormat
from . import captions
from .cards import TITLE_SECONDS
from .files import write_text
from .plaintext import single_line
from .profile import overlap_frames
from .spec import ExportResult, FilmEntry, FilmSpec

TIMELINE_SUFFIXES: dict[str, str] = {fmt: FORMAT_SUFFIXES[fmt] for fmt in TIMELINE_FORMATS}
"""The file suffix each timeline format is saved with."""

_ADAPTERS: dict[str, str] = {"otio": "otio_json", "fcpxml": "fcp_xml", "edl": "cmx_3600"}
EDL_FRAME_RATES = (24, 25, 30, 48, 50, 60)
"""The whole-number frame rates SMPTE timecode counts in: the only ones an EDL can carry."""


@dataclass(frozen=True)
class _Item:
    """A shot of the timeline: a scene (``entry``) or the title card (``entry`` None)."""

    entry: FilmEntry | None
    frames: int
    """The shot's full length: its clip's, or the slate's or title card's."""


def export_timeline(
    spec: FilmSpec,
    destination: Path,
    fmt: TimelineFormat,
    *,
    media_root: Path | None = None,
    partial: bool = False,
) -> ExportResult:
    """Write the cut as a timeline (or as SRT subtitles) at ``destination``."""
    if fmt not in TIMELINE_FORMATS:
        raise ExportError(f"unknown timeline format {fmt!r}")
    if fmt == "edl" and spec.settings.fps not in EDL_FRAME_RATES:
        raise ExportError(
            f"an EDL counts time in SMPTE timecode, which has no {spec.settings.fps} fps: "
            f"set export.fps in story.yaml to one of {', '.join(map(str, EDL_FRAME_RATES))}, "
            "or export --format otio or fcpxml, which carry any frame rate"
        )
    missing = spec.missing
    if missing and not partial:
        raise MissingClips(missing)
    items = _items(spec)
    overlap = overlap_frames(
        spec.settings.transition,
        spec.settings.transition_duration,
        [item.frames for item in items],
        spec.settings.fps,
    )
    timeline = _timeline(spec, items, overlap, media_root)
    if fmt == "srt":
        shots = [captions.Shot(i.frames, i.entry.caption if i.entry else None) for i in items]
        text = captions.srt(captions.cues(shots, overlap, spec.settings.fps))
    else:
        if fmt == "fcpxml":
            _add_logging_info(timeline)
        text = otio.adapters.write_to_string(timeline, _ADAPTERS[fmt])
    path = write_text(destination, text)
    return ExportResult(path, timeline.duration().to_seconds(), slated=tuple(missing), format=fmt)


def _items(spec: FilmSpec) -> list[_Item]:
    fps = spec.settings.fps
    items: list[_Item] = []
    if spec.settings.title_card:
        title_frames = round(TITLE_SECONDS * fps)
        items.append(_Item(None, title_frames))
    for entry in spec.entries:
        frames = max(1, round(entry.duration * fps))
        if entry.clip is not None and entry.has_clip:
            frames = max(1, round(probe(entry.clip).duration * fps))
        items.append(_Item(entry, frames))
    return items


def _timeline(
    spec: FilmSpec, items: Sequence[_Item], overlap: int, media_root: Path | None
) -> otio.schema.Timeline:
    """The cut as an OTIO timeline with one video track."""
    fps = spec.settings.fps
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    before, after = overlap // 2, overlap - overlap // 2
    for index, item in enumerate(items):
        trim_in = before if index > 0 else 0
        trim_out = after if index < len(items) - 1 else 0
        if index > 0 and item.entry is not None and items[index - 1].entry is not None and overlap:
            track.append(_dissolve(before, after, fps))
        if item.entry is None:
            track.append(
                otio.schema.Gap(name="title card", duration=_time(item.frames - trim_out, fps))
            )
            continue
        visible = otio.opentime.TimeRange(
            _time(trim_in, fps), _time(item.frames - trim_in - trim_out, fps)
        )
        track.append(_clip(item.entry, item.frames, visible, fps, media_root))
    timeline = otio.schema.Timeline(name=single_line(spec.title), global_start_time=_time(0, fps))
    timeline.metadata["storyboard"] = {"cut": spec.cut}
    timeline.tracks.append(track)
    return timeline


def _clip(
    entry: FilmEntry,
    available: int,
    visible: otio.opentime.TimeRange,
    fps: int,
    media_root: Path | None,
) -> otio.schema.Clip:
    clip = otio.schema.Clip(
        name=single_line(f"{entry.scene_id}: {entry.title}" if entry.title else entry.scene_id),
        media_reference=_media(entry, available, fps, media_root),
        source_range=visible,
    )
    clip.metadata["storyboard"] = _metadata(entry)
    return clip


def _media(entry: FilmEntry, frames: int, fps: int, media_root: Path | None) -> Any:
    available = otio.opentime.TimeRange(_time(0, fps), _time(frames, fps))
    if entry.clip is None or not entry.has_clip:
        return otio.schema.MissingReference(name=entry.scene_id, available_range=available)
    return otio.schema.ExternalReference(
        target_url=_url(entry.clip, media_root), available_range=available
    )


def _url(clip: Path, media_root: Path | None) -> str:
    if media_root is None:
        return clip.resolve().as_uri()
    return Path(os.path.relpath(clip.resolve(), media_root.resolve())).as_posix()


def _metadata(entry: FilmEntry) -> dict[str, object]:
    return {
        "scene_id": entry.scene_id,
        "title": entry.title,
        "take": entry.take,
        "key": entry.key,
        "clip_sha256": entry.clip_sha256,
    }


def _add_logging_info(timeline: otio.schema.Timeline) -> None:
    """Copy each clip's storyboard metadata into FCP XML's ``<logginginfo>``, which editors show.

    The adapter writes only metadata under its own ``fcp_xml`` key; the full
    record goes in ``<lognote>`` as JSON so that it can be read back.
    """
    for clip in timeline.find_clips():
        record = dict(clip.metadata["storyboard"])
        clip.metadata["fcp_xml"] = {
            "logginginfo": {
                "scene": single_line(str(record["scene_id"])),
                "shottake": "" if record["take"] is None else str(record["take"]),
                "description": single_line(str(record["title"] or "")),
                "lognote": json.dumps(record, sort_keys=True),
            }
        }


def _dissolve(before: int, after: int, fps: int) -> otio.schema.Transition:
    return otio.schema.Transition(
        name="crossfade",
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=_time(before, fps),
        out_offset=_time(after, fps),
    )


def _time(frames: int, fps: int) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, fps)
