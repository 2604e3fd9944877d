"""Files written whole or not at all, killed writers' leftovers swept, files hashed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyboard._export.files import LEFTOVER_AGE, sweep_leftovers
from storyboard._fileops import (
    atomic_write,
    is_temporary,
    move_into_place,
    sha256_file,
    sweep,
    temporary_beside,
    write_atomically,
)
from storyboard._store import Store

_WRITE_THEN_HANG = """
import sys
from pathlib import Path
from storyboard._fileops import atomic_write
with atomic_write(Path(sys.argv[1])) as temporary:
    temporary.write_bytes(b"half a film")
    print(temporary.name, flush=True)
    sys.stdin.read()
"""


def killed_mid_write(target: Path) -> Path:
    """Start writing ``target`` in another process, kill it once the temporary is written,
    and return that temporary."""
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITE_THEN_HANG, os.fspath(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdin is not None
    name = writer.stdout.readline().strip()
    writer.kill()
    writer.wait()
    writer.stdout.close()
    writer.stdin.close()
    assert name, "the writer died before writing"
    return target.with_name(name)


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = write_atomically(tmp_path / "film.mp4", b"the old film")
    with pytest.raises(RuntimeError), atomic_write(target) as temporary:
        temporary.write_bytes(b"half a new film")
        raise RuntimeError("the encoder crashed")
    assert target.read_bytes() == b"the old film"
    assert list(tmp_path.iterdir()) == [target]


def test_a_whole_write_replaces_the_file(tmp_path: Path) -> None:
    target = write_atomically(tmp_path / "out" / "film.srt", "old")
    assert write_atomically(target, "näw") == target
    assert target.read_bytes() == "näw".encode()
    assert list(target.parent.iterdir()) == [target]


def test_a_killed_writer_leaves_a_temporary_the_sweeper_removes(tmp_path: Path) -> None:
    target = write_atomically(tmp_path / "film.mp4", b"the old film")
    notes = tmp_path / "notes.tmp"
    notes.write_text("the writer's own file")
    leftover = killed_mid_write(target)
    assert leftover.read_bytes() == b"half a film"
    assert is_temporary(leftover.name) and leftover.suffix == ".mp4"
    assert target.read_bytes() == b"the old film"
    sweep(tmp_path)
    assert sorted(tmp_path.iterdir()) == [target, notes]


def test_exports_sweep_a_killed_writers_temporary_after_an_hour(tmp_path: Path) -> None:
    leftover = killed_mid_write(tmp_path / "film.mp4")
    sweep_leftovers(tmp_path)
    assert leftover.exists(), "it may belong to an export running now"
    then = time.time() - LEFTOVER_AGE - 60
    os.utime(leftover, (then, then))
    sweep_leftovers(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_build_sweeps_what_a_killed_download_left(tmp_path: Path) -> None:
    store = Store(tmp_path)
    leftover = killed_mid_write(store.download_path(7))
    assert leftover.parent == store.downloads_dir
    store.clean_downloads()
    assert list(store.downloads_dir.iterdir()) == []


def test_only_names_made_by_temporary_beside_are_temporary(tmp_path: Path) -> None:
    for name in ("film.mp4", "storyboard.lock", "Makefile", ".hidden.png"):
        assert is_temporary(temporary_beside(tmp_path / name).name), name
    for name in (
        "film.mp4",
        ".film.mp4",
        "notes.tmp",
        ".film.mp4.0123.part",
        ".film.mp4.0123456789ab.tmp.mov",
        ".film.mp4.0123456789AB.tmp.mp4",
    ):
        assert not is_temporary(name), name


def test_moving_into_place_replaces_whole(tmp_path: Path) -> None:
    source = write_atomically(tmp_path / "work" / "piece.mp4", b"new piece")
    destination = write_atomically(tmp_path / "pieces" / "piece.mp4", b"old piece")
    move_into_place(source, destination)
    assert destination.read_bytes() == b"new piece" and not source.exists()


def test_the_hash_is_sha256_of_the_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000 + b"tail"  # over two MiB: more than one read
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert sha256_file(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()
