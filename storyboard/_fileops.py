"""Files written whole or not at all, files hashed, and the leftovers of killed writers.

Every file storyboard writes goes to a temporary name beside its destination,
``.NAME.<12 hex>.tmp.SUFFIX`` (hidden, unique, and ending in the destination's own
suffix, so ffmpeg and Pillow still choose the format from it), is fsynced, and
is renamed into place; on an error the temporary is removed. A writer killed
mid-way leaves only such a temporary, which :func:`is_temporary` recognises and
:func:`sweep` deletes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

__all__ = [
    "atomic_write",
    "is_temporary",
    "move_into_place",
    "sha256_file",
    "sweep",
    "temporary_beside",
    "write_atomically",
]

_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{12}\.tmp(?P<suffix>\.[^.]+)?")


def temporary_beside(path: Path) -> Path:
    """A fresh temporary name beside ``path``; nothing is created."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp{path.suffix}")


def is_temporary(name: str) -> bool:
    """Whether a file name is one :func:`temporary_beside` makes."""
    match = _TEMPORARY.fullmatch(name)
    return match is not None and (match["suffix"] or "") == PurePath(match["name"]).suffix


@contextmanager
def atomic_write(destination: Path, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``destination`` for the caller to write.

    When the block ends normally the file is fsynced and renamed over
    ``destination``; when it raises, the temporary is removed and ``destination``
    is left as it was. ``durable=False`` skips the fsync, for a scratch file that is
    fsynced later, before it is moved to where it is kept (:func:`move_into_place`).
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(destination)
    try:
        yield temporary
        if durable:
            _fsync(temporary)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomically(destination: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``destination`` whole, and return the path."""
    with atomic_write(destination) as temporary:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return destination


def move_into_place(source: Path, destination: Path) -> None:
    """Move a finished file to ``destination`` whole; ``source`` is gone afterwards.

    A rename on one file system; across file systems, a copy through a temporary.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    _fsync(source)
    try:
        os.replace(source, destination)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    with atomic_write(destination) as temporary:
        shutil.copyfile(source, temporary)
    source.unlink()


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def sweep(
    folder: Path, is_leftover: Callable[[str], bool] = is_temporary, older_than: float = 0.0
) -> None:
    """Delete the entries of ``folder`` whose names ``is_leftover`` accepts (files or
    folders), keeping those changed in the last ``older_than`` seconds."""
    if not folder.is_dir():
        return
    cutoff = time.time() - older_than
    for entry in folder.iterdir():
        if not is_leftover(entry.name):
            continue
        try:
            if older_than and entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            continue


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
