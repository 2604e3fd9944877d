"""`storyboard.lock`: which take of each scene the film uses, for people and git.

The sqlite cache is the source of what exists; the lock file records what
was chosen, per provider and per scene, in a form a writer can read and diff::

    version: 1
    xai:
      breakfast: {take: 2, key: c0ffee..., clip: 41aa..., by: writer}

``by: writer`` marks a take the writer chose with ``storyboard use``; a build chose
the others (``build --best-of`` never replaces the writer's).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ._fileops import write_atomically
from ._lockparse import LOCK_FILE, WRITER, Selection, Selections, parse_lock

__all__ = ["LOCK_FILE", "LockFile", "Selection"]
_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter where PyYAML has it: the same text, four times sooner (a build of
hundreds of scenes saves the lock file every second or so)."""
_HEADER = (
    "# storyboard.lock: the take of each scene that the film uses.\n"
    "# Written by storyboard (build, regen, use); commit it beside story.yaml.\n"
)


class LockFile:
    """The selections of one project, read once and written atomically.

    A lock file with problems raises LockFileInvalid when read (see
    :mod:`storyboard._lockparse`), so it is never saved over.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_FILE
        self._known = _text_of(self.path)  # read first: a later change is then noticed
        self._selections: Selections = parse_lock(self.path)
        self._changed: dict[tuple[str, str], Selection] = {}

    def get(self, provider: str, scene_id: str) -> Selection | None:
        return self._selections.get(provider, {}).get(scene_id)

    def chosen_by_writer(self, provider: str, scene_id: str, key: str) -> bool:
        """Whether the writer chose the scene's take for this key with ``storyboard use``."""
        selection = self.get(provider, scene_id)
        return selection is not None and selection.by_writer and selection.key == key

    def set(self, provider: str, scene_id: str, selection: Selection) -> None:
        self._selections.setdefault(provider, {})[scene_id] = selection
        self._changed[(provider, scene_id)] = selection

    def save(self, scene_order: list[str]) -> None:
        """Write this process's choices over the file as it is now (another command may
        have chosen other scenes meanwhile), scenes in film order so diffs stay small.

        The file is parsed again only when its text is not the one this object last read
        or wrote: a build saving every second reads back its own writes (parsing them took
        most of a save's time)."""
        current = _text_of(self.path)
        if current is None or current != self._known:
            self._selections = parse_lock(self.path)
        for (provider, scene_id), selection in self._changed.items():
            self._selections.setdefault(provider, {})[scene_id] = selection
        document: dict[str, object] = {"version": 1}
        for provider in sorted(self._selections):
            chosen = self._selections[provider]
            ordered = [s for s in scene_order if s in chosen] + sorted(
                set(chosen) - set(scene_order)
            )
            document[provider] = {scene: _entry(chosen[scene]) for scene in ordered}
        text = _HEADER + yaml.dump(
            document, Dumper=_DUMPER, sort_keys=False, default_flow_style=None, width=200
        )
        if current != text:  # the same choices: the file (and its time stamp) stays as is
            write_atomically(self.path, text)
        self._known = text


def _text_of(path: Path) -> str | None:
    """The file's text, or None when it cannot be read as UTF-8 (parse_lock says why)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _entry(selection: Selection) -> dict[str, object]:
    entry: dict[str, object] = {
        "take": selection.take,
        "key": selection.key,
        "clip": selection.clip,
    }
    if selection.by_writer:
        entry["by"] = WRITER
    return entry
