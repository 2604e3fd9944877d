"""storyboard: turn a written story into a film whose characters look the same throughout.

From Python, as from the command line (docs/api.md)::

    import storyboard

    with storyboard.open_project("projects/astronaut-cat") as studio:
        plan = studio.plan(provider="preview")
        result = studio.build(provider="preview")
        film = studio.export(provider="preview")
"""

from __future__ import annotations

from pathlib import Path

from ._engine import BuildOptions, BuildResult, SceneResult
from ._errors import (
    AmbiguousSubmission,
    ApiError,
    BudgetExceeded,
    CacheDamaged,
    DownloadError,
    ExportError,
    ImageProblem,
    JobTimeout,
    JobUnknown,
    LockFileInvalid,
    MediaError,
    MissingClips,
    OutputRefused,
    Problem,
    ProjectBusy,
    ProjectInvalid,
    ProviderError,
    RequestRefused,
    StoreError,
    StoryboardError,
    UsageError,
    VideoGone,
)
from ._export import ExportResult
from ._plan import Plan, ScenePlan
from ._project import Project
from ._scaffold import new_project
from ._studio import SceneStatus, Status, Studio, TakeInfo
from ._version import __version__

__all__ = [
    "AmbiguousSubmission",
    "ApiError",
    "BudgetExceeded",
    "BuildOptions",
    "BuildResult",
    "CacheDamaged",
    "DownloadError",
    "ExportError",
    "ExportResult",
    "ImageProblem",
    "JobTimeout",
    "JobUnknown",
    "LockFileInvalid",
    "MediaError",
    "MissingClips",
    "OutputRefused",
    "Plan",
    "Problem",
    "Project",
    "ProjectBusy",
    "ProjectInvalid",
    "ProviderError",
    "RequestRefused",
    "ScenePlan",
    "SceneResult",
    "SceneStatus",
    "Status",
    "StoreError",
    "StoryboardError",
    "Studio",
    "TakeInfo",
    "UsageError",
    "VideoGone",
    "__version__",
    "new_project",
    "open_project",
]


def open_project(path: str | Path = ".") -> Studio:
    """Load and check a project (raises ProjectInvalid listing every problem); see Studio.open."""
    return Studio.open(path)
