"""Faults the stand-in makes on purpose, its counters and its request log.

:class:`Faults` checks every change before making it, so a fault set over
HTTP (``POST /_standin/faults``) or from the command line is refused whole
when any part of it is wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..subject_clips import SHOWINGS

OUTCOMES = ("done", "expired", "blocked", "moderated", "failed:<code>")
_FAILURE_CODES = frozenset(
    {
        "invalid_argument",
        "permission_denied",
        "failed_precondition",
        "service_unavailable",
        "internal_error",
    }
)


@dataclass
class Faults:
    """Trouble the stand-in makes on purpose; change any field while it runs.

    Counts are "every Nth", 0 meaning never, and each kind of request counts
    its own: creates (``POST /videos/generations``, ``/edits``, ``/extensions``),
    uploads and polls. A
    create that is both a 500 and a 429 is a 500. ``outcomes`` maps a prompt
    substring to outcomes consumed one per accepted submission whose prompt
    contains it (``done``, ``expired``, ``blocked`` (``respect_moderation``
    false), ``moderated`` (HTTP 400 on the poll) or ``failed:<code>``); a job
    is ``done`` once its list is used up. ``showings`` maps a prompt substring to
    what the clips of the next such jobs show, one per job (see
    :mod:`storyboard.testing.subject_clips`): ``animated``, ``still``,
    ``recoloured``, ``small`` or ``empty``, of the request's first reference
    image, or ``SHOWING:PATH`` of the picture at PATH (another person's face); a
    job's clip is the usual test picture once its list is used up.
    """

    create_429_every: int = 0
    """Refuse the create with 429 and ``Retry-After`` before accepting it."""
    create_500_every: int = 0
    """Answer the create with 500 before accepting it (the client cannot know)."""
    create_502_every: int = 0
    """Accept the create (a job exists and bills) and then answer 502."""
    upload_500_every: int = 0
    retry_after: float = 1.0
    poll_error_every: int = 0
    """Answer every Nth poll with 503, the next such one with 502, and so on."""
    truncate_first_download: bool = False
    request_latency: float = 0.0
    drop_create_response: bool = False
    create_answer_delay: float = 0.0
    """Accept the create, then wait this long before answering (a read timeout)."""
    honour_idempotency: bool = True
    """Answer a create whose ``Idempotency-Key`` was seen with the same job, not a new one."""
    uploads_unavailable: bool = False
    video_403_first: bool = False
    """The first download of each video answers 403, as an expired link does."""
    trickle_download: float = 0.0
    """Seconds to wait between 4 KiB pieces of a download."""
    oversize_download_mb: int = 0
    """Pad every video with this many MiB of zeros."""
    redirect_video_to_http: bool = False
    """Videos answer 302 to a plain-http address elsewhere."""
    huge_request_id: bool = False
    """Request ids of 100 000 characters."""
    huge_error_body: bool = False
    """Error messages of 1 MiB."""
    report_usage: bool = True
    """Finished, failed and moderated answers carry ``usage.cost_in_usd_ticks``."""
    error_shape: str = "object"
    """Which documented error body to answer with: ``object``, ``code`` or ``string``."""
    hold_jobs: bool = False
    """Every job stays pending while this is on, however long it has run: a test can
    keep a build busy for exactly as long as it needs to."""
    outcomes: dict[str, list[str]] = field(default_factory=dict)
    showings: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, changes: Mapping[str, object]) -> None:
        """Change some fields at once, after checking every one of them."""
        checked = {name: _checked_fault(name, value) for name, value in changes.items()}
        for name, value in checked.items():
            setattr(self, name, value)


FAULT_DEFAULTS: dict[str, object] = {
    spec.name: spec.default
    for spec in dataclasses.fields(Faults)
    if spec.name not in ("outcomes", "showings")
}
"""Every fault but the scripts (``outcomes``, ``showings``) with its default: the command
line has a flag for each."""


def _checked_fault(name: str, value: object) -> object:
    if name == "outcomes":
        return _checked_outcomes(value)
    if name == "showings":
        return _checked_showings(value)
    if name not in FAULT_DEFAULTS:
        raise ValueError(f"no such fault: {name}")
    kind = type(FAULT_DEFAULTS[name])
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not kind:
        raise ValueError(f"fault {name} must be a {kind.__name__}, not {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"fault {name} must not be negative")
    if name == "error_shape" and value not in ("object", "code", "string"):
        raise ValueError("fault error_shape must be object, code or string")
    return value


def _checked_outcomes(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError("fault outcomes must map prompt substrings to lists of outcomes")
    script: dict[str, list[str]] = {}
    for key, outcomes in value.items():
        if not isinstance(key, str) or not isinstance(outcomes, list):
            raise ValueError("fault outcomes must map prompt substrings to lists of outcomes")
        for outcome in outcomes:
            if not _is_outcome(outcome):
                raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
        script[key] = list(outcomes)
    return script


def _checked_showings(value: object) -> dict[str, list[str]]:
    shape = "fault showings must map prompt substrings to lists of SHOWING or SHOWING:PATH"
    if not isinstance(value, dict):
        raise ValueError(shape)
    script: dict[str, list[str]] = {}
    for key, showings in value.items():
        if not isinstance(key, str) or not isinstance(showings, list):
            raise ValueError(shape)
        for showing in showings:
            if not isinstance(showing, str) or showing.partition(":")[0] not in SHOWINGS:
                raise ValueError(f"unknown showing {showing!r}; use one of {', '.join(SHOWINGS)}")
        script[key] = list(showings)
    return script


def _is_outcome(outcome: object) -> bool:
    if outcome in ("done", "expired", "blocked", "moderated"):
        return True
    return isinstance(outcome, str) and outcome.removeprefix("failed:") in _FAILURE_CODES


@dataclass
class Counters:
    """What the stand-in has seen since it started (or was reset)."""

    generations_accepted: int = 0
    """Video jobs made: what the account is billed for."""
    images_accepted: int = 0
    """Image calls accepted (generations and edits), each billed."""
    creates: int = 0
    posts: int = 0
    polls: int = 0
    downloads: int = 0
    uploads: int = 0
    max_in_flight: int = 0
    """The most jobs accepted and not yet seen finished by a poll, at any one time."""
    max_sending_videos: int = 0
    """The most videos being sent to clients at any one time."""


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the stand-in saw it; the Authorization header is never kept.

    ``auth`` is ``correct``, ``wrong`` or ``absent``. ``body`` is the JSON
    body, or for an upload ``{"fields": [...], "bytes": N}``. ``status`` is
    None when the stand-in dropped the connection instead of answering.
    """

    method: str
    path: str
    auth: str
    status: int | None
    body: object = None
