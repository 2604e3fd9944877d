"""What every video provider offers, and what it is given.

Providers know nothing of stories: they take a compiled :class:`VideoRequest`,
run it as a job, and hand back a clip. The engine drives them through
``submit`` -> ``poll`` (until not pending) -> ``fetch``. A generated reference
image (:class:`ImageRequest`) goes the same way through ``submit_image``,
``poll_image`` and ``fetch_image``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._request import RequestImage, SceneRequest
from .._vocabulary import Mode

if TYPE_CHECKING:
    import asyncio


@dataclass(frozen=True)
class ImageInput:
    """One image a request uses: a reference image or a start frame.

    Exactly one of ``path`` (a prepared local copy: PNG or JPEG, longest side
    at most 2048 px, at most 10 MiB) and ``url`` (an ``https://`` URL or a
    ``data:image/...;base64,`` URI) is set.
    """

    sha256: str
    label: str
    path: Path | None = None
    url: str | None = None


@dataclass(frozen=True)
class VideoRequest:
    """A compiled generation request, ready for any provider.

    ``prompt`` already has ``<IMAGE_k>`` placeholders; ``references[k-1]`` is
    image k. ``label`` names the job for people (the preview draws it); it is
    never sent to an API. ``take`` is the number the clip will have among the
    takes of its key: the preview draws it and varies with it, so a new take
    differs from the last one as a real model's would; an API never sees it.
    """

    mode: Mode
    model: str
    prompt: str
    duration: int
    aspect_ratio: str
    resolution: str
    references: tuple[ImageInput, ...] = ()
    start_image: ImageInput | None = None
    label: str = ""
    take: int = 1
    source_video: Path | None = None
    """A revision's input clip (mode ``edit`` or ``extend``); ``duration`` is then the
    seconds an extension adds, or an edit's length."""
    source_seconds: int = 0

    @property
    def output_seconds(self) -> int:
        """How long the clip made is: an extension answers its input and what it adds."""
        return self.source_seconds + self.duration if self.mode == "extend" else self.duration

    @classmethod
    def of(cls, request: SceneRequest, place: Callable[[RequestImage], Path | str]) -> VideoRequest:
        """The request for ``request``; ``place`` says where each image is: a prepared
        local file, or a URL (and where a revision's input clip is: a local file)."""

        def image(picture: RequestImage, label: str) -> ImageInput:
            where = place(picture)
            if isinstance(where, Path):
                return ImageInput(sha256=picture.sha256, label=label, path=where)
            return ImageInput(sha256=picture.sha256, label=label, url=where)

        start = request.start
        return cls(
            mode=request.mode,
            model=request.model,
            prompt=request.prompt,
            duration=request.duration,
            aspect_ratio=request.aspect_ratio,
            resolution=request.resolution,
            references=tuple(image(ref, ref.mention) for ref in request.references),
            start_image=None
            if start is None
            else image(start, f"@{start.mention}" if start.kind == "scene" else "start"),
            label=request.label,
            source_video=_local(place(request.source)) if request.source else None,
            source_seconds=request.source_seconds,
        )


def _local(where: Path | str) -> Path | None:
    """A revision's input clip is a local file; a provider refuses a revision without one."""
    return where if isinstance(where, Path) else None


@dataclass(frozen=True)
class ImageRequest:
    """A reference image to make: generated from ``prompt``, or ``source`` edited by it.

    ``label`` names the asset or look (``eileen``, ``eileen:flight-suit``) for people;
    the preview draws it and ``take``, an API never sees either.
    """

    model: str
    prompt: str
    source: ImageInput | None = None
    label: str = ""
    take: int = 1


@dataclass(frozen=True)
class Pending:
    progress: int | None = None


@dataclass(frozen=True)
class Done:
    """The job finished; ``video_url`` is where ``fetch`` finds the clip."""

    video_url: str
    duration: float | None = None
    cost_usd: float | None = None


@dataclass(frozen=True)
class Failed:
    """The job ended ``failed``; ``cost_usd`` is what the API says it billed, if it says."""

    code: str
    message: str
    cost_usd: float | None = None


@dataclass(frozen=True)
class Expired:
    pass


@dataclass(frozen=True)
class Blocked:
    """Moderation refused the video (billed); ``cost_usd`` as the API reported it."""

    message: str = "the video was blocked by moderation"
    cost_usd: float | None = None


JobState = Pending | Done | Failed | Expired | Blocked


@dataclass
class ProviderSettings:
    """Tuning read from the environment (see docs/cli.md)."""

    poll_interval: float = 2.0
    poll_max: float = 15.0
    job_timeout: float = 900.0
    concurrency: int = 4
    """Jobs the build keeps in flight (``--concurrency``): a provider sizes its pools by it."""


class Provider(Protocol):
    """A maker of clips.

    ``api_base`` and ``key_fingerprint`` name the account a job belongs to
    (empty for a local provider): a job is only polled by the account that
    made it.
    """

    @property
    def name(self) -> str: ...

    @property
    def api_base(self) -> str: ...

    @property
    def key_fingerprint(self) -> str: ...

    def at(self, api_base: str) -> Provider | None:
        """The same account at another API base, to finish a job sent there; None if not."""
        ...

    async def prepare(self, request: VideoRequest) -> None:
        """Do the free, repeatable work a submission needs (uploading images), so that
        ``submit`` sends nothing but the paid create itself."""
        ...

    async def submit(self, request: VideoRequest, idempotency_key: str | None = None) -> str:
        """Start a job and return its request id.

        ``idempotency_key`` is stable for the job: sending it again lets an
        API that honours it answer with the same job. Raises ApiError for a
        refusal, AmbiguousSubmission when the request was sent but its answer
        was lost or unclear.
        """
        ...

    async def poll(self, request_id: str) -> JobState:
        """The job's state now. Raises JobUnknown for an id the provider does not know."""
        ...

    def ended(self, request_id: str) -> asyncio.Future[Any] | None:
        """A future done once the job (a video's or an image's) has ended, for a provider
        that learns this without being asked (one that renders it here): the engine then
        polls at once instead of after its next wait. None when only a poll can tell."""
        ...

    async def fetch(
        self,
        done: Done,
        destination: Path,
        expected_duration: float,
        max_bytes: int | None = None,
    ) -> None:
        """Download the clip to ``destination`` whole or not at all.

        Streams to a temporary file beside it (refusing more than
        ``max_bytes``), checks that it is a decodable MP4 about
        ``expected_duration`` long, then renames it into place (the store, which
        adopts it, makes it durable).
        """
        ...

    async def submit_image(self, request: ImageRequest, idempotency_key: str | None = None) -> str:
        """Start making a reference image and return its request id (as ``submit``)."""
        ...

    async def poll_image(self, request_id: str) -> JobState:
        """An image job's state now (``Done.video_url`` is the image's address)."""
        ...

    async def fetch_image(self, done: Done, destination: Path) -> None:
        """Download the image, check that it decodes, and write it to ``destination`` as a
        PNG, whole or not at all."""
        ...

    async def aclose(self) -> None:
        """Release connections and workers."""
        ...
