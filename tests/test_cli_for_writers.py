"""The command line where a writer types it: -p anywhere, suggestions, plain words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from clips import frame_at
from conftest import MakeProject
from stories import cat_story
from typer.testing import CliRunner

from storyboard.cli import app

STORY = cat_story(
    "Tiny",
    """\
  - id: nap
    prompt: "@cat sleeps in the sun"
  - id: wake
    start: nap
    prompt: the cat stretches
cuts:
  short: [wake]
""",
)


@pytest.fixture
def tiny(make_project: MakeProject) -> Path:
    return make_project(STORY, {"cat.png": (180, 120, 60)})


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_project_before_the_command(tiny: Path) -> None:
    code, out = run("-p", str(tiny), "plan")
    assert code == 0, out
    assert out.startswith("Tiny (the whole film, provider xai)")
    code, out = run("--project", str(tiny), "graph")
    assert code == 0 and "wake  <- nap" in out


def test_project_after_the_command_wins(tiny: Path, tmp_path: Path) -> None:
    code, out = run("-p", str(tmp_path / "elsewhere"), "check", "-p", str(tiny))
    assert code == 0 and "ok (2 scenes, 1 asset)" in out


def test_project_before_the_command_that_does_not_exist_is_named(tmp_path: Path) -> None:
    code, out = run("-p", str(tmp_path / "nowhere"), "check")
    assert code == 2 and "nowhere" in out and "storyboard new PATH" in out


@pytest.mark.parametrize(("typed", "meant"), [("plna", "plan"), ("statsu", "status")])
def test_a_mistyped_command_suggests_the_nearest(typed: str, meant: str) -> None:
    code, out = run(typed)
    assert code == 2 and f"Did you mean '{meant}'?" in out


def test_a_mistyped_option_suggests_the_nearest(tiny: Path) -> None:
    code, out = run("plan", "-p", str(tiny), "--provder", "preview")
    assert code == 2 and "--provider" in out and "No such option: --provder" in out


def test_plan_names_a_cut_and_explains_each_state(tiny: Path) -> None:
    code, out = run("plan", "-p", str(tiny), "--cut", "short")
    assert code == 0 and out.startswith("Tiny (cut short, provider xai)")
    assert "missing (no clip yet): waits for @nap" in out
    assert "cut film" not in out


def test_status_and_use_explain_the_states_they_show(tiny: Path) -> None:
    code, out = run("build", "-p", str(tiny), "--provider", "preview")
    assert code == 0, out
    assert "submitted (job preview-" in out
    code, out = run("status", "-p", str(tiny))
    assert "cached: made before, reused at no cost" in out and "stale:" not in out
    code, out = run("use", "nap", "1", "-p", str(tiny))
    assert code == 0
    assert out.splitlines()[1] == "  downstream: wake is cached (made before, reused at no cost)"


def test_export_help_names_what_fcpxml_writes() -> None:
    code, out = run("export", "--help")
    assert code == 0
    assert "Final Cut Pro 7 XML, for Premiere and Resolve" in " ".join(out.split())
    assert "missing-scene card" in " ".join(out.split())


# -- learning takes and prices offline ------------------------------------------------


def _clip_of(tiny: Path, scene: str, take: int) -> Path:
    found = json.loads(run("takes", scene, "-p", str(tiny), "--json")[1])
    clip = next(t["clip"] for t in found if t["take"] == take)
    return tiny / ".storyboard" / "clips" / f"{clip}.mp4"


def test_a_preview_regen_differs_visibly_from_the_previous_take(tiny: Path) -> None:
    code, out = run("build", "-p", str(tiny), "--provider", "preview", "--no-export")
    assert code == 0, out
    code, out = run("regen", "nap", "-p", str(tiny), "--provider", "preview", "--no-export")
    assert code == 0, out
    first, second = _clip_of(tiny, "nap", 1), _clip_of(tiny, "nap", 2)
    assert first != second
    for seconds in (0.1, 0.9):  # the first frames and the last: the take below starts there
        before, after = frame_at(first, seconds), frame_at(second, seconds)
        changed = np.abs(before.astype(int) - after.astype(int)).max(axis=2) > 20
        assert changed.mean() > 0.05, f"take 2 looks like take 1 at {seconds} s"
    code, out = run("use", "nap", "1", "-p", str(tiny))
    assert "downstream: wake is cached" in out  # wake's take from nap's take 1 is found again
    code, out = run("use", "nap", "2", "-p", str(tiny))
    assert "downstream: wake is cached" in out


def test_plan_and_status_after_a_preview_build_show_the_price_with_xai(tiny: Path) -> None:
    code, out = run("build", "-p", str(tiny), "--provider", "preview", "--no-export")
    assert code == 0, out
    code, out = run("plan", "-p", str(tiny))
    assert "0 of 2 scenes to generate; estimated cost $0.00" in out
    paid = (
        "with xai: 2 of 2 scenes to generate; estimated cost $0.10 (storyboard plan --provider xai)"
    )
    assert out.rstrip().endswith(paid)
    code, out = run("status", "-p", str(tiny))
    assert out.rstrip().endswith(paid)
    code, out = run("plan", "-p", str(tiny), "--provider", "xai")
    assert code == 0 and "with xai" not in out and "estimated cost $0.10" in out


def test_no_provider_repeats_the_command_as_typed(tiny: Path) -> None:
    code, out = run("-p", str(tiny), "build", "--only", "wake")
    assert code == 2
    assert f"storyboard -p {tiny} build --only wake --provider preview" in out
    code, out = run("regen", "nap", "-p", str(tiny))
    assert code == 2 and f"storyboard regen nap -p {tiny} --provider preview" in out
    assert not (tiny / ".storyboard" / "cache.db").exists()
