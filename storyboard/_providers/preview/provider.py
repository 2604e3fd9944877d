"""The ``preview`` provider: animatics rendered on this machine, free and offline.

It runs the same cycle as a real provider, so the whole engine works without a key
or a network: ``submit`` starts rendering in a small worker pool and returns an id
at once, ``poll`` reports the render's progress and outcome (``ended`` tells the
engine the moment it ends, so no poll comes late), ``fetch`` checks the clip and
moves it into place; a generated reference image is drawn the same way
(``submit_image``: a portrait card from its description, or the edited image with
its instruction shown). The jobs live in memory: after a restart every id is unknown
(``JobUnknown``), and the engine simply submits again, which costs nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from ..._errors import DownloadError, JobUnknown, RequestRefused
from ..._fileops import is_temporary, move_into_place, sweep
from ..._images import ImageProblem, png_of
from ..._media import check_clip
from ..._vocabulary import ASPECT_RATIOS, RESOLUTION_HEIGHTS, REVISION_MODES
from ..base import (
    Done,
    Failed,
    ImageRequest,
    JobState,
    Pending,
    ProviderSettings,
    VideoRequest,
)
from ..registry import ProviderContext
from .animatic import render_animatic
from .animatic.portrait import render_portrait
from .animatic.revision import render_revision

__all__ = ["MAX_DURATION", "WORKERS", "PreviewProvider", "from_context"]

WORKERS = 2
"""Renders at once; each render's encoder uses two threads of its own."""
MAX_DURATION = 30
"""Seconds; longer requests are refused, as an API would (the models stop at 15)."""


@dataclass
class _Job:
    """One render: what was asked, where it goes, how far it is."""

    request: VideoRequest
    output: Path
    progress: int = 0
    future: Future[None] = field(default_factory=Future)


class PreviewProvider:
    """Renders each request as an animatic MP4 in ``workdir``."""

    name = "preview"
    api_base = ""
    key_fingerprint = ""

    def __init__(
        self, workdir: Path, settings: ProviderSettings | None = None, *, workers: int = WORKERS
    ) -> None:
        self.workdir = workdir
        self.settings = settings or ProviderSettings()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preview")
        self._jobs: dict[str, _Job] = {}
        self._images: dict[str, Path] = {}
        self._swept = False

    def at(self, api_base: str) -> None:
        """Previews live in this process only: there is no other place to reach."""
        return None

    async def prepare(self, request: VideoRequest) -> None:
        """Nothing to upload: previews read their images from disk."""

    async def submit(self, request: VideoRequest, idempotency_key: str | None = None) -> str:
        """Queue a render and return its id; refuse what cannot be drawn (RequestRefused)."""
        _check(request)
        self._sweep_once()
        request_id = f"preview-{uuid.uuid4().hex}"
        job = _Job(request, self.workdir / f"{request_id}.mp4")
        job.future = self._pool.submit(self._render, job)
        self._jobs[request_id] = job
        return request_id

    async def poll(self, request_id: str) -> JobState:
        job = self._jobs.get(request_id)
        if job is None:
            raise JobUnknown(
                f"the preview provider has no job {request_id} (it may have restarted)"
            )
        if not job.future.done():
            return Pending(job.progress)
        try:
            error = job.future.exception()
        except CancelledError:
            return Failed("internal_error", "the render was cancelled")
        if error is not None:
            return Failed("internal_error", str(error) or type(error).__name__)
        return Done(
            video_url=job.output.as_uri(),
            duration=float(job.request.output_seconds),
            cost_usd=0.0,
        )

    def ended(self, request_id: str) -> asyncio.Future[None] | None:
        """Done as the render ends (at once for an image, drawn as it was submitted), so the
        engine sees a finished render at once; None for an id it does not know (its poll
        says so)."""
        job = self._jobs.get(request_id)
        if job is not None:
            return asyncio.wrap_future(job.future)
        if request_id not in self._images:
            return None
        drawn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        drawn.set_result(None)
        return drawn

    async def fetch(
        self,
        done: Done,
        destination: Path,
        expected_duration: float,
        max_bytes: int | None = None,
    ) -> None:
        """Check the render and move it to ``destination``, whole or not at all.

        The job is forgotten once its clip is delivered; a later poll of its id
        raises JobUnknown.
        """
        source = self._rendered_file(done.video_url)
        await asyncio.to_thread(_deliver, source, destination, expected_duration)
        self._jobs.pop(source.stem, None)

    async def submit_image(self, request: ImageRequest, idempotency_key: str | None = None) -> str:
        """Draw the image (quick: a card, or the edited image captioned) and return its id."""
        self._sweep_once()
        request_id = f"preview-{uuid.uuid4().hex}"
        output = self.workdir / f"{request_id}.png"
        await asyncio.to_thread(render_portrait, request, output)
        self._images[request_id] = output
        return request_id

    async def poll_image(self, request_id: str) -> JobState:
        output = self._images.get(request_id)
        if output is None:
            raise JobUnknown(
                f"the preview provider has no image {request_id} (it may have restarted)"
            )
        return Done(video_url=output.as_uri(), cost_usd=0.0)

    async def fetch_image(self, done: Done, destination: Path) -> None:
        """Move the drawn image to ``destination``; its job is forgotten."""
        source = Path(url2pathname(urlparse(done.video_url).path))
        if source.parent.resolve() != self.workdir.resolve() or not source.is_file():
            raise DownloadError(f"the preview provider did not draw {done.video_url}")
        try:
            png_of(source.read_bytes(), source.name)
        except ImageProblem as problem:
            raise DownloadError(problem.message) from problem
        move_into_place(source, destination)
        self._images.pop(source.stem, None)

    async def aclose(self) -> None:
        """Let running renders finish, drop queued ones, and delete clips never fetched."""
        await asyncio.to_thread(self._pool.shutdown, wait=True, cancel_futures=True)
        for job in self._jobs.values():
            job.output.unlink(missing_ok=True)
        self._jobs.clear()
        for drawn in self._images.values():
            drawn.unlink(missing_ok=True)
        self._images.clear()

    def _sweep_once(self) -> None:
        """Before the first job, delete what an earlier process left: its jobs died with it.

        Not on construction: commands that only read may build a provider while a
        build (which holds the project's lock) is rendering here.
        """
        if self._swept:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        sweep(self.workdir, _is_leftover)
        self._swept = True

    def _render(self, job: _Job) -> None:
        def progress(percent: int) -> None:
            job.progress = percent

        if job.request.source_video is not None:
            render_revision(job.request, job.output)
        else:
            render_animatic(job.request, job.output, on_progress=progress)

    def _rendered_file(self, video_url: str) -> Path:
        """The file a ``file://`` URL of ours names; DownloadError for anything else."""
        parsed = urlparse(video_url)
        path = Path(url2pathname(parsed.path)) if parsed.scheme == "file" else None
        if path is None or path.parent.resolve() != self.workdir.resolve():
            raise DownloadError(f"the preview provider did not render {video_url}")
        if path.stem not in self._jobs or not path.is_file():
            raise DownloadError(f"the preview {path.name} is gone (fetched already, or closed)")
        return path


def from_context(context: ProviderContext) -> PreviewProvider:
    """The preview provider for the registry: it renders below ``.storyboard/previews/``."""
    return PreviewProvider(context.cache_dir / "previews", context.settings)


def _check(request: VideoRequest) -> None:
    """Refuse, as an API would, what the renderer cannot draw."""
    problems = []
    if request.aspect_ratio not in ASPECT_RATIOS:
        problems.append(
            f"aspect ratio {request.aspect_ratio!r} is not one of {', '.join(ASPECT_RATIOS)}"
        )
    if request.resolution not in RESOLUTION_HEIGHTS:
        problems.append(
            f"resolution {request.resolution!r} is not one of {', '.join(RESOLUTION_HEIGHTS)}"
        )
    if not 1 <= request.duration <= MAX_DURATION:
        problems.append(f"duration {request.duration} s is not between 1 and {MAX_DURATION} s")
    if request.mode == "image" and request.start_image is None:
        problems.append("an image-to-video request needs a start image")
    if request.mode in REVISION_MODES and request.source_video is None:
        problems.append(f"a video {request.mode} needs the clip it revises")
    if problems:
        raise RequestRefused("preview", "; ".join(problems))


def _deliver(source: Path, destination: Path, expected_duration: float) -> None:
    """Check ``source`` is a clip about ``expected_duration`` long, then move it into place."""
    check_clip(source, expected_duration)
    move_into_place(source, destination)


def _is_leftover(name: str) -> bool:
    """A render of a dead process's job, or a temporary of one."""
    return is_temporary(name) or (name.startswith("preview-") and name.endswith((".mp4", ".png")))
