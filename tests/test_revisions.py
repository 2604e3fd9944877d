"""Revision steps: a scene's clip edited and extended, each step its own cached node."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from conftest import MakeProject

from storyboard._engine import BuildOptions, BuildResult
from storyboard._errors import ProjectInvalid
from storyboard._media import probe
from storyboard._project import Project
from storyboard._store import Store
from storyboard._studio import Studio
from storyboard.testing.xai_standin import Faults, StandinProcess, XaiStandin

STORY = """\
storyboard: 1
title: Revised
defaults: {{duration: 2, resolution: 480p}}
scenes:
  - id: launch
    prompt: the rocket on the pad
    steps:
{steps}
  - id: after
    start: launch
    prompt: the smoke clears
"""
EDIT = '      - edit: "make it night"\n'
EXTEND = '      - extend: "she opens the hatch"\n        seconds: 2\n'


def story(steps: str, duration: int = 2) -> str:
    text = STORY.format(steps=steps.rstrip("\n") or "      []")
    return text.replace("duration: 2,", f"duration: {duration},")


def problems(make_project: MakeProject, text: str) -> list[str]:
    root = make_project(text, {})
    with pytest.raises(ProjectInvalid) as refused:
        Project.load(root)
    return [f"{p.line}:{p.column} {p.message}" for p in refused.value.problems]


# -- check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "duration", "expected"),
    [
        (EDIT, 9, "8:15 step 1 edits a clip of 9 s, but an edit takes at most 8.7 s"),
        (EXTEND, 1, "8:17 step 1 extends a clip of 1 s, but an extension starts from 2 to 15"),
        (EXTEND.replace("2", "8") * 2, 8, "10:17 step 2 extends a clip of 16 s"),
        (EXTEND.replace("seconds: 2", "seconds: 11"), 2, "9:18 step 1 adds 11 s"),
        (EDIT + EDIT.replace("edit", "extend") + EDIT, 8, "10:15 step 3 edits a clip of 14 s"),
        ('      - edit: "a"\n        extend: "b"\n', 2, '8:9 step 1 of scene "launch" needs'),
        ('      - edit: " "\n', 2, '8:15 step 1 of scene "launch" says nothing'),
        ('      - edit: "a"\n        seconds: 3\n', 2, '9:18 step 1 of scene "launch" is an edit'),
        ('      - edit: "@after at night"\n', 2, '8:16 step 1 of scene "launch" cannot use'),
        ('      - edit: "<IMAGE_1> at night"\n', 2, "8:16 <IMAGE_1> would be read"),
    ],
)
def test_every_limit_is_refused_at_its_place_through_the_chain(
    make_project: MakeProject, steps: str, duration: int, expected: str
) -> None:
    found = problems(make_project, story(steps, duration))
    assert any(problem.startswith(expected) for problem in found), found


def test_a_model_that_cannot_revise_is_refused(make_project: MakeProject) -> None:
    text = story(EDIT).replace(
        "resolution: 480p}", "resolution: 480p, model: grok-imagine-video-1.5}"
    )
    found = problems(make_project, text)
    assert any("cannot edit or extend clips" in problem for problem in found), found


def test_steps_within_the_limits_compile_into_a_chain(make_project: MakeProject) -> None:
    project = Project.load(make_project(story(EDIT + EXTEND, 8), {}))
    scene = project.scenes["launch"]
    assert scene.node_ids == ["launch", "launch.1", "launch.2"]
    assert [(s.mode, s.input_seconds, s.output_seconds) for s in scene.steps] == [
        ("edit", 8, 8),
        ("extend", 8, 10),
    ]
    assert project.node_ids[:3] == ["launch", "launch.1", "launch.2"]


def test_plan_prices_each_step_with_the_seconds_it_reads(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(story(EDIT + EXTEND), {})

    def estimates() -> list[float]:
        with Studio.open(root) as studio:
            return [n.estimated_cost_usd for n in studio.plan("xai").all_scenes["launch"].nodes]

    # 2 s made; 2 s edited (2 s read); 2 s added to make 4 s (2 s read), at $0.05/s and $0.01/s
    assert estimates() == pytest.approx([0.10, 0.12, 0.22])
    monkeypatch.setenv("STORYBOARD_PRICES", '{"grok-imagine-video": {"input_second": 0.1}}')
    assert estimates() == pytest.approx([0.10, 0.30, 0.40])


# -- builds against the stand-in ---------------------------------------------------------


def build(root: Path, **options: Any) -> BuildResult:
    with Studio.open(root) as studio:
        return studio.build("xai", BuildOptions(**options))


def creates(api: XaiStandin, kind: str) -> list[dict[str, Any]]:
    return [
        r.body
        for r in api.requests
        if r.method == "POST" and r.path.endswith(f"/videos/{kind}") and isinstance(r.body, dict)
    ]


def scene_clip(root: Path, scene_id: str) -> str:
    with Studio.open(root) as studio:
        take = studio.plan("xai").all_scenes[scene_id].take
        assert take is not None
        return take.clip


def rewrite(root: Path, steps: str) -> None:
    (root / "story.yaml").write_text(story(steps), encoding="utf-8")


@pytest.mark.slow
def test_an_edit_then_an_extension_build_and_the_film_uses_the_last(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(story(EDIT + EXTEND), {})
    result = build(root)
    assert result.ok, result.results
    assert len(creates(xai_env, "generations")) == 2
    [edit] = creates(xai_env, "edits")
    [extension] = creates(xai_env, "extensions")
    assert set(edit) == {"model", "prompt", "video"} and edit["prompt"] == "make it night"
    assert extension["duration"] == 2 and set(extension) == {"model", "prompt", "video", "duration"}
    with Studio.open(root) as studio:
        plan = studio.plan("xai")
        launch = plan.all_scenes["launch"]
        assert [n.state for n in launch.nodes] == ["cached"] * 3
        clip = studio.store.clip_path(scene_clip(root, "launch"))
        assert abs(probe(clip).duration - 4) < 0.5  # 2 s edited, then 2 s more
        assert launch.take is not None and launch.take == launch.nodes[-1].take
        assert [t.take for t in studio.takes("launch.1", "xai")] == [1]
        # `after` starts from the last frame of the extended clip
        assert plan.all_scenes["after"].state == "cached"
    with Store(root / ".storyboard") as store:
        rows = sqlite_utils.Database(store.conn).query(
            "SELECT scene_id, cost_usd, cost_estimated FROM jobs"
        )
        costs = {r["scene_id"]: (r["cost_usd"], r["cost_estimated"]) for r in rows}
    assert costs["launch.1"][0] == pytest.approx(2 * 0.05 + 2 * 0.01, abs=0.002)  # input billed
    assert costs["launch.2"][0] == pytest.approx(4 * 0.05 + 2 * 0.01, abs=0.002)
    assert costs["launch.1"][1] == 0
    assert result.spent_usd == pytest.approx(sum(cost for cost, _ in costs.values()))


@pytest.mark.slow
def test_changing_the_edit_keeps_the_base_and_removing_a_step_costs_nothing(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(story(EDIT + EXTEND), {})
    assert build(root).ok
    edited = scene_clip(root, "launch")
    xai_env.reset()
    rewrite(root, EDIT.replace("night", "dusk") + EXTEND)
    with Studio.open(root) as studio:
        launch = studio.plan("xai").all_scenes["launch"]
        assert [n.state for n in launch.nodes] == ["cached", "stale", "stale"]
        assert launch.reason == "step 1: prompt changed"
    assert build(root).ok
    assert len(creates(xai_env, "edits")) == len(creates(xai_env, "extensions")) == 1
    assert [body["prompt"] for body in creates(xai_env, "generations")] == ["the smoke clears"]
    assert scene_clip(root, "launch") != edited
    xai_env.reset()
    rewrite(root, EDIT)
    with Studio.open(root) as studio:
        assert studio.plan("xai").all_scenes["launch"].state == "cached"
    assert build(root).ok
    assert xai_env.counters.creates == 1  # `after` only: it starts from another clip now
    assert creates(xai_env, "generations")[0]["prompt"] == "the smoke clears"
    xai_env.reset()
    rewrite(root, EDIT + EXTEND)
    assert build(root).ok
    assert xai_env.counters.creates == 0  # every step and scene came back from the cache


@pytest.mark.slow
def test_regen_of_a_scene_remakes_its_first_changed_step(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(story(EDIT + EXTEND), {})
    assert build(root).ok
    xai_env.reset()
    with Studio.open(root) as studio:
        targets = studio.regen_targets("launch.2")
        assert targets == {"launch.2", "after"}
        assert studio.build("xai", BuildOptions(regen=targets, only=sorted(targets))).ok
        assert [t.take for t in studio.takes("launch.2", "xai")] == [1, 2]
    assert len(creates(xai_env, "extensions")) == 1
    assert not creates(xai_env, "edits")
    with Studio.open(root) as studio:
        studio.use("launch.2", 1, "xai")
        plan = studio.plan("xai")
        chosen = plan.all_scenes["launch"].take
        assert chosen is not None and chosen.take == 1 and chosen.scene_id == "launch.2"


@pytest.mark.slow
def test_regen_of_a_scene_starts_from_its_first_changed_step_or_else_its_generation(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(story(EDIT + EXTEND), {})
    assert build(root).ok
    rewrite(root, EDIT + EXTEND.replace("opens the hatch", "waves"))
    xai_env.reset()
    with Studio.open(root) as studio:
        assert studio.build("xai", BuildOptions(regen={"launch"}, only=["launch"])).ok
    assert xai_env.counters.creates == 1 and len(creates(xai_env, "extensions")) == 1
    xai_env.reset()
    with Studio.open(root) as studio:
        assert studio.build("xai", BuildOptions(regen={"launch"}, only=["launch"])).ok
        assert [t.take for t in studio.takes("launch", "xai")] == [1, 2]
    # nothing had changed: a new generation; the stand-in draws the same clip for the same
    # request, so the steps keyed on its bytes come back from the cache
    assert [len(creates(xai_env, kind)) for kind in ("generations", "edits", "extensions")] == [
        1,
        0,
        0,
    ]


def test_limits_are_refused_by_check_at_line_and_column(make_project: MakeProject) -> None:
    from typer.testing import CliRunner

    from storyboard.cli import app

    root = make_project(story(EDIT + EXTEND.replace("seconds: 2", "seconds: 11"), 9), {})
    result = CliRunner().invoke(app, ["check", "-p", str(root)])
    assert result.exit_code == 2
    assert "story.yaml:8:15: step 1 edits a clip of 9 s, but an edit takes at most 8.7 s" in (
        result.output
    )
    assert "story.yaml:10:18: step 2 adds 11 s" in result.output


@pytest.mark.slow
def test_moderation_on_an_edit_is_reported_for_the_step_and_billed(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    xai_env.faults = Faults(outcomes={"make it night": ["moderated", "moderated"]})
    root = make_project(story(EDIT + EXTEND), {})
    result = build(root)
    launch = result.results["launch"]
    assert launch.outcome == "refused"
    assert launch.message.startswith("step 1 (edit): moderation refused")
    assert result.results["after"].outcome == "skipped"
    assert len(creates(xai_env, "edits")) == 1 and not creates(xai_env, "extensions")
    with Store(root / ".storyboard") as store:
        [row] = sqlite_utils.Database(store.conn).query(
            "SELECT status, cost_usd FROM jobs WHERE scene_id = 'launch.1'"
        )
    assert row["status"] == "blocked" and row["cost_usd"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("built", "revised", "kind", "step"),
    [("", EDIT, "edits", "launch.1"), (EDIT, EDIT + EXTEND, "extensions", "launch.2")],
    ids=["edit", "extension"],
)
def test_a_build_killed_during_a_step_job_loses_nothing_and_pays_once(
    make_project: MakeProject, built: str, revised: str, kind: str, step: str
) -> None:
    from test_crash_safety import KEY, storyboard, wait_until

    root = make_project(story(built), {})
    with StandinProcess(key=KEY, latency=0.2) as api:
        code, output = storyboard(root, api, "build", "--provider", "xai", "--no-export").finish()
        assert code == 0, output
        rewrite(root, revised)
        api.set_faults(hold_jobs=True)
        seen = len(api.stats()["requests"])
        first = storyboard(root, api, "build", "--provider", "xai", "--no-export")

        def step_job_polled() -> bool:
            # with the generation cached, the new step's job is the only one in flight
            requests = api.stats()["requests"][seen:]
            return any(r["method"] == "GET" and r["status"] == 202 for r in requests)

        wait_until(step_job_polled, f"the new step's job ({kind}) polled, so recorded")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        api.set_faults(hold_jobs=False)
        code, output = storyboard(root, api, "build", "--provider", "xai").finish()
        assert code == 0, output
        assert f"launch: resuming ({step} " in output
        creates = [
            r for r in api.stats()["requests"] if r["method"] == "POST" and r["status"] == 200
        ]
    assert sum(r["path"].endswith(f"/videos/{kind}") for r in creates) == 1
    with Store(root / ".storyboard") as store:
        rows = sqlite_utils.Database(store.conn).query(
            "SELECT status FROM jobs WHERE scene_id = ?", [step]
        )
        assert [r["status"] for r in rows] == ["done"]


# -- seen where a writer looks ----------------------------------------------------------

SEEN = """\
storyboard: 1
title: Seen
defaults: {duration: 2, resolution: 480p}
characters:
  eileen:
    prompt: a NASA astronaut in her forties, short dark hair
scenes:
  - id: launch
    prompt: "@eileen waves by the rocket"
    steps:
      - edit: make it night
      - extend: she opens the hatch
        seconds: 2
  - id: after
    prompt: the smoke clears
"""


def run(*args: str | Path) -> str:
    from typer.testing import CliRunner

    from storyboard.cli import app

    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_check_plan_status_the_build_and_the_board_name_steps_and_pictures(
    make_project: MakeProject,
) -> None:
    from storyboard._board import write_board

    root = make_project(SEEN, {})
    assert "ok (2 scenes, 2 revision steps, 1 asset, 1 generated picture)" in run(
        "check", "-p", root
    )
    planned = run("plan", "-p", root, "--provider", "xai")
    assert "@eileen  portrait, generated (grok-imagine-image)  missing (no picture yet)" in planned
    before = run("status", "-p", root, "--provider", "xai")
    assert "missing: no clip yet; a picture: no picture yet" in before
    assert "2 scenes (2 missing), 2 revision steps, 1 generated picture (1 missing)" in before
    built = run("build", "-p", root, "--provider", "preview", "--no-export")
    assert "@eileen: submitted (portrait, job preview-" in built
    assert "launch: submitted (job preview-" in built  # its generation
    assert "launch: submitted (launch.1 edit, job preview-" in built
    assert "launch: downloading (launch.2 extend)" in built
    (root / "story.yaml").write_text(SEEN.replace("opens the hatch", "waves"), encoding="utf-8")
    after = run("status", "-p", root)
    assert "2 scenes (1 cached, 1 stale), 2 revision steps (1 cached), 1 generated" in after
    with Studio.open(root) as studio:
        assert studio.status().counts() == {
            "scenes": {"total": 2, "cached": 1, "stale": 1},
            "steps": {"total": 2, "cached": 1},
            "generated": {"total": 1, "cached": 1},
        }
        page = write_board(studio).read_text(encoding="utf-8")
    launch = page.split('id="scene-launch"', 1)[1].split("<article", 1)[0]
    assert "<li>4 s, from 2 s</li>" in launch  # the film's clip: 2 s edited, then 2 s more
    strip = launch.split('<ol class="steps">', 1)[1].split("</ol>", 1)[0]
    steps = re.findall(r'<li class="step state-(\w+)">.*?<b>([\w.]+)</b>.*?</li>', strip)
    assert steps == [("cached", "launch"), ("cached", "launch.1"), ("stale", "launch.2")]
    assert strip.count("<video") == 2 and "make it night" in strip and "she waves" in strip


@pytest.mark.slow
def test_the_whole_example_previews_offline(example: Path) -> None:
    with Studio.open(example) as studio:
        result = studio.build("preview")
        assert result.ok, result.results
        assert len(result.by_outcome("generated")) == 7  # six scenes and @chelsea:night
        plan = studio.plan("preview")
        orbit = plan.all_scenes["orbit"]
        assert [node.state for node in orbit.nodes] == ["cached"] * 3
        lengths = [
            probe(studio.store.clip_path(n.take.clip)).duration for n in orbit.nodes if n.take
        ]
        assert lengths == pytest.approx([5, 5, 8], abs=0.3)  # made, edited, then 3 s more
        night = plan.images["chelsea:night"].take
        assert night is not None
        sent = plan.all_scenes["homecoming"].inputs or {}
        assert night.clip in json.dumps(sent)  # the scene was made from the generated look
        film = studio.export("preview")
        timeline = studio.export("preview", fmt="otio")
    assert film.path.stat().st_size > 0 and not film.slated
    assert timeline.duration == pytest.approx(film.duration, abs=0.1)  # both play orbit's 8 s
