"""The cache tells the truth when it is hurt (target R7): a damaged cache.db, a read-only
project, a full disk. Through the real command; the disks are real mounts (tests run as
root), skipped with the kernel's reason where it refuses them."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from cli_subprocess import storyboard

from storyboard.testing.xai_standin import StandinProcess

STORY = """\
storyboard: 1
title: Trouble
defaults: {duration: 1, resolution: 480p}
scenes:
  - id: nap
    prompt: a cat sleeps in the sun
  - id: wake
    prompt: after @nap, the cat stretches
  - id: leap
    prompt: the cat leaps onto a shelf
"""
KEY = "xai-trouble-test-key-81c3"
pytestmark = pytest.mark.slow  # builds through the real command, on real mounts


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def mount(*args: str) -> None:
    completed = subprocess.run(["mount", *args], capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.skip(f"cannot mount here: {completed.stderr.strip() or completed.returncode}")


@contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    mount(*args, str(target))
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def built(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "story.yaml").write_text(STORY, encoding="utf-8")
    ran = storyboard("build", "-p", str(root), "--provider", "preview", "--no-export")
    assert ran.code == 0, ran.output
    return root


# -- a damaged cache.db --------------------------------------------------------------------


def test_a_damaged_cache_says_so_and_recovery_pays_nothing(tmp_path: Path) -> None:
    project = built(tmp_path / "p")
    lock = (project / "storyboard.lock").read_bytes()
    database = project / ".storyboard" / "cache.db"
    for leftover in database.parent.glob("cache.db-*"):
        leftover.unlink()
    database.write_bytes(b"this is not a database, it was overwritten" * 100)
    ran = storyboard("status", "-p", str(project), "--provider", "preview")
    assert ran.code == 1
    assert (
        "cache.db is damaged" in ran.err
        and "mv " in ran.err
        and "found by their content" in ran.err
    )
    assert (project / "storyboard.lock").read_bytes() == lock
    database.rename(database.with_name("cache.db.damaged"))
    ran = storyboard("build", "-p", str(project), "--provider", "preview", "--no-export")
    assert ran.code == 0, ran.output
    assert "0 generated, 3 from the cache" in ran.out


# -- a read-only project -----------------------------------------------------------------------


def test_a_read_only_project_is_checked_planned_and_statused(tmp_path: Path) -> None:
    project = built(tmp_path / "p")
    before = snapshot(project)
    with mounted(tmp_path / "ro", "--bind", str(project)) as view:
        mount("-o", "remount,bind,ro", str(view))
        assert not os.access(view, os.W_OK)
        assert storyboard("check", "-p", str(view)).code == 0
        plan = storyboard("plan", "-p", str(view), "--provider", "preview")
        assert plan.code == 0 and "0 of 3 scenes to generate" in plan.out, plan.output
        status = storyboard("status", "-p", str(view), "--provider", "preview", "--json")
        assert status.code == 0 and '"state": "cached"' in status.out, status.output
        build = storyboard("build", "-p", str(view), "--provider", "preview")
        assert build.code == 1 and "cannot write here (Read-only file system)" in build.err
    assert snapshot(project) == before


# -- a full disk ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[StandinProcess]:
    process = StandinProcess(key=KEY, latency=0.2)
    yield process
    process.stop()


def build_with_xai(root: Path, api: StandinProcess) -> tuple[int, str]:
    environment = {
        **os.environ,
        "XAI_API_KEY": KEY,
        "XAI_BASE_URL": api.base_url,
        "NO_COLOR": "1",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "storyboard", "build", "--provider", "xai", "-p", str(root)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return completed.returncode, completed.stdout + completed.stderr


def test_a_full_disk_keeps_paid_jobs_and_the_next_build_recovers(
    tmp_path: Path, api: StandinProcess
) -> None:
    roomy = tmp_path / "roomy"
    roomy.mkdir()
    (roomy / "story.yaml").write_text(STORY, encoding="utf-8")
    code, output = build_with_xai(roomy, api)
    assert code == 0, output
    needed = sum(p.stat().st_size for p in roomy.rglob("*") if p.is_file())
    paid = api.counters().generations_accepted
    shutil.rmtree(roomy)
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", f"size={needed // 2}", "tmpfs") as disk:
        project = disk / "p"
        project.mkdir()
        (project / "story.yaml").write_text(STORY, encoding="utf-8")
        code, output = build_with_xai(project, api)
        assert code == 1, output
        assert "No space left on device" in output or "disk is full" in output, output
        assert "Traceback" not in output and "unexpected" not in output.lower()
        mount("-o", f"remount,size={needed * 4}", str(disk))
        code, output = build_with_xai(project, api)
        assert code == 0, output
        assert api.counters().generations_accepted == 2 * paid, "a paid job was sent again"
        assert (project / "out" / "film.mp4").stat().st_size > 0
        with closing(sqlite3.connect(project / ".storyboard" / "cache.db")) as database:
            assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
