"""Where storyboard may write: a guard on every output path, and a record of what it wrote.

An output path (``-o`` of build and export, or the default ``out/<cut>.<ext>``)
is refused, whatever ``--force`` says, when writing there would destroy the
writer's project: ``story.yaml``, ``storyboard.lock``, anything under
``.storyboard/``, an image or soundtrack the story names, or anything that is
not a regular file (a folder, a device, a fifo, a symlink). An existing file
that storyboard did not write is refused unless ``--force``.

storyboard knows its own files from ``.storyboard/outputs.json``: for every
file it wrote, the sha256 of the bytes it wrote. A recorded file whose bytes
still match may be replaced (or, for a subtitle sidecar no longer wanted,
removed); a file edited since is the writer's again.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ._errors import OutputRefused
from ._export.files import write_text
from ._fileops import sha256_file
from ._lockfile import LOCK_FILE

RECORD = "outputs.json"
_FORCE_HINT = "choose another -o, or add --force to replace it"


class Outputs:
    """The output rules of one project: what is protected, and what storyboard wrote."""

    def __init__(self, root: Path, cache_dir: Path, protected: Iterable[Path] = ()) -> None:
        self.root = root.resolve()
        self.cache_dir = cache_dir.resolve()
        self.record_path = self.cache_dir / RECORD
        self.protected = {path.resolve() for path in protected}
        self.protected |= {self.root / "story.yaml", self.root / LOCK_FILE}

    def destination(self, requested: Path | None, default: Path) -> Path:
        """Where an output goes: ``default``, ``requested``, or inside ``requested`` if it is
        an existing folder (under the default's name)."""
        if requested is None:
            return default
        if requested.is_dir() and not requested.is_symlink():
            return requested / default.name
        return requested

    def check(self, path: Path, *, force: bool = False, own_name: bool = False) -> None:
        """Raise OutputRefused unless storyboard may write ``path``.

        ``own_name`` marks storyboard's default place (``out/film.mp4``): a file
        there counts as its own even if an older storyboard wrote it unrecorded.
        """
        shown = _shown(path)
        self._check_not_project_file(path, shown)
        try:
            status = path.lstat()
        except (FileNotFoundError, NotADirectoryError):
            self._check_parent(path, shown)
            return
        except OSError as error:
            raise OutputRefused(f"{shown}: cannot be looked at ({error.strerror})") from None
        if not stat.S_ISREG(status.st_mode):
            raise OutputRefused(
                f"{shown} is {_kind(status.st_mode)}, not a regular file: "
                "name a file to write (-o FILE) or an existing folder to write into"
            )
        if force or own_name:
            return
        self._check_made_here(path, shown)

    def remember(self, paths: Iterable[Path]) -> None:
        """Record files storyboard has just written, with the hash of their bytes."""
        record = self._read_record()
        for path in paths:
            record[str(path.resolve())] = sha256_file(path)
        kept = {name: digest for name, digest in sorted(record.items()) if Path(name).is_file()}
        write_text(self.record_path, json.dumps({"version": 1, "files": kept}, indent=1) + "\n")

    def _check_not_project_file(self, path: Path, shown: str) -> None:
        resolved = path.resolve()
        for candidate in {resolved, path.absolute()}:
            if candidate in self.protected:
                raise OutputRefused(
                    f"{shown} is one of the project's own files: storyboard never writes "
                    "over it; choose another -o (for example out/film.mp4)"
                )
            if candidate.is_relative_to(self.cache_dir):
                raise OutputRefused(
                    f"{shown} is inside .storyboard/, the cache of clips and spend records: "
                    "choose another -o (for example out/film.mp4)"
                )

    def _check_parent(self, path: Path, shown: str) -> None:
        for parent in path.absolute().parents:
            if parent.exists():
                if not parent.is_dir():
                    raise OutputRefused(
                        f"{shown}: {_shown(parent)} is a file, not a folder; choose another -o"
                    )
                return

    def _check_made_here(self, path: Path, shown: str) -> None:
        recorded = self._read_record().get(str(path.resolve()))
        if recorded is None:
            raise OutputRefused(f"{shown} exists and storyboard did not write it: {_FORCE_HINT}")
        try:
            changed = sha256_file(path) != recorded
        except OSError as error:
            raise OutputRefused(f"{shown}: cannot be read ({error.strerror})") from None
        if changed:
            raise OutputRefused(
                f"{shown} has changed since storyboard wrote it (someone edited it): {_FORCE_HINT}"
            )

    def _read_record(self) -> dict[str, str]:
        try:
            document = json.loads(self.record_path.read_bytes())
            files = document["files"]
        except (OSError, ValueError, TypeError, KeyError):
            return {}
        if not isinstance(files, dict):
            return {}
        return {str(name): str(digest) for name, digest in files.items()}


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe (fifo)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
