"""Planning: keys in graph order, states and their reasons, costs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clips import make_clip
from conftest import MakeProject

from storyboard._limits import price_per_second
from storyboard._lockfile import LockFile, Selection
from storyboard._plan import Planner
from storyboard._project import Project
from storyboard._store import NewJob, Store

STORY = """\
storyboard: 1
title: Plans
characters:
  eileen: {image: assets/e.png}
scenes:
  - id: one
    prompt: "@eileen waves"
  - id: two
    prompt: "after @one, @eileen sits"
    duration: 10
  - id: three
    prompt: a quiet street at night
"""


@pytest.fixture
def project(make_project: MakeProject) -> Project:
    return Project.load(make_project(STORY, {"e.png": (200, 10, 10)}))


def _fake_take(
    store: Store, project: Project, planner: Planner, scene_id: str, frame: bytes
) -> None:
    """Record a take as a build would, with a last frame of the given bytes."""
    plan = planner.plan()
    scene_plan = plan.all_scenes[scene_id]
    assert scene_plan.inputs is not None and scene_plan.key is not None
    store.remember_inputs(scene_plan.key, scene_plan.inputs)
    clip = f"clip-of-{scene_id}-{len(store.takes(scene_plan.key))}"
    store.clip_path(clip).write_bytes(b"video")
    take = store.add_take(scene_plan.key, scene_id, planner.provider, clip, 0.3, None)
    store.frame_of(clip, lambda _clip, dest: dest.write_bytes(frame))
    planner.lock.set(planner.provider, scene_id, Selection(take.take, take.key, clip))


def test_fresh_project_is_missing_with_costs(project: Project) -> None:
    plan = Planner(project, None, LockFile(project.root), "xai").plan()
    states = {p.id: (p.state, p.reason) for p in plan.scenes}
    assert states["one"] == ("missing", "never generated")
    assert states["two"] == ("missing", "waits for @one, which has no clip yet")
    assert plan.all_scenes["two"].key is None
    per_second = price_per_second("grok-imagine-video", "720p")
    assert plan.estimated_cost_usd == pytest.approx(per_second * (6 + 10 + 6))
    preview = Planner(project, None, LockFile(project.root), "preview").plan()
    assert preview.estimated_cost_usd == 0


def test_cached_then_stale_with_reasons(project: Project, make_project: MakeProject) -> None:
    store = Store(project.cache_dir)
    planner = Planner(project, store, LockFile(project.root), "xai")
    for scene_id in ("one", "two", "three"):
        _fake_take(store, project, planner, scene_id, frame=scene_id.encode())
    plan = planner.plan()
    assert [p.state for p in plan.scenes] == ["cached"] * 3
    assert plan.estimated_cost_usd == 0

    (project.root / "story.yaml").write_text(STORY.replace("a quiet street", "a busy street"))
    edited = Project.load(project.root)
    plan = Planner(edited, store, planner.lock, "xai").plan()
    assert (plan.all_scenes["three"].state, plan.all_scenes["three"].reason) == (
        "stale",
        "prompt changed",
    )

    (project.root / "story.yaml").write_text(STORY)
    reverted = Planner(Project.load(project.root), store, planner.lock, "xai").plan()
    assert reverted.all_scenes["three"].state == "cached"


def test_new_upstream_frame_makes_downstream_stale(project: Project) -> None:
    store = Store(project.cache_dir)
    planner = Planner(project, store, LockFile(project.root), "xai")
    _fake_take(store, project, planner, "one", frame=b"first frame")
    _fake_take(store, project, planner, "two", frame=b"two")
    _fake_take(store, project, planner, "one", frame=b"another frame")  # a second take, chosen
    plan = planner.plan()
    assert plan.all_scenes["two"].state == "stale"
    assert plan.all_scenes["two"].reason == "upstream take changed: @one"


def test_identical_upstream_frame_stops_the_cascade(project: Project) -> None:
    store = Store(project.cache_dir)
    planner = Planner(project, store, LockFile(project.root), "xai")
    _fake_take(store, project, planner, "one", frame=b"same frame")
    _fake_take(store, project, planner, "two", frame=b"two")
    _fake_take(store, project, planner, "one", frame=b"same frame")  # new take, same ending
    assert planner.plan().all_scenes["one"].take.take == 2  # type: ignore[union-attr]
    assert planner.plan().all_scenes["two"].state == "cached"


def test_failed_attempt_is_reported(project: Project) -> None:
    store = Store(project.cache_dir)
    planner = Planner(project, store, LockFile(project.root), "xai")
    key = planner.plan().all_scenes["three"].key
    assert key is not None
    (job,) = store.record_jobs([NewJob(key, "three", "xai", 1)])
    store.update_job(job, status="blocked", error_message="the video was blocked by moderation")
    three = planner.plan().all_scenes["three"]
    assert three.state == "failed"
    assert "blocked by moderation" in three.reason


def test_plan_json_has_the_documented_shape(project: Project) -> None:
    plan = Planner(project, None, LockFile(project.root), "xai").plan()
    data = json.loads(json.dumps(plan.as_dict(project)))
    assert set(data) >= {"title", "cut", "provider", "estimated_cost_usd", "scenes"}
    one, two, _ = data["scenes"]
    assert set(one) >= {
        "id",
        "mode",
        "state",
        "reason",
        "model",
        "duration",
        "aspect_ratio",
        "resolution",
        "prompt",
        "references",
        "start",
        "depends_on",
        "key",
        "estimated_cost_usd",
    }
    assert one["prompt"] == "<IMAGE_1> waves"
    assert one["references"][0] == {
        "index": 1,
        "mention": "eileen",
        "kind": "character",
        "source": "assets/e.png",
        "sha256": one["references"][0]["sha256"],
        "generated": False,
    }
    assert two["references"][0]["kind"] == "scene"
    assert two["references"][0]["sha256"] is None and two["key"] is None
    assert two["depends_on"] == ["one"]
    assert len(one["key"]) == 64


def test_cut_lists_its_scenes_in_play_order(make_project: MakeProject) -> None:
    root: Path = make_project(STORY + "cuts:\n  short: [three, one]\n", {"e.png": (1, 2, 3)})
    project = Project.load(root)
    plan = Planner(project, None, LockFile(root), "xai").plan("short")
    assert [p.id for p in plan.scenes] == ["three", "one"]
    assert plan.cut == "short"


def test_plan_hashes_a_frame_the_build_skipped_without_writing_it(
    make_project: MakeProject,
) -> None:
    """Scene one was built alone; then two started mentioning it: plan still reads only."""
    alone = STORY.replace('prompt: "after @one, @eileen sits"', "prompt: a chair")
    project = Project.load(make_project(alone, {"e.png": (200, 10, 10)}))
    store = Store(project.cache_dir)
    planner = Planner(project, store, LockFile(project.root), "xai")
    key = planner.plan().all_scenes["one"].key
    assert key is not None
    make_clip(store.clip_path("clip-one"), "red", seconds=1.0, tone=None)
    take = store.add_take(key, "one", "xai", "clip-one", 0.3, None)
    planner.lock.set("xai", "one", Selection(take.take, key, "clip-one"))

    (project.root / "story.yaml").write_text(STORY)
    mentioned = Project.load(project.root)
    frames_before = sorted(store.frames_dir.iterdir())
    plan = Planner(mentioned, store, planner.lock, "xai").plan()
    assert plan.all_scenes["two"].key is not None
    assert plan.frames["one"] == plan.all_scenes["one"].frame
    assert sorted(store.frames_dir.iterdir()) == frames_before
    assert store.known_frame("clip-one") is None
    again = Planner(mentioned, store, planner.lock, "xai").plan()
    assert again.all_scenes["two"].key == plan.all_scenes["two"].key


def _chain(scenes: int) -> str:
    """A story of ``scenes`` scenes, each after the one before it."""
    lines = [
        "storyboard: 1",
        "title: Long",
        "characters:",
        "  eileen: {image: assets/e.png}",
        "scenes:",
        '  - {id: s0, prompt: "@eileen waves"}',
    ]
    lines += [
        f'  - {{id: s{n}, prompt: "after @s{n - 1}, @eileen waves"}}' for n in range(1, scenes)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("scenes", [3, 30])
def test_a_plan_asks_the_cache_the_same_questions_however_many_scenes(
    make_project: MakeProject, scenes: int
) -> None:
    """Issue 14: one read of the cache per plan, never a question per scene."""
    project = Project.load(make_project(_chain(scenes), {"e.png": (200, 10, 10)}))
    store = Store(project.cache_dir)
    planner = Planner(project, store, LockFile(project.root), "xai")
    for n in range(scenes):
        _fake_take(store, project, planner, f"s{n}", frame=f"frame {n}".encode())
        planner = Planner(project, store, planner.lock, "xai")  # a fresh read of the cache

    asked: list[str] = []
    store.conn.set_trace_callback(asked.append)
    plan = Planner(project, store, planner.lock, "xai").plan()
    store.conn.set_trace_callback(None)

    assert [p.state for p in plan.scenes] == ["cached"] * scenes
    assert len(asked) == 5, asked  # takes, selections, last jobs, frames, inputs
