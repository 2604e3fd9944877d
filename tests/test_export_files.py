"""Outputs written whole, and what killed exports left behind swept away."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from storyboard._export.files import atomic_output, sweep_leftovers, write_text
from storyboard._fileops import temporary_beside


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_output_appears_only_when_whole(tmp_path: Path) -> None:
    target = tmp_path / "out" / "film.srt"
    with pytest.raises(RuntimeError), atomic_output(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed")
    assert not target.exists()
    assert list((tmp_path / "out").iterdir()) == []
    assert write_text(target, "whole").read_text() == "whole"


def test_old_leftovers_are_swept_and_fresh_ones_kept(tmp_path: Path) -> None:
    old = temporary_beside(tmp_path / "film.mp4")
    fresh = temporary_beside(tmp_path / "film.mp4")
    film = tmp_path / "film.mp4"
    old_folder = tmp_path / "export-old"
    for path in (old, fresh, film):
        path.write_bytes(b"partial")
    old_folder.mkdir()
    (old_folder / "piece.mp4").write_bytes(b"x")
    for path in (old, film, old_folder):
        _age(path, 7200)
    sweep_leftovers(tmp_path)
    sweep_leftovers(tmp_path, lambda name: name.startswith("export-"))
    assert not old.exists() and not old_folder.exists()
    assert fresh.exists() and film.exists()
