"""Money against the stand-in, through the command line as a writer meets it (R1, R8, R9).

Each build runs ``python -m storyboard`` in a subprocess against a stand-in
process; the stand-in's counters say what the account was billed for.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MakeProject
from stories import cat_story

from storyboard.testing.xai_standin import StandinProcess

pytestmark = pytest.mark.slow  # every test runs builds in subprocesses

KEY = "xai-money-test-key-7c41d2"
OTHER_KEY = "xai-money-test-key-other-19ab"
IMAGES = {"cat.png": (200, 120, 40)}
STORY = cat_story(
    "Money",
    """\
  - id: nap
    prompt: "@cat sleeps in the sun"
  - id: rain
    prompt: rain on a window
  - id: leap
    start: nap
    prompt: the cat leaps
  - id: moon
    prompt: the moon rises
""",
)
SCENES = 4
UPLOAD_STORY = cat_story(
    "Upload",
    """\
  - id: nap
    prompt: "@cat sleeps in the sun"
""",
)
TEXT_STORY = """\
storyboard: 1
title: Three
defaults: {duration: 1, resolution: 480p}
scenes:
  - id: dawn
    prompt: dawn over the sea
  - id: noon
    prompt: noon in the desert
  - id: dusk
    prompt: dusk in the city
"""


def storyboard(
    root: Path, api: StandinProcess, *args: str, key: str = KEY, **environment: str
) -> tuple[int, str]:
    env = {
        **os.environ,
        "XAI_API_KEY": key,
        "XAI_BASE_URL": api.base_url,
        "STORYBOARD_POLL_INTERVAL": "0.05",
        "STORYBOARD_POLL_MAX": "0.2",
        **environment,
    }
    done = subprocess.run(
        [sys.executable, "-m", "storyboard", *args, "-p", str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert key not in output
    return done.returncode, output


def jobs(root: Path) -> list[tuple[str, str, float | None, int | None]]:
    """(scene, status, cost, estimated) of every job, oldest first."""
    with sqlite3.connect(root / ".storyboard" / "cache.db") as database:
        rows = database.execute(
            "SELECT scene_id, status, cost_usd, cost_estimated FROM jobs ORDER BY id"
        ).fetchall()
    return [(str(a), str(b), c, d) for a, b, c, d in rows]


@pytest.fixture
def api() -> Iterator[StandinProcess]:
    with StandinProcess(key=KEY, latency=0.3) as process:
        yield process


def test_r1_every_scene_is_made_and_paid_for_once_through_every_fault(
    make_project: MakeProject,
) -> None:
    faults = ["--create-429-every", "3", "--retry-after", "0.2", "--upload-500-every", "2"]
    faults += ["--poll-error-every", "5", "--truncate-first-download"]
    root = make_project(STORY, IMAGES)
    with StandinProcess(key=KEY, latency=0.3, args=faults) as api:
        code, output = storyboard(root, api, "build", "--no-export")
        assert code == 0, output
        stats = api.stats()
    assert stats["counters"]["generations_accepted"] == SCENES
    statuses = [entry["status"] for entry in stats["requests"]]
    assert 429 in statuses and 500 in statuses and {502, 503} & set(statuses)
    assert all(status == "done" for _, status, _, _ in jobs(root))


def test_r8_ambiguous_creates_are_never_resent_until_asked_and_then_paid_once(
    make_project: MakeProject,
) -> None:
    root = make_project(TEXT_STORY)
    # the 2nd create is accepted and then answered 502, the 3rd answered 500 unaccepted
    faults = ["--create-502-every", "2", "--create-500-every", "3"]
    with StandinProcess(key=KEY, latency=0.3, args=faults) as api:
        code, output = storyboard(root, api, "build", "--no-export", "--concurrency", "1")
        assert code == 1, output
        ambiguous = [scene for scene, status, _, _ in jobs(root) if status == "ambiguous"]
        assert len(ambiguous) == 2
        assert all(f"{scene}: ambiguous" in output for scene in ambiguous)
        assert "--resubmit" in output and "HTTP 502" in output and "HTTP 500" in output
        assert api.counters().generations_accepted == 2

        api.set_faults(create_502_every=0, create_500_every=0)
        code, output = storyboard(root, api, "build", "--no-export")
        assert code == 1 and "--resubmit" in output
        assert api.counters().creates == 3

        code, output = storyboard(root, api, "build", "--no-export", "--resubmit")
        assert code == 0, output
        counters = api.counters()
    # the 502's job is found again by its Idempotency-Key; only the 500's is new
    assert counters.creates == 5
    assert counters.generations_accepted == 3


def test_r9_switching_the_base_url_finishes_jobs_where_they_were_sent(
    make_project: MakeProject,
) -> None:
    root = make_project(TEXT_STORY)
    with (
        StandinProcess(key=KEY, latency=4.0) as first,
        StandinProcess(key=KEY, latency=0.3) as second,
    ):
        code, output = storyboard(root, first, "build", "--no-export", STORYBOARD_JOB_TIMEOUT="0.3")
        assert code == 1 and "still pending" in output, output
        assert first.counters().generations_accepted == 3
        code, output = storyboard(root, second, "build", "--no-export")
        assert code == 0, output
        assert "resuming" in output
        assert second.counters().creates == 0
        assert first.counters().generations_accepted == 3


def test_r9_another_key_never_resends_jobs_it_cannot_see(make_project: MakeProject) -> None:
    root = make_project(TEXT_STORY)
    with StandinProcess(key=KEY, latency=3.0) as api:
        code, output = storyboard(root, api, "build", "--no-export", STORYBOARD_JOB_TIMEOUT="0.3")
        assert code == 1, output
        code, output = storyboard(root, api, "build", "--no-export", key=OTHER_KEY)
        assert code == 1
        assert api.base_url in output and "not resent" in output
        assert api.counters().creates == 3
        code, output = storyboard(root, api, "build", "--no-export")
        assert code == 0, output
        assert api.counters().generations_accepted == 3


def test_r9_forgotten_uploads_are_sent_again_and_the_create_once_more(
    make_project: MakeProject, api: StandinProcess
) -> None:
    root = make_project(UPLOAD_STORY, IMAGES)
    code, output = storyboard(root, api, "build", "--no-export")
    assert code == 0, output
    api.forget_files()
    code, output = storyboard(root, api, "regen", "nap", "--no-export")
    assert code == 0, output
    creates = [
        entry["status"]
        for entry in api.stats()["requests"]
        if entry["path"].endswith("/videos/generations")
    ]
    assert creates.count(400) == 1
    assert api.counters().uploads == 2


def test_a_bad_price_table_is_refused_before_anything_is_sent(
    make_project: MakeProject, api: StandinProcess
) -> None:
    root = make_project(TEXT_STORY)
    for prices in ('{"grok-imagine-video": NaN}', '{"grok-imagine-video": {"480p": -1}}'):
        code, output = storyboard(root, api, "build", STORYBOARD_PRICES=prices)
        assert code == 2, output
        assert "STORYBOARD_PRICES" in output
    code, output = storyboard(root, api, "plan", STORYBOARD_PRICES='{"grok-imagine-video": 1e999}')
    assert code == 2 and "STORYBOARD_PRICES" in output
    assert api.counters().posts == 0


def test_a_key_with_whitespace_is_refused_without_showing_it(
    make_project: MakeProject, api: StandinProcess
) -> None:
    root = make_project(TEXT_STORY)
    code, output = storyboard(root, api, "build", key=KEY + "\n")
    assert code == 2
    assert "XAI_API_KEY" in output and "whitespace" in output
    assert api.counters().posts == 0
