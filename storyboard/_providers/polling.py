"""Waiting for a provider's job, and the tuning that governs the wait.

:func:`wait_for_job` knows nothing of HTTP: it asks ``provider.poll`` until
the job is no longer pending, first after about ``poll_interval`` seconds,
then backing off by half each time towards ``poll_max``, and gives up after
``job_timeout``. Each wait is drawn between :data:`JITTER` of its length and
all of it, so two hundred jobs sent together do not poll in lockstep. When the
API reports a job's progress, the backoff gives way to :func:`paced_wait`: the
next poll comes just after the moment the job should end at its pace so far, or,
when that is more than ``poll_max`` away, the waits split what is left evenly into
the fewest that fit within ``poll_max``. A finished job is seen at once, not up to
``poll_max`` later, and a job is not asked about while it plainly is not done. The pace
is taken between the first progress reported and the latest, so the time the job took
to start (its request on the wire, the API's queue), which the wait's clock cannot see,
does not make it look slower than it is. An answer without progress keeps the last
one's end; once that end has passed with the job still pending, it should end any
moment: the backoff starts again from its first wait. A provider that learns the
moment a job ends without being asked (one that renders it here) hands
:func:`wait_for_job` a future of that end: each wait is cut short by it, and the job
is polled at once.
:func:`settings_from_env` reads that tuning from the ``STORYBOARD_POLL_*``
and ``STORYBOARD_JOB_TIMEOUT`` variables (docs: cli.md).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from .._errors import JobTimeout, UsageError
from .base import JobState, Pending, Provider, ProviderSettings

BACKOFF = 1.5
"""Each wait between polls is this much longer than the one before, up to ``poll_max``."""
JITTER = 0.5
"""The shortest a wait may be drawn, as a fraction of its length."""
FINISH_MARGIN = 0.05
"""Seconds a poll waits past the moment a job's progress says it should end."""

ENVIRONMENT = {
    "poll_interval": "STORYBOARD_POLL_INTERVAL",
    "poll_max": "STORYBOARD_POLL_MAX",
    "job_timeout": "STORYBOARD_JOB_TIMEOUT",
}
"""Which variable sets which :class:`ProviderSettings` field."""


async def wait_for_job(
    poll: Provider | Callable[[str], Awaitable[JobState]],
    request_id: str,
    settings: ProviderSettings,
    on_progress: Callable[[int | None], None] | None = None,
    ended: asyncio.Future[Any] | None = None,
) -> JobState:
    """Poll until the job is not pending and return that state.

    ``poll`` is a provider (whose ``poll`` asks about its video jobs) or the function that
    asks about the job (an image job's, say).

    ``on_progress`` hears every pending poll's progress (None when the API
    gives none). ``ended``, when the provider has one, is done once the job has ended:
    the wait it cuts short is followed by a poll at once. Raises JobTimeout once
    ``job_timeout`` seconds have passed; the job itself is left alone, so a later run can
    resume it.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + settings.job_timeout
    waits = poll_waits(settings)
    ask = poll if callable(poll) else poll.poll
    end: float | None = None  # when the last reported progress says the job ends
    first: tuple[float, int] | None = None  # the first progress reported: (elapsed, percent)
    while True:
        wait = next(waits)  # drawn even when paced: the backoff counts every poll
        if end is not None and end > loop.time():
            wait = paced_wait(end - loop.time(), settings)
        elif end is not None:  # pending past its end: asked again soon, backing off anew
            waits, end = poll_waits(settings), None
            wait = next(waits)
        wait = max(0.0, min(wait, deadline - loop.time()))
        if ended is None:
            await asyncio.sleep(wait)
        else:
            await asyncio.wait((ended,), timeout=wait)
            if ended.done():
                ended = None  # heard once: should a poll still say pending, waits are slept
        state = await ask(request_id)
        if not isinstance(state, Pending):
            return state
        elapsed = loop.time() - started
        left = time_left(elapsed, state.progress, first)
        if left is not None and state.progress is not None:
            end = loop.time() + left
            first = first or (elapsed, state.progress)
        if on_progress is not None:
            on_progress(state.progress)
        if loop.time() >= deadline:
            raise JobTimeout(
                f"job {request_id} was still pending after {settings.job_timeout:g} s"
                " (STORYBOARD_JOB_TIMEOUT); it stays recorded and the next build resumes it"
            )


def time_left(
    elapsed: float, progress: int | None, since: tuple[float, int] | None = None
) -> float | None:
    """Seconds until a job ``progress`` percent done after ``elapsed`` seconds ends, if it
    keeps its pace; None when the API gave no usable progress. ``since``, an earlier
    report (elapsed, percent), gives the pace between the two instead of since the start."""
    if progress is None or not 0 < progress < 100:
        return None
    if since is not None and since[1] < progress:
        then, before = since
        return (elapsed - then) * (100 - progress) / (progress - before)
    return elapsed * (100 - progress) / progress


def paced_wait(left: float, settings: ProviderSettings) -> float:
    """The wait before the next poll of a job that should end in ``left`` seconds: just
    past that end, in steps of at most ``poll_max``, never shorter than the shortest
    first wait."""
    until_end = left + FINISH_MARGIN
    steps = math.ceil(until_end / settings.poll_max)
    return max(until_end / steps, settings.poll_interval * JITTER)


def poll_waits(
    settings: ProviderSettings, draw: Callable[[float, float], float] = random.uniform
) -> Iterator[float]:
    """The waits before each poll: backing off towards ``poll_max``, each drawn by
    ``draw`` between :data:`JITTER` of its length and all of it."""
    wait = settings.poll_interval
    while True:
        yield draw(wait * JITTER, wait)
        wait = min(wait * BACKOFF, settings.poll_max)


def settings_from_env(environ: Mapping[str, str] = os.environ) -> ProviderSettings:
    """ProviderSettings from the environment; unset or empty variables keep the defaults."""
    settings = ProviderSettings()
    for field_name, variable in ENVIRONMENT.items():
        value = environ.get(variable, "").strip()
        if value:
            setattr(settings, field_name, _seconds(variable, value))
    return settings


def _seconds(variable: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"{variable} must be a positive number of seconds, not {value!r}")
    return seconds
