"""Outputs never clobber (target R11): `-o` of build, export and board, and `new`.

Every case runs the real command in a subprocess on a copy of one project
built once with the preview provider.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from cli_subprocess import storyboard
from PIL import Image
from stories import cat_story

pytestmark = pytest.mark.slow  # every case runs the real command in a subprocess

STORY = cat_story(
    "Tiny",
    """\
  - id: nap
    prompt: "@cat sleeps in the sun"
    caption: Sleepy.
  - id: wake
    prompt: "after @nap, @cat stretches"
""",
)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built") / "tiny"
    (root / "assets").mkdir(parents=True)
    Image.new("RGB", (64, 48), (180, 120, 60)).save(root / "assets" / "cat.png")
    (root / "story.yaml").write_text(STORY, encoding="utf-8")
    ran = storyboard("build", "-p", str(root), "--provider", "preview")
    assert ran.code == 0, ran.output
    return root


@pytest.fixture
def tiny(built_once: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tiny"
    shutil.copytree(built_once, copy, symlinks=True)
    return copy


def digests(root: Path) -> dict[str, str]:
    """Every file of a folder with the hash of its bytes; of the cache, the clips and frames
    (its database and memo may be rewritten by any command; they are checked apart)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.parent.name not in {".storyboard", "tmp", "normalised"}
    }


def spend_records(project: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(project / ".storyboard" / "cache.db")) as db:
        return db.execute("SELECT id, key, status, cost_usd FROM jobs ORDER BY id").fetchall()


def export(project: Path, *args: str) -> tuple[int, str]:
    ran = storyboard("export", "-p", str(project), "--provider", "preview", *args)
    return ran.code, ran.output


# -- the project's own files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("story.yaml", "one of the project's own files"),
        ("storyboard.lock", "one of the project's own files"),
        (".storyboard/cache.db", "inside .storyboard/"),
        (".storyboard/new-file.mp4", "inside .storyboard/"),
        ("assets/cat.png", "one of the project's own files"),
    ],
)
def test_export_never_writes_over_the_project(tiny: Path, target: str, said: str) -> None:
    before, jobs = digests(tiny), spend_records(tiny)
    for extra in ([], ["--force"]):
        code, output = export(tiny, "-o", str(tiny / target), *extra)
        assert code == 2 and said in output, output
    assert digests(tiny) == before
    assert spend_records(tiny) == jobs and jobs
    assert not (tiny / target).exists() or target != ".storyboard/new-file.mp4"


def test_a_timeline_never_writes_over_the_story(tiny: Path) -> None:
    before = (tiny / "story.yaml").read_bytes()
    code, output = export(tiny, "--format", "edl", "-o", str(tiny / "story.yaml"))
    assert code == 2 and "project's own files" in output
    assert (tiny / "story.yaml").read_bytes() == before


def test_build_refuses_a_bad_output_before_generating(tiny: Path) -> None:
    (tiny / "story.yaml").write_text(STORY + "  - id: more\n    prompt: a third scene\n")
    before = digests(tiny)
    ran = storyboard("build", "--provider", "preview", "-o", "story.yaml", cwd=tiny)
    assert ran.code == 2 and "project's own files" in ran.err, ran.output
    assert "generated" not in ran.output
    assert digests(tiny) == before


# -- what is not a regular file -----------------------------------------------------------


def test_a_device_or_a_fifo_is_refused(tiny: Path) -> None:
    code, output = export(tiny, "-o", "/dev/null")
    assert code == 2 and "a character device, not a regular file" in output
    fifo = tiny / "pipe.mp4"
    os.mkfifo(fifo)
    code, output = export(tiny, "-o", str(fifo), "--force")
    assert code == 2 and "a named pipe (fifo)" in output


def test_a_symlink_is_refused_not_followed(tiny: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "precious.mp4"
    elsewhere.write_bytes(b"mine")
    (tiny / "link.mp4").symlink_to(elsewhere)
    code, output = export(tiny, "-o", str(tiny / "link.mp4"), "--force")
    assert code == 2 and "a symbolic link" in output
    assert elsewhere.read_bytes() == b"mine"


def test_a_file_where_a_folder_should_be_is_refused(tiny: Path) -> None:
    code, output = export(tiny, "-o", str(tiny / "story.yaml" / "film.mp4"))
    assert code == 2 and "is a file, not a folder" in output


# -- foreign files and storyboard's own ------------------------------------------------------


def test_a_file_storyboard_did_not_write_needs_force(tiny: Path) -> None:
    mine = tiny / "holiday.mp4"
    mine.write_bytes(b"my holiday film")
    code, output = export(tiny, "-o", str(mine))
    assert code == 2 and "storyboard did not write it" in output and "--force" in output
    assert mine.read_bytes() == b"my holiday film"
    code, output = export(tiny, "-o", str(mine), "--force")
    assert code == 0, output
    assert mine.read_bytes()[4:8] == b"ftyp"


def test_storyboard_replaces_its_own_output_but_not_once_edited(tiny: Path) -> None:
    film = tiny / "cut.mp4"
    assert export(tiny, "-o", str(film))[0] == 0
    assert (tiny / "cut.srt").is_file()
    assert export(tiny, "-o", str(film))[0] == 0
    (tiny / "cut.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nmy own words\n")
    code, output = export(tiny, "-o", str(film))
    assert code == 2 and "cut.srt has changed since storyboard wrote it" in output
    assert "my own words" in (tiny / "cut.srt").read_text()


def test_a_foreign_subtitle_beside_the_film_is_kept(tiny: Path) -> None:
    (tiny / "cut.vtt").write_text("WEBVTT\n\nmine\n")
    code, output = export(tiny, "-o", str(tiny / "cut.mp4"))
    assert code == 2 and "cut.vtt exists and storyboard did not write it" in output
    assert (tiny / "cut.vtt").read_text() == "WEBVTT\n\nmine\n"
    assert not (tiny / "cut.mp4").exists()


def test_an_existing_folder_means_inside_it(tiny: Path) -> None:
    folder = tiny / "deliveries"
    folder.mkdir()
    code, output = export(tiny, "-o", str(folder), "--format", "otio")
    assert code == 0, output
    assert (folder / "film.otio").is_file()
    (folder / "film.mp4").mkdir()
    code, output = export(tiny, "-o", str(folder))
    assert code == 2 and "film.mp4 is a folder, not a regular file" in output


# -- the board -------------------------------------------------------------------------------


def board(project: Path, *args: str) -> tuple[int, str]:
    ran = storyboard("board", "-p", str(project), "--provider", "preview", *args)
    return ran.code, ran.output


@pytest.mark.parametrize(
    ("target", "said"),
    [
        (".", "holds the project itself"),
        ("..", "holds the project itself"),
        (".storyboard", "inside .storyboard/"),
        (".storyboard/clips", "inside .storyboard/"),
    ],
)
def test_the_board_never_goes_over_the_project(tiny: Path, target: str, said: str) -> None:
    before = digests(tiny)
    code, output = board(tiny, "-o", str(tiny / target), "--force")
    assert code == 2 and said in output, output
    assert digests(tiny) == before


def test_the_board_refuses_a_folder_of_foreign_files(tiny: Path) -> None:
    folder = tiny / "photos"
    (folder / "thumbs").mkdir(parents=True)
    (folder / "index.html").write_text("my page")
    (folder / "thumbs" / "me.jpg").write_bytes(b"me")
    before = digests(folder)
    code, output = board(tiny, "-o", str(folder))
    assert code == 2 and "holds no board that storyboard wrote" in output
    assert digests(folder) == before
    code, output = board(tiny, "-o", str(folder), "--force")
    assert code == 0, output
    assert (folder / "thumbs" / "me.jpg").read_bytes() == b"me"
    code, output = board(tiny, "-o", str(folder))
    assert code == 0, output
    assert (folder / "thumbs" / "me.jpg").read_bytes() == b"me"


def test_a_board_keeps_what_was_added_to_its_folder(tiny: Path) -> None:
    code, output = board(tiny)
    assert code == 0, output
    added = tiny / "out" / "board" / "clips" / "notes.txt"
    added.write_text("mine")
    assert board(tiny)[0] == 0
    assert added.read_text() == "mine"


# -- new -------------------------------------------------------------------------------------


def test_new_in_a_populated_folder_adds_only_what_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "film"
    (folder / "assets").mkdir(parents=True)
    (folder / ".gitignore").write_text("*.psd\n")
    (folder / "assets" / "hero.png").write_bytes(b"my own hero")
    ran = storyboard("new", str(folder))
    assert ran.code == 0, ran.output
    assert "left alone" in ran.out and ".gitignore" in ran.out and "hero.png" in ran.out
    assert (folder / ".gitignore").read_text() == "*.psd\n"
    assert (folder / "assets" / "hero.png").read_bytes() == b"my own hero"
    assert (folder / "story.yaml").is_file() and (folder / "assets" / "home.png").is_file()
    story = (folder / "story.yaml").read_bytes()
    again = storyboard("new", str(folder), "--title", "Other")
    assert again.code == 0 and "nothing to add" in again.out
    assert (folder / "story.yaml").read_bytes() == story


def test_new_refuses_a_file_as_its_folder(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("mine")
    ran = storyboard("new", str(tmp_path / "notes"))
    assert ran.code == 2 and "is not a folder" in ran.err
    assert (tmp_path / "notes").read_text() == "mine"
