"""The fake API's behaviour, apart from sockets: a request in, a reply out.

Generations (validated like the real API), polls, file uploads, video
downloads, the documented error shapes and the ``/_standin/`` control
endpoints. :mod:`.server` puts it behind HTTP.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, cast

from ..._vocabulary import Mode
from ..subject_clips import Showing
from . import _documented as documented
from ._clips import ClipMaker
from ._faults import Counters, Faults, LoggedRequest
from ._pictures import ImageCall, ImageShape, check_image_call, picture
from ._refusal import Refusal
from ._revisions import JobShape, Revision, check_revision

API_PREFIX = "/v1"
CREATE_KINDS = frozenset({"generations", "edits", "extensions"})
"""``POST /videos/<kind>``: every call that starts paid work, with ``IMAGE_CALLS``."""
IMAGE_CALLS = frozenset({"generations", "edits"})
"""``POST /images/<call>``."""
GENERATION_FIELDS = frozenset(
    {"model", "prompt", "reference_images", "image", "duration", "aspect_ratio", "resolution"}
)
EXPIRES_AFTER_RANGE = (3600, 2_592_000)
DEFAULT_FILE_LIFETIME = 2_592_000
HTTP_VIDEO_ELSEWHERE = "http://videos.example.invalid/clip.mp4"
MODERATION_CODE = "imagine:content-moderated"
_DATA_URI = re.compile(r"data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+")
_POLL_PATH = re.compile(r"/v1/videos/(?P<id>[^/]+)")
_VIDEO_PATH = re.compile(r"/_standin/videos/(?P<id>[^/]+)\.mp4")
_IMAGE_POLL_PATH = re.compile(r"/v1/images/(?P<id>[^/]+)")
_IMAGE_PATH = re.compile(r"/_standin/images/(?P<id>[^/]+)-(?P<index>\d+)\.png")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    """Close the connection without answering."""
    cut_at: int | None = None
    """Announce the whole body but send only this many bytes, then close."""
    padding: int = 0
    """Zero bytes sent after the body (and counted in its length)."""
    trickle: float = 0.0
    """Seconds to wait between 4 KiB pieces of the body."""


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
    input_seconds: float = 0.0
    """Seconds of input video (edits and extensions), billed too."""
    polls: int = 0
    downloads: int = 0
    served: int = 0
    subject: tuple[bytes, Showing] | None = None
    """The picture its clip shows, and how (``Faults.showings``); None for the test card."""


@dataclass
class _ImageJob:
    id: str
    shape: ImageShape
    outcome: str
    started: float
    variant: str
    polls: int = 0


@dataclass(frozen=True)
class _StoredFile:
    content: bytes
    expires_at: float


class FakeApi:
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
        self._image_jobs: dict[str, _ImageJob] = {}
        self._image_calls: dict[str, int] = {}
        self.full_size_images = clips.full_size
        self._files: dict[str, _StoredFile] = {}
        self._idempotent: dict[str, str] = {}
        self._served_resolutions: dict[str, str] = {}
        """The resolution of each clip served, by its sha256: a revision keeps it."""
        self._in_flight: set[str] = set()
        self._sending_videos = 0
        self._lock = threading.Lock()

    @contextmanager
    def sending(self, reply: Reply) -> Iterator[None]:
        """Count the reply while its body goes out, if it is a video."""
        video = reply.content_type == "video/mp4"
        with self._lock:
            self._sending_videos += video
            self.counters.max_sending_videos = max(
                self.counters.max_sending_videos, self._sending_videos
            )
        try:
            yield
        finally:
            with self._lock:
                self._sending_videos -= video

    def handle(self, method: str, path: str, headers: Message, body: bytes | None) -> Reply:
        """Answer one request; ``body`` is None when it is over 50 MB (and was not read)."""
        if body is None:
            return self._error(Refusal(413, "requests are limited to 50 MB", "too_large"))
        served = _VIDEO_PATH.fullmatch(path) or _IMAGE_PATH.fullmatch(path)
        if path.startswith("/_standin/") and not served:
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

    def image_bytes(self, entry: Mapping[str, object]) -> bytes:
        """The bytes of an image entry a create sent (``{"file_id"}`` of a file this API
        holds, or ``{"url"}`` with a data URI), as the API would read them."""
        file_id, url = entry.get("file_id"), entry.get("url")
        content = self._file_content(file_id) if isinstance(file_id, str) else None
        if content is not None:
            return content
        if isinstance(url, str) and _DATA_URI.fullmatch(url):
            return base64.b64decode(url.partition(",")[2])
        raise ValueError(f"the stand-in holds no bytes for {entry!r}")

    def _auth_status(self, header: str | None) -> str:
        if header is None:
            return "absent"
        return "correct" if secrets.compare_digest(header, f"Bearer {self._key}") else "wrong"

    def _route(self, method: str, path: str, headers: Message, body: bytes, auth: str) -> Reply:
        if method == "POST" and path.startswith(f"{API_PREFIX}/videos/"):
            kind = path.removeprefix(f"{API_PREFIX}/videos/")
            if kind in CREATE_KINDS:
                return self._create_post(auth, headers, body, kind)
        if method == "POST" and path.startswith(f"{API_PREFIX}/images/"):
            call = path.removeprefix(f"{API_PREFIX}/images/")
            if call in IMAGE_CALLS:
                return self._create_post(auth, headers, body, f"images/{call}")
        image_poll = _IMAGE_POLL_PATH.fullmatch(path)
        if method == "GET" and image_poll:
            return self._answer(auth, lambda: self._image_poll(image_poll["id"]))
        image = _IMAGE_PATH.fullmatch(path)
        if method == "GET" and image:
            return self._image_download(image["id"], int(image["index"]))
        if method == "POST" and path == f"{API_PREFIX}/files":
            return self._upload_post(auth, headers, body)
        poll = _POLL_PATH.fullmatch(path)
        if method == "GET" and poll:
            return self._poll(poll["id"], auth)
        video = _VIDEO_PATH.fullmatch(path)
        if method == "GET" and video:
            return self._download(video["id"])
        return self._error(Refusal(404, f"no such endpoint: {method} {path}", "not_found"))

    def _create_post(self, auth: str, headers: Message, body: bytes, kind: str) -> Reply:
        with self._lock:
            self.counters.posts += 1
            self.counters.creates += 1
            number = self.counters.creates
        if _every(number, self.faults.create_500_every):
            return self._error(Refusal(500, "the stand-in failed on purpose", "internal_error"))
        if _every(number, self.faults.create_429_every):
            reply = self._error(Refusal(429, "too many requests", "rate_limited"))
            reply.headers["Retry-After"] = f"{self.faults.retry_after:g}"
            return reply
        return self._answer(auth, lambda: self._create(body, headers, number, kind))

    def _upload_post(self, auth: str, headers: Message, body: bytes) -> Reply:
        with self._lock:
            self.counters.posts += 1
            number = self.counters.posts - self.counters.creates
        if _every(number, self.faults.upload_500_every):
            return self._error(Refusal(500, "the stand-in failed on purpose", "internal_error"))
        return self._answer(auth, lambda: self._upload(headers, body))

    def _answer(self, auth: str, answer: Callable[[], Reply]) -> Reply:
        try:
            self._authorise(auth)
            return answer()
        except Refusal as refusal:
            return self._error(refusal)

    def _authorise(self, auth: str) -> None:
        if auth != "correct":
            raise Refusal(401, "Incorrect API key provided", "invalid_api_key")

    def _create(self, body: bytes, headers: Message, number: int, kind: str) -> Reply:
        request = _json_object(body)
        key = headers.get("Idempotency-Key")
        with self._lock:
            known = self._idempotent.get(key) if key and self.faults.honour_idempotency else None
        if kind.startswith("images/"):
            call = cast(ImageCall, kind.removeprefix("images/"))
            image_shape = check_image_call(call, request, self._entry_bytes)
            job_id = known or self._start_image_job(request, image_shape)
        else:
            job_id = known or self._start_job(request, self._validated(request, kind))
        if key:
            with self._lock:
                self._idempotent.setdefault(key, job_id)
        if _every(number, self.faults.create_502_every):
            return self._error(Refusal(502, "bad gateway", "bad_gateway"))
        if self.faults.drop_create_response:
            return Reply(200, drop=True)
        time.sleep(self.faults.create_answer_delay)
        if kind.startswith("images/") and not self._image_jobs[job_id].shape.deferred:
            return self._image_answer(self._image_jobs[job_id])
        if self.faults.huge_request_id:
            job_id = "r" * 100_000
        return _json_reply(200, {"request_id": job_id})

    # -- images ---------------------------------------------------------------

    def _entry_bytes(self, entry: object) -> bytes | None:
        try:
            return self.image_bytes(cast(Mapping[str, object], entry))
        except (ValueError, binascii.Error):
            return None

    def _start_image_job(self, request: dict[str, Any], shape: ImageShape) -> str:
        """A new image job for a validated call: what the account pays for."""
        digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:12]
        with self._lock:
            self._image_calls[digest] = made = self._image_calls.get(digest, 0) + 1
        # Like a model's, each call makes a new picture: the same request again differs.
        job = _ImageJob(
            id=secrets.token_hex(12),
            shape=shape,
            outcome=self._next_outcome(str(request.get("prompt", ""))),
            started=time.monotonic(),
            variant=f"{digest}-{made}",
        )
        with self._lock:
            self._image_jobs[job.id] = job
            self.counters.images_accepted += 1
        return job.id

    def _image_poll(self, request_id: str) -> Reply:
        with self._lock:
            self.counters.polls += 1
            number = self.counters.polls
            job = self._image_jobs.get(request_id)
        fault = self._poll_fault(number)
        if fault is not None:
            return fault
        if job is None:
            raise Refusal(404, f"no such request: {request_id}", "not_found")
        elapsed = time.monotonic() - job.started
        if elapsed < self.latency or self.faults.hold_jobs:
            job.polls += 1
            return (
                Reply(202, content_type="")
                if job.polls % 2
                else _json_reply(202, {"status": "pending"})
            )
        return self._image_answer(job)

    def _image_answer(self, job: _ImageJob) -> Reply:
        """A finished image job's answer (as a deferred poll or the synchronous create)."""
        usage = self._image_usage(job)
        if job.outcome == "moderated":
            moderation = {"code": MODERATION_CODE, "error": "the image was refused by moderation"}
            return _json_reply(400, {**moderation, **usage})
        if job.outcome == "expired":
            return _json_reply(200, {"status": "expired"})
        if job.outcome.startswith("failed:"):
            code = job.outcome.removeprefix("failed:")
            error = {"code": code, "message": f"the stand-in was told to fail this job ({code})"}
            return _json_reply(200, {"status": "failed", "error": error, **usage})
        blocked = job.outcome == "blocked"
        data = [self._image_item(job, index, blocked) for index in range(job.shape.count)]
        return _json_reply(200, {"status": "done", "data": data, "model": job.shape.model, **usage})

    def _image_item(self, job: _ImageJob, index: int, blocked: bool) -> dict[str, object]:
        item: dict[str, object] = {"respect_moderation": not blocked}
        if job.shape.response_format == "b64_json":
            content = picture(
                job.shape, "blocked" if blocked else job.variant, index, self.full_size_images
            )
            item.update(b64_json=base64.b64encode(content).decode(), mime_type="image/png")
        else:
            item["url"] = f"{self.video_origin}/_standin/images/{job.id}-{index}.png"
        return item

    def _image_usage(self, job: _ImageJob) -> dict[str, object]:
        if not self.faults.report_usage:
            return {}
        ticks = documented.image_ticks(job.shape.count, job.shape.input_images)
        return {"usage": {"cost_in_usd_ticks": ticks}}

    def _image_download(self, request_id: str, index: int) -> Reply:
        with self._lock:
            self.counters.downloads += 1
            job = self._image_jobs.get(request_id)
        if job is None or index >= job.shape.count or job.outcome not in ("done", "blocked"):
            return self._error(Refusal(404, "no such image", "not_found"))
        variant = "blocked" if job.outcome == "blocked" else job.variant
        return Reply(
            200, picture(job.shape, variant, index, self.full_size_images), content_type="image/png"
        )

    def _validated(self, request: dict[str, Any], kind: str) -> JobShape:
        """The job a request makes, once it is checked as its kind of create."""
        if kind != "generations":
            revision = cast(Revision, kind)
            return check_revision(revision, request, self._file_content, self._known_resolution)
        self._validate_generation(request)
        return JobShape(
            model=str(request["model"]),
            duration=cast(int, request.get("duration", documented.DEFAULT_DURATION)),
            aspect_ratio=str(request.get("aspect_ratio", documented.DEFAULT_ASPECT_RATIO)),
            resolution=str(request.get("resolution", documented.DEFAULT_RESOLUTION)),
            input_seconds=0.0,
        )

    def _file_content(self, file_id: str) -> bytes | None:
        with self._lock:
            stored = self._files.get(file_id)
        return stored.content if stored and stored.expires_at >= time.time() else None

    def _known_resolution(self, sha256: str) -> str | None:
        with self._lock:
            return self._served_resolutions.get(sha256)

    def _start_job(self, request: dict[str, Any], shape: JobShape) -> str:
        """A new job for a validated request: what the account pays for."""
        job = _Job(
            id=secrets.token_hex(12),
            model=shape.model,
            duration=shape.duration,
            aspect_ratio=shape.aspect_ratio,
            resolution=shape.resolution,
            input_seconds=shape.input_seconds,
            outcome=self._next_outcome(str(request.get("prompt", ""))),
            started=time.monotonic(),
            variant=hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:12],
            subject=self._next_subject(request),
        )
        if job.subject is not None:
            picture_hash = hashlib.sha256(job.subject[0]).hexdigest()
            job.variant = f"{job.variant}-{job.subject[1]}-{picture_hash[:12]}"
        with self._lock:
            self._jobs[job.id] = job
            self.counters.generations_accepted += 1
            self._in_flight.add(job.id)
            self.counters.max_in_flight = max(self.counters.max_in_flight, len(self._in_flight))
        # Render while the job "runs", so the download is only a transfer, as with the real API.
        threading.Thread(target=self._clip_of, args=(job,), daemon=True).start()
        return job.id

    def _clip_of(self, job: _Job) -> Path:
        shape = (job.duration, job.aspect_ratio, job.resolution, job.variant)
        if job.subject is None:
            return self.clips.clip(*shape)
        return self.clips.subject_clip(*shape, *job.subject)

    def _next_subject(self, request: Mapping[str, object]) -> tuple[bytes, Showing] | None:
        """What the job's clip shows, when a test scripted it (``Faults.showings``)."""
        prompt = str(request.get("prompt", ""))
        with self._lock:
            for substring, showings in self.faults.showings.items():
                if substring in prompt and showings:
                    showing, _, path = showings.pop(0).partition(":")
                    break
            else:
                return None
        if path:
            return Path(path).read_bytes(), cast(Showing, showing)
        references = request.get("reference_images")
        first = references[0] if isinstance(references, list) and references else None
        picture = self._entry_bytes(first) if first is not None else None
        return (picture or b""), cast(Showing, showing)

    def _validate_generation(self, request: dict[str, Any]) -> None:
        unknown = sorted(set(request) - GENERATION_FIELDS)
        if unknown:
            raise Refusal(400, f"Argument not supported: {', '.join(unknown)}")
        model = request.get("model")
        if not isinstance(model, str):
            raise Refusal(400, "model is required")
        if model not in documented.MODELS:
            raise Refusal(404, f"The model {model} does not exist", "model_not_found")
        if "reference_images" in request and "image" in request:
            raise Refusal(400, "reference_images and image cannot be used together")
        mode = _mode_of(request)
        self._validate_images(request, mode)
        prompt = request.get("prompt")
        if mode != "image" and (not isinstance(prompt, str) or not prompt.strip()):
            raise Refusal(400, "prompt is required")
        if prompt is not None and not isinstance(prompt, str):
            raise Refusal(400, "prompt must be a string")
        _validate_shape(request, model, mode)

    def _validate_images(self, request: dict[str, Any], mode: Mode) -> None:
        if mode == "image":
            self._validate_image_entry(request["image"], "image")
        if mode != "reference":
            return
        references = request["reference_images"]
        if not isinstance(references, list) or not references:
            raise Refusal(400, "reference_images must be a non-empty list")
        if len(references) > documented.MAX_REFERENCE_IMAGES:
            raise Refusal(
                400, f"at most {documented.MAX_REFERENCE_IMAGES} reference_images are allowed"
            )
        for index, entry in enumerate(references):
            self._validate_image_entry(entry, f"reference_images[{index}]")

    def _validate_image_entry(self, entry: object, where: str) -> None:
        if not isinstance(entry, dict) or len(entry) != 1 or not {"url", "file_id"} & set(entry):
            raise Refusal(400, f"{where} must have exactly one of url and file_id")
        if "file_id" in entry:
            stored = (
                self._files.get(entry["file_id"]) if isinstance(entry["file_id"], str) else None
            )
            if stored is None or stored.expires_at < time.time():
                raise Refusal(400, f"{where}: file {entry['file_id']!r} not found")
            return
        url = entry["url"]
        if not isinstance(url, str) or not (url.startswith("https://") or _DATA_URI.fullmatch(url)):
            raise Refusal(400, f"{where}.url must be https or a PNG, JPEG or WebP data URI")

    def _next_outcome(self, prompt: str) -> str:
        with self._lock:
            for substring, outcomes in self.faults.outcomes.items():
                if substring in prompt and outcomes:
                    return outcomes.pop(0)
        return "done"

    def _poll(self, request_id: str, auth: str) -> Reply:
        with self._lock:
            self.counters.polls += 1
            number = self.counters.polls
            job = self._jobs.get(request_id)
        fault = self._poll_fault(number)
        if fault is not None:
            return fault
        try:
            self._authorise(auth)
        except Refusal as refusal:
            return self._error(refusal)
        if job is None:
            return self._error(Refusal(404, f"no such request: {request_id}", "not_found"))
        elapsed = time.monotonic() - job.started
        if elapsed < self.latency or self.faults.hold_jobs:
            return _pending_reply(job, elapsed / self.latency if self.latency else 0.0)
        with self._lock:
            self._in_flight.discard(job.id)
        if job.outcome == "moderated":
            moderation = {"code": MODERATION_CODE, "error": "the video was refused by moderation"}
            return _json_reply(400, {**moderation, **self._usage(job)})
        return _json_reply(200, self._finished_body(job))

    def _poll_fault(self, number: int) -> Reply | None:
        """Every Nth poll (of videos and images alike) answered 503, the next such 502."""
        if not _every(number, self.faults.poll_error_every):
            return None
        if (number // self.faults.poll_error_every) % 2:
            return self._error(Refusal(503, "service unavailable", "service_unavailable"))
        return self._error(Refusal(502, "bad gateway", "bad_gateway"))

    def _usage(self, job: _Job) -> dict[str, object]:
        if not self.faults.report_usage:
            return {}
        ticks = documented.cost_in_ticks(job.model, job.resolution, job.duration)
        ticks += documented.input_ticks(job.input_seconds)
        return {"usage": {"cost_in_usd_ticks": ticks}}

    def _finished_body(self, job: _Job) -> dict[str, object]:
        if job.outcome == "expired":
            return {"status": "expired"}
        if job.outcome.startswith("failed:"):
            code = job.outcome.removeprefix("failed:")
            message = f"the stand-in was told to fail this job ({code})"
            error = {"code": code, "message": message}
            return {"status": "failed", "error": error, **self._usage(job)}
        blocked = job.outcome == "blocked"
        url = "" if blocked else f"{self.video_origin}/_standin/videos/{job.id}.mp4"
        return {
            "status": "done",
            "video": {"url": url, "duration": job.duration, "respect_moderation": not blocked},
            "model": job.model,
            **self._usage(job),
        }

    def _download(self, request_id: str) -> Reply:
        with self._lock:
            self.counters.downloads += 1
            job = self._jobs.get(request_id)
            finished = job is not None and time.monotonic() - job.started >= self.latency
            if job is None or not finished or job.outcome != "done":
                return self._error(Refusal(404, "no such video", "not_found"))
            job.downloads += 1
            if self.faults.video_403_first and job.downloads == 1:
                return self._error(Refusal(403, "the link has expired", "forbidden"))
            if self.faults.redirect_video_to_http:
                return Reply(302, headers={"Location": HTTP_VIDEO_ELSEWHERE})
            job.served += 1
            first = job.served == 1
        content = self._clip_of(job).read_bytes()
        with self._lock:
            self._served_resolutions[hashlib.sha256(content).hexdigest()] = job.resolution
        cut_at = len(content) // 2 if first and self.faults.truncate_first_download else None
        return Reply(
            200,
            content,
            content_type="video/mp4",
            cut_at=cut_at,
            padding=self.faults.oversize_download_mb * 1024 * 1024,
            trickle=self.faults.trickle_download,
        )

    def _upload(self, headers: Message, body: bytes) -> Reply:
        if self.faults.uploads_unavailable:
            raise Refusal(404, "Not Found", "not_found")
        parts = {part.name: part for part in _multipart_fields(headers, body)}
        names = list(parts)
        if "file" not in parts:
            raise Refusal(400, "the file field is missing")
        if "expires_after" in parts and names.index("expires_after") > names.index("file"):
            raise Refusal(400, "expires_after must come before file")
        lifetime = _expires_after(parts.get("expires_after"))
        stored = _StoredFile(parts["file"].content, expires_at=time.time() + lifetime)
        # Named by content, so every run of a test sends the same bodies and gets the same clips.
        file_id = f"file_{hashlib.sha256(parts['file'].content).hexdigest()[:24]}"
        with self._lock:
            self._files[file_id] = stored
            self.counters.uploads += 1
        return _json_reply(
            200,
            {
                "id": file_id,
                "object": "file",
                "bytes": len(stored.content),
                "created_at": int(time.time()),
                "expires_at": int(stored.expires_at),
                "filename": parts["file"].filename or "upload",
            },
        )

    def _error(self, refusal: Refusal) -> Reply:
        if self.faults.huge_error_body:
            refusal.message = refusal.message + " " + "x" * (1 << 20)
        body: dict[str, object]
        if self.faults.error_shape == "code":
            body = {"code": refusal.code, "error": refusal.message}
        elif self.faults.error_shape == "string":
            body = {"error": refusal.message}
        else:
            error = {"message": refusal.message, "type": "invalid_request_error"}
            body = {"error": {**error, "code": refusal.code}}
        return _json_reply(refusal.status, body)

    def _control(self, method: str, path: str, body: bytes) -> Reply:
        if method == "GET" and path == "/_standin/stats":
            return _json_reply(200, self.stats())
        if method == "GET" and path == "/_standin/faults":
            return _json_reply(200, asdict(self.faults))
        if method == "POST" and path == "/_standin/faults":
            try:
                self.faults.apply(_json_object(body))
            except (ValueError, Refusal) as problem:
                return _json_reply(400, {"error": str(problem)})
            return _json_reply(200, asdict(self.faults))
        if method == "POST" and path == "/_standin/forget-files":
            with self._lock:
                self._files.clear()
            return _json_reply(200, {"forgotten": True})
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
    limits = documented.MODES.get((model, mode))
    if limits is None:
        raise Refusal(400, f"{model} does not support {mode}-to-video")
    duration = request.get("duration", documented.DEFAULT_DURATION)
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise Refusal(400, "duration must be an integer number of seconds")
    if duration not in limits.seconds:
        low, high = limits.seconds[0], limits.seconds[-1]
        raise Refusal(422, f"duration must be {low}..{high} s for {mode}")
    if request.get("aspect_ratio", documented.DEFAULT_ASPECT_RATIO) not in documented.ASPECT_RATIOS:
        ratios = ", ".join(sorted(documented.ASPECT_RATIOS))
        raise Refusal(422, f"aspect_ratio must be one of {ratios}")
    resolution = request.get("resolution", documented.DEFAULT_RESOLUTION)
    if resolution not in limits.resolutions:
        allowed = ", ".join(sorted(limits.resolutions))
        raise Refusal(422, f"{model} renders {mode}-to-video at {allowed} only")


def _pending_reply(job: _Job, fraction: float) -> Reply:
    job.polls += 1
    if job.polls % 2:
        return Reply(202, content_type="")
    return _json_reply(202, {"status": "pending", "progress": min(99, int(fraction * 100))})


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"null")
    except ValueError as problem:
        raise Refusal(400, f"the body is not JSON: {problem}") from problem
    if not isinstance(value, dict):
        raise Refusal(400, "the body must be a JSON object")
    return value


def _json_reply(status: int, payload: object) -> Reply:
    return Reply(status, json.dumps(payload).encode())


@dataclass(frozen=True)
class _Part:
    name: str
    filename: str | None
    content: bytes


def _multipart_fields(headers: Message, body: bytes) -> list[_Part]:
    """The parts of a multipart/form-data body, in order."""
    content_type = headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data"):
        raise Refusal(415, "uploads must be multipart/form-data", "unsupported_media_type")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        raise Refusal(400, "the multipart body cannot be read")
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
        raise Refusal(400, "expires_after must be a whole number of seconds") from problem
    low, high = EXPIRES_AFTER_RANGE
    if not low <= seconds <= high:
        raise Refusal(400, f"expires_after must be {low}..{high} seconds")
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
        except Refusal:
            names = []
        return {"fields": names, "bytes": len(body)}
    return None
