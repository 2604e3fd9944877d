"""The board's folder: which folders a board may be written into, and what it may delete.

A board folder holds a manifest, ``.storyboard-board.json``, listing every
file the last board wrote there (relative paths). A new board replaces and
removes only those; anything else in the folder is left alone. A folder that
is not empty and has no manifest is not a board: it is refused, unless
``--force`` asks to write into it (still deleting nothing of its own). The
project folder, any folder above it and ``.storyboard/`` are always refused.

Boards written before the manifest existed are recognised in the default
place only (``out/board/``), by what they hold: ``index.html``, ``thumbs/``
and ``clips/`` with storyboard's own file names.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from ._errors import OutputRefused
from ._export.files import write_text

MANIFEST = ".storyboard-board.json"
PAGE = "index.html"
_LEGACY_ENTRIES = {PAGE, "thumbs", "clips"}
_LEGACY_MEDIA = re.compile(r"(?:poster-)?[0-9a-f]{64}\.(?:jpg|mp4)")


class BoardFolder:
    """A folder a board may be written into, with the files an earlier board left there."""

    def __init__(self, folder: Path, earlier: set[str]) -> None:
        self.folder = folder
        self.earlier = earlier

    @classmethod
    def claim(
        cls, folder: Path, root: Path, cache_dir: Path, *, default: bool, force: bool
    ) -> BoardFolder:
        """The folder if a board may be written there; raise OutputRefused otherwise."""
        folder = folder.resolve()
        shown = _shown(folder, root)
        if folder == root or root.is_relative_to(folder):
            raise OutputRefused(
                f"{shown} holds the project itself; a board needs a folder of its own "
                "(for example out/board)"
            )
        if folder.is_relative_to(cache_dir.resolve()):
            raise OutputRefused(
                f"{shown} is inside .storyboard/, the cache of clips and spend records: "
                "choose another -o (for example out/board)"
            )
        if not folder.exists():
            return cls(folder, set())
        if not stat.S_ISDIR(folder.lstat().st_mode):
            raise OutputRefused(f"{shown} is not a folder: name a folder for the board")
        earlier = _manifest(folder)
        if earlier is not None:
            return cls(folder, earlier)
        if not any(folder.iterdir()):
            return cls(folder, set())
        if default and _looks_like_an_old_board(folder):
            return cls(folder, _all_files(folder))
        if force:
            return cls(folder, set())
        raise OutputRefused(
            f"{shown} is not empty and holds no board that storyboard wrote: choose a new or "
            "empty folder, or add --force to write into it (nothing already there is deleted)"
        )

    def remove_unused(self, used: Iterable[Path]) -> None:
        """Delete the files the earlier board wrote that this one no longer uses."""
        kept = {path.relative_to(self.folder).as_posix() for path in used}
        for name in sorted(self.earlier - kept - {PAGE}):
            path = self.folder / name
            if path.is_file() and not path.is_symlink():
                path.unlink()

    def save_manifest(self, written: Iterable[Path]) -> None:
        names = sorted({path.relative_to(self.folder).as_posix() for path in written})
        document = {"version": 1, "files": names}
        write_text(self.folder / MANIFEST, json.dumps(document, indent=1) + "\n")


def _manifest(folder: Path) -> set[str] | None:
    try:
        files = json.loads((folder / MANIFEST).read_bytes())["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(files, list):
        return None
    # only plain relative names: a forged manifest cannot reach outside the folder
    return {n for n in files if isinstance(n, str) and ".." not in n.split("/") and n[:1] != "/"}


def _looks_like_an_old_board(folder: Path) -> bool:
    names = {entry.name for entry in folder.iterdir()}
    if not names <= _LEGACY_ENTRIES or PAGE not in names:
        return False
    media = [p for name in ("thumbs", "clips") for p in (folder / name).glob("*")]
    return all(p.is_file() and _LEGACY_MEDIA.fullmatch(p.name) for p in media)


def _all_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _shown(folder: Path, root: Path) -> str:
    return folder.relative_to(root).as_posix() if folder.is_relative_to(root) else str(folder)
