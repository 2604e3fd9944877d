"""Generated references as the story declares them: an asset or a look made from words.

An asset written with ``prompt:`` instead of ``image:`` is generated
(``grok-imagine-image``); a look written ``{prompt: ...}`` is generated too, and a
look written ``{edit: ...}`` is its asset's image edited, which keeps the face
better than a second generation. Each is a :class:`GeneratedImage`, named by its
*target*: ``eileen`` for the asset's own image, ``eileen:flight-suit`` for a look.
Once the image it edits exists (a file, or the chosen take of a generated image),
it becomes an :class:`~storyboard._imageask.ImageAsk`, whose key finds its takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._imageask import ImageAsk, ImageCall
from ._images import CheckedImage
from ._limits import IMAGE_MODEL


def target_of(asset: str, look: str | None = None) -> str:
    """The name a generated image goes by: ``eileen`` or ``eileen:flight-suit``."""
    return f"{asset}:{look}" if look else asset


@dataclass(frozen=True)
class GeneratedImage:
    """One generated reference: what it asks for and what it waits for."""

    target: str
    kind: str
    """The asset's kind (``character``, ``prop``...)."""
    call: ImageCall
    prompt: str
    source: CheckedImage | None = None
    """The image file an edit changes (its asset's ``image``)."""
    source_target: str | None = None
    """The generated image an edit changes (its asset's, written with ``prompt``)."""
    model: str = IMAGE_MODEL

    @property
    def what(self) -> str:
        """What the image is to a writer: a portrait for a character, else an image."""
        return "portrait" if self.kind == "character" and ":" not in self.target else "image"

    def request(self, images: Mapping[str, str]) -> ImageAsk | None:
        """What is asked, or None while the generated image it edits has no take.

        ``images`` maps targets to the sha256 of their chosen image.
        """
        source = None
        if self.call == "edit":
            source = self.source.sha256 if self.source else images.get(self.source_target or "")
            if source is None:
                return None
        return ImageAsk(self.call, self.model, self.prompt, source, label=self.target)
