"""Checking the assets of a story: their images, and the images generated from words.

An asset has exactly one of ``image`` and ``prompt``; a look is an image source, or a
mapping with exactly one of ``image``, ``prompt`` and ``edit``. A prompt or an edit is
checked against the image model's limits (:data:`storyboard._limits.IMAGE_MODELS`)
before anything is sent, each mistake at its place in `story.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._compiler import WRITTEN_IMAGE_TAG, AssetEntry, ImageResolver
from ._errors import Problem
from ._format import Asset, Look
from ._generated import GeneratedImage, target_of
from ._images import CheckedImage
from ._limits import IMAGE_MODEL, IMAGE_MODELS
from ._loader import KEY, PathKey, Positions


@dataclass
class AssetChecker:
    """Checks assets one by one, collecting problems and the images to generate."""

    positions: Positions
    resolve_image: ImageResolver
    problems: list[Problem] = field(default_factory=list)
    generated: dict[str, GeneratedImage] = field(default_factory=dict)
    """Every generated image by target, generations before the edits that need them."""

    def entry(self, section: str, kind: str, name: str, asset: Asset) -> AssetEntry:
        path: PathKey = (section, name)
        own = self._own_image(path, kind, name, asset)
        image = own if isinstance(own, CheckedImage) else None
        made = own if isinstance(own, GeneratedImage) else None
        looks: dict[str, CheckedImage | None] = {}
        generated: dict[str, GeneratedImage] = {"": made} if made else {}
        for look, written in asset.looks.items():
            look_path: PathKey = (*path, "looks", look)
            found = self._look(look_path, kind, target_of(name, look), written, image, made)
            if isinstance(found, GeneratedImage):
                generated[look] = found
                looks[look] = None
            else:
                looks[look] = found
        for image_made in generated.values():
            self.generated[image_made.target] = image_made
        return AssetEntry(name, kind, image, looks, asset.description, generated=generated)

    def edits_last(self) -> dict[str, GeneratedImage]:
        """The generated images in the order they can be made: an edit of a generated
        image after every image that edits none."""
        ordered = sorted(self.generated.values(), key=lambda image: bool(image.source_target))
        return {image.target: image for image in ordered}

    def _own_image(
        self, path: PathKey, kind: str, name: str, asset: Asset
    ) -> CheckedImage | GeneratedImage | None:
        if asset.image is not None and asset.prompt is not None:
            self._report(
                (*path, "prompt"),
                f'"{name}" has both `image` and `prompt`: keep one (a prompt generates the '
                "image, so an asset with a picture of its own needs none)",
            )
            return None
        if asset.image is not None:
            return self.resolve_image(asset.image, (*path, "image"))
        if asset.prompt is None:
            self._report(
                (*path, KEY),
                f'"{name}" needs an image: give it `image: assets/{name}.png`, or describe it '
                "with `prompt:` to have one generated",
            )
            return None
        if not self._words_ok((*path, "prompt"), asset.prompt, "prompt"):
            return None
        return GeneratedImage(target_of(name), kind, "generate", asset.prompt.strip())

    def _look(
        self,
        path: PathKey,
        kind: str,
        target: str,
        look: Look,
        image: CheckedImage | None,
        made: GeneratedImage | None,
    ) -> CheckedImage | GeneratedImage | None:
        given = [key for key in ("image", "prompt", "edit") if getattr(look, key) is not None]
        if len(given) != 1:
            several = " and ".join(f"`{key}`" for key in given)
            self._report(
                path if not given else (*path, given[-1]),
                f'the look "{target}" needs exactly one of `image` (a file), `prompt` (to '
                "generate one) and `edit` (to change its asset's image)"
                + (f"; it has {several}" if given else ""),
            )
            return None
        if look.image is not None:
            shorthand = self.positions.places.get((*path, "image")) is None
            return self.resolve_image(look.image, path if shorthand else (*path, "image"))
        if look.prompt is not None:
            if not self._words_ok((*path, "prompt"), look.prompt, "prompt"):
                return None
            return GeneratedImage(target, kind, "generate", look.prompt.strip())
        assert look.edit is not None
        if not self._words_ok((*path, "edit"), look.edit, "edit"):
            return None
        if image is None and made is None:
            return None  # the asset's own image is missing or broken, and said so
        return GeneratedImage(
            target,
            kind,
            "edit",
            look.edit.strip(),
            source=image,
            source_target=made.target if made else None,
        )

    def _words_ok(self, path: PathKey, text: str, key: str) -> bool:
        """A prompt or edit the image model accepts; else say why, at its place."""
        limit = IMAGE_MODELS[IMAGE_MODEL].max_prompt_chars
        words = text.strip()
        if not words:
            what = "what to draw" if key == "prompt" else "what to change"
            self._report(path, f"`{key}` is empty: say {what}")
            return False
        if len(words) > limit:
            self._report(
                path,
                f"`{key}` is {len(words)} characters; {IMAGE_MODEL} reads at most {limit}: "
                "say it in fewer words",
            )
            return False
        tag = WRITTEN_IMAGE_TAG.search(words)
        if tag:
            line, column = self.positions.find(path, tag.group(0))
            message = (
                f"{tag.group(0)} would be read by xAI as an input image; describe the "
                f"picture in words instead (the `{key}` sends no other image)"
            )
            self.problems.append(Problem(self.positions.file, line, column, message))
            return False
        return True

    def _report(self, path: PathKey, message: str) -> None:
        self.problems.append(self.positions.problem(path, message))
