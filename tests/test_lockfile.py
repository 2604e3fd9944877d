"""`storyboard.lock` is a file for git: read with positions, never saved over when broken,
saved stable and whole. Through the real command, on one project built once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_subprocess import storyboard

from storyboard import _lockfile
from storyboard._errors import LockFileInvalid
from storyboard._lockfile import LockFile, Selection
from storyboard._lockparse import parse_lock as parse

STORY = """\
storyboard: 1
title: Lock
defaults: {duration: 1, resolution: 480p}
scenes:
  - id: nap
    prompt: a cat sleeps in the sun
  - id: wake
    prompt: the cat stretches
"""
HASH = "ab" * 32


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built") / "lock"
    root.mkdir()
    (root / "story.yaml").write_text(STORY, encoding="utf-8")
    ran = storyboard("build", "-p", str(root), "--provider", "preview", "--no-export")
    assert ran.code == 0, ran.output
    return root


@pytest.fixture
def project(built_once: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "lock"
    shutil.copytree(built_once, copy)
    return copy


def lines_of(project: Path) -> list[str]:
    return (project / "storyboard.lock").read_text(encoding="utf-8").splitlines()


def write_lock(project: Path, lines: list[str]) -> bytes:
    text = "\n".join(lines) + "\n"
    (project / "storyboard.lock").write_text(text, encoding="utf-8")
    return text.encode()


@pytest.mark.slow
def test_merge_conflict_markers_are_named_with_both_sides(project: Path) -> None:
    header, nap, wake = lines_of(project)[:4], lines_of(project)[4], lines_of(project)[5]
    other = nap.replace("take: 1", "take: 2")
    conflicted = [*header, "<<<<<<< HEAD", nap, "=======", other, ">>>>>>> new-ending", wake]
    written = write_lock(project, conflicted)
    preview = ["--provider", "preview"]
    for command in [["status", *preview], ["use", "nap", "1", *preview], ["build", *preview]]:
        ran = storyboard(*command, "-p", str(project))
        assert ran.code == 2, ran.output
        assert "storyboard.lock:5:1: git left a merge conflict here (lines 5-9)" in ran.err
        assert "HEAD (lines 6-6: nap take 1)" in ran.err
        assert "new-ending (lines 8-8: nap take 2)" in ran.err
        assert "storyboard use SCENE TAKE" in ran.err
        assert (project / "storyboard.lock").read_bytes() == written


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "place", "said"),
    [
        (
            ("nap: {take: 1", "nap: {take: two"),
            "5:15",
            'the take of "nap" should be a whole number like 1, not "two"',
        ),
        (
            ("nap: {take: 1", "nap: {take: 0"),
            "5:15",
            'the take of "nap" should be a whole number like 1, not "0"',
        ),
        (("nap: {take: 1", "nap: {take: 1, note: x"), "5:18", 'unknown key "note"'),
        (("version: 1", "version: 7"), "3:10", "version should be 1"),
    ],
)
def test_a_bad_value_is_refused_at_its_place(
    project: Path, change: tuple[str, str], place: str, said: str
) -> None:
    text = (project / "storyboard.lock").read_text(encoding="utf-8")
    assert change[0] in text
    broken = text.replace(change[0], change[1], 1).encode()
    (project / "storyboard.lock").write_bytes(broken)
    ran = storyboard("use", "nap", "1", "-p", str(project), "--provider", "preview")
    assert ran.code == 2 and f"storyboard.lock:{place}: {said}" in ran.err, ran.err
    assert (project / "storyboard.lock").read_bytes() == broken


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "place", "said"),
    [
        ("- nap\n", "1:1", "should be a mapping of providers to scenes"),
        ("version: 1\npreview: [nap, wake]\n", "2:10", '"preview" should be a mapping'),
        ("version: 1\npreview:\n  nap: 1\n", "3:8", 'the selection of "nap" should be'),
        ("preview: {nap: {take: 1, key: x, clip: 1}}\n", "1:31", '"key" of "nap" should be'),
        ("preview: {nap: {take: 1\n", "1:16", "this { is never closed"),
        (">>>>>>> main\n", "1:1", "a merge-conflict marker"),
        (
            f"preview: {{nap: {{take: 1, key: {HASH}, clip: {HASH}, by: me}}}}\n",
            "1:173",
            '"by" of "nap" can only be "writer"',
        ),
    ],
)
def test_a_wrong_shape_is_refused_at_its_place(
    project: Path, text: str, place: str, said: str
) -> None:
    (project / "storyboard.lock").write_text(text, encoding="utf-8")
    ran = storyboard("plan", "-p", str(project), "--provider", "preview")
    assert ran.code == 2 and f"storyboard.lock:{place}: {said}" in ran.err, ran.err
    assert (project / "storyboard.lock").read_text(encoding="utf-8") == text


@pytest.mark.slow
def test_saving_keeps_every_provider_and_is_byte_stable(project: Path) -> None:
    lines = lines_of(project)
    xai = ["xai:", f"  wake: {{take: 3, key: {HASH}, clip: {HASH}}}"]
    write_lock(project, [*lines, *xai])
    ran = storyboard("use", "nap", "1", "-p", str(project), "--provider", "preview")
    assert ran.code == 0, ran.output
    saved = (project / "storyboard.lock").read_bytes()
    assert f"  wake: {{take: 3, key: {HASH}, clip: {HASH}}}" in saved.decode()
    chosen = [  # `use` marks the writer's choice; every other line stays as it was
        line.replace("}", ", by: writer}") if line.startswith("  nap:") else line
        for line in lines[4:6]
    ]
    assert saved.decode().splitlines()[4:6] == chosen
    stamp = (project / "storyboard.lock").stat().st_mtime_ns
    assert storyboard("use", "nap", "1", "-p", str(project), "--provider", "preview").code == 0
    assert (project / "storyboard.lock").read_bytes() == saved
    assert (project / "storyboard.lock").stat().st_mtime_ns == stamp


def test_a_lock_broken_after_reading_is_not_saved_over(tmp_path: Path) -> None:
    """Between reading and saving, someone leaves a conflict in the file: save refuses."""
    lock = LockFile(tmp_path)
    lock.set("preview", "nap", Selection(1, HASH, HASH))
    conflicted = "<<<<<<< HEAD\npreview: {}\n=======\n>>>>>>> main\n"
    (tmp_path / "storyboard.lock").write_text(conflicted)
    with pytest.raises(LockFileInvalid):
        lock.save(["nap"])
    assert (tmp_path / "storyboard.lock").read_text() == conflicted


def test_an_empty_or_absent_lock_selects_nothing(tmp_path: Path) -> None:
    assert LockFile(tmp_path).get("preview", "nap") is None
    (tmp_path / "storyboard.lock").write_text("# nothing chosen yet\n")
    assert LockFile(tmp_path).get("preview", "nap") is None


def test_a_scene_taken_out_of_the_story_keeps_its_line_and_its_take_comes_back(
    project: Path,
) -> None:
    """Removing a scene stops no command; the lock keeps its choice for when it returns."""
    remade = storyboard("regen", "wake", "-p", str(project), "--provider", "preview", "--no-export")
    assert remade.code == 0, remade.output
    chosen = next(line for line in lines_of(project) if line.startswith("  wake:"))
    assert "take: 2" in chosen
    story = project / "story.yaml"
    story.write_text(STORY.split("  - id: wake")[0], encoding="utf-8")
    for command in (["check"], ["plan", "--provider", "preview"], ["status"]):
        ran = storyboard(*command, "-p", str(project))
        assert ran.code == 0 and "wake" not in ran.out, ran.output
    built = storyboard("build", "-p", str(project), "--provider", "preview", "--no-export")
    assert built.code == 0 and "0 generated" in built.out, built.output
    assert chosen in lines_of(project)
    story.write_text(STORY, encoding="utf-8")
    status = storyboard("status", "--json", "-p", str(project), "--provider", "preview")
    wake = next(s for s in json.loads(status.out)["scenes"] if s["id"] == "wake")
    assert (wake["state"], wake["take"]) == ("cached", 2)


def test_a_save_keeps_what_another_command_chose_since_the_last_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is parsed again only when it is not what this LockFile last wrote."""
    parsed: list[Path] = []
    monkeypatch.setattr(_lockfile, "parse_lock", lambda path: parsed.append(path) or parse(path))
    build = LockFile(tmp_path)
    build.set("xai", "nap", Selection(1, HASH, HASH))
    build.save(["nap", "wake"])
    build.set("xai", "nap", Selection(2, HASH, HASH))
    build.save(["nap", "wake"])
    assert len(parsed) == 2  # on opening, and before the first save (no file yet)
    writer = LockFile(tmp_path)
    writer.set("xai", "wake", Selection(5, HASH, HASH))
    writer.save(["nap", "wake"])
    build.set("xai", "nap", Selection(3, HASH, HASH))
    build.save(["nap", "wake"])
    assert len(parsed) == 4  # the writer opening it, and the build saving after the writer
    chosen = LockFile(tmp_path)
    assert (chosen.get("xai", "nap"), chosen.get("xai", "wake")) == (
        Selection(3, HASH, HASH),
        Selection(5, HASH, HASH),
    )
