"""Every error storyboard raises, in one place.

The tree::

    StoryboardError
    ├── ProjectInvalid        the writer's project has problems (a list of Problem); exit 2
    │   └── LockFileInvalid       storyboard.lock cannot be read (conflict markers, bad values)
    ├── ImageProblem          a reference image cannot be used (the caller adds the place)
    ├── UsageError            the command line asks for something impossible; exit 2
    │   ├── OutputRefused         writing there would destroy a file storyboard did not make
    │   └── ScoringUnavailable    the optional scoring stack is not installed (how to add it)
    ├── ProviderError         a video provider could not do a job
    │   ├── RequestRefused        a provider refused a request before starting a job (no HTTP)
    │   ├── ApiError              the API answered with an HTTP error (status, code, message)
    │   ├── AmbiguousSubmission   a create whose answer was lost: it may have started a paid job
    │   ├── JobTimeout            the job was still pending after STORYBOARD_JOB_TIMEOUT
    │   ├── JobUnknown            the provider does not know the request id
    │   └── DownloadError         the clip could not be downloaded whole
    │       └── VideoGone             the video URL no longer serves the clip (403/404/410)
    ├── StoreError            the cache could not be read or written
    │   ├── ProjectBusy           another build holds the project
    │   └── CacheDamaged          cache.db is not a database any more (how to recover)
    ├── MediaError            ffmpeg could not read or write a media file
    ├── ExportError           a film could not be assembled
    │   └── MissingClips          scenes of the cut have no clip
    └── BudgetExceeded        the estimate or the spend passed --max-cost

A job that ends failed, expired or blocked is not an error but a state the
engine records (``providers.base``); only failing to learn or fetch it is.

Errors a writer can cause carry the place in ``story.yaml`` to blame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AmbiguousSubmission",
    "ApiError",
    "BudgetExceeded",
    "CacheDamaged",
    "DownloadError",
    "ExportError",
    "ImageProblem",
    "JobTimeout",
    "JobUnknown",
    "LockFileInvalid",
    "MediaError",
    "MissingClips",
    "OutputRefused",
    "Problem",
    "ProjectBusy",
    "ProjectInvalid",
    "ProviderError",
    "RequestRefused",
    "ScoringUnavailable",
    "StoreError",
    "StoryboardError",
    "UsageError",
    "VideoGone",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a project, at a place in a file when a place is to blame."""

    file: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column or 1}: {self.message}"


class StoryboardError(Exception):
    """The root of every storyboard error."""


class ProjectInvalid(StoryboardError):
    """A project has one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


class LockFileInvalid(ProjectInvalid):
    """`storyboard.lock` has problems; it is never saved over until they are fixed."""


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    return (problem.file, problem.line or 0, problem.column or 0, problem.message)


class ImageProblem(StoryboardError):
    """A writer-facing message saying what is wrong with an image and what to do.

    It carries no file position: the caller, who knows where the image was
    named, adds it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(StoryboardError):
    """The command line asks for something that cannot be done."""


class OutputRefused(UsageError):
    """An output path names a file of the project's, or one storyboard did not write."""


class ScoringUnavailable(UsageError):
    """Scoring was asked for, but the optional ``score`` extra is not installed."""


class ProviderError(StoryboardError):
    """A video provider could not do a job."""


class RequestRefused(ProviderError):
    """A provider refused a request before starting any job; no HTTP was involved."""

    def __init__(self, provider: str, reason: str) -> None:
        self.provider = provider
        self.reason = reason
        super().__init__(f"the {provider} provider refused the request: {reason}")


class ApiError(ProviderError):
    """The API answered with an HTTP error status."""

    def __init__(
        self, status: int, message: str, code: str | None = None, request_id: str | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.api_message = message
        self.request_id = request_id
        detail = f" ({code})" if code else ""
        super().__init__(f"the API refused the request with HTTP {status}{detail}: {message}")

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


class AmbiguousSubmission(ProviderError):
    """A create request was sent but its answer was lost; a paid job may exist."""


class JobTimeout(ProviderError):
    """A job was still pending when STORYBOARD_JOB_TIMEOUT ran out."""


class JobUnknown(ProviderError):
    """The provider does not know this request id (404 on poll)."""


class DownloadError(ProviderError):
    """A clip could not be downloaded whole, or what came is not a video."""


class VideoGone(DownloadError):
    """The finished job's video URL no longer serves the clip: the result is gone."""


class StoreError(StoryboardError):
    """The cache could not be read or written."""


class ProjectBusy(StoreError):
    """Another storyboard process holds this project's build lock."""


class CacheDamaged(StoreError):
    """`.storyboard/cache.db` cannot be read as a database; the message says how to recover."""


class MediaError(StoryboardError):
    """ffmpeg could not read or write a media file."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class ExportError(StoryboardError):
    """A film could not be assembled."""


class MissingClips(ExportError):
    """Some scenes of the cut have no clip yet."""

    def __init__(self, scene_ids: list[str]) -> None:
        self.scene_ids = scene_ids
        super().__init__(
            "no clip yet for: "
            + ", ".join(scene_ids)
            + " (run `storyboard build`, or export with --partial"
            " for a missing-scene card in their place)"
        )


class BudgetExceeded(StoryboardError):
    """The estimated or recorded spend passed the --max-cost cap."""
