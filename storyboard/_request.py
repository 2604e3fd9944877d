"""What is asked for one scene, described once: the request is the key.

A :class:`SceneRequest` holds everything that decides a scene's clip: mode,
model, compiled prompt, the reference images by content hash (for a scene
mention: the hash of that scene's chosen last frame), the start frame's hash,
duration, aspect ratio, resolution, and how a start frame of another shape is
fitted. The compiler builds it
(:meth:`storyboard._compiler.CompiledScene.request`); the request a provider
is handed is derived from it, and so is everything below:

- the **key**: the hash of the sent fields, the recipe version, the provider's
  name and what the provider declares it adds (its key extras);
- the **record** kept beside each key (``Store.remember_inputs``): the same
  fields with the names of the references, for people;
- **why a key changed**: a diff of two records, field by field.

A new field is added here and nowhere else. Give it a default: a request that
keeps the default leaves the field out of its key, so adding a setting keeps
every cached clip; a request that sets it gets a new key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cached_property
from typing import Any

from ._vocabulary import Fit, Mode

RECIPE_VERSION = 1
"""Bump when the way clips are made changes, so old clips stop matching."""

Inputs = dict[str, Any]
"""A request's record: its fields as JSON, with the names of its images."""

NOT_SENT = "not_sent"
"""Field metadata: the field names the request for people and stays out of keys."""
HASH_ONLY = "hash_only"
"""Field metadata: the field's image is recorded by its hash alone, without its name."""


@dataclass(frozen=True)
class RequestImage:
    """An image a request sends, by content hash; ``mention`` and ``kind`` name it.

    ``kind`` is the asset's kind, ``scene`` for another scene's last frame, or
    ``image`` for a start picture; ``mention`` is what the prompt wrote (a scene id
    for a frame; empty for a start picture).
    """

    sha256: str
    mention: str
    kind: str

    @property
    def named(self) -> dict[str, str]:
        return {"mention": self.mention, "kind": self.kind, "sha256": self.sha256}


@dataclass(frozen=True)
class SceneRequest:
    """Everything one scene asks a provider for (see the module docstring)."""

    mode: Mode
    model: str
    prompt: str
    references: tuple[RequestImage, ...]
    start: RequestImage | None = field(metadata={HASH_ONLY: True})
    duration: int
    aspect_ratio: str
    resolution: str
    fit: Fit = "crop"
    """How a start frame of another shape is fitted; set only when the compiler expects
    one (:mod:`storyboard._fitting`)."""
    label: str = field(default="", metadata={NOT_SENT: True})
    """The scene id (``launch.1`` for a step): what the job is called for people."""
    source: RequestImage | None = field(default=None, metadata={HASH_ONLY: True})
    """A revision step's input: the clip it edits or extends, by content hash."""
    source_seconds: int = 0
    """How long that input clip is meant to be: it is billed, and an extension adds to it."""

    @property
    def output_seconds(self) -> int:
        """How long the clip made is: an extension answers its input and what it adds."""
        return self.source_seconds + self.duration if self.mode == "extend" else self.duration

    def sent(self) -> dict[str, Any]:
        """The fields a provider receives, images as bare hashes; defaults left out."""
        return {name: _plain(value, named=False) for name, value, _ in self._set_fields}

    def named(self) -> dict[str, Any]:
        """The sent fields with the mention and kind of each reference, for records."""
        return {
            name: _plain(value, named=not hash_only) for name, value, hash_only in self._set_fields
        }

    def key(self, provider: str, extras: Mapping[str, object]) -> str:
        """The cache key of this request made by ``provider`` with its key extras."""
        document = {"recipe": RECIPE_VERSION, "provider": provider, **self.sent(), **extras}
        return hashlib.sha256(_KEY_JSON.encode(document).encode()).hexdigest()

    def record(self, provider: str, extras: Mapping[str, object]) -> Inputs:
        """What is remembered beside the key, for :func:`explain_change`."""
        return {"recipe": RECIPE_VERSION, "provider": provider, **self.named(), **extras}

    @cached_property
    def _set_fields(self) -> list[tuple[str, object, bool]]:
        """The fields set away from their defaults (found once: the key and the record of
        a request both ask, ten thousand of each in a plan of ten thousand scenes)."""
        found = []
        for name, default, hash_only in _sent_fields(type(self)):
            value = getattr(self, name)
            if default is MISSING or value != default:
                found.append((name, value, hash_only))
        return found


SentField = tuple[str, object, bool]
_SENT_FIELDS: dict[type[SceneRequest], tuple[SentField, ...]] = {}


def _sent_fields(kind: type[SceneRequest]) -> tuple[SentField, ...]:
    """Each sent field of a kind of request: its name, its default and whether only its
    hash counts (read once: a plan of ten thousand scenes asks twenty thousand times)."""
    known = _SENT_FIELDS.get(kind)
    if known is None:
        known = _SENT_FIELDS[kind] = tuple(
            (spec.name, spec.default, bool(spec.metadata.get(HASH_ONLY)))
            for spec in fields(kind)
            if not spec.metadata.get(NOT_SENT)
        )
    return known


def _plain(value: object, named: bool) -> Any:
    if isinstance(value, RequestImage):
        return value.named if named else value.sha256
    if isinstance(value, tuple):
        return [_plain(item, named) for item in value]
    return value


_KEY_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""What ``json.dumps(document, sort_keys=True, separators=(",", ":"))`` uses, made once."""


KeyExtras = Callable[[SceneRequest], Mapping[str, object]]
"""What a provider adds to its keys (and records) beyond the sent fields."""


def no_extras(request: SceneRequest) -> Mapping[str, object]:
    """A provider whose clips depend on nothing but what is sent."""
    return {}


def names_and_label(request: SceneRequest) -> Mapping[str, object]:
    """A provider that draws the scene id and the mention names into its clips: renaming
    an asset changes them, so the names are part of its keys."""
    return {"references": _plain(request.references, named=True), "label": request.label}


# -- why a key changed ------------------------------------------------------------------


def _reference_change(old: object, new: object) -> str:
    old_refs = {ref["mention"]: ref["sha256"] for ref in _references(old)}
    for ref in _references(new):
        before = old_refs.get(ref["mention"])
        if before is not None and before != ref["sha256"]:
            if ref["kind"] == "scene":
                return f"upstream take changed: @{ref['mention']}"
            if ref["kind"] == "generated character" and ":" not in ref["mention"]:
                return f"@{ref['mention']}'s portrait changed"
            if ref["kind"].startswith("generated "):
                return f"@{ref['mention']}'s generated image changed"
            return f"reference image changed: @{ref['mention']}"
    return "references changed"


def _references(value: object) -> list[dict[str, str]]:
    return [ref for ref in value if isinstance(ref, dict)] if isinstance(value, list) else []


CHANGE_WORDS: dict[str, Callable[[object, object], str]] = {
    "prompt": lambda old, new: "prompt changed",
    "references": _reference_change,
    "start": lambda old, new: "start frame changed",
    "fit": lambda old, new: f"start frame fit changed: {old or 'crop'} -> {new or 'crop'}",
    "source": lambda old, new: "the clip it revises changed",
}
"""Record fields a writer knows by other words; every other field is a setting, named as
it is."""


def explain_change(old: Inputs, new: Inputs) -> str:
    """Why a scene's key changed, in a writer's words: the first changed field that has
    words of its own, else the changed settings by name."""
    names = list(dict.fromkeys([*new, *old]))
    changed = [name for name in names if old.get(name) != new.get(name)]
    for name in changed:
        if name in CHANGE_WORDS:
            return CHANGE_WORDS[name](old.get(name), new.get(name))
    if changed:
        return "settings changed: " + ", ".join(changed)
    return "inputs changed"
