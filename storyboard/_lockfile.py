"""`storyboard.lock`: which take of each scene the film uses, for people and git.

The sqlite cache is the source of what exists; the lock file records what
was chosen, per provider and per scene, in a form a writer can read and diff::

    version: 1
    xai:
      breakfast: {take: 2, key: c0ffee..., clip: 41aa...}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ._fileops import write_atomically

LOCK_FILE = "storyboard.lock"
_HEADER = (
    "# storyboard.lock: the take of each scene that the film uses.\n"
    "# Written by storyboard (build, regen, use); commit it beside story.yaml.\n"
)


@dataclass(frozen=True)
class Selection:
    take: int
    key: str
    clip: str


class LockFile:
    """The selections of one project, read once and written atomically."""

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_FILE
        self._selections: dict[str, dict[str, Selection]] = self._read()
        self._changed: dict[tuple[str, str], Selection] = {}

    def _read(self) -> dict[str, dict[str, Selection]]:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            return {}
        if not isinstance(data, dict):
            return {}
        result: dict[str, dict[str, Selection]] = {}
        for provider, scenes in data.items():
            if provider == "version" or not isinstance(scenes, dict):
                continue
            result[str(provider)] = {
                str(scene): Selection(int(entry["take"]), str(entry["key"]), str(entry["clip"]))
                for scene, entry in scenes.items()
                if isinstance(entry, dict) and {"take", "key", "clip"} <= entry.keys()
            }
        return result

    def get(self, provider: str, scene_id: str) -> Selection | None:
        return self._selections.get(provider, {}).get(scene_id)

    def set(self, provider: str, scene_id: str, selection: Selection) -> None:
        self._selections.setdefault(provider, {})[scene_id] = selection
        self._changed[(provider, scene_id)] = selection

    def save(self, scene_order: list[str]) -> None:
        """Write this process's choices over the file as it is now (another command may
        have chosen other scenes meanwhile), scenes in film order so diffs stay small."""
        self._selections = self._read()
        for (provider, scene_id), selection in self._changed.items():
            self._selections.setdefault(provider, {})[scene_id] = selection
        document: dict[str, object] = {"version": 1}
        for provider in sorted(self._selections):
            chosen = self._selections[provider]
            ordered = [s for s in scene_order if s in chosen] + sorted(
                set(chosen) - set(scene_order)
            )
            document[provider] = {
                scene: {
                    "take": chosen[scene].take,
                    "key": chosen[scene].key,
                    "clip": chosen[scene].clip,
                }
                for scene in ordered
            }
        text = _HEADER + yaml.safe_dump(
            document, sort_keys=False, default_flow_style=None, width=200
        )
        write_atomically(self.path, text)
