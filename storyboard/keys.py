"""A scene's key: the hash of everything that decides its clip.

Mode, model, compiled prompt, the bytes of each reference image in order (for
a scene mention: the bytes of that scene's chosen last frame), the start
frame, duration, aspect ratio, resolution, the provider (a preview never
stands in for a real clip) and the recipe version. Reverting an edit gives
the old key back, and with it the old takes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compiler import CompiledScene

RECIPE_VERSION = 1
"""Bump when the way clips are made changes, so old clips stop matching."""

Inputs = dict[str, Any]


def scene_inputs(scene: CompiledScene, provider: str, frames: Mapping[str, str]) -> Inputs | None:
    """The inputs of a scene, or None while an upstream scene has no chosen frame.

    ``frames`` maps scene ids to the sha256 of their chosen take's last frame.
    """
    references: list[dict[str, str]] = []
    for reference in scene.references:
        if reference.scene is not None:
            sha = frames.get(reference.scene)
        else:
            sha = reference.image.sha256 if reference.image else None
        if sha is None:
            return None
        references.append({"mention": reference.mention, "kind": reference.kind, "sha256": sha})
    start: str | None = None
    if scene.start is not None:
        start = (
            frames.get(scene.start.scene)
            if scene.start.scene
            else (scene.start.image.sha256 if scene.start.image else None)
        )
        if start is None:
            return None
    inputs: Inputs = {
        "recipe": RECIPE_VERSION,
        "provider": provider,
        "mode": scene.mode,
        "model": scene.model,
        "prompt": scene.prompt,
        "references": references,
        "start": start,
        "duration": scene.duration,
        "aspect_ratio": scene.aspect_ratio,
        "resolution": scene.resolution,
    }
    if provider == "preview":
        inputs["label"] = scene.id  # the animatic draws the scene id and the mention names
    return inputs


def key_of(inputs: Inputs) -> str:
    """The key for a set of inputs. Mention names are not sent to a real API, so only
    the preview's key depends on them."""
    hashed = dict(inputs)
    if hashed.get("provider") != "preview":
        hashed["references"] = [ref["sha256"] for ref in inputs["references"]]
    text = json.dumps(hashed, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def explain_change(old: Inputs, new: Inputs) -> str:
    """Why a scene's key changed, in a writer's words."""
    if old.get("prompt") != new.get("prompt"):
        return "prompt changed"
    old_refs = {ref["mention"]: ref["sha256"] for ref in old.get("references", [])}
    for ref in new.get("references", []):
        before = old_refs.get(ref["mention"])
        if before is None:
            continue
        if before != ref["sha256"]:
            if ref["kind"] == "scene":
                return f"upstream take changed: @{ref['mention']}"
            return f"reference image changed: @{ref['mention']}"
    if [r["mention"] for r in old.get("references", [])] != [
        r["mention"] for r in new.get("references", [])
    ]:
        return "references changed"
    if old.get("start") != new.get("start"):
        return "start frame changed"
    changed = [
        name
        for name in ("mode", "model", "duration", "aspect_ratio", "resolution", "recipe", "label")
        if old.get(name) != new.get(name)
    ]
    if changed:
        return "settings changed: " + ", ".join(changed)
    return "inputs changed"
