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
from typing import TYPE_CHECKING

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
    ScoringUnavailable,
    StoreError,
    StoryboardError,
    UsageError,
    VideoGone,
)
from ._lazy import lazy_names
from ._version import __version__

if TYPE_CHECKING:
    from ._engine import BuildOptions, BuildResult, SceneResult
    from ._export import ExportResult
    from ._plan import Plan, ScenePlan
    from ._project import Project
    from ._scaffold import new_project
    from ._studio import SceneStatus, Status, Studio, TakeInfo

_LAZY = {
    "BuildOptions": "_engine",
    "BuildResult": "_engine",
    "SceneResult": "_engine",
    "ExportResult": "_export",
    "Plan": "_plan",
    "ScenePlan": "_plan",
    "Project": "_project",
    "new_project": "_scaffold",
    "SceneStatus": "_studio",
    "Status": "_studio",
    "Studio": "_studio",
    "TakeInfo": "_studio",
}
"""Names imported on first use, so that `import storyboard` (and every command) pays
only for the modules it touches: the build, the exporter and HTTP are heavy."""

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
    "ScoringUnavailable",
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


__getattr__ = lazy_names(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def open_project(path: str | Path = ".") -> Studio:
    """Load and check a project (raises ProjectInvalid listing every problem); see Studio.open."""
    from ._studio import Studio

    return Studio.open(path)
