"""Writing outputs whole or not at all, and sweeping what killed exports left.

Every file an export makes goes through :func:`storyboard._fileops.atomic_write`,
so a killed export never leaves a half-written film, timeline or subtitle file
where the real one belongs: at most a temporary, which a later export sweeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .._fileops import atomic_write, is_temporary, sweep, write_atomically

LEFTOVER_AGE = 3600.0
"""Seconds after which a temporary file or folder can only be a killed export's leftover."""


def sweep_leftovers(folder: Path, is_leftover: Callable[[str], bool] = is_temporary) -> None:
    """Remove what killed exports left in ``folder`` (temporaries, or what ``is_leftover``
    names) once it is an hour old: younger ones may belong to an export running now."""
    sweep(folder, is_leftover, older_than=LEFTOVER_AGE)


@contextmanager
def atomic_output(destination: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it into place on success."""
    sweep_leftovers(destination.parent)
    with atomic_write(destination) as temporary:
        yield temporary


def write_text(destination: Path, text: str) -> Path:
    """Write a text file (UTF-8) atomically and return its path."""
    sweep_leftovers(destination.parent)
    return write_atomically(destination, text)
