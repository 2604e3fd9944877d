"""storyboard: turn a written story into a film whose characters look the same throughout.

From Python, as from the command line::

    import storyboard

    studio = storyboard.open_project("projects/astronaut-cat")
    plan = studio.plan(provider="preview")
    result = studio.build(provider="preview")
    film = studio.export(provider="preview")
"""

from __future__ import annotations

from pathlib import Path

from ._version import __version__
from .engine import BuildOptions, BuildResult, SceneResult
from .errors import (
    BudgetExceeded,
    ExportError,
    MissingClips,
    Problem,
    ProjectBusy,
    ProjectInvalid,
    ProviderError,
    StoryboardError,
    UsageError,
)
from .export import ExportResult
from .plan import Plan, ScenePlan
from .project import Project
from .scaffold import new_project
from .studio import Studio, TakeInfo

__all__ = [
    "BudgetExceeded",
    "BuildOptions",
    "BuildResult",
    "ExportError",
    "ExportResult",
    "MissingClips",
    "Plan",
    "Problem",
    "Project",
    "ProjectBusy",
    "ProjectInvalid",
    "ProviderError",
    "ScenePlan",
    "SceneResult",
    "StoryboardError",
    "Studio",
    "TakeInfo",
    "UsageError",
    "__version__",
    "new_project",
    "open_project",
]


def open_project(path: str | Path = ".") -> Studio:
    """Load and check a project (raises ProjectInvalid listing every problem)."""
    return Studio.open(path)
