"""A local stand-in for xAI's video API: a real HTTP server on 127.0.0.1.

It follows the documented protocol (docs: ``xai-video-api.md``) closely
enough that the real client runs against it unchanged:

- ``POST /v1/videos/generations`` validates the body like the real API and
  answers ``{"request_id"}``;
- ``GET /v1/videos/{id}`` answers 202 (alternately empty and
  ``{"status": "pending", "progress"}``) for ``latency`` seconds, then 200
  with ``done`` / ``failed`` / ``expired`` / blocked;
- ``POST /v1/files`` takes a multipart upload (``expires_after`` before
  ``file``);
- the video URL points back at the stand-in, which serves a real MP4 made
  by ffmpeg with the requested duration and aspect ratio.

Faults (:class:`Faults`) can be switched on and off while it runs; counters
and a request log (without the Authorization header) show what happened.
Both are also served over HTTP for builds running in another process::

    GET  /_standin/stats     counters, faults and the request log
    GET  /_standin/faults    the faults now
    POST /_standin/faults    change some faults: {"post_500_every": 3, ...}
    POST /_standin/reset     zero the counters and clear the log

In a test::

    with XaiStandin(key="test-key", latency=0.2, faults=Faults(post_500_every=3)) as api:
        provider = XaiProvider("test-key", base_url=api.base_url)
        ...
        assert api.counters.generations_accepted == 1

As a process (prints its base URL as the first line, serves until killed)::

    python -m storyboard.testing.xai_standin --port 0 --key KEY --latency 2 --post-500-every 3
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import email.parser
import email.policy
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import httpx

from ..limits import ASPECT_RATIOS, MODELS, RESOLUTION_HEIGHTS, frame_size
from ..media import run_ffmpeg
from ..providers.base import Mode

API_PREFIX = "/v1"
GENERATION_FIELDS = frozenset(
    {"model", "prompt", "reference_images", "image", "duration", "aspect_ratio", "resolution"}
)
MAX_REQUEST_BYTES = 50 * 1024 * 1024 + 64 * 1024
"""The largest body read: a 50 MB file plus its multipart framing."""
EXPIRES_AFTER_RANGE = (3600, 2_592_000)
DEFAULT_FILE_LIFETIME = 2_592_000
USD_TICKS_PER_SECOND = int(0.05 * 1e10)
SMALL_SHORT_SIDE = 144
SHARED_CLIP_DIR = Path(tempfile.gettempdir()) / "storyboard-xai-standin-clips"
"""Where the stand-in run as a process keeps its clips: shared, reused, never removed,
so a killed stand-in leaves nothing new behind and later runs skip making clips."""
"""The shorter side of the stand-in's clips unless ``full_size`` asks for the real size."""

OUTCOMES = ("done", "expired", "blocked", "failed:<code>")
_FAILURE_CODES = frozenset(
    {
        "invalid_argument",
        "permission_denied",
        "failed_precondition",
        "service_unavailable",
        "internal_error",
    }
)
_DATA_URI = re.compile(r"data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+")
_POLL_PATH = re.compile(r"/v1/videos/(?P<id>[^/]+)")
_VIDEO_PATH = re.compile(r"/_standin/videos/(?P<id>[^/]+)\.mp4")


@dataclass
class Faults:
    """Trouble the stand-in makes on purpose; change any field while it runs.

    Counts are "every Nth", 0 meaning never. POST faults count generations
    and file uploads together; a POST that is both a 500 and a 429 is a 500.
    ``outcomes`` maps a prompt substring to outcomes consumed one per
    accepted submission whose prompt contains it (``done``, ``expired``,
    ``blocked`` or ``failed:<code>``); a job is ``done`` once its list is used up.
    """

    post_500_every: int = 0
    post_429_every: int = 0
    retry_after: float = 1.0
    poll_503_every: int = 0
    truncate_first_download: bool = False
    request_latency: float = 0.0
    drop_create_response: bool = False
    uploads_unavailable: bool = False
    error_shape: str = "object"
    """Which documented error body to answer with: ``object``, ``code`` or ``string``."""
    outcomes: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, changes: Mapping[str, object]) -> None:
        """Change some fields at once, after checking every one of them."""
        checked = {name: _checked_fault(name, value) for name, value in changes.items()}
        for name, value in checked.items():
            setattr(self, name, value)


_FAULT_DEFAULTS: dict[str, object] = {
    spec.name: spec.default for spec in dataclasses.fields(Faults) if spec.name != "outcomes"
}


def _checked_fault(name: str, value: object) -> object:
    if name == "outcomes":
        return _checked_outcomes(value)
    if name not in _FAULT_DEFAULTS:
        raise ValueError(f"no such fault: {name}")
    kind = type(_FAULT_DEFAULTS[name])
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


def _is_outcome(outcome: object) -> bool:
    if outcome in ("done", "expired", "blocked"):
        return True
    return isinstance(outcome, str) and outcome.removeprefix("failed:") in _FAILURE_CODES


@dataclass
class Counters:
    """What the stand-in has seen since it started (or was reset)."""

    generations_accepted: int = 0
    posts: int = 0
    polls: int = 0
    downloads: int = 0
    uploads: int = 0


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


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    """Close the connection without answering."""
    cut_at: int | None = None
    """Announce the whole body but send only this many bytes, then close."""


class _Refusal(Exception):
    """A request the API refuses: HTTP status, message, error code."""

    def __init__(self, status: int, message: str, code: str = "invalid_argument") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class _Job:
    id: str
    model: str
    duration: int
    aspect_ratio: str
    resolution: str
    outcome: str
    started: float
    variant: str = ""
    """A digest of the request: like a real model, a different request gives a different clip."""
    polls: int = 0
    downloads: int = 0


@dataclass(frozen=True)
class _StoredFile:
    size: int
    expires_at: float


class ClipMaker:
    """Real MP4 clips (testsrc2 picture tinted by the request, silent AAC), made once each."""

    def __init__(self, folder: Path, full_size: bool = False) -> None:
        self.folder = folder
        self.full_size = full_size
        self._lock = threading.Lock()
        self._locks: dict[Path, threading.Lock] = {}

    def size(self, aspect_ratio: str, resolution: str) -> tuple[int, int]:
        width, height = frame_size(aspect_ratio, resolution)
        if self.full_size:
            return width, height
        scale = SMALL_SHORT_SIDE / min(width, height)
        return _even(width * scale), _even(height * scale)

    def clip(self, duration: int, aspect_ratio: str, resolution: str, variant: str = "") -> Path:
        width, height = self.size(aspect_ratio, resolution)
        path = self.folder / f"testsrc-{duration}s-{width}x{height}-{variant or 'plain'}.mp4"
        with self._lock:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:
            if not path.exists():
                self._make(path, duration, width, height, int(variant or "0", 16) % 360)
        return path

    def _make(self, path: Path, duration: int, width: int, height: int, hue: int) -> None:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.mp4")
        try:
            run_ffmpeg(
                [
                    *("-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24,hue=h={hue}"),
                    *("-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"),
                    *("-t", str(duration), "-map", "0:v", "-map", "1:a"),
                    *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
                    *("-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"),
                    os.fspath(temporary),
                ],
                what="make a stand-in clip",
            )
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


class _FakeApi:
    """The API's behaviour, apart from sockets: a request in, a reply out."""

    def __init__(self, key: str, latency: float, faults: Faults, clips: ClipMaker) -> None:
        self._key = key
        self.latency = latency
        self.faults = faults
        self.clips = clips
        self.counters = Counters()
        self.log: list[LoggedRequest] = []
        self.video_origin = ""
        self._jobs: dict[str, _Job] = {}
        self._files: dict[str, _StoredFile] = {}
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Message, body: bytes | None) -> _Reply:
        """Answer one request; ``body`` is None when it is over 50 MB (and was not read)."""
        if body is None:
            return self._error(_Refusal(413, "requests are limited to 50 MB", "too_large"))
        if path.startswith("/_standin/") and not _VIDEO_PATH.fullmatch(path):
            return self._control(method, path, body)
        time.sleep(self.faults.request_latency)
        auth = self._auth_status(headers.get("Authorization"))
        reply = self._route(method, path, headers, body, auth)
        status = None if reply.drop else reply.status
        entry = LoggedRequest(method, path, auth, status, _logged_body(headers, body))
        with self._lock:
            self.log.append(entry)
        return reply

    def stats(self) -> dict[str, object]:
        with self._lock:
            return {
                "counters": asdict(self.counters),
                "faults": asdict(self.faults),
                "requests": [asdict(entry) for entry in self.log],
            }

    def reset(self) -> None:
        with self._lock:
            self.counters = Counters()
            self.log.clear()

    def _auth_status(self, header: str | None) -> str:
        if header is None:
            return "absent"
        return "correct" if secrets.compare_digest(header, f"Bearer {self._key}") else "wrong"

    def _route(self, method: str, path: str, headers: Message, body: bytes, auth: str) -> _Reply:
        if method == "POST" and path == f"{API_PREFIX}/videos/generations":
            return self._post(auth, lambda: self._create(body))
        if method == "POST" and path == f"{API_PREFIX}/files":
            return self._post(auth, lambda: self._upload(headers, body))
        poll = _POLL_PATH.fullmatch(path)
        if method == "GET" and poll:
            return self._poll(poll["id"], auth)
        video = _VIDEO_PATH.fullmatch(path)
        if method == "GET" and video:
            return self._download(video["id"])
        return self._error(_Refusal(404, f"no such endpoint: {method} {path}", "not_found"))

    def _post(self, auth: str, answer: Callable[[], _Reply]) -> _Reply:
        with self._lock:
            self.counters.posts += 1
            number = self.counters.posts
        if _every(number, self.faults.post_500_every):
            return self._error(_Refusal(500, "the stand-in failed on purpose", "internal_error"))
        if _every(number, self.faults.post_429_every):
            reply = self._error(_Refusal(429, "too many requests", "rate_limited"))
            reply.headers["Retry-After"] = f"{self.faults.retry_after:g}"
            return reply
        try:
            self._authorise(auth)
            return answer()
        except _Refusal as refusal:
            return self._error(refusal)

    def _authorise(self, auth: str) -> None:
        if auth != "correct":
            raise _Refusal(401, "Incorrect API key provided", "invalid_api_key")

    def _create(self, body: bytes) -> _Reply:
        request = _json_object(body)
        self._validate_generation(request)
        job = _Job(
            id=secrets.token_hex(12),
            model=str(request["model"]),
            duration=cast(int, request.get("duration", 8)),
            aspect_ratio=str(request.get("aspect_ratio", "16:9")),
            resolution=str(request.get("resolution", "480p")),
            outcome=self._next_outcome(str(request.get("prompt", ""))),
            started=time.monotonic(),
            variant=hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:12],
        )
        with self._lock:
            self._jobs[job.id] = job
            self.counters.generations_accepted += 1
        # Render while the job "runs", so the download is only a transfer, as with the real API.
        shape = (job.duration, job.aspect_ratio, job.resolution, job.variant)
        threading.Thread(target=self.clips.clip, args=shape, daemon=True).start()
        if self.faults.drop_create_response:
            return _Reply(200, drop=True)
        return _json_reply(200, {"request_id": job.id})

    def _validate_generation(self, request: dict[str, Any]) -> None:
        unknown = sorted(set(request) - GENERATION_FIELDS)
        if unknown:
            raise _Refusal(400, f"Argument not supported: {', '.join(unknown)}")
        model = request.get("model")
        if not isinstance(model, str):
            raise _Refusal(400, "model is required")
        if model not in MODELS:
            raise _Refusal(404, f"The model {model} does not exist", "model_not_found")
        if "reference_images" in request and "image" in request:
            raise _Refusal(400, "reference_images and image cannot be used together")
        mode = _mode_of(request)
        self._validate_images(request, mode)
        prompt = request.get("prompt")
        if mode != "image" and (not isinstance(prompt, str) or not prompt.strip()):
            raise _Refusal(400, "prompt is required")
        if prompt is not None and not isinstance(prompt, str):
            raise _Refusal(400, "prompt must be a string")
        _validate_shape(request, model, mode)

    def _validate_images(self, request: dict[str, Any], mode: Mode) -> None:
        if mode == "image":
            self._validate_image_entry(request["image"], "image")
        if mode != "reference":
            return
        references = request["reference_images"]
        if not isinstance(references, list) or not references:
            raise _Refusal(400, "reference_images must be a non-empty list")
        if len(references) > 7:
            raise _Refusal(400, "at most 7 reference_images are allowed")
        for index, entry in enumerate(references):
            self._validate_image_entry(entry, f"reference_images[{index}]")

    def _validate_image_entry(self, entry: object, where: str) -> None:
        if not isinstance(entry, dict) or len(entry) != 1 or not {"url", "file_id"} & set(entry):
            raise _Refusal(400, f"{where} must have exactly one of url and file_id")
        if "file_id" in entry:
            stored = (
                self._files.get(entry["file_id"]) if isinstance(entry["file_id"], str) else None
            )
            if stored is None or stored.expires_at < time.time():
                raise _Refusal(400, f"{where}: file {entry['file_id']!r} not found")
            return
        url = entry["url"]
        if not isinstance(url, str) or not (url.startswith("https://") or _DATA_URI.fullmatch(url)):
            raise _Refusal(400, f"{where}.url must be https or a PNG, JPEG or WebP data URI")

    def _next_outcome(self, prompt: str) -> str:
        with self._lock:
            for substring, outcomes in self.faults.outcomes.items():
                if substring in prompt and outcomes:
                    return outcomes.pop(0)
        return "done"

    def _poll(self, request_id: str, auth: str) -> _Reply:
        with self._lock:
            self.counters.polls += 1
            number = self.counters.polls
            job = self._jobs.get(request_id)
        if _every(number, self.faults.poll_503_every):
            return self._error(_Refusal(503, "service unavailable", "service_unavailable"))
        try:
            self._authorise(auth)
        except _Refusal as refusal:
            return self._error(refusal)
        if job is None:
            return self._error(_Refusal(404, f"no such request: {request_id}", "not_found"))
        elapsed = time.monotonic() - job.started
        if elapsed < self.latency:
            return _pending_reply(job, elapsed / self.latency)
        return _json_reply(200, self._finished_body(job))

    def _finished_body(self, job: _Job) -> dict[str, object]:
        if job.outcome == "expired":
            return {"status": "expired"}
        if job.outcome.startswith("failed:"):
            code = job.outcome.removeprefix("failed:")
            message = f"the stand-in was told to fail this job ({code})"
            return {"status": "failed", "error": {"code": code, "message": message}}
        blocked = job.outcome == "blocked"
        url = "" if blocked else f"{self.video_origin}/_standin/videos/{job.id}.mp4"
        return {
            "status": "done",
            "video": {"url": url, "duration": job.duration, "respect_moderation": not blocked},
            "model": job.model,
            "usage": {"cost_in_usd_ticks": job.duration * USD_TICKS_PER_SECOND},
        }

    def _download(self, request_id: str) -> _Reply:
        with self._lock:
            self.counters.downloads += 1
            job = self._jobs.get(request_id)
            finished = job is not None and time.monotonic() - job.started >= self.latency
            if job is None or not finished or job.outcome != "done":
                return self._error(_Refusal(404, "no such video", "not_found"))
            job.downloads += 1
            first = job.downloads == 1
        content = self.clips.clip(
            job.duration, job.aspect_ratio, job.resolution, job.variant
        ).read_bytes()
        cut_at = len(content) // 2 if first and self.faults.truncate_first_download else None
        return _Reply(200, content, content_type="video/mp4", cut_at=cut_at)

    def _upload(self, headers: Message, body: bytes) -> _Reply:
        if self.faults.uploads_unavailable:
            raise _Refusal(404, "Not Found", "not_found")
        parts = {part.name: part for part in _multipart_fields(headers, body)}
        names = list(parts)
        if "file" not in parts:
            raise _Refusal(400, "the file field is missing")
        if "expires_after" in parts and names.index("expires_after") > names.index("file"):
            raise _Refusal(400, "expires_after must come before file")
        lifetime = _expires_after(parts.get("expires_after"))
        stored = _StoredFile(size=len(parts["file"].content), expires_at=time.time() + lifetime)
        file_id = f"file_{secrets.token_hex(12)}"
        with self._lock:
            self._files[file_id] = stored
            self.counters.uploads += 1
        return _json_reply(
            200,
            {
                "id": file_id,
                "object": "file",
                "bytes": stored.size,
                "created_at": int(time.time()),
                "expires_at": int(stored.expires_at),
                "filename": parts["file"].filename or "upload",
            },
        )

    def _error(self, refusal: _Refusal) -> _Reply:
        body: dict[str, object]
        if self.faults.error_shape == "code":
            body = {"code": refusal.code, "error": refusal.message}
        elif self.faults.error_shape == "string":
            body = {"error": refusal.message}
        else:
            error = {"message": refusal.message, "type": "invalid_request_error"}
            body = {"error": {**error, "code": refusal.code}}
        return _json_reply(refusal.status, body)

    def _control(self, method: str, path: str, body: bytes) -> _Reply:
        if method == "GET" and path == "/_standin/stats":
            return _json_reply(200, self.stats())
        if method == "GET" and path == "/_standin/faults":
            return _json_reply(200, asdict(self.faults))
        if method == "POST" and path == "/_standin/faults":
            try:
                self.faults.apply(_json_object(body))
            except (ValueError, _Refusal) as problem:
                return _json_reply(400, {"error": str(problem)})
            return _json_reply(200, asdict(self.faults))
        if method == "POST" and path == "/_standin/reset":
            self.reset()
            return _json_reply(200, {"reset": True})
        return _json_reply(404, {"error": f"no such control endpoint: {method} {path}"})


def _every(number: int, period: int) -> bool:
    return period > 0 and number % period == 0


def _mode_of(request: Mapping[str, object]) -> Mode:
    if "reference_images" in request:
        return "reference"
    return "image" if "image" in request else "text"


def _validate_shape(request: Mapping[str, object], model: str, mode: Mode) -> None:
    limits = MODELS[model].modes.get(mode)
    if limits is None:
        raise _Refusal(400, f"{model} does not support {mode}-to-video")
    duration = request.get("duration", 8)
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise _Refusal(400, "duration must be an integer number of seconds")
    if not limits.min_duration <= duration <= limits.max_duration:
        raise _Refusal(
            422, f"duration must be {limits.min_duration}..{limits.max_duration} s for {mode}"
        )
    if request.get("aspect_ratio", "16:9") not in ASPECT_RATIOS:
        raise _Refusal(422, f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}")
    resolution = request.get("resolution", "480p")
    if resolution not in RESOLUTION_HEIGHTS or resolution not in limits.resolutions:
        raise _Refusal(422, f"resolution must be one of {', '.join(limits.resolutions)}")


def _pending_reply(job: _Job, fraction: float) -> _Reply:
    job.polls += 1
    if job.polls % 2:
        return _Reply(202, content_type="")
    return _json_reply(202, {"status": "pending", "progress": min(99, int(fraction * 100))})


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"null")
    except ValueError as problem:
        raise _Refusal(400, f"the body is not JSON: {problem}") from problem
    if not isinstance(value, dict):
        raise _Refusal(400, "the body must be a JSON object")
    return value


def _json_reply(status: int, payload: object) -> _Reply:
    return _Reply(status, json.dumps(payload).encode())


@dataclass(frozen=True)
class _Part:
    name: str
    filename: str | None
    content: bytes


def _multipart_fields(headers: Message, body: bytes) -> list[_Part]:
    """The parts of a multipart/form-data body, in order."""
    content_type = headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data"):
        raise _Refusal(415, "uploads must be multipart/form-data", "unsupported_media_type")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        raise _Refusal(400, "the multipart body cannot be read")
    parts: list[_Part] = []
    for part in message.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(content, bytes):
            parts.append(_Part(name, part.get_filename(), content))
    return parts


def _expires_after(part: _Part | None) -> int:
    if part is None:
        return DEFAULT_FILE_LIFETIME
    try:
        seconds = int(part.content)
    except ValueError as problem:
        raise _Refusal(400, "expires_after must be a whole number of seconds") from problem
    low, high = EXPIRES_AFTER_RANGE
    if not low <= seconds <= high:
        raise _Refusal(400, f"expires_after must be {low}..{high} seconds")
    return seconds


def _logged_body(headers: Message, body: bytes) -> object:
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        try:
            return json.loads(body)
        except ValueError:
            return None
    if content_type.startswith("multipart/form-data"):
        try:
            names = [part.name for part in _multipart_fields(headers, body)]
        except _Refusal:
            names = []
        return {"fields": names, "bytes": len(body)}
    return None


class _Handler(BaseHTTPRequestHandler):
    """HTTP plumbing: read the request, ask the fake API, write its reply."""

    protocol_version = "HTTP/1.1"
    timeout = 60

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request log is kept by the fake API."""

    def _serve(self, method: str) -> None:
        api = cast(_Server, self.server).api
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length <= MAX_REQUEST_BYTES else None
        if body is None:
            self.close_connection = True
        self._send(api.handle(method, urlsplit(self.path).path, self.headers, body))

    def _send(self, reply: _Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.cut_at is None:
            self.wfile.write(reply.body)
            return
        self.wfile.write(reply.body[: reply.cut_at])
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: _FakeApi) -> None:
        super().__init__(address, _Handler)
        self.api = api

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer is expected here; stay quiet."""


class XaiStandin:
    """The stand-in, running in a daemon thread of this process."""

    def __init__(
        self,
        key: str = "test-key",
        latency: float = 0.2,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        full_size: bool = False,
        clip_dir: Path | None = None,
        video_host: str | None = None,
    ) -> None:
        """``latency`` is how long each job runs; ``clip_dir`` keeps clips across stand-ins.

        ``video_host`` names the host in video URLs (default: ``host``), so a
        test can serve videos from an origin other than the API's.
        """
        self._own_clip_dir = clip_dir is None
        folder = clip_dir or Path(tempfile.mkdtemp(prefix="xai-standin-clips-"))
        folder.mkdir(parents=True, exist_ok=True)
        self._api = _FakeApi(key, latency, faults or Faults(), ClipMaker(folder, full_size))
        self._server = _Server((host, port), self._api)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="xai-standin", daemon=True
        )
        self.origin = f"http://{host}:{self._server.server_address[1]}"
        self._api.video_origin = f"http://{video_host or host}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """The API root to give the client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return self.origin + API_PREFIX

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def faults(self) -> Faults:
        """The live faults: change their fields, or assign a new :class:`Faults`."""
        return self._api.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._api.faults = faults

    @property
    def counters(self) -> Counters:
        """A snapshot of the counters."""
        return dataclasses.replace(self._api.counters)

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the request log."""
        return list(self._api.log)

    def stats(self) -> dict[str, object]:
        """What ``GET /_standin/stats`` answers: counters, faults, request log."""
        return self._api.stats()

    def reset(self) -> None:
        self._api.reset()

    def start(self) -> XaiStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._own_clip_dir:
            shutil.rmtree(self._api.clips.folder, ignore_errors=True)

    def __enter__(self) -> XaiStandin:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class StandinProcess:
    """The stand-in as a child process, for builds and benchmarks run in a subprocess.

    ``StandinProcess(key="k", latency=2, args=["--post-500-every", "3"])``;
    the key goes to the child through its environment, not its command line.
    """

    def __init__(
        self, key: str = "test-key", latency: float = 0.2, args: list[str] | None = None
    ) -> None:
        command = [sys.executable, "-m", "storyboard.testing.xai_standin"]
        command += ["--port", "0", "--latency", f"{latency:g}", *(args or [])]
        environment = {**os.environ, "XAI_API_KEY": key}
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env=environment
        )
        assert self._process.stdout is not None
        first_line = self._process.stdout.readline().strip()
        if not first_line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the stand-in did not start (it printed {first_line!r})")
        self.base_url = first_line
        self.origin = first_line.removesuffix(API_PREFIX)

    def stats(self) -> dict[str, Any]:
        return cast(dict[str, Any], httpx.get(f"{self.origin}/_standin/stats").json())

    def counters(self) -> Counters:
        return Counters(**self.stats()["counters"])

    def set_faults(self, **changes: object) -> None:
        response = httpx.post(f"{self.origin}/_standin/faults", json=changes)
        response.raise_for_status()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()

    def __enter__(self) -> StandinProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m storyboard.testing.xai_standin",
        description="Serve a stand-in for xAI's video API; print its base URL, then serve.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--key", default=os.environ.get("XAI_API_KEY", "test-key"), help="default: $XAI_API_KEY"
    )
    parser.add_argument("--latency", type=float, default=0.2, help="seconds each job runs")
    parser.add_argument("--full-size", action="store_true", help="clips at their true size")
    parser.add_argument(
        "--clip-dir",
        type=Path,
        default=SHARED_CLIP_DIR,
        help="where generated clips are kept between runs (default: %(default)s)",
    )
    for name, default in _FAULT_DEFAULTS.items():
        option = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(option, action="store_true")
        else:
            parser.add_argument(option, type=type(default), default=default)
    parser.add_argument(
        "--outcome",
        action="append",
        default=[],
        metavar="SUBSTRING=OUTCOME,...",
        help="outcomes for prompts containing SUBSTRING: done, expired, blocked, failed:CODE",
    )
    return parser


def _faults_from(args: argparse.Namespace) -> Faults:
    faults = Faults()
    changes: dict[str, object] = {name: getattr(args, name) for name in _FAULT_DEFAULTS}
    script: dict[str, list[str]] = {}
    for item in args.outcome:
        substring, _, outcomes = item.partition("=")
        script[substring] = outcomes.split(",") if outcomes else []
    faults.apply({**changes, "outcomes": script})
    return faults


def _stop_on_signal(number: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve until killed (SIGTERM or Ctrl-C); the first line of stdout is the base URL."""
    parser = _argument_parser()
    args = parser.parse_args(argv)
    try:
        faults = _faults_from(args)
    except ValueError as problem:
        parser.error(str(problem))
    signal.signal(signal.SIGTERM, _stop_on_signal)
    standin = XaiStandin(
        key=args.key,
        latency=args.latency,
        faults=faults,
        host=args.host,
        port=args.port,
        full_size=args.full_size,
        clip_dir=args.clip_dir,
    )
    with standin:
        print(standin.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
