"""Reading clips: an MP4's own header (the quick check of every download) against ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest
from clips import make_clip

from storyboard._errors import MediaError
from storyboard._media import check_download, mp4_duration, probe, run_ffmpeg


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s clip with its index at the end (as ffmpeg writes it) and one with its index
    first (``+faststart``, as web servers serve them), each also cut in half."""
    folder = tmp_path_factory.mktemp("mp4")
    made = make_clip(folder / "end.mp4", seconds=3.0)
    start = folder / "start.mp4"
    run_ffmpeg(["-i", str(made), "-c", "copy", "-movflags", "+faststart", str(start)], what="copy")
    for clip in (made, start):
        data = clip.read_bytes()
        (folder / f"cut-{clip.name}").write_bytes(data[: len(data) // 2])
    return folder


@pytest.mark.parametrize("name", ["end.mp4", "start.mp4"])
def test_the_header_gives_what_ffmpeg_gives(clips: Path, name: str) -> None:
    duration = mp4_duration(clips / name)
    assert duration == pytest.approx(probe(clips / name).duration, abs=0.05)
    assert duration == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize("name", ["cut-end.mp4", "cut-start.mp4"])
def test_a_clip_cut_short_is_not_read_from_its_header(clips: Path, name: str) -> None:
    assert mp4_duration(clips / name) is None


def test_what_is_not_a_whole_video_is_left_to_ffmpeg(tmp_path: Path) -> None:
    page = tmp_path / "page.mp4"
    page.write_bytes(b"<html>the link expired</html>")
    sound = tmp_path / "sound.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", str(sound)], what="make a tone")
    assert mp4_duration(page) is None and mp4_duration(sound) is None
    with pytest.raises(MediaError, match="not a readable video"):
        check_download(page, 3.0)
    with pytest.raises(MediaError, match="not a readable video"):
        check_download(sound, 2.0)


def test_a_download_of_the_wrong_length_is_refused(clips: Path) -> None:
    check_download(clips / "start.mp4", 3.0)
    with pytest.raises(MediaError, match=r"lasts 3\.00 s, expected about 8 s"):
        check_download(clips / "start.mp4", 8.0)
    with pytest.raises(MediaError, match="not a readable video"):
        check_download(clips / "cut-end.mp4", 3.0)
