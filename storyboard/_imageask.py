"""What is asked for one generated reference image, described once: the ask is the key.

An asset (or a look) written with a ``prompt`` is generated; a look written with an
``edit`` is its asset's image edited. An :class:`ImageAsk` holds everything that
decides the image: the call, the model, the prompt and, for an edit, the hash of
the image it edits (a file's bytes, or the chosen take of a generated image). Its
key, the record kept beside the key and the words for why a key changed derive
from it, as :mod:`storyboard._request` does for scenes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

ImageCall = Literal["generate", "edit"]
IMAGE_RECIPE_VERSION = 1
"""Bump when the way generated images are made changes, so old ones stop matching."""


@dataclass(frozen=True)
class ImageAsk:
    """One generated image: a generation from a prompt, or an edit of one image.

    ``source`` is the sha256 of the image an edit changes; ``label`` names the asset
    or look (``eileen``, ``eileen:flight-suit``) for people and is never sent.
    """

    call: ImageCall
    model: str
    prompt: str
    source: str | None = None
    label: str = ""

    @property
    def input_images(self) -> int:
        """How many input images the call is billed for."""
        return 0 if self.source is None else 1

    def sent(self) -> dict[str, Any]:
        """What decides the image: the call, model, prompt and the edited image's hash."""
        fields: dict[str, Any] = {"call": self.call, "model": self.model, "prompt": self.prompt}
        if self.source is not None:
            fields["source"] = self.source
        return fields

    def key(self, provider: str, extras: Mapping[str, object]) -> str:
        """The cache key of this image made by ``provider`` with its key extras."""
        text = json.dumps(self.record(provider, extras), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def record(self, provider: str, extras: Mapping[str, object]) -> dict[str, Any]:
        """What is remembered beside the key, for :func:`explain_image_change`."""
        return {"image_recipe": IMAGE_RECIPE_VERSION, "provider": provider, **self.sent(), **extras}


ImageKeyExtras = Callable[[ImageAsk], Mapping[str, object]]
"""What a provider adds to the keys of the images it makes beyond what is sent."""


def no_image_extras(ask: ImageAsk) -> Mapping[str, object]:
    """A provider whose images depend on nothing but what is sent."""
    return {}


def image_label(ask: ImageAsk) -> Mapping[str, object]:
    """A provider that draws the asset's name into its images: renaming changes them."""
    return {"label": ask.label}


_CHANGE_WORDS: dict[str, str] = {
    "prompt": "its prompt changed",
    "source": "the image it edits changed",
    "call": "it is now generated another way",
}


def explain_image_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Why a generated image's key changed, in a writer's words."""
    names = list(dict.fromkeys([*new, *old]))
    changed = [name for name in names if old.get(name) != new.get(name)]
    for name in changed:
        if name in _CHANGE_WORDS:
            return _CHANGE_WORDS[name]
    return "settings changed: " + ", ".join(changed) if changed else "inputs changed"
