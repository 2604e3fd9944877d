"""The waits between polls: backing off, and spread so that jobs sent together do not
poll together."""

from __future__ import annotations

import asyncio
import itertools
import math
import random

import pytest

from storyboard._providers.base import Done, JobState, Pending, ProviderSettings
from storyboard._providers.polling import (
    BACKOFF,
    FINISH_MARGIN,
    JITTER,
    paced_wait,
    poll_waits,
    time_left,
    wait_for_job,
)

SETTINGS = ProviderSettings(poll_interval=2.0, poll_max=15.0)


def bounds(count: int) -> list[float]:
    """The longest each of the first ``count`` waits may be."""
    wait, found = SETTINGS.poll_interval, []
    for _ in range(count):
        found.append(wait)
        wait = min(wait * BACKOFF, SETTINGS.poll_max)
    return found


def test_waits_back_off_to_the_maximum_within_their_jitter() -> None:
    waits = list(itertools.islice(poll_waits(SETTINGS), 12))
    for wait, longest in zip(waits, bounds(12), strict=True):
        assert longest * JITTER <= wait <= longest
    assert bounds(12)[-1] == SETTINGS.poll_max


def test_two_hundred_jobs_do_not_poll_in_lockstep() -> None:
    draw = random.Random(14).uniform
    first_polls = {round(next(poll_waits(SETTINGS, draw)), 3) for _ in range(200)}
    assert len(first_polls) > 150
    assert max(first_polls) - min(first_polls) > SETTINGS.poll_interval * JITTER * 0.8


def test_time_left_follows_the_pace_of_the_progress() -> None:
    assert time_left(3.0, 75) == pytest.approx(1.0)
    assert time_left(1.0, 10) == pytest.approx(9.0)
    assert time_left(1.0, None) is None
    assert time_left(1.0, 0) is None
    assert time_left(1.0, 100) is None


def test_the_pace_is_taken_between_two_reports_when_there_are_two() -> None:
    # 10 % at 1 s, 60 % at 2 s: the job started late and runs at 50 % a second.
    assert time_left(2.0, 60, since=(1.0, 10)) == pytest.approx(0.8)
    assert time_left(2.0, 60, since=(1.0, 60)) == pytest.approx(2.0 * 40 / 60)


def waits_while(progress: list[int | None], monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits :func:`wait_for_job` asks for while the job reports ``progress`` (one
    poll each), then is done. The waits are recorded, not slept: the loop's clock moves
    on by each of them."""
    waits: list[float] = []
    states: list[JobState] = [Pending(p) for p in progress]
    answers = iter([*states, Done(video_url="https://x/v.mp4")])
    clock = [0.0]

    async def record(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    async def ask(request_id: str) -> JobState:
        return next(answers)

    async def wait() -> None:
        monkeypatch.setattr(asyncio.get_running_loop(), "time", lambda: clock[0])
        await wait_for_job(ask, "job", SETTINGS)

    monkeypatch.setattr(asyncio, "sleep", record)
    asyncio.run(wait())
    return waits


def test_a_job_nearly_done_by_its_progress_is_polled_again_soon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 90 % after the first wait: what is left is shorter than the shortest first wait,
    # which it waits, instead of a backed-off wait.
    waits = waits_while([90], monkeypatch)
    assert waits[1] == pytest.approx(SETTINGS.poll_interval * JITTER)
    assert waits_while([None], monkeypatch)[1] >= bounds(2)[1] * JITTER


def test_a_job_far_from_done_waits_for_its_end_in_steps_of_at_most_poll_max(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10 % after the first wait: 9 such waits are left, more than the backoff's next
    # wait and maybe more than poll_max, so they are split evenly within it.
    waits = waits_while([10], monkeypatch)
    until_end = 9 * waits[0] + FINISH_MARGIN
    steps = math.ceil(until_end / SETTINGS.poll_max)
    assert waits[1] == pytest.approx(until_end / steps)
    assert bounds(2)[1] < waits[1] <= SETTINGS.poll_max


def test_paced_waits_end_just_after_the_predicted_end() -> None:
    assert paced_wait(29.95, SETTINGS) == pytest.approx(15.0)
    assert paced_wait(31.0, SETTINGS) == pytest.approx(31.05 / 3)
    assert paced_wait(4.0, SETTINGS) == pytest.approx(4.0 + FINISH_MARGIN)
    assert paced_wait(0.01, SETTINGS) == SETTINGS.poll_interval * JITTER


def test_a_job_without_progress_keeps_the_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    waits = waits_while([None, None, None], monkeypatch)
    for wait, longest in zip(waits, bounds(4), strict=True):
        assert longest * JITTER <= wait <= longest


def test_an_answer_without_progress_keeps_the_last_predicted_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The API gives progress on some answers only: the end the last one foretold still
    # holds, so the wait after an answer without progress is paced towards it too.
    waits = waits_while([5, None], monkeypatch)
    left_after_second_wait = 19 * waits[0] - waits[1]
    assert waits[2] == pytest.approx(paced_wait(left_after_second_wait, SETTINGS))
    assert waits[2] > bounds(3)[2]


def test_the_pace_of_a_job_that_started_late_comes_from_its_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits = waits_while([10, 60], monkeypatch)
    second_report = waits[0] + waits[1]
    left = (second_report - waits[0]) * 40 / 50
    assert waits[2] == pytest.approx(paced_wait(left, SETTINGS))


def test_a_job_pending_past_its_predicted_end_is_asked_again_soon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 90 % after the first wait: polled again after the shortest wait, past its end; still
    # pending there, the backoff starts again (not at its third wait), then goes on.
    waits = waits_while([90, None, None], monkeypatch)
    assert waits[1] == pytest.approx(SETTINGS.poll_interval * JITTER)
    assert bounds(1)[0] * JITTER <= waits[2] <= bounds(1)[0]
    assert bounds(2)[1] * JITTER <= waits[3] <= bounds(2)[1]


HOURLY = ProviderSettings(poll_interval=3600.0, poll_max=3600.0, job_timeout=7200.0)
"""Waits so long that only a job's end heard from its provider can cut one short."""


def test_a_job_whose_end_is_heard_is_polled_at_once() -> None:
    polls: list[bool] = []

    async def wait() -> JobState:
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()

        async def ask(request_id: str) -> JobState:
            polls.append(ended.done())
            return Done(video_url="https://x/v.mp4") if ended.done() else Pending(10)

        loop.call_soon(ended.set_result, None)
        return await asyncio.wait_for(wait_for_job(ask, "job", HOURLY, ended=ended), 60)

    assert isinstance(asyncio.run(wait()), Done)
    assert polls == [True], "one poll, once the job had ended"


def test_a_job_still_pending_after_its_end_was_heard_waits_as_any_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    answers = iter([Pending(None), Done(video_url="https://x/v.mp4")])

    async def record(seconds: float) -> None:
        slept.append(seconds)

    async def ask(request_id: str) -> JobState:
        return next(answers)

    async def wait() -> JobState:
        ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ended.set_result(None)
        return await wait_for_job(ask, "job", SETTINGS, ended=ended)

    monkeypatch.setattr(asyncio, "sleep", record)
    assert isinstance(asyncio.run(wait()), Done)
    assert len(slept) == 1, "the second poll waited its turn: no busy loop"
