"""A provider made when a build first needs it.

A build whose scenes are all cached sends nothing, so it should not pay for
the provider (the xAI client, httpx and its TLS context, is most of such a
build's time). The environment is checked when the build starts, as before;
the provider itself is made on the first call that reaches it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import Done, ImageRequest, JobState, Provider, VideoRequest
from .registry import ProviderContext, ProviderSpec

if TYPE_CHECKING:
    import asyncio


class ProviderOnDemand:
    """A :class:`~.base.Provider` that makes the real one on first use."""

    def __init__(self, spec: ProviderSpec, context: ProviderContext) -> None:
        spec.check_environment(context.environ)
        self._spec = spec
        self._context = context
        self._made: Provider | None = None

    @property
    def made(self) -> Provider:
        """The provider, made now if this is the first time it is needed."""
        if self._made is None:
            self._made = self._spec.create(self._context)
        return self._made

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def api_base(self) -> str:
        return self.made.api_base

    @property
    def key_fingerprint(self) -> str:
        return self.made.key_fingerprint

    def at(self, api_base: str) -> Provider | None:
        return self.made.at(api_base)

    async def prepare(self, request: VideoRequest) -> None:
        await self.made.prepare(request)

    async def submit(self, request: VideoRequest, idempotency_key: str | None = None) -> str:
        return await self.made.submit(request, idempotency_key)

    async def poll(self, request_id: str) -> JobState:
        return await self.made.poll(request_id)

    def ended(self, request_id: str) -> asyncio.Future[Any] | None:
        return self.made.ended(request_id)

    async def fetch(
        self,
        done: Done,
        destination: Path,
        expected_duration: float,
        max_bytes: int | None = None,
    ) -> None:
        await self.made.fetch(done, destination, expected_duration, max_bytes)

    async def submit_image(self, request: ImageRequest, idempotency_key: str | None = None) -> str:
        return await self.made.submit_image(request, idempotency_key)

    async def poll_image(self, request_id: str) -> JobState:
        return await self.made.poll_image(request_id)

    async def fetch_image(self, done: Done, destination: Path) -> None:
        await self.made.fetch_image(done, destination)

    async def aclose(self) -> None:
        """Close the provider if it was made; nothing to do otherwise."""
        if self._made is not None:
            await self._made.aclose()
