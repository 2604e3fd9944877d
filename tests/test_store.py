"""The sqlite cache: jobs, takes, selections, frames, uploads, the build lock."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from storyboard._errors import ProjectBusy
from storyboard._store import BuildLock, NewJob, Store


def test_jobs_are_recorded_before_submission_and_resumable(tmp_path: Path) -> None:
    store = Store(tmp_path)
    (job,) = store.record_jobs([NewJob("key-a", "breakfast", "xai", attempt=1)])
    assert [j.status for j in store.open_jobs("key-a", "xai")] == ["submitting"]
    store.update_job(job, status="submitted", request_id="req-1")
    reopened = Store(tmp_path)
    (open_job,) = reopened.open_jobs("key-a", "xai")
    assert (open_job.status, open_job.request_id) == ("submitted", "req-1")
    assert reopened.open_jobs("key-a", "preview") == []


def test_takes_are_numbered_and_finish_their_job(tmp_path: Path) -> None:
    store = Store(tmp_path)
    (job,) = store.record_jobs([NewJob("k", "s", "xai", 1)])
    first = store.add_take("k", "s", "xai", "clip1", 0.3, job)
    second = store.add_take("k", "s", "xai", "clip2", 0.25, None)
    assert (first.take, second.take) == (1, 2)
    assert [t.clip for t in store.takes("k")] == ["clip1", "clip2"]
    assert store.open_jobs("k", "xai") == []
    assert store.spent_usd() == pytest.approx(0.3)


def _add_takes(folder: str, count: int) -> None:
    store = Store(Path(folder))
    for index in range(count):
        store.add_take("shared", "s", "xai", f"clip-{index}", 0.0, None)


@pytest.mark.slow
def test_take_numbers_never_collide_across_processes(tmp_path: Path) -> None:
    Store(tmp_path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_takes, args=(str(tmp_path), 20)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    numbers = [t.take for t in Store(tmp_path).takes("shared")]
    assert sorted(numbers) == list(range(1, 61))
    assert sqlite3.connect(tmp_path / "cache.db").execute("PRAGMA integrity_check").fetchone() == (
        "ok",
    )


def test_selection_is_remembered_per_key(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.selection("k") is None
    store.select("k", 2)
    store.select("k", 1)
    assert store.selection("k") == 1


def test_adopted_clips_are_content_addressed(tmp_path: Path) -> None:
    store = Store(tmp_path)
    download = store.download_path(7)
    download.write_bytes(b"not really a video")
    clip = store.adopt_clip(download)
    assert store.clip_path(clip).read_bytes() == b"not really a video"
    assert not download.exists()
    again = store.download_path(8)
    again.write_bytes(b"not really a video")
    assert store.adopt_clip(again) == clip


def test_frames_are_extracted_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    calls: list[Path] = []

    def extract(clip: Path, destination: Path) -> None:
        calls.append(clip)
        destination.write_bytes(b"png bytes")

    first = store.frame_of("abc", extract)
    second = store.frame_of("abc", extract)
    assert first == second and len(calls) == 1
    assert store.frame_path(first).read_bytes() == b"png bytes"


def test_uploads_expire(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("sha", "http://api", "file_1", time.time() + 86400)
    store.put("old", "http://api", "file_2", time.time() - 60)
    assert store.get("sha", "http://api") == "file_1"
    assert store.get("sha", "http://other") is None
    assert store.get("old", "http://api") is None  # expired


def test_a_second_build_lock_refuses_or_waits(tmp_path: Path) -> None:
    first = BuildLock(tmp_path)
    first.acquire(wait=False)
    with pytest.raises(ProjectBusy, match="another build is running"):
        BuildLock(tmp_path).acquire(wait=False)
    first.release()
    second = BuildLock(tmp_path)
    second.acquire(wait=False)
    second.release()
