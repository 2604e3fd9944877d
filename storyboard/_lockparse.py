"""Reading `storyboard.lock` with positions: every mistake at `storyboard.lock:LINE:COL`.

The lock file is meant for git, so it meets git's accidents: merge-conflict
markers, a hand-edited take, a scene renamed in ``story.yaml`` but not here.
:func:`parse_lock` reads it with the loader's YAML-with-marks reader and
raises :class:`~storyboard._errors.LockFileInvalid` with every problem, each
saying how to resolve it. An absent or empty lock file has no selections.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ._errors import LockFileInvalid, Problem
from ._gcpause import collector_paused
from ._loader import KEY, Positions, read_story

LOCK_FILE = "storyboard.lock"
LOCK_VERSION = 1
_HEX = re.compile(r"[0-9a-f]{8,128}")
_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: (.*))?$")
_CHOICE = re.compile(r"^\s+([^\s:#]+):\s*\{\s*take:\s*(\S+?)\s*,")
_RESTORE = "restore it from git (git checkout storyboard.lock) or delete it and choose takes again"


WRITER = "writer"
"""The value of ``by`` on a selection the writer made with ``storyboard use``."""


@dataclass(frozen=True)
class Selection:
    take: int
    key: str
    clip: str
    by_writer: bool = field(default=False, compare=False)
    """Chosen with ``storyboard use`` (``by: writer`` in the file): a build's ``--best-of``
    never replaces it. Not part of equality: the same take chosen again keeps the mark."""


Selections = dict[str, dict[str, Selection]]


def parse_lock(path: Path) -> Selections:
    """The selections of a lock file, per provider and scene; raise LockFileInvalid.

    A selection of a scene (or step) the story no longer has is kept, unused: the
    writer may put the scene back, and its take comes back with it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise LockFileInvalid(
            [Problem(LOCK_FILE, None, None, f"cannot be read: {error}")]
        ) from None
    conflicts = list(_conflicts(text))
    if conflicts:
        raise LockFileInvalid(conflicts)
    with collector_paused():  # a lock of ten thousand scenes is a story's worth of objects
        data, positions, problems = read_story(path, LOCK_FILE, empty_ok=True)
        if problems:
            raise LockFileInvalid(problems)
        checker = _Checker(positions)
        selections = checker.document(data)
    if checker.problems:
        raise LockFileInvalid(checker.problems)
    return selections


def _conflicts(text: str) -> Iterator[Problem]:
    """A problem at each `<<<<<<<` that git left, naming what each side chooses."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _MARKER.match(lines[index])
        if opening is None or opening.group(1)[0] != "<":
            if opening is not None:
                yield Problem(LOCK_FILE, index + 1, 1, _stray_marker(opening.group(1)))
            index += 1
            continue
        sides, end = _sides(lines, index)
        yield Problem(LOCK_FILE, index + 1, 1, _conflict_message(sides, index, end))
        index = end + 1


def _sides(lines: list[str], start: int) -> tuple[list[_Side], int]:
    """The sides of the conflict whose `<<<<<<<` is at ``start``, and the index of its
    `>>>>>>>` (or of the last line, if git's block is cut short)."""
    sides: list[_Side] = []
    name = _marker_name(lines[start], "ours")
    first = start + 1
    for index in range(start + 1, len(lines)):
        marker = _MARKER.match(lines[index])
        if marker is None or marker.group(1)[0] == "<":
            continue
        sides.append(_Side(name, first + 1, index, _choices(lines[first:index])))
        if marker.group(1)[0] == ">":
            if sides[-1].name == "":
                sides[-1] = _Side(_marker_name(lines[index], "theirs"), *sides[-1][1:])
            return sides, index
        name = "the common ancestor" if marker.group(1)[0] == "|" else ""
        first = index + 1
    return sides, len(lines) - 1


class _Side(NamedTuple):
    name: str
    first: int
    last: int
    choices: str


def _marker_name(line: str, fallback: str) -> str:
    marker = _MARKER.match(line)
    return (marker.group(2) if marker else None) or fallback


def _choices(lines: list[str]) -> str:
    """What a side of a conflict selects, as `breakfast take 2, orbit take 1`."""
    found = [_CHOICE.match(line) for line in lines]
    return ", ".join(f"{m.group(1)} take {m.group(2)}" for m in found if m)


def _conflict_message(sides: list[_Side], start: int, end: int) -> str:
    described = "; ".join(
        f"{side.name} (lines {side.first}-{side.last}{': ' + side.choices if side.choices else ''})"
        for side in sides
        if side.first <= side.last and side.name != "the common ancestor"
    )
    return (
        f"git left a merge conflict here (lines {start + 1}-{end + 1}): {described or 'empty'}. "
        "Keep the lines of the side whose takes you want and delete the rest of the block, "
        "marker lines included; or delete the whole block and choose again with "
        "`storyboard use SCENE TAKE` (see `storyboard takes SCENE`)"
    )


def _stray_marker(marker: str) -> str:
    return (
        f'a merge-conflict marker "{marker}" is left here without its block: delete this line, '
        "then check the lines around it"
    )


class _Checker:
    """Checks the data of a lock file against its shape, noting every problem."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.problems: list[Problem] = []

    def report(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self.positions.problem(path, message))

    def document(self, data: Any) -> Selections:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.report((), f"should be a mapping of providers to scenes: {_RESTORE}")
            return {}
        version = data.get("version", LOCK_VERSION)
        if version != LOCK_VERSION or isinstance(version, bool):
            self.report(
                ("version",), f"version should be {LOCK_VERSION}, not {version!r}: {_RESTORE}"
            )
        return {
            str(provider): self.provider(str(provider), scenes)
            for provider, scenes in data.items()
            if provider != "version"
        }

    def provider(self, provider: str, scenes: Any) -> dict[str, Selection]:
        if scenes is None:
            return {}
        if not isinstance(scenes, dict):
            self.report(
                (provider,),
                f'"{provider}" should be a mapping of scene ids to takes '
                f"({'breakfast: {take: 1, key: ..., clip: ...}'}): {_RESTORE}",
            )
            return {}
        chosen: dict[str, Selection] = {}
        for scene, entry in scenes.items():
            selection = self.selection((provider, scene), entry)
            if selection is not None:
                chosen[str(scene)] = selection
        return chosen

    def selection(self, path: tuple[str, str], entry: Any) -> Selection | None:
        scene = path[1]
        if not isinstance(entry, dict) or not {"take", "key", "clip"} <= entry.keys():
            self.report(
                path,
                f'the selection of "{scene}" should be {{take: N, key: ..., clip: ...}}: '
                f"choose its take again with `storyboard use {scene} N` after deleting this line",
            )
            return None
        unknown = sorted(set(entry) - {"take", "key", "clip", "by"})
        for name in unknown:
            self.report((*path, name, KEY), f'unknown key "{name}" here: delete it')
        take, key, clip = entry["take"], entry["key"], entry["clip"]
        valid = not unknown
        if isinstance(take, bool) or not isinstance(take, int) or take < 1:
            self.report(
                (*path, "take"),
                f'the take of "{scene}" should be a whole number like 1, not "{take}": '
                f"see `storyboard takes {scene}` and write one of its numbers",
            )
            valid = False
        for name, value in (("key", key), ("clip", clip)):
            if not isinstance(value, str) or not _HEX.fullmatch(value):
                self.report(
                    (*path, name),
                    f'"{name}" of "{scene}" should be the hexadecimal hash storyboard wrote: '
                    f"delete this line and run `storyboard use {scene} N`",
                )
                valid = False
        by = entry.get("by")
        if by is not None and by != WRITER:
            self.report(
                (*path, "by"),
                f'"by" of "{scene}" can only be "{WRITER}" (a take chosen with `storyboard use`), '
                f'not "{by}": delete it',
            )
            valid = False
        return Selection(take, key, clip, by == WRITER) if valid else None
