"""The waits between polls: backing off, and spread so that jobs sent together do not
poll together."""

from __future__ import annotations

import itertools
import random

from storyboard._providers.base import ProviderSettings
from storyboard._providers.polling import BACKOFF, JITTER, poll_waits

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
