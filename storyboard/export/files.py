"""Writing outputs whole or not at all.

Every file an export makes is written under a temporary name beside its
destination and renamed into place, so a killed export never leaves a
half-written film, timeline or subtitle file where the real one belongs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LEFTOVER_AGE = 3600.0
"""Seconds after which a temporary file or folder can only be a killed export's leftover."""


def sweep_leftovers(folder: Path, pattern: str) -> None:
    """Remove what killed exports left in ``folder``: entries matching ``pattern`` that
    are older than an hour (younger ones may belong to an export running now)."""
    cutoff = time.time() - LEFTOVER_AGE
    for entry in folder.glob(pattern):
        try:
            if entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            continue


@contextmanager
def atomic_output(destination: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it into place on success."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(destination.parent, ".*.partial*")
    temporary = destination.with_name(
        f".{destination.stem}.{secrets.token_hex(4)}.partial{destination.suffix}"
    )
    try:
        yield temporary
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(destination: Path, text: str) -> Path:
    """Write a text file (UTF-8) atomically and return its path."""
    with atomic_output(destination) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return destination
