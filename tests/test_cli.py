"""The command line end to end with the preview provider: outputs, JSON shapes, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MakeProject
from stories import cat_story
from typer.testing import CliRunner

from storyboard.cli import app

STORY = cat_story(
    "Tiny",
    """\
  - id: nap
    prompt: "@cat sleeps in the sun"
    caption: Sleepy.
  - id: wake
    prompt: "after @nap, @cat stretches"
  - id: leap
    start: wake
    prompt: the cat leaps
cuts:
  short: [leap, nap]
""",
)


@pytest.fixture
def tiny(make_project: MakeProject) -> Path:
    return make_project(STORY, {"cat.png": (180, 120, 60)})


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def built(tiny: Path) -> Path:
    code, _, err = run("build", "-p", str(tiny), "--provider", "preview")
    assert code == 0, err
    return tiny


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("storyboard ")


ENDS_FROZEN = """
import gc, sys
from storyboard.__main__ import main
sys.argv = ["storyboard", *sys.argv[1:]]
try:
    main()
finally:
    print("FROZEN", gc.get_freeze_count(), file=sys.stderr)
"""


def test_the_command_ends_without_collecting_what_it_made(tiny: Path) -> None:
    """Its objects are frozen as it ends: the collector's passes at exit would walk them
    all (0.2 to 0.4 s after a build's summary)."""
    ran = subprocess.run(
        [sys.executable, "-c", ENDS_FROZEN, "check", "-p", str(tiny)],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert int(ran.stderr.rsplit("FROZEN ", 1)[1]) > 10_000


def test_new_makes_a_project_that_checks_clean(tmp_path: Path) -> None:
    code, out, _ = run("new", str(tmp_path / "mine"))
    assert code == 0 and "created" in out
    story = (tmp_path / "mine" / "story.yaml").read_text()
    assert story.startswith("# yaml-language-server: $schema=./story.schema.json")
    assert (tmp_path / "mine" / "story.schema.json").exists()
    code, out, _ = run("check", "-p", str(tmp_path / "mine"))
    assert code == 0 and "ok (3 scenes, 2 assets)" in out
    code, out, _ = run("new", str(tmp_path / "mine"))
    assert code == 0 and "nothing to add" in out and "created" not in out
    assert (tmp_path / "mine" / "story.yaml").read_text() == story


def test_new_described_starts_a_cast_with_no_photos_that_previews(tmp_path: Path) -> None:
    root = tmp_path / "words"
    code, out, _ = run("new", str(root), "--described")
    assert code == 0 and "created" in out
    assert (root / "assets").is_dir() and not list((root / "assets").iterdir())
    assert "prompt:" in (root / "story.yaml").read_text()
    code, out, _ = run("plan", "-p", str(root), "--provider", "preview")
    assert code == 0 and "@hero:night" in out and "3 of 3 images" in out
    code, out, _ = run("build", "-p", str(root), "--provider", "preview", "--no-export")
    assert code == 0, out
    code, out, _ = run("status", "-p", str(root), "--json")
    shown = json.loads(out)["generated"]
    assert [(image["id"], image["state"]) for image in shown] == [
        ("hero", "cached"), ("home", "cached"), ("hero:night", "cached")
    ]  # fmt: skip
    code, out, _ = run("takes", "@hero", "-p", str(root), "--json")
    assert code == 0 and [take["take"] for take in json.loads(out)] == [1]


def test_graph_in_three_formats(tiny: Path) -> None:
    code, out, _ = run("graph", "-p", str(tiny))
    assert code == 0 and "wake  <- nap" in out and "1. nap" in out
    code, out, _ = run("graph", "-p", str(tiny), "--format", "mermaid")
    assert out.startswith("flowchart LR") and "s0 --> s1" in out
    code, out, _ = run("graph", "-p", str(tiny), "--format", "dot")
    assert '"wake" -> "leap";' in out


def test_build_without_provider_or_key_stops_before_anything(tiny: Path) -> None:
    code, _, err = run("build", "-p", str(tiny))
    assert code == 2
    assert "XAI_API_KEY" in err and "--provider preview" in err
    assert not (tiny / ".storyboard" / "cache.db").exists()


@pytest.mark.slow
def test_plan_json_before_and_after_a_build(tiny: Path) -> None:
    code, out, _ = run("plan", "-p", str(tiny), "--json", "--provider", "preview")
    assert code == 0
    plan = json.loads(out)
    assert [s["state"] for s in plan["scenes"]] == ["missing"] * 3
    assert plan["scenes"][2]["start"] == {
        "scene": "wake",
        "shape": "16:9",
        "fit": None,
        "fitting": None,
    }
    built(tiny)
    plan = json.loads(run("plan", "-p", str(tiny), "--json", "--provider", "preview")[1])
    assert [s["state"] for s in plan["scenes"]] == ["cached"] * 3
    assert plan["scenes"][1]["references"][0]["kind"] == "scene"
    assert len(plan["scenes"][1]["references"][0]["sha256"]) == 64
    short = json.loads(run("plan", "-p", str(tiny), "--json", "--cut", "short")[1])
    assert [s["id"] for s in short["scenes"]] == ["leap", "nap"]


def test_json_is_indented_by_two_and_keeps_letters_as_written(make_project: MakeProject) -> None:
    story = cat_story("Le café", '  - id: nap\n    prompt: "@cat dort au soleil, tranquillité"\n')
    root = make_project(story, {"cat.png": (180, 120, 60)})
    code, out, _ = run("plan", "-p", str(root), "--json", "--provider", "preview")
    assert code == 0
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"
    assert '"title": "Le café"' in out and "tranquillité" in out


@pytest.mark.slow
def test_status_and_takes_json_shapes(tiny: Path) -> None:
    built(tiny)
    status = json.loads(run("status", "-p", str(tiny), "--json")[1])
    assert status["provider"] == "preview"
    assert set(status) >= {"title", "spent_usd", "scenes"}
    assert isinstance(status["scenes"][0].pop("flags"), list)  # the build scored it
    assert status["scenes"][0] == {
        "id": "nap",
        "state": "cached",
        "reason": "take 1 of 1",
        "take": 1,
        "takes": 1,
        "cost_usd": 0.0,
        "estimated_usd": 0.0,
        "steps": 0,
        "steps_cached": 0,
        "anchor_for": [],
    }
    takes = json.loads(run("takes", "nap", "-p", str(tiny), "--json")[1])
    assert len(takes) == 1
    shape = {"take", "selected", "created_at", "cost_usd", "key", "clip", "score", "anchor_for"}
    assert set(takes[0]) == shape
    assert takes[0]["selected"] is True and takes[0]["created_at"].endswith("Z")


def test_status_prints_columns_off_a_terminal_and_a_table_on_one(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run("status", "-p", str(tiny), "--provider", "preview")
    assert code == 0
    title, header, *rows = out.splitlines()[:5]
    assert title == "Tiny (preview)"
    assert header.split() == ["scene", "state", "take", "takes", "spent", "flags", "why"]
    assert [row.split()[0] for row in rows] == ["nap", "wake", "leap"]
    assert all(row.split()[1] == "missing" for row in rows)
    for column in ("state", "takes", "why"):  # each column starts at its heading
        start = header.index(column)
        assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows), out
    assert "┃" not in out
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # what rich takes for a terminal
    code, out, _ = run("status", "-p", str(tiny), "--provider", "preview")
    assert code == 0 and "┃" in out and "never generated" in out


@pytest.mark.slow
def test_regen_then_use_goes_back(tiny: Path) -> None:
    built(tiny)
    code, out, err = run("regen", "nap", "-p", str(tiny), "--provider", "preview")
    assert code == 0, err
    assert "3 generated" in out
    takes = json.loads(run("takes", "nap", "-p", str(tiny), "--json")[1])
    assert [(t["take"], t["selected"]) for t in takes] == [(1, False), (2, True)]
    code, out, _ = run("use", "nap", "1", "-p", str(tiny))
    assert code == 0 and "nap now uses take 1" in out
    assert "downstream: wake is cached" in out  # going back upstream finds wake's take 1 again
    code, _, err = run("use", "nap", "7", "-p", str(tiny))
    assert code == 2 and "no take 7" in err


@pytest.mark.slow
def test_export_needs_every_clip_unless_partial(tiny: Path) -> None:
    code, _, err = run("export", "-p", str(tiny), "--provider", "preview")
    assert code == 1 and "no clip yet for: nap, wake, leap" in err
    code, out, _ = run("export", "-p", str(tiny), "--provider", "preview", "--partial")
    assert code == 0 and "missing-scene cards for: nap, wake, leap" in out
    assert (tiny / "out" / "film.mp4").exists()


@pytest.mark.slow
def test_export_a_cut_and_timelines(tiny: Path) -> None:
    built(tiny)
    code, out, _ = run("export", "-p", str(tiny), "--cut", "short")
    assert code == 0 and "out/short.mp4" in out
    for fmt, suffix in (("otio", ".otio"), ("fcpxml", ".xml"), ("edl", ".edl"), ("srt", ".srt")):
        code, out, err = run("export", "-p", str(tiny), "--format", fmt)
        assert code == 0, err
        assert (tiny / "out" / f"film{suffix}").exists()
    code, _, err = run("export", "-p", str(tiny), "--cut", "nope")
    assert code == 2 and 'no cut named "nope"' in err


def test_errors_name_their_place_and_exit_2(tiny: Path) -> None:
    (tiny / "story.yaml").write_text(STORY.replace("@cat stretches", "@kat stretches"))
    code, _, err = run("plan", "-p", str(tiny))
    assert code == 2
    assert "story.yaml:11:" in err and "did you mean @cat" in err
    assert "Traceback" not in err
