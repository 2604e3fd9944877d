"""Checking on after shape mistakes, so a writer sees every mistake at once.

When `story.yaml` has shape mistakes (a wrong type, an unknown key, a bad
name), the later checks (mentions, images, limits, cuts, cycles) still run on
what is sound: each broken scene or asset is replaced by a placeholder that
keeps its name, so nothing else is reported as unknown because of it, and a
broken `defaults`, `export` or `cuts` section falls back to the defaults. The
shape mistakes themselves are always reported: a salvaged story is only ever
checked, never built.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from ._format import ASSET_SECTIONS, NAME_PATTERN, Story
from ._loader import PathKey
from ._shape import keys_of, validate

PLACEHOLDER_IMAGE = "placeholder.png"
PLACEHOLDER_PROMPT = "placeholder"
_FALLBACK_SECTIONS = ("defaults", "export", "cuts")


@dataclass
class Salvage:
    """A valid stand-in for a story with shape mistakes, and what in it is not real."""

    story: Story
    broken_scenes: set[int] = field(default_factory=set)
    broken_assets: set[str] = field(default_factory=set)
    names_lost: bool = False
    """Some names could not be kept (an invalid name, a section of the wrong type),
    so a mention that resolves to nothing may be the writer's own, not a mistake."""


def salvage_story(data: dict[str, Any]) -> Salvage | None:
    """The story without its broken parts, or None when too little is sound."""
    _, issues = validate(Story, data)
    if not issues:
        return None
    locations: list[PathKey] = [issue.path for issue in issues]
    repaired = copy.deepcopy(data)
    salvage = _Repair(repaired)
    for location in locations:
        if not salvage.mend(location):
            return None
    return salvage.finish()


class _Repair:
    """Mends a copy of the data, one error location at a time."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.broken_scenes: set[int] = set()
        self.broken_assets: dict[str, set[str]] = {}
        self.names_lost = False

    def mend(self, location: PathKey) -> bool:
        head = location[0] if location else None
        if head == "scenes" and len(location) > 1 and isinstance(location[1], int):
            self.broken_scenes.add(location[1])
        elif head in ASSET_SECTIONS and len(location) > 1:
            self.broken_assets.setdefault(str(head), set()).add(str(location[1]))
        elif head in ASSET_SECTIONS or head in _FALLBACK_SECTIONS:
            self.names_lost |= head in ASSET_SECTIONS
            self.data.pop(str(head), None)
        elif head == "storyboard":
            self.data["storyboard"] = 1
        elif head == "title":
            self.data["title"] = "untitled"
        elif isinstance(head, str) and head not in keys_of(Story):
            self.data.pop(head, None)  # an unknown top-level key
        else:
            return False  # `scenes` itself is wrong: nothing to check scenes against
        return True

    def finish(self) -> Salvage | None:
        scenes = self.data.get("scenes")
        if not isinstance(scenes, list) or not scenes:
            return None
        for index in self.broken_scenes:
            scene_id = self._scene_id(scenes[index], index)
            scenes[index] = {"id": scene_id, "prompt": PLACEHOLDER_PROMPT}
        broken_names: set[str] = set()
        for section, names in self.broken_assets.items():
            assets = self.data.get(section)
            if not isinstance(assets, dict):
                return None
            for name in names:
                assets.pop(name, None)
                if re.match(NAME_PATTERN, name):
                    assets[name] = {"image": PLACEHOLDER_IMAGE}
                    broken_names.add(name)
                else:
                    self.names_lost = True
        story, _ = validate(Story, self.data)
        if story is None:
            return None
        return Salvage(story, self.broken_scenes, broken_names, self.names_lost)

    def _scene_id(self, scene: object, index: int) -> str:
        scene_id = scene.get("id") if isinstance(scene, dict) else None
        if isinstance(scene_id, str) and re.match(NAME_PATTERN, scene_id):
            return scene_id
        self.names_lost = True
        return f"broken-scene-{index + 1}"
