"""Which failures are worth another try, and how long to wait before it.

Free calls (polls, uploads, downloads) are retried on :data:`RETRY_STATUSES`
and on transport failures; a create (paid work) only on 429 and on failures
before it was sent (the provider decides; see ``xai-video-api.md``). Waits
grow exponentially with full jitter, or follow ``Retry-After``.
"""

from __future__ import annotations

import email.utils
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from .._errors import ProviderError
from .httpclient import httpx

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
"""Answers to a free call worth another try (xAI's REST client retries these)."""
CREATE_RETRY_STATUSES = frozenset({429})
"""Answers to a create that say the work was refused before it began: safe to resend."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient failures are retried.

    Waits grow as ``base * 2**(attempt-1)`` up to ``cap``, each drawn uniformly
    from zero to that bound ("full jitter"); a ``Retry-After`` answer is
    waited for instead, up to ``retry_after_cap``.
    """

    base: float = 0.5
    cap: float = 15.0
    max_attempts: int = 10
    download_attempts: int = 4
    retry_after_cap: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (counted from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        return random.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))


class Retry(Exception):
    """An attempt failed in a way worth another try; ``error`` is raised when none are left."""

    def __init__(self, error: ProviderError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, from a number of seconds or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None
