"""The Python API: what `import storyboard` offers is pinned down here."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from conftest import MakeProject

import storyboard

PUBLIC = {
    "AmbiguousSubmission",
    "ApiError",
    "BudgetExceeded",
    "CacheDamaged",
    "BuildOptions",
    "BuildResult",
    "DownloadError",
    "ExportError",
    "ExportResult",
    "ImageProblem",
    "LockFileInvalid",
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
    "SceneStatus",
    "Status",
    "ScenePlan",
    "ScoringUnavailable",
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


ONE_SCENE = """\
storyboard: 1
title: One
defaults: {duration: 1, resolution: 480p}
scenes:
  - id: dawn
    prompt: the sun comes up over the sea
"""


def test_a_studio_closes_its_cache_when_the_block_ends(make_project: MakeProject) -> None:
    root = make_project(ONE_SCENE)
    with storyboard.open_project(root) as studio:
        store = studio.store
        assert store.conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(sqlite3.ProgrammingError):
        store.conn.execute("SELECT 1")
    assert studio.status("preview").scenes[0].state == "missing", "a closed studio reopens"
    studio.close()


def test_build_works_inside_a_running_event_loop(make_project: MakeProject) -> None:
    root = make_project(ONE_SCENE)

    async def notebook_cell() -> storyboard.BuildResult:
        asyncio.get_running_loop()  # as in Jupyter: a loop is running
        with storyboard.open_project(root) as studio:
            return studio.build(provider="preview")

    result = asyncio.run(notebook_cell())
    assert result.ok and [r.outcome for r in result.results.values()] == ["generated"]
    with storyboard.open_project(root) as studio:
        assert studio.status("preview").scenes[0].state == "cached"


def test_abuild_then_a_typed_status_and_export(make_project: MakeProject) -> None:
    root = make_project(ONE_SCENE)

    async def build() -> storyboard.BuildResult:
        with storyboard.open_project(root) as studio:
            return await studio.abuild(provider="preview")

    assert asyncio.run(build()).ok
    with storyboard.open_project(root) as studio:
        status = studio.status("preview")
        timeline = studio.export("preview", fmt="otio")
    assert isinstance(status, storyboard.Status)
    assert list(status.as_dict()) == [
        "title", "provider", "spent_usd", "estimated_usd", "scenes", "generated", "counts"
    ]  # fmt: skip
    assert status.as_dict()["scenes"] == [
        {"id": "dawn", "state": "cached", "reason": "take 1 of 1", "take": 1, "takes": 1,
         "cost_usd": 0.0, "estimated_usd": 0.0, "steps": 0, "steps_cached": 0, "flags": [],
         "anchor_for": []}
    ]  # fmt: skip
    assert isinstance(timeline, storyboard.ExportResult)
    assert (timeline.format, timeline.path.suffix) == ("otio", ".otio")
    assert timeline.duration == pytest.approx(1.0)


def _undocumented(owner: type) -> list[str]:
    missing = [] if owner.__doc__ else [owner.__name__]
    for name, member in vars(owner).items():
        function = member.fget if isinstance(member, property) else member
        if name.startswith("_") or not callable(function) or isinstance(member, type):
            continue
        if not function.__doc__:
            missing.append(f"{owner.__name__}.{name}")
    return missing


def test_public_classes_and_their_methods_have_docstrings() -> None:
    missing: list[str] = []
    for name in storyboard.__all__:
        public = getattr(storyboard, name)
        if isinstance(public, type) and not issubclass(public, Exception):
            missing += _undocumented(public)
        elif callable(public) and not public.__doc__:
            missing.append(name)
    assert not missing, f"no docstring: {', '.join(missing)}"
