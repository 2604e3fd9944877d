"""xAI's video API over httpx: submit, poll and fetch, never paying twice.

The contract is ``xai-video-api.md``; the points it calls uncertain live in
the constants at the top of this module. What this client promises:

- request bodies carry exactly the documented fields of the request's mode;
- local images are uploaded once through ``POST /files`` and reused by
  content hash (:class:`UploadMemo`), or sent inline as data URIs when the
  API offers no uploads;
- 429, 500, 502, 503, 504 and connection failures are retried with
  exponential backoff and full jitter, honouring ``Retry-After``; other
  refusals raise :class:`~storyboard._errors.ApiError` with the API's message;
- a create whose answer was lost after it was sent raises
  :class:`~storyboard._errors.AmbiguousSubmission` and is never resent here;
- a clip is downloaded to a temporary file, checked, and renamed into place,
  or nothing is left behind;
- the API key is held by :class:`ApiKey`, which never shows it.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import ipaddress
import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import quote

import httpx

from .._errors import (
    AmbiguousSubmission,
    ApiError,
    DownloadError,
    JobUnknown,
    MediaError,
    ProviderError,
    StoreError,
    UsageError,
    VideoGone,
)
from .._fileops import atomic_write
from .._media import check_clip
from .._version import __version__
from .base import (
    Blocked,
    Done,
    Expired,
    Failed,
    ImageInput,
    JobState,
    Pending,
    ProviderSettings,
    VideoRequest,
)
from .registry import NO_PROVIDER_MESSAGE, ProviderContext

DEFAULT_BASE_URL = "https://api.x.ai/v1"
GONE_STATUSES = frozenset({403, 404, 410})
"""A video URL answering these has expired: the result is gone and must be made again."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
UPLOADS_UNAVAILABLE = frozenset({404, 405, 415, 501})
"""Answers from ``POST /files`` meaning "no uploads here": send data URIs instead."""
UPLOAD_EXPIRES_AFTER = 86_400
"""Seconds an uploaded image is kept (the API allows 3600..2592000)."""
UPLOAD_REUSE_MARGIN = 3_600.0
"""An uploaded image is not reused in the last hour before it expires."""
USD_TICKS = 1e10
"""``usage.cost_in_usd_ticks`` per US dollar."""

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures that happen before a request leaves: always safe to retry."""
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


class ApiKey:
    """An API key that never shows itself in a repr, a str, or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with any copy of the key replaced by ``***``."""
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


class _BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer ...``; httpx hides it in header reprs."""

    def __init__(self, key: ApiKey) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        yield request


class UploadMemo(Protocol):
    """Where uploaded images are remembered, by content hash and API base URL."""

    def get(self, sha256: str, base_url: str) -> str | None:
        """The file id of this image at this API, if it may still be used."""
        ...

    def put(self, sha256: str, base_url: str, file_id: str, expires_at: float) -> None:
        """Remember a file id until ``expires_at``, a Unix time.

        The provider passes the API's own expiry less :data:`UPLOAD_REUSE_MARGIN`,
        so ``get`` should simply stop answering once ``expires_at`` has passed.
        """
        ...


class MemoryUploadMemo:
    """An :class:`UploadMemo` that lives as long as the process."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, sha256: str, base_url: str) -> str | None:
        entry = self._entries.get((sha256, base_url))
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]

    def put(self, sha256: str, base_url: str, file_id: str, expires_at: float) -> None:
        self._entries[(sha256, base_url)] = (file_id, expires_at)


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


class _Retry(Exception):
    """An attempt failed in a way worth another try; ``error`` is raised when none are left."""

    def __init__(self, error: ProviderError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class XaiProvider:
    """Makes clips with xAI's video API (``grok-imagine-video``)."""

    name = "xai"

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        settings: ProviderSettings | None = None,
        uploads: UploadMemo | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._key = ApiKey(api_key)
        self._auth = _BearerAuth(self._key)
        self.base_url = base_url.rstrip("/")
        self._api_origin = httpx.URL(self.base_url)
        self._loopback_api = _check_base_url(self._api_origin)
        self.settings = settings or ProviderSettings()
        self._uploads: UploadMemo = uploads if uploads is not None else MemoryUploadMemo()
        self._uploads_unavailable = False
        self._upload_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._retry = retry or RetryPolicy()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": f"storyboard/{__version__}"},
        )

    def __repr__(self) -> str:
        return f"XaiProvider(base_url={self.base_url!r}, api_key={self._key!r})"

    async def __aenter__(self) -> XaiProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def prepare(self, request: VideoRequest) -> None:
        """Upload the request's local images now; ``submit`` then finds their file ids."""
        await self._generation_body(request)

    async def submit(self, request: VideoRequest) -> str:
        body = await self._generation_body(request)
        response = await self._call("POST", "/videos/generations", json=body, create=True)
        request_id = _json_object(response).get("request_id")
        if not isinstance(request_id, str) or not request_id:
            raise AmbiguousSubmission(
                "the API accepted the request but sent no request_id;"
                " a paid job may have started, so it is not resent"
            )
        return request_id

    async def poll(self, request_id: str) -> JobState:
        path = f"/videos/{quote(request_id, safe='')}"
        response = await self._call("GET", path, passthrough=frozenset({404}))
        if response.status_code == 404:
            raise JobUnknown(f"the API does not know request {request_id}")
        payload = _json_object(response)
        if response.status_code != 200:
            return Pending(_progress(payload))
        return _job_state(payload)

    async def fetch(self, done: Done, destination: Path, expected_duration: float) -> None:
        try:
            url = httpx.URL(done.video_url)
        except httpx.InvalidURL as problem:
            raise DownloadError(f"the video URL is not valid: {problem}") from problem
        self._check_download_url(url)

        async def attempt() -> None:
            await self._download(url, destination, expected_duration)

        await self._retrying(attempt, self._retry.download_attempts)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _generation_body(self, request: VideoRequest) -> dict[str, object]:
        """The documented fields of the request's mode, and nothing else."""
        body: dict[str, object] = {"model": request.model}
        if request.mode != "image" or request.prompt:
            body["prompt"] = request.prompt
        if request.mode == "reference":
            body["reference_images"] = [await self._image_entry(i) for i in request.references]
        elif request.mode == "image":
            if request.start_image is None:
                raise ProviderError("an image-to-video request needs a start image")
            body["image"] = await self._image_entry(request.start_image)
        body["duration"] = request.duration
        body["aspect_ratio"] = request.aspect_ratio
        body["resolution"] = request.resolution
        return body

    async def _image_entry(self, image: ImageInput) -> dict[str, str]:
        """``{"url"}`` for a URL; ``{"file_id"}`` for a local file, or its data URI."""
        if image.url is not None and image.path is None:
            return {"url": image.url}
        if image.path is None or image.url is not None:
            raise ProviderError(f"image {image.label!r} needs exactly one of a path and a URL")
        file_id = await self._file_id(image.sha256, image.path)
        return {"file_id": file_id} if file_id else {"url": _data_uri(image.path)}

    async def _file_id(self, sha256: str, path: Path) -> str | None:
        """The id of this image on the API, uploading it if needed; None without uploads."""
        async with self._upload_locks[sha256]:
            if self._uploads_unavailable:
                return None
            return self._uploads.get(sha256, self.base_url) or await self._upload(sha256, path)

    async def _upload(self, sha256: str, path: Path) -> str | None:
        content = _read_image(path)
        response = await self._call(
            "POST",
            "/files",
            data={"expires_after": str(UPLOAD_EXPIRES_AFTER)},
            files={"file": (path.name, content, _media_type(content, path))},
            passthrough=UPLOADS_UNAVAILABLE,
        )
        if response.status_code in UPLOADS_UNAVAILABLE:
            _log.info("the API takes no uploads (HTTP %s): images go inline", response.status_code)
            self._uploads_unavailable = True
            return None
        payload = _json_object(response)
        file_id = payload.get("id")
        if not isinstance(file_id, str) or not file_id:
            raise ApiError(response.status_code, "the upload was answered without a file id")
        expires_at = payload.get("expires_at")
        if not isinstance(expires_at, int | float):
            expires_at = time.time() + UPLOAD_EXPIRES_AFTER
        self._uploads.put(sha256, self.base_url, file_id, expires_at - UPLOAD_REUSE_MARGIN)
        return file_id

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, object] | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        passthrough: frozenset[int] = frozenset(),
        create: bool = False,
    ) -> httpx.Response:
        """One API call with retries; returns a 2xx answer or one of ``passthrough``.

        ``create`` marks a request that may start a paid job: once it has been
        sent, a lost answer raises AmbiguousSubmission instead of a retry.
        """
        url = self.base_url + path

        async def attempt() -> httpx.Response:
            try:
                response = await self._client.request(
                    method, url, json=json, data=data, files=files, auth=self._auth
                )
            except _NOT_SENT as problem:
                error = ProviderError(f"could not reach the API: {_describe(problem)}")
                raise _Retry(error) from problem
            except httpx.TransportError as problem:
                if create:
                    raise AmbiguousSubmission(
                        f"the answer to {method} {path} was lost ({_describe(problem)});"
                        " a paid job may have started, so it is not resent"
                    ) from problem
                error = ProviderError(f"{method} {path} failed: {_describe(problem)}")
                raise _Retry(error) from problem
            if response.is_success or response.status_code in passthrough:
                return response
            refusal = _api_error(response, self._key)
            if response.status_code in RETRY_STATUSES:
                raise _Retry(refusal, _retry_after(response))
            raise refusal

        return await self._retrying(attempt, self._retry.max_attempts)

    async def _retrying(self, attempt: Callable[[], Awaitable[_T]], attempts: int) -> _T:
        """Run ``attempt`` until it succeeds, raises a final error, or runs out of tries."""
        number = 1
        while True:
            try:
                return await attempt()
            except _Retry as retry:
                if number >= attempts:
                    raise retry.error from retry.__cause__
                delay = self._retry.delay(number, retry.retry_after)
                _log.info("%s; try %d of %d in %.2f s", retry.error, number + 1, attempts, delay)
                await asyncio.sleep(delay)
            number += 1

    def _check_download_url(self, url: httpx.URL) -> None:
        """Refuse plain http, except from a loopback API to a loopback host."""
        if url.scheme == "https":
            return
        if url.scheme == "http" and self._loopback_api and _is_loopback(url.host):
            return
        raise DownloadError(
            f"refusing to download the video from {url.scheme or '?'}://{url.host}:"
            " videos are only fetched over https"
        )

    def _download_auth(self, url: httpx.URL) -> httpx.Auth | None:
        """The key goes only to the API's own origin, never to a video host elsewhere."""
        same_origin = (url.scheme, url.host, url.port) == (
            self._api_origin.scheme,
            self._api_origin.host,
            self._api_origin.port,
        )
        return self._auth if same_origin else None

    async def _download(self, url: httpx.URL, destination: Path, expected: float) -> None:
        """One download attempt: stream, check, rename; a failed attempt leaves nothing."""
        try:
            with atomic_write(destination) as partial:
                await self._stream_to(url, partial)
                await _check_video(partial, expected)
        except OSError as problem:
            raise StoreError(f"could not write {destination}: {_describe(problem)}") from problem

    async def _stream_to(self, url: httpx.URL, partial: Path) -> None:
        try:
            async with self._client.stream(
                "GET", url, auth=self._download_auth(url), follow_redirects=True
            ) as response:
                for hop in (*response.history, response):
                    self._check_download_url(hop.url)
                _raise_for_download_status(response)
                with open(partial, "wb") as sink:
                    async for chunk in response.aiter_bytes():
                        sink.write(chunk)
                _check_complete(response)
        except httpx.TransportError as problem:
            error = DownloadError(f"the download broke off: {_describe(problem)}")
            raise _Retry(error) from problem


def _check_base_url(url: httpx.URL) -> bool:
    """Whether the API is on a loopback address; refuse plain http anywhere else."""
    loopback = _is_loopback(url.host)
    if url.scheme == "https" or (url.scheme == "http" and loopback):
        return loopback
    raise UsageError(
        f"the API base URL must use https (plain http only on a loopback address): {url}"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _describe(problem: BaseException) -> str:
    return str(problem) or type(problem).__name__


def _json_object(response: httpx.Response) -> dict[str, object]:
    """The body as a JSON object; an empty or unreadable body is an empty object."""
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _api_error(response: httpx.Response, key: ApiKey) -> ApiError:
    """An ApiError carrying the API's own message, from any documented error shape."""
    payload = _json_object(response)
    error = payload.get("error")
    message: object = None
    code: object = payload.get("code")
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code") or error.get("type") or code
    elif isinstance(error, str):
        message = error
    if not isinstance(message, str) or not message:
        message = response.text.strip()[:500] or response.reason_phrase or "no message"
    return ApiError(
        response.status_code,
        key.scrub(message),
        key.scrub(str(code)) if code else None,
        response.headers.get("x-request-id"),
    )


def _retry_after(response: httpx.Response) -> float | None:
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


def _progress(payload: dict[str, object]) -> int | None:
    progress = payload.get("progress")
    if isinstance(progress, int | float) and not isinstance(progress, bool):
        return int(progress)
    return None


def _job_state(payload: dict[str, object]) -> JobState:
    """What a 200 from ``GET /videos/{id}`` means; an unknown status is still pending."""
    status = payload.get("status")
    if status == "done":
        return _done_state(payload)
    if status == "failed":
        error = payload.get("error")
        details = error if isinstance(error, dict) else {"message": error}
        code = details.get("code")
        message = details.get("message")
        return Failed(
            code=str(code) if code else "unknown",
            message=str(message) if message else "the job failed without a message",
        )
    if status == "expired":
        return Expired()
    return Pending(_progress(payload))


def _done_state(payload: dict[str, object]) -> JobState:
    video = payload.get("video")
    video = video if isinstance(video, dict) else {}
    if video.get("respect_moderation") is False:
        return Blocked()
    url = video.get("url")
    if not isinstance(url, str) or not url:
        return Failed("internal_error", "the API reported the job done without a video URL")
    duration = video.get("duration")
    usage = payload.get("usage")
    ticks = usage.get("cost_in_usd_ticks") if isinstance(usage, dict) else None
    return Done(
        video_url=url,
        duration=float(duration) if isinstance(duration, int | float) else None,
        cost_usd=ticks / USD_TICKS if isinstance(ticks, int | float) else None,
    )


def _raise_for_download_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    if response.status_code in GONE_STATUSES:
        raise VideoGone(f"the video URL answered HTTP {response.status_code}: the clip is gone")
    error = DownloadError(f"the video URL answered HTTP {response.status_code}")
    if response.status_code in RETRY_STATUSES:
        raise _Retry(error, _retry_after(response))
    raise error


def _check_complete(response: httpx.Response) -> None:
    length = response.headers.get("content-length")
    if length and length.isdigit() and response.num_bytes_downloaded != int(length):
        raise _Retry(
            DownloadError(
                f"the download was cut short: {response.num_bytes_downloaded} of {length} bytes"
            )
        )


async def _check_video(path: Path, expected_duration: float) -> None:
    try:
        await asyncio.to_thread(check_clip, path, expected_duration)
    except MediaError as problem:
        raise _Retry(DownloadError(f"the downloaded video is not usable: {problem}")) from problem


def _read_image(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as problem:
        raise StoreError(f"could not read the image {path}: {_describe(problem)}") from problem


def _media_type(content: bytes, path: Path) -> str:
    """PNG, JPEG or WebP, from the file's first bytes (not its name)."""
    for signature, media_type in _IMAGE_SIGNATURES:
        if content.startswith(signature):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    raise ProviderError(f"{path} is not a PNG, JPEG or WebP image")


def _data_uri(path: Path) -> str:
    content = _read_image(path)
    return f"data:{_media_type(content, path)};base64,{base64.b64encode(content).decode('ascii')}"


def from_context(context: ProviderContext) -> XaiProvider:
    """The xAI provider for the registry: XAI_API_KEY, and XAI_BASE_URL if set."""
    key = context.environ.get("XAI_API_KEY", "").strip()
    if not key:
        raise UsageError(NO_PROVIDER_MESSAGE)
    base_url = context.environ.get("XAI_BASE_URL", "").strip() or DEFAULT_BASE_URL
    return XaiProvider(key, base_url, context.settings, context.uploads)
