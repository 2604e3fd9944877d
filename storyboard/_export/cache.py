"""Pieces: MP4s in a film's profile, made once and kept in ``.storyboard/normalised/``.

A piece is named by what it was made from (a clip's sha256 and the profile's
digest, or the names of the pieces it came from), so the same inputs always
find the same file and a changed input never finds a stale one. Beside each
``NAME.mp4`` lies ``NAME.json`` with its frame count, so a film can be laid
out without probing anything. Both are written under temporary names and
renamed into place (the JSON first), so an interrupted export leaves either
a whole piece or none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._fileops import move_into_place
from .files import write_text


@dataclass(frozen=True)
class Piece:
    """A cached MP4 in a film's profile: exactly ``frames`` frames, sound padded to AAC frames."""

    path: Path
    frames: int

    @property
    def name(self) -> str:
        return self.path.stem


Producer = Callable[[Sequence[Path]], Sequence[int]]
"""Writes one file per given path and returns each one's frame count."""


class PieceCache:
    """The folder of pieces, and a work folder for files on their way in."""

    def __init__(self, folder: Path, work: Path) -> None:
        self.folder = folder
        self.work = work
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, name: str) -> Piece | None:
        """The piece called ``name``, if it has been made."""
        path = self.folder / f"{name}.mp4"
        meta = self.folder / f"{name}.json"
        if not (path.is_file() and meta.is_file()):
            return None
        try:
            frames = int(json.loads(meta.read_text(encoding="utf-8"))["frames"])
        except (ValueError, KeyError, TypeError):
            return None
        return Piece(path, frames)

    def make(self, name: str, produce: Callable[[Path], int]) -> Piece:
        """The piece called ``name``, made by ``produce`` (which returns its frames) if missing."""
        return self.make_all([name], lambda paths: [produce(paths[0])])[0]

    def make_all(self, names: Sequence[str], produce: Producer) -> list[Piece]:
        """Several pieces made together by one ``produce`` call, unless all exist already."""
        found = [self.get(name) for name in names]
        if all(piece is not None for piece in found):
            return [piece for piece in found if piece is not None]
        temporaries = [self.work / f"{name}.mp4" for name in names]
        counts = produce(temporaries)
        return [
            self._keep(name, temporary, frames)
            for name, temporary, frames in zip(names, temporaries, counts, strict=True)
        ]

    def _keep(self, name: str, temporary: Path, frames: int) -> Piece:
        write_text(self.folder / f"{name}.json", json.dumps({"frames": frames}))
        path = self.folder / f"{name}.mp4"
        move_into_place(temporary, path)
        return Piece(path, frames)
