"""Scores live with takes: `build` scores new takes, `score` fills the gaps from the cache,
`takes` and `status` show them, and everything else works without the scoring extra."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_subprocess import ANSI, REPO, storyboard
from scoring_clips import EILEEN, GRACE, eileen_project, subject_clip

from storyboard import BuildOptions, Studio
from storyboard._providers.registry import REGISTRY
from storyboard._scoreworker import BackgroundScorer, worker_count
from storyboard._scoring.jobs import WORKER_NICENESS, ScoreJob
from storyboard._scoring.records import SCORER_VERSION, Subject
from storyboard._store import Store
from storyboard.testing.xai_standin import Faults, XaiStandin
from storyboard.testing.xai_standin._api import FakeApi

STORY = """\
storyboard: 1
title: Scores
defaults: {duration: 2, resolution: 480p}
characters:
  eileen: {image: assets/eileen.png}
scenes:
  - id: meet
    prompt: "@eileen waves at the camera"
  - id: later
    prompt: "@eileen looks out of the window"
"""

WITHOUT_THE_EXTRA = """
import sys
import time
sys.modules["dlib"] = None  # as if the score extra were not installed
from storyboard.__main__ import main
sys.argv = ["storyboard", *sys.argv[1:]]
main()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return eileen_project(tmp_path / "scores", STORY)


def scored_rows(root: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(root / ".storyboard" / "cache.db") as db:
        return db.execute("SELECT clip, scorer, scored_at FROM scores ORDER BY clip").fetchall()


def test_build_scores_each_new_take_and_status_and_takes_show_them(project: Path) -> None:
    built = storyboard("build", "-p", str(project), "--provider", "preview", "--no-export")
    assert built.code == 0, built.output
    status = json.loads(storyboard("status", "-p", str(project), "--json").out)
    assert [scene["flags"] is not None for scene in status["scenes"]] == [True, True]
    (take,) = json.loads(storyboard("takes", "meet", "-p", str(project), "--json").out)
    score = take["score"]
    assert score["version"] == SCORER_VERSION and score["frames"] == 8
    (subject,) = score["subjects"]
    assert subject["mention"] == "eileen" and subject["method"] == "face"
    assert set(score["flags"]) == set(subject["flags"])
    assert len(scored_rows(project)) == 2


def test_scoring_again_reads_the_cache_and_sends_nothing(project: Path) -> None:
    built = storyboard(
        "build", "-p", str(project), "--provider", "preview", "--no-export", "--no-score"
    )
    assert built.code == 0, built.output
    assert not scored_rows(project)
    assert (
        json.loads(storyboard("status", "-p", str(project), "--json").out)["scenes"][0]["flags"]
        is None
    )
    first = storyboard("score", "-p", str(project), "--json")
    assert first.code == 0, first.output
    assert "scoring meet take 1" in first.err and "scoring later take 1" in first.err
    rows = scored_rows(project)
    again = storyboard("score", "-p", str(project), "--json")
    assert again.code == 0 and "scoring" not in again.err
    assert scored_rows(project) == rows
    report = json.loads(again.out)
    assert report["scorer"] == SCORER_VERSION
    assert [scene["id"] for scene in report["scenes"]] == ["meet", "later"]
    assert all(take["score"] for scene in report["scenes"] for take in scene["takes"])
    assert json.loads(first.out) == report
    jobs = sqlite3.connect(project / ".storyboard" / "cache.db").execute(
        "SELECT COUNT(*) FROM jobs"
    )
    assert jobs.fetchone()[0] == 2


def test_score_of_one_scene_and_of_an_unknown_one(project: Path) -> None:
    storyboard("build", "-p", str(project), "--provider", "preview", "--no-export", "--no-score")
    one = storyboard("score", "later", "-p", str(project))
    assert one.code == 0, one.output
    assert "scoring later take 1" in one.err and "meet" not in one.err
    assert "later" in one.out
    unknown = storyboard("score", "nowhere", "-p", str(project))
    assert unknown.code == 2 and 'no scene or generated image "nowhere"' in unknown.err


def test_score_before_any_build_says_there_is_nothing_yet(project: Path) -> None:
    ran = storyboard("score", "-p", str(project))
    assert ran.code == 0, ran.output
    assert "no takes to score yet" in ran.out


def run_without_the_extra(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("XAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EXTRA, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_the_extra_build_works_and_score_says_how_to_add_it(project: Path) -> None:
    built = run_without_the_extra(
        "build", "-p", str(project), "--provider", "preview", "--no-export"
    )
    assert built.returncode == 0, built.stderr
    assert not scored_rows(project)
    refused = run_without_the_extra("score", "-p", str(project))
    message = ANSI.sub("", refused.stderr)
    assert refused.returncode == 2, message
    assert "pip install 'storyboard-film[score]'" in message
    assert "Traceback" not in message


SCRIPTED = """\
storyboard: 1
title: Every flag
defaults: {duration: 2, resolution: 480p}
characters:
  eileen: {image: assets/eileen.png}
scenes:
  - {id: meet, prompt: "meet: @eileen waves"}
  - {id: wave, prompt: "wave: @eileen waves again"}
  - {id: swap, prompt: "swap: @eileen walks in"}
  - {id: paste, prompt: "paste: @eileen stands still"}
  - {id: gone, prompt: "gone: @eileen has left"}
  - {id: tint, prompt: "tint: @eileen under red light"}
"""


@pytest.mark.slow
def test_every_flag_end_to_end_through_a_build_against_the_stand_in(
    project: Path, standin: XaiStandin, xai_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "story.yaml").write_text(SCRIPTED, encoding="utf-8")
    standin.faults = Faults(
        showings={
            "meet:": ["animated"],
            "wave:": ["animated"],
            "swap:": [f"animated:{GRACE}"],
            "paste:": ["still"],
            "gone:": ["empty"],
            "tint:": ["recoloured"],
        }
    )
    monkeypatch.setenv("XAI_API_KEY", xai_key)
    monkeypatch.setenv("XAI_BASE_URL", standin.base_url)
    with Studio.open(project) as studio:
        result = studio.build("xai", BuildOptions(concurrency=6))
        status = {scene.id: scene.flags for scene in studio.status("xai").scenes}
    assert result.ok and not result.unscored
    assert status == {
        "meet": [],
        "wave": [],
        "swap": ["mismatch", "drift"],
        "paste": ["copy-paste"],
        "gone": ["absent"],
        "tint": ["colour-drift"],
    }
    assert standin.counters.generations_accepted == 6


def test_the_stand_in_refuses_a_showing_it_cannot_draw() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="unknown showing 'sideways'"):
        faults.apply({"showings": {"meet": ["animated", "sideways"]}})
    assert faults.showings == {}
    faults.apply({"showings": {"meet": ["still", f"animated:{GRACE}"]}})
    assert faults.showings == {"meet": ["still", f"animated:{GRACE}"]}


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


PREVIEW = ("--provider", "preview", "--no-export")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_the_score_worker_ends_when_its_build_is_killed(project: Path) -> None:
    build = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "build", "-p", str(project), *PREVIEW],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (workers := children_of(build.pid)):
            assert build.poll() is None, "the build ended before its score worker started"
            assert time.monotonic() < deadline, "no score worker started"
            time.sleep(0.05)
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 60
    while any(is_running(worker) for worker in workers):
        assert time.monotonic() < deadline, "the score worker outlived its build"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_second_score_worker_starts_only_when_a_take_waits_for_a_busy_one(
    tmp_path: Path,
) -> None:
    """A build whose jobs run elsewhere scores a wave of takes in two processes; one whose
    provider renders here keeps one, and never more than it is allowed."""
    clip = subject_clip(tmp_path, EILEEN, "animated")
    subjects = (Subject("eileen", "character", EILEEN),)

    async def processes_started(workers: int, takes: int) -> tuple[int, int]:
        before = len(multiprocessing.active_children())
        with Store(tmp_path / f"cache-{workers}-{takes}") as store:
            scorer = BackgroundScorer(store, workers=workers)
            scorer.warm()
            for number in range(takes):
                scorer.submit(f"s{number}", ScoreJob(f"clip{number}", clip, subjects, None))
            await asyncio.sleep(0)  # each take is handed to the workers
            started = len(multiprocessing.active_children()) - before
            await scorer.finish()
            assert sorted(scorer.scores) == [f"s{number}" for number in range(takes)]
        return started, len(multiprocessing.active_children()) - before

    assert asyncio.run(processes_started(2, 3)) == (2, 0)
    assert asyncio.run(processes_started(1, 3)) == (1, 0)
    assert asyncio.run(processes_started(2, 0)) == (1, 0), "warming starts one"


@pytest.mark.slow
def test_a_backlog_left_when_the_build_is_over_gets_another_worker_at_its_priority(
    tmp_path: Path,
) -> None:
    """A preview build scores in one process below the renders; when they are over and
    two takes wait for it, another process, at the build's own priority, shares them."""
    clip = subject_clip(tmp_path, EILEEN, "animated")
    subjects = (Subject("eileen", "character", EILEEN),)

    async def workers(takes: int) -> tuple[int, int, list[int]]:
        before = len(multiprocessing.active_children())
        with Store(tmp_path / f"cache-{takes}") as store:
            scorer = BackgroundScorer(store, workers=1, workers_at_end=2)
            scorer.warm()
            for number in range(takes):
                scorer.submit(f"s{number}", ScoreJob(f"clip{number}", clip, subjects, None))
            await asyncio.sleep(0)  # each take is handed to the worker, or waits for it
            building = len(multiprocessing.active_children()) - before
            finishing = asyncio.ensure_future(scorer.finish())
            await asyncio.sleep(0)
            asked = [asyncio.wrap_future(worker.submit(os.nice, 0)) for worker in scorer._started]
            at_end = len(multiprocessing.active_children()) - before
            niceness = [await answer - os.nice(0) for answer in asked]
            await finishing
            assert sorted(scorer.scores) == [f"s{number}" for number in range(takes)]
        return building, at_end, niceness

    assert asyncio.run(workers(3)) == (1, 2, [WORKER_NICENESS, 0])
    assert asyncio.run(workers(2)) == (1, 1, [WORKER_NICENESS]), "one waits: not worth one"


def test_only_a_build_whose_clips_are_drawn_elsewhere_scores_in_two_processes() -> None:
    assert worker_count(REGISTRY["preview"].renders_here) == 1
    assert worker_count(REGISTRY["xai"].renders_here) == min(2, os.cpu_count() or 1)


WORKER_FROZEN = """
import gc, os
from storyboard._scoring.jobs import start_worker
start_worker(os.getppid())
print(gc.get_freeze_count())
"""


def test_a_score_worker_freezes_what_it_loaded() -> None:
    """The models stay to the worker's end: no collection walks them again, neither while
    it scores nor when it exits, which the build waits for."""
    ran = subprocess.run([sys.executable, "-c", WORKER_FROZEN], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert int(ran.stdout) > 10_000


@pytest.mark.slow
def test_the_score_worker_starts_once_the_first_job_is_sent(
    project: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its models load while the jobs run; started beside the build's own start, it
    delayed the first request (0.2 s at load 6)."""
    workers_at_create: list[int] = []
    create = FakeApi._create_post

    def counted(api: FakeApi, *args: Any) -> Any:
        workers_at_create.append(len(multiprocessing.active_children()))
        return create(api, *args)

    monkeypatch.setattr(FakeApi, "_create_post", counted)
    before = len(multiprocessing.active_children())
    with Studio.open(project) as studio:
        result = studio.build("xai", BuildOptions(concurrency=1))
    assert result.ok and sorted(result.scores) == ["later", "meet"]
    assert workers_at_create[0] == before
    assert max(workers_at_create) > before, "it had started by the second job"
