"""Jobs are recorded before they are sent, those asked for within a few milliseconds
together."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from storyboard._jobrecords import RECORD_WINDOW, JobRecorder
from storyboard._store import NewJob, Store


def counted(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch ``store`` records."""
    batches: list[int] = []
    record_jobs = store.record_jobs

    def record(jobs: Sequence[NewJob]) -> list[int]:
        batches.append(len(jobs))
        return record_jobs(jobs)

    monkeypatch.setattr(store, "record_jobs", record)
    return batches


def test_a_wave_of_jobs_is_recorded_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def wave(recorder: JobRecorder) -> tuple[list[int], int]:
        first = await asyncio.gather(
            *(recorder.record(NewJob(f"k{n}", f"s{n}", "xai", 1)) for n in range(50))
        )
        alone = await recorder.record(NewJob("k50", "s50", "xai", 1))
        return first, alone

    with Store(tmp_path) as store:
        batches = counted(store, monkeypatch)
        ids, alone = asyncio.run(wave(JobRecorder(store)))
        assert batches == [50, 1]
        assert len(set(ids)) == 50 and alone not in ids
        for n, job_id in enumerate(ids):
            (job,) = store.open_jobs(f"k{n}", "xai")
            assert (job.id, job.scene_id, job.status) == (job_id, f"s{n}", "submitting")
            assert job.idempotency_key


def test_jobs_asked_for_during_a_burst_share_a_flush(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a wave's jobs end one or two at a time, the jobs taking their places: the
    first is flushed at once, those asked for in later turns soon after wait together."""

    async def trickle(recorder: JobRecorder) -> list[int]:
        async def after(turns: int) -> int:
            for _ in range(turns):
                await asyncio.sleep(0)
            return await recorder.record(NewJob(f"k{turns}", "s", "xai", 1))

        first = await recorder.record(NewJob("first", "s", "xai", 1))
        return [first, *await asyncio.gather(*(after(turns) for turns in range(5)))]

    with Store(tmp_path) as store:
        batches = counted(store, monkeypatch)
        ids = asyncio.run(trickle(JobRecorder(store, window=1.0, burst=600.0)))
        assert batches == [1, 5] and len(set(ids)) == 6


def test_a_job_after_a_quiet_spell_is_flushed_at_once(tmp_path: Path) -> None:
    """The next scene of a chain does not wait for company that will not come."""

    async def alone(recorder: JobRecorder) -> int:
        return await asyncio.wait_for(recorder.record(NewJob("k", "s", "xai", 1)), 10)

    with Store(tmp_path) as store:
        assert asyncio.run(alone(JobRecorder(store, window=600.0, burst=0.0))) == 1


def test_a_job_whose_build_stops_while_it_waits_is_recorded_unsent(tmp_path: Path) -> None:
    """Nothing was sent, so the next build need not treat it as possibly paid for."""

    async def stopped(recorder: JobRecorder) -> None:
        waiting = asyncio.create_task(recorder.record(NewJob("k", "s", "xai", 1)))
        await asyncio.sleep(0)  # it asked; the batch is written once the window closes
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.sleep(2 * RECORD_WINDOW)  # the loop runs the flush's timer first

    with Store(tmp_path) as store:
        asyncio.run(stopped(JobRecorder(store)))
        assert store.open_jobs("k", "xai") == []
        (status,) = store.conn.execute("SELECT status FROM jobs").fetchone()
        assert status == "unsent"


def test_a_failed_write_fails_every_job_of_its_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(jobs: Sequence[NewJob]) -> list[int]:
        raise sqlite3.OperationalError("disk I/O error")

    async def wave(recorder: JobRecorder) -> list[int | BaseException]:
        jobs = (recorder.record(NewJob(f"k{n}", "s", "xai", 1)) for n in range(3))
        return await asyncio.gather(*jobs, return_exceptions=True)

    with Store(tmp_path) as store:
        monkeypatch.setattr(store, "record_jobs", refuse)
        outcomes = asyncio.run(wave(JobRecorder(store)))
        assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in outcomes)
