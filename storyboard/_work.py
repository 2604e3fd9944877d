"""What one paid job makes, as the engine's job cycle sees it: a clip or a generated image.

The engine records a job, sends it, polls it and adopts what it made the same way
for every kind of work (see :mod:`storyboard._engine`); what differs is here, behind
:class:`Work`: how it is priced, sent, polled and fetched. A scene's clip (or a
revision step's) is the engine's own node; a generated reference is an
:class:`ImageWork`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ._generated import GeneratedImage
from ._imageask import ImageAsk
from ._limits import reserve_image_cost
from ._providers.base import Done, ImageInput, ImageRequest, JobState, Provider
from ._providers.registry import ProviderSpec
from ._store import Store


class Work(Protocol):
    """One node a paid job makes."""

    @property
    def id(self) -> str:
        """Its name in the jobs and takes of the cache and in storyboard.lock."""
        ...

    @property
    def key(self) -> str: ...

    @property
    def owner(self) -> str:
        """The line of the build's progress it is drawn on."""
        ...

    @property
    def refusal_words(self) -> str:
        """How a refusal names it before the API's message (empty for a scene's clip)."""
        ...

    @property
    def label(self) -> str:
        """What it is on its progress line (``launch.2 extend``, ``portrait``); empty for
        a scene's generation."""
        ...

    def estimate(self, spec: ProviderSpec) -> float:
        """What it costs if it succeeds once (the table's price)."""
        ...

    def reserve(self, spec: ProviderSpec) -> float:
        """What ``--max-cost`` sets aside for one attempt."""
        ...

    async def prepare(self, provider: Provider, take: int) -> None:
        """The free work before sending (uploads); ``take`` is the number it will have."""
        ...

    async def send(self, provider: Provider, idempotency_key: str | None) -> str:
        """Start the paid job; its request id."""
        ...

    async def poll(self, provider: Provider, request_id: str) -> JobState: ...

    async def fetch(self, provider: Provider, done: Done, store: Store, job_id: int) -> str:
        """Download what the job made into the cache; its content hash."""
        ...

    @property
    def is_image(self) -> bool:
        """Whether it makes an image (kept in ``images/``) rather than a clip."""
        ...


@dataclass
class ImageWork:
    """A generated reference: its declaration, what is asked and the image it edits."""

    image: GeneratedImage
    ask: ImageAsk
    key: str
    source: ImageInput | None = None
    """The prepared image an edit changes."""
    _request: ImageRequest | None = None

    is_image = True

    @property
    def id(self) -> str:
        return self.image.target

    @property
    def owner(self) -> str:
        return f"@{self.image.target}"

    @property
    def refusal_words(self) -> str:
        return f"@{self.image.target}'s {self.image.what}: "

    @property
    def label(self) -> str:
        edited = "edited " if self.image.call == "edit" else ""
        return f"{edited}{self.image.what}"

    def estimate(self, spec: ProviderSpec) -> float:
        return spec.estimate_image(self.ask)

    def reserve(self, spec: ProviderSpec) -> float:
        if not spec.costs_money:
            return 0.0
        return reserve_image_cost(self.ask.model, self.ask.input_images)

    async def prepare(self, provider: Provider, take: int) -> None:
        self._request = ImageRequest(
            model=self.ask.model,
            prompt=self.ask.prompt,
            source=self.source,
            label=self.image.target,
            take=take,
        )

    async def send(self, provider: Provider, idempotency_key: str | None) -> str:
        assert self._request is not None, "prepared first"
        return await provider.submit_image(self._request, idempotency_key)

    async def poll(self, provider: Provider, request_id: str) -> JobState:
        return await provider.poll_image(request_id)

    async def fetch(self, provider: Provider, done: Done, store: Store, job_id: int) -> str:
        destination = store.download_path(job_id, ".png")
        try:
            await provider.fetch_image(done, destination)
            return store.adopt_image(destination)
        finally:
            destination.unlink(missing_ok=True)
