"""Timelines of a cut, written and read back through OpenTimelineIO and its adapters."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import opentimelineio as otio
import pytest
from clips import entry, film_spec, make_clip

from storyboard._errors import ExportError, MissingClips
from storyboard._export import TIMELINE_SUFFIXES, FilmSpec, export_timeline


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("media")
    return [make_clip(folder / f"{c}.mp4", c, tone=None) for c in ("red", "green", "blue")]


def cut(clips: list[Path], **settings: object) -> FilmSpec:
    entries = [
        entry("breakfast", clips[0], title="Breakfast", caption="Launch day."),
        entry("walkout", clips[1]),
        entry("liftoff", clips[2], caption="Up."),
    ]
    return film_spec(entries, fps=24, **settings)


def names(timeline: otio.schema.Timeline) -> list[str]:
    return [clip.name for clip in timeline.find_clips()]


def test_otio_holds_each_clip_in_order_with_its_metadata_and_media(
    clips: list[Path], tmp_path: Path
) -> None:
    path = export_timeline(cut(clips), tmp_path / "film.otio", "otio").path
    timeline = otio.adapters.read_from_file(str(path))

    assert names(timeline) == ["breakfast: Breakfast", "walkout", "liftoff"]
    first = timeline.find_clips()[0]
    assert first.metadata["storyboard"] == {
        "scene_id": "breakfast",
        "title": "Breakfast",
        "take": 1,
        "key": "key-breakfast",
        "clip_sha256": None,
    }
    assert first.media_reference.target_url == clips[0].resolve().as_uri()
    assert first.source_range.duration == otio.opentime.RationalTime(48, 24)
    assert timeline.duration().to_seconds() == pytest.approx(6.0)


def test_crossfades_are_transitions_and_the_timeline_runs_as_long_as_the_film(
    clips: list[Path], tmp_path: Path
) -> None:
    spec = cut(clips, transition="crossfade", transition_duration=0.5, title_card=True)
    timeline = otio.adapters.read_from_file(
        str(export_timeline(spec, tmp_path / "film.otio", "otio").path)
    )

    track = timeline.tracks[0]
    transitions = [item for item in track if isinstance(item, otio.schema.Transition)]
    assert len(transitions) == 2
    assert all(
        t.in_offset + t.out_offset == otio.opentime.RationalTime(12, 24) for t in transitions
    )
    assert isinstance(track[0], otio.schema.Gap)
    assert timeline.duration().to_seconds() == pytest.approx(3.0 + 6.0 - 3 * 0.5)


def test_media_can_be_relative_to_a_root(clips: list[Path], tmp_path: Path) -> None:
    path = export_timeline(
        cut(clips), tmp_path / "film.otio", "otio", media_root=clips[0].parent.parent
    ).path
    timeline = otio.adapters.read_from_file(str(path))
    assert (
        timeline.find_clips()[1].media_reference.target_url == f"{clips[1].parent.name}/green.mp4"
    )


def test_edl_lists_the_clips_in_order(clips: list[Path], tmp_path: Path) -> None:
    path = export_timeline(cut(clips), tmp_path / "film.edl", "edl").path
    timeline = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=24)

    assert names(timeline) == ["breakfast: Breakfast", "walkout", "liftoff"]
    assert timeline.duration().to_seconds() == pytest.approx(6.0)
    assert "FROM CLIP: " + clips[0].resolve().as_uri() in path.read_text()


def test_fcp_xml_carries_clips_transitions_and_storyboard_metadata(
    clips: list[Path], tmp_path: Path
) -> None:
    spec = cut(clips, transition="crossfade")
    path = export_timeline(spec, tmp_path / f"film{TIMELINE_SUFFIXES['fcpxml']}", "fcpxml").path
    timeline = otio.adapters.read_from_file(str(path), adapter_name="fcp_xml")

    assert path.suffix == ".xml" and "<xmeml" in path.read_text()
    assert names(timeline) == ["breakfast: Breakfast", "walkout", "liftoff"]
    logged = timeline.find_clips()[2].metadata["fcp_xml"]["logginginfo"]
    assert logged["scene"] == "liftoff" and logged["shottake"] == "1"
    assert json.loads(logged["lognote"])["key"] == "key-liftoff"
    assert len([i for i in timeline.tracks[0] if isinstance(i, otio.schema.Transition)]) == 2
    assert timeline.duration().to_seconds() == pytest.approx(5.0)


def test_srt_timeline_matches_the_film(clips: list[Path], tmp_path: Path) -> None:
    path = export_timeline(cut(clips, title_card=True), tmp_path / "film.srt", "srt").path
    assert path.read_text(encoding="utf-8") == (
        "1\n00:00:03,000 --> 00:00:05,000\nLaunch day.\n\n2\n00:00:07,000 --> 00:00:09,000\nUp.\n"
    )


def test_an_edl_at_a_rate_timecode_lacks_is_refused_with_what_to_do(
    clips: list[Path], tmp_path: Path
) -> None:
    entries = [entry("breakfast", clips[0]), entry("walkout", clips[1])]
    with pytest.raises(ExportError, match=r"no 12 fps: set export\.fps"):
        export_timeline(film_spec(entries, fps=12), tmp_path / "film.edl", "edl")
    assert not (tmp_path / "film.edl").exists()
    otio_file = export_timeline(film_spec(entries, fps=12), tmp_path / "film.otio", "otio")
    assert otio_file.path.exists()


def test_a_missing_clip_is_refused_unless_partial(clips: list[Path], tmp_path: Path) -> None:
    spec = film_spec([entry("breakfast", clips[0]), entry("walkout", None, seconds=3)], fps=24)
    with pytest.raises(MissingClips):
        export_timeline(spec, tmp_path / "film.otio", "otio")

    path = export_timeline(spec, tmp_path / "film.otio", "otio", partial=True).path
    missing = otio.adapters.read_from_file(str(path)).find_clips()[1]
    assert isinstance(missing.media_reference, otio.schema.MissingReference)
    assert missing.source_range.duration == otio.opentime.RationalTime(72, 24)


def awkward_cut(clips: list[Path]) -> FilmSpec:
    """The cut with line breaks, a tab and control characters in the film's and scenes' titles."""
    entries = [
        entry("breakfast", clips[0], title="Break\nfast\r\nat\ttwo\x07"),
        entry("walkout", clips[1], title="\x1b[31mWalk\x00out\u2028now"),
        entry("liftoff", clips[2]),
    ]
    return dataclasses.replace(film_spec(entries, fps=24), title="A Test\nFilm\x0c")


AWKWARD_NAMES = ["breakfast: Break fast at two", "walkout: [31mWalkout now", "liftoff"]


def test_line_breaks_and_control_characters_in_titles_cannot_break_an_edl(
    clips: list[Path], tmp_path: Path
) -> None:
    plain = export_timeline(cut(clips), tmp_path / "plain.edl", "edl").path
    awkward = export_timeline(awkward_cut(clips), tmp_path / "awkward.edl", "edl").path
    timeline = otio.adapters.read_from_file(str(awkward), adapter_name="cmx_3600", rate=24)

    assert names(timeline) == AWKWARD_NAMES
    text = awkward.read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(plain.read_text(encoding="utf-8").splitlines())
    assert text.splitlines()[0] == "TITLE: A Test Film"
    assert not any(ord(char) < 32 for char in text.replace("\n", ""))


def test_line_breaks_and_control_characters_in_titles_cannot_break_fcp_xml(
    clips: list[Path], tmp_path: Path
) -> None:
    suffix = TIMELINE_SUFFIXES["fcpxml"]
    plain = export_timeline(cut(clips), tmp_path / f"plain{suffix}", "fcpxml").path
    awkward = export_timeline(awkward_cut(clips), tmp_path / f"awkward{suffix}", "fcpxml").path
    timeline = otio.adapters.read_from_file(str(awkward), adapter_name="fcp_xml")

    assert names(timeline) == AWKWARD_NAMES
    assert timeline.name == "A Test Film"
    logged = timeline.find_clips()[0].metadata["fcp_xml"]["logginginfo"]
    assert logged["description"] == "Break fast at two"
    assert json.loads(logged["lognote"])["title"] == "Break\nfast\r\nat\ttwo\x07"
    text = awkward.read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(plain.read_text(encoding="utf-8").splitlines())
