"""Films assembled from real clips: length, order, blends, sound, cards, captions, caching."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from clips import (
    close_to,
    entry,
    film_spec,
    frame_at,
    make_clip,
    mean_colour,
    sound,
    tone_strength,
)

from storyboard._errors import MediaError, MissingClips
from storyboard._export import FilmEntry, export_film
from storyboard._media import ffmpeg_exe, probe

pytestmark = pytest.mark.slow  # most tests encode a film with ffmpeg


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "red": make_clip(folder / "red.mp4", "red", tone=440),
        "blue": make_clip(folder / "blue.mp4", "blue", tone=880),
        "green": make_clip(folder / "green.mp4", "green", tone=None),
        "tall": make_clip(folder / "tall.mp4", "yellow", size=(180, 320), tone=None),
    }


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("project") / ".storyboard"


def three(clips: dict[str, Path], **captions: str) -> list[FilmEntry]:
    return [
        entry(f"s{i}", clips[c], caption=captions.get(c))
        for i, c in enumerate(("red", "blue", "green"))
    ]


def test_plain_cut_plays_every_scene_in_order(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    result = export_film(film_spec(three(clips)), tmp_path / "out" / "film.mp4", cache_dir)

    assert result.duration == pytest.approx(6.0)
    info = probe(result.path)
    assert info.duration == pytest.approx(6.0, abs=0.05)
    assert (info.width, info.height, info.fps) == (854, 480, 12.0)
    assert info.audio_codec == "aac" and info.audio_rate == 48000 and info.audio_channels == 2
    for seconds, colour in ((1.0, "red"), (3.0, "blue"), (5.0, "green")):
        assert close_to(mean_colour(frame_at(result.path, seconds)), colour)
    audio = sound(result.path)
    first, second = audio[24000:72000], audio[120000:168000]
    assert tone_strength(first, 440) > 10 * tone_strength(first, 880)
    assert tone_strength(second, 880) > 10 * tone_strength(second, 440)


def test_crossfades_overlap_each_join_in_picture_and_sound(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    spec = film_spec(three(clips), transition="crossfade", transition_duration=0.5)
    result = export_film(spec, tmp_path / "film.mp4", cache_dir)

    assert result.duration == pytest.approx(6.0 - 2 * 0.5)
    assert probe(result.path).duration == pytest.approx(5.0, abs=0.05)
    assert close_to(mean_colour(frame_at(result.path, 0.5)), "red")
    assert close_to(mean_colour(frame_at(result.path, 2.5)), "blue")
    assert close_to(mean_colour(frame_at(result.path, 4.5)), "green")
    middle = mean_colour(frame_at(result.path, 1.75))
    assert not close_to(middle, "red", 40) and not close_to(middle, "blue", 40)
    for mixed, red, blue in zip(middle, (220, 30, 30), (40, 60, 220), strict=True):
        assert min(red, blue) + 20 < mixed < max(red, blue) - 20 or abs(red - blue) < 60
    overlap = sound(result.path)[int(1.55 * 48000) : int(1.95 * 48000)]
    assert tone_strength(overlap, 440) > 0.01 and tone_strength(overlap, 880) > 0.01


def test_every_piece_shares_one_h264_setup_so_streams_can_be_copied(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    spec = film_spec(three(clips), transition="crossfade", title_card=True, captions="burn")
    export_film(spec, tmp_path / "film.mp4", cache_dir)

    pieces = sorted((cache_dir / "normalised").glob("*.mp4"))
    assert any(p.name.startswith("xfade-") for p in pieces)
    assert len({_parameter_sets(p) for p in pieces}) == 1


def _parameter_sets(video: Path) -> bytes:
    annexb = subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            os.fspath(video),
            "-c:v",
            "copy",
            "-bsf:v",
            "h264_mp4toannexb",
            "-frames:v",
            "1",
            "-f",
            "h264",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    units = annexb.split(b"\x00\x00\x01")[1:]
    return b"|".join(u.rstrip(b"\x00") for u in units if u and u[0] & 0x1F in (7, 8))


def test_title_card_comes_first_and_adds_its_length(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    result = export_film(film_spec(three(clips), title_card=True), tmp_path / "film.mp4", cache_dir)

    assert result.duration == pytest.approx(9.0)
    card = frame_at(result.path, 1.5)
    assert card.mean() < 40 and card.max() > 200  # white title on black
    assert close_to(mean_colour(frame_at(result.path, 4.0)), "red")


def test_missing_scene_is_refused_without_partial(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    entries = [entry("s0", clips["red"]), entry("gone", None), entry("lost", tmp_path / "no.mp4")]
    with pytest.raises(MissingClips) as raised:
        export_film(film_spec(entries), tmp_path / "film.mp4", cache_dir)
    assert raised.value.scene_ids == ["gone", "lost"]
    assert not (tmp_path / "film.mp4").exists()


def test_partial_puts_a_slate_in_place_of_a_missing_scene(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    entries = [entry("s0", clips["red"]), entry("gone", None, title="The Lost Scene", seconds=3.0)]
    result = export_film(film_spec(entries), tmp_path / "film.mp4", cache_dir, partial=True)

    assert result.slated == ("gone",)
    assert result.duration == pytest.approx(5.0)
    slate = frame_at(result.path, 3.5).astype(int)
    assert np.abs(slate[60, 60] - (32, 32, 36)).max() < 12  # the slate's background
    amber = np.all(np.abs(slate - (255, 176, 0)) < 40, axis=2)
    assert amber.sum() > 1000  # its border and heading
    assert close_to(mean_colour(frame_at(result.path, 1.0)), "red")


def test_normalised_copies_are_made_once_and_reused(clips: dict[str, Path], tmp_path: Path) -> None:
    cache_dir = tmp_path / ".storyboard"
    spec = film_spec(three(clips))
    export_film(spec, tmp_path / "one.mp4", cache_dir)
    made = {p: p.stat().st_mtime_ns for p in (cache_dir / "normalised").iterdir()}
    assert len([p for p in made if p.suffix == ".mp4"]) == 3

    export_film(spec, tmp_path / "two.mp4", cache_dir)

    assert {p: p.stat().st_mtime_ns for p in (cache_dir / "normalised").iterdir()} == made
    assert list((cache_dir / "tmp").iterdir()) == []


def test_a_clip_of_another_shape_is_pillarboxed_not_stretched(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    result = export_film(
        film_spec([entry("tall", clips["tall"])]), tmp_path / "film.mp4", cache_dir
    )

    frame = frame_at(result.path, 1.0)
    yellow = np.flatnonzero(frame[240, :, 0] > 128)
    assert frame[240, :100].max() < 30 and frame[240, -100:].max() < 30
    assert 260 <= len(yellow) <= 280  # 180x320 scaled to 480 tall is 270 wide
    assert abs((yellow[0] + yellow[-1]) / 2 - 427) <= 2


def test_burned_captions_change_only_the_bottom_of_the_picture(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    entries = three(clips, red="Launch day.")
    plain = export_film(film_spec(entries, captions="none"), tmp_path / "plain.mp4", cache_dir)
    burned = export_film(film_spec(entries, captions="burn"), tmp_path / "burned.mp4", cache_dir)

    before, after = frame_at(plain.path, 1.0).astype(int), frame_at(burned.path, 1.0).astype(int)
    assert np.abs(before[:300] - after[:300]).max() < 12
    assert np.abs(before[380:] - after[380:]).max() > 100
    assert burned.sidecars == () and plain.sidecars == ()
    assert (
        np.abs(frame_at(plain.path, 3.0).astype(int) - frame_at(burned.path, 3.0).astype(int)).max()
        < 12
    )


def test_captions_are_written_beside_the_film(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path
) -> None:
    entries = three(clips, red="Launch day.", green="Goodbye.")
    spec = film_spec(entries, captions="both", transition="crossfade", title_card=True)
    result = export_film(spec, tmp_path / "out" / "film.mp4", cache_dir)

    assert (
        result.srt == tmp_path / "out" / "film.srt" and result.vtt == tmp_path / "out" / "film.vtt"
    )
    assert result.srt.read_text(encoding="utf-8") == (
        "1\n00:00:02,750 --> 00:00:04,250\nLaunch day.\n\n"
        "2\n00:00:05,750 --> 00:00:07,500\nGoodbye.\n"
    )
    assert result.vtt.read_text(encoding="utf-8").startswith(
        "WEBVTT\n\n00:00:02.750 --> 00:00:04.250\n"
    )
    again = export_film(
        film_spec(entries, captions="none"), tmp_path / "out" / "film.mp4", cache_dir
    )
    assert again.sidecars == () and not result.srt.exists() and not result.vtt.exists()


@pytest.mark.parametrize("length", [1.0, 10.0])
def test_soundtrack_is_looped_or_trimmed_under_the_whole_film(
    clips: dict[str, Path], cache_dir: Path, tmp_path: Path, length: float
) -> None:
    track = tmp_path / "theme.m4a"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"sine=f=1500:d={length}",
            "-c:a",
            "aac",
            os.fspath(track),
        ],
        check=True,
    )
    spec = film_spec(three(clips), soundtrack=track, soundtrack_volume=0.5)
    result = export_film(spec, tmp_path / "film.mp4", cache_dir)

    assert probe(result.path).duration == pytest.approx(6.0, abs=0.05)
    audio = sound(result.path)
    assert len(audio) / 48000 == pytest.approx(6.0, abs=0.05)
    late, end = audio[int(2.5 * 48000) : int(3.5 * 48000)], audio[-2400:]
    assert tone_strength(late, 1500) > 0.005  # still playing after a 1 s theme has ended
    assert tone_strength(late, 880) > 0.01  # the clip's own sound is kept
    assert tone_strength(end, 1500) < tone_strength(late, 1500) / 4  # faded out


def test_a_failed_export_leaves_nothing_at_the_destination(cache_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    out = tmp_path / "out"
    with pytest.raises(MediaError):
        export_film(film_spec([entry("s0", broken)]), out / "film.mp4", cache_dir)
    assert not out.exists() or list(out.iterdir()) == []
