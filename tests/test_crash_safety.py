"""Builds in real subprocesses: killed, interrupted, run twice at once (R2, R6)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import MakeProject

from storyboard.testing.xai_standin import StandinProcess

pytestmark = pytest.mark.slow  # builds in subprocesses, killed and interrupted

KEY = "xai-crash-test-key-5f2e9c"
IMAGES = {"e.png": (200, 60, 40), "c.png": (40, 160, 90)}
STORY = """\
storyboard: 1
title: Crash Test
defaults: {duration: 1, resolution: 480p}
characters:
  eileen: {image: assets/e.png}
  chelsea: {image: assets/c.png}
scenes:
  - id: one
    prompt: "@eileen wakes up"
  - id: two
    prompt: "@chelsea stretches"
  - id: three
    prompt: "after @one, @eileen and @chelsea eat"
  - id: four
    prompt: a quiet street
  - id: five
    start: three
    prompt: the camera rises
  - id: six
    prompt: rain on a window
"""
SCENES = 6
FIRST_GENERATION = 4
"""Scenes that need no other scene's frame: all in flight at once (4 is --concurrency's default)."""


@pytest.fixture
def api() -> Iterator[StandinProcess]:
    process = StandinProcess(key=KEY, latency=0.6)
    yield process
    process.stop()


@dataclass
class Build:
    """A build in a subprocess; what it prints (stdout and stderr) goes to ``log``."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        return self.process.wait(timeout=timeout), self.output()


def storyboard(root: Path, api: StandinProcess, *args: str) -> Build:
    environment = {
        **os.environ,
        "XAI_API_KEY": KEY,
        "XAI_BASE_URL": api.base_url,
        "STORYBOARD_POLL_INTERVAL": "0.05",
        "STORYBOARD_POLL_MAX": "0.2",
    }
    descriptor, log = tempfile.mkstemp(prefix="build-", suffix=".log", dir=root.parent)
    with os.fdopen(descriptor, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "storyboard", *args, "-p", str(root)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_hears_ctrl_c,
        )
    return Build(process, Path(log))


def _hears_ctrl_c() -> None:
    """A build started from a terminal hears Ctrl-C; one started by a test run that was
    itself started in the background would inherit an ignored SIGINT (as POSIX shells
    give background commands), and Python keeps it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """Poll ``condition`` (something a test can observe) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def jobs_polled(api: StandinProcess) -> set[str]:
    requests = api.stats()["requests"]
    polls = [r["path"] for r in requests if r["method"] == "GET" and r["status"] == 202]
    return {path.rsplit("/", 1)[-1] for path in polls}


def holds_the_build_lock(root: Path, build: Build) -> bool:
    lock = root / ".storyboard" / "build.lock"
    return lock.exists() and lock.read_text() == f"pid {build.process.pid}"


def assert_cache_is_whole(root: Path) -> None:
    """Every clip and frame is named by its own hash: nothing partial passes for one."""
    if not (root / ".storyboard" / "cache.db").exists():
        return  # killed before it began
    for folder, suffix in (("clips", ".mp4"), ("frames", ".png")):
        for path in (root / ".storyboard" / folder).glob("*"):
            assert path.suffix == suffix and not path.name.startswith("."), path
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem, path
    database = sqlite3.connect(root / ".storyboard" / "cache.db")
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def ambiguous_scenes(root: Path) -> int:
    database = sqlite3.connect(root / ".storyboard" / "cache.db")
    query = "SELECT COUNT(DISTINCT key) FROM jobs WHERE status = 'ambiguous'"
    return int(database.execute(query).fetchone()[0])


def test_killed_builds_lose_nothing_and_pay_once(
    make_project: MakeProject, api: StandinProcess
) -> None:
    root = make_project(STORY, IMAGES)
    chance = random.Random(20261125)
    for _ in range(10):
        build = storyboard(root, api, "build", "--provider", "xai", "--no-export")
        # Not an ordering: the kill may land anywhere, and the test holds wherever it lands.
        time.sleep(chance.uniform(0.3, 1.6))
        build.process.send_signal(signal.SIGKILL)
        build.process.wait()
        assert_cache_is_whole(root)
    code, output = storyboard(root, api, "build", "--provider", "xai").finish()
    ambiguous = ambiguous_scenes(root)
    if ambiguous:
        # Killed between the API's answer and the write of its request id: the build
        # refused to guess (exit 1) until told to send those again.
        assert code == 1 and "--resubmit" in output
        code, output = storyboard(root, api, "build", "--provider", "xai", "--resubmit").finish()
    assert code == 0, output
    # An ambiguous create may or may not have reached the stand-in before the kill; either
    # way its resubmission carries the same Idempotency-Key, which the stand-in honours,
    # so each scene is paid for exactly once.
    assert api.counters().generations_accepted == SCENES
    assert ambiguous <= 2
    assert_cache_is_whole(root)
    assert (root / "out" / "film.mp4").stat().st_size > 0
    assert KEY not in output


def test_ctrl_c_stops_with_130_and_the_next_build_resumes(
    make_project: MakeProject, api: StandinProcess
) -> None:
    root = make_project(STORY, IMAGES)
    api.set_faults(hold_jobs=True)
    build = storyboard(root, api, "build", "--provider", "xai", "--no-export")
    # Polled means recorded: with no create in flight, the interrupt makes nothing ambiguous.
    wait_until(lambda: len(jobs_polled(api)) == FIRST_GENERATION, "the first jobs polled")
    build.process.send_signal(signal.SIGINT)
    code, output = build.finish()
    assert code == 130, output
    assert "interrupted" in output
    assert "Traceback" not in output
    api.set_faults(hold_jobs=False)
    code, output = storyboard(root, api, "build", "--provider", "xai", "--no-export").finish()
    assert code == 0, output
    assert "resuming" in output
    assert api.counters().generations_accepted == SCENES


def test_two_builds_at_once_share_the_work(make_project: MakeProject, api: StandinProcess) -> None:
    root = make_project(STORY, IMAGES)
    api.set_faults(hold_jobs=True)
    first = storyboard(root, api, "build", "--provider", "xai", "--no-export")
    wait_until(lambda: holds_the_build_lock(root, first), "the first build to hold the lock")
    second = storyboard(root, api, "build", "--provider", "xai", "--no-export")
    wait_until(lambda: "waiting" in second.output(), "the second build to wait")
    api.set_faults(hold_jobs=False)
    (code_one, out_one), (code_two, out_two) = first.finish(), second.finish()
    assert (code_one, code_two) == (0, 0), out_one + out_two
    assert "another build is running" in out_two
    assert api.counters().generations_accepted == SCENES
    assert_cache_is_whole(root)


def test_a_build_can_refuse_instead_of_waiting(
    make_project: MakeProject, api: StandinProcess
) -> None:
    root = make_project(STORY, IMAGES)
    api.set_faults(hold_jobs=True)
    first = storyboard(root, api, "build", "--provider", "xai", "--no-export")
    wait_until(lambda: holds_the_build_lock(root, first), "the first build to hold the lock")
    code, output = storyboard(root, api, "build", "--provider", "xai", "--no-wait").finish()
    assert code == 1
    assert "another build is running" in output
    api.set_faults(hold_jobs=False)
    assert first.finish()[0] == 0
