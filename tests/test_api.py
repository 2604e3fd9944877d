"""The Python API: what `import storyboard` offers is pinned down here."""

from __future__ import annotations

from pathlib import Path

import pytest

import storyboard

PUBLIC = {
    "AmbiguousSubmission",
    "ApiError",
    "BudgetExceeded",
    "BuildOptions",
    "BuildResult",
    "DownloadError",
    "ExportError",
    "ExportResult",
    "ImageProblem",
    "JobTimeout",
    "JobUnknown",
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
    "SceneResult",
    "ScenePlan",
    "StoreError",
    "StoryboardError",
    "Studio",
    "TakeInfo",
    "UsageError",
    "VideoGone",
    "__version__",
    "new_project",
    "open_project",
}


def test_the_public_names_are_exactly_these() -> None:
    assert set(storyboard.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(storyboard, name), name


def test_the_package_is_typed() -> None:
    assert (Path(storyboard.__file__).parent / "py.typed").exists()


def test_a_new_project_plans_from_python(tmp_path: Path) -> None:
    storyboard.new_project(tmp_path / "mine", "Mine")
    studio = storyboard.open_project(tmp_path / "mine")
    plan = studio.plan(provider="preview")
    assert [scene.id for scene in plan.scenes] == ["opening", "closer", "ending"]
    assert all(scene.state == "missing" for scene in plan.scenes)


def test_invalid_projects_raise_with_every_problem(tmp_path: Path) -> None:
    (tmp_path / "story.yaml").write_text(
        "storyboard: 1\ntitle: x\nscenes:\n  - id: A\n    prompt: p\n"
    )
    with pytest.raises(storyboard.ProjectInvalid) as caught:
        storyboard.open_project(tmp_path)
    assert caught.value.problems[0].line == 4
