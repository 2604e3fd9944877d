"""xAI's video API over httpx: submit, poll and fetch, never paying twice.

The contract is ``xai-video-api.md``; the points it calls uncertain live in
the constants at the top of this module. What this client promises:

- request bodies carry exactly the documented fields of the request's mode;
- local images are uploaded once through ``POST /files`` and reused by
  content hash per API base and key (:class:`UploadMemo`), or sent inline as
  data URIs when the API offers no uploads; a create refused for an unknown
  file id forgets it, uploads again and is sent once more;
- a create (paid work) carries an ``Idempotency-Key`` and is resent only
  after a 429 or a failure before it left; a 5xx, a timeout or a dropped
  connection after it was sent raises
  :class:`~storyboard._errors.AmbiguousSubmission`, never a resend;
- free calls (polls, uploads, downloads) retry the statuses of
  :mod:`.retries` with backoff, honouring ``Retry-After``; other refusals
  raise :class:`~storyboard._errors.ApiError` with the API's message, bounded;
- a clip is downloaded to a temporary file within a size cap and a deadline,
  never over plain http, checked, and renamed into place, or nothing is left;
- the API key is held by :class:`ApiKey`, which never shows it.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import re
import ssl
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import quote

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
from .._images import ImageProblem, png_of
from .._media import check_download
from .._version import __version__
from .._vocabulary import REVISION_MODES, Mode
from .apikey import ApiKey, checked_key
from .base import (
    Blocked,
    Done,
    Expired,
    Failed,
    ImageInput,
    ImageRequest,
    JobState,
    Pending,
    ProviderSettings,
    VideoRequest,
)
from .httpclient import httpx, transport
from .registry import ProviderContext
from .retries import (
    CREATE_RETRY_STATUSES,
    RETRY_STATUSES,
    Retry,
    RetryPolicy,
    retry_after,
)
from .xai_account import DEFAULT_BASE_URL, account_from, api_on_loopback, is_loopback

CREATE_ENDPOINTS: dict[Mode, str] = {
    "text": "/videos/generations",
    "image": "/videos/generations",
    "reference": "/videos/generations",
    "edit": "/videos/edits",
    "extend": "/videos/extensions",
}
"""Where each kind of request starts its paid job."""
GONE_STATUSES = frozenset({403, 404, 410})
"""A video URL answering these has expired: poll again for a fresh one, else make it again."""
UPLOADS_UNAVAILABLE = frozenset({404, 405, 415, 501})
"""Answers from ``POST /files`` meaning "no uploads here": send data URIs instead."""
UPLOAD_EXPIRES_AFTER = 86_400
"""Seconds an uploaded image is kept (the API allows 3600..2592000)."""
UPLOAD_REUSE_MARGIN = 3_600.0
"""An uploaded image is not reused in the last hour before it expires."""
API_CONNECTIONS = 8
"""The most connections to the API at once, however many jobs are in flight: a create or a
poll holds one for a moment, so a few serve hundreds of jobs, and httpcore's pool does work
for every connection it holds on every request (its cost grows with the square of its size)."""
DOWNLOAD_CONNECTIONS = 8
"""The most videos downloaded at once, on their own connections so that polls never queue
behind them."""
USD_TICKS = 1e10
"""``usage.cost_in_usd_ticks`` per US dollar."""
MODERATION_CODE = "imagine:content-moderated"
"""The code of a moderation refusal answered as HTTP 400 on the poll (billed)."""
MAX_ANSWER_BYTES = 256 * 1024
"""The most of an API answer read; the rest of a hostile one is never held."""
MAX_MESSAGE_CHARS = 500
"""An error message or code from the server is cut to this before it is shown or stored."""
MAX_REDIRECTS = 5
MAX_IMAGE_BYTES = 64 * 1024 * 1024
"""The largest generated image downloaded (a 2k PNG is a few MiB)."""
FILE_REFUSAL_STATUSES = frozenset({400, 404, 422})
"""Statuses with which a create may refuse an unknown or expired file id."""
_MESSAGE_IN_TEXT = re.compile(r'"(?:message|error)"\s*:\s*"((?:[^"\\]|\\.)*)')
"""The message of an error body too long to parse whole."""
_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,256}")
"""A usable request id: printable ASCII without spaces, at most 256 characters."""

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures that happen before a request leaves: always safe to retry."""
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


class _BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer ...``; httpx hides it in header reprs."""

    def __init__(self, key: ApiKey) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        yield request


class UploadMemo(Protocol):
    """Where uploaded images are remembered, by content hash and account.

    ``base_url`` names the account: the API base and the key's fingerprint.
    """

    def get(self, sha256: str, base_url: str) -> str | None:
        """The file id of this image at this API, if it may still be used."""
        ...

    def forget(self, file_id: str) -> None:
        """Stop answering with a file id the API no longer knows."""
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

    def forget(self, file_id: str) -> None:
        for place, (known, _) in list(self._entries.items()):
            if known == file_id:
                del self._entries[place]


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
        key_salt: bytes = b"",
    ) -> None:
        self._key = checked_key(api_key)
        self._auth = _BearerAuth(self._key)
        self.base_url = base_url.rstrip("/")
        self.api_base = self.base_url
        self._api_origin = httpx.URL(self.base_url)
        self._loopback_api = api_on_loopback(self.base_url)
        self._key_salt = key_salt
        self.key_fingerprint = self._key.fingerprint(key_salt)
        self.account = f"{self.base_url} {self.key_fingerprint}"
        """Where jobs and uploaded files belong: the API base and the key's fingerprint."""
        self._timeout = timeout
        self.settings = settings or ProviderSettings()
        self._uploads: UploadMemo = uploads if uploads is not None else MemoryUploadMemo()
        self._uploads_unavailable = False
        self._upload_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._retry = retry or RetryPolicy()
        api_connections = max(1, min(self.settings.concurrency, API_CONNECTIONS))
        self._client = _client(timeout, api_connections)
        self._api_turns = asyncio.Semaphore(api_connections)
        """One turn per API connection: requests wait here, not in httpcore's pool, whose
        every request re-checks every queued request against every connection."""
        self._downloads = _client(timeout, min(self.settings.concurrency, DOWNLOAD_CONNECTIONS))

    def __repr__(self) -> str:
        return f"XaiProvider(base_url={self.base_url!r}, api_key={self._key!r})"

    async def __aenter__(self) -> XaiProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def at(self, api_base: str) -> XaiProvider | None:
        """The same account at another API base (to finish a job sent there), if allowed."""
        try:
            return XaiProvider(
                self._key.reveal(),
                api_base,
                self.settings,
                self._uploads,
                retry=self._retry,
                timeout=self._timeout,
                key_salt=self._key_salt,
            )
        except UsageError:
            return None

    async def prepare(self, request: VideoRequest) -> None:
        """Upload the request's local images now; ``submit`` then finds their file ids."""
        await self._generation_body(request)

    async def submit(self, request: VideoRequest, idempotency_key: str | None = None) -> str:
        """Send the create once (resent only after 429 or before it left).

        ``idempotency_key`` should be stable for the job, so that sending it
        again (``build --resubmit``) lets an API that honours it answer with
        the same job; without one, a fresh key is made for this call.
        """
        key = idempotency_key or uuid.uuid4().hex
        body = await self._generation_body(request)
        endpoint = CREATE_ENDPOINTS[request.mode]
        try:
            response = await self._create(endpoint, body, key)
        except ApiError as refused:
            stale = _refused_file_ids(refused, body)
            if not stale:
                raise
            # A refused create started nothing: forget the ids, upload again, send once more.
            _log.info("the API no longer knows %d uploaded image(s); uploading again", len(stale))
            for file_id in stale:
                self._uploads.forget(file_id)
            response = await self._create(endpoint, await self._generation_body(request), key)
        return _request_id_of(response)

    async def poll(self, request_id: str) -> JobState:
        return await self._poll(f"/videos/{quote(request_id, safe='')}", "video", _job_state)

    def ended(self, request_id: str) -> asyncio.Future[None] | None:
        """The API says a job ended only when asked: polls find out."""
        return None

    async def submit_image(self, request: ImageRequest, idempotency_key: str | None = None) -> str:
        """Send an image create once, deferred (so a kill loses nothing: it is polled)."""
        endpoint = "/images/edits" if request.source else "/images/generations"
        body = _image_body(request)
        response = await self._create(endpoint, body, idempotency_key or uuid.uuid4().hex)
        return _request_id_of(response)

    async def poll_image(self, request_id: str) -> JobState:
        return await self._poll(f"/images/{quote(request_id, safe='')}", "image", _image_state)

    async def fetch_image(self, done: Done, destination: Path) -> None:
        """Download within MAX_IMAGE_BYTES and the job deadline; write it as a PNG."""

        async def as_png(partial: Path) -> None:
            await asyncio.to_thread(_to_png, partial)

        await self._fetch(done, destination, MAX_IMAGE_BYTES, as_png)

    async def _poll(
        self, path: str, what: str, state_of: Callable[[dict[str, object]], JobState]
    ) -> JobState:
        """One poll of a job: pending, its end, or a moderation refusal (billed)."""
        response = await self._call("GET", path, passthrough=frozenset({400, 404}))
        if response.status_code == 404:
            raise JobUnknown(f"the API does not know request {path.rpartition('/')[2]}")
        payload = _json_object(response)
        if response.status_code == 400:
            if payload.get("code") != MODERATION_CODE:
                raise _api_error(response, self._key)
            message = _bounded(_error_message(payload) or f"the {what} was refused by moderation")
            return Blocked(f"moderation refused the {what}: {message}", _cost_usd(payload))
        if response.status_code != 200:
            return Pending(_progress(payload))
        return state_of(payload)

    async def fetch(
        self,
        done: Done,
        destination: Path,
        expected_duration: float,
        max_bytes: int | None = None,
    ) -> None:
        """Download within ``max_bytes`` and ``settings.job_timeout``, or raise DownloadError."""

        async def check(partial: Path) -> None:
            await _check_video(partial, expected_duration)

        await self._fetch(done, destination, max_bytes, check)

    async def _fetch(
        self,
        done: Done,
        destination: Path,
        max_bytes: int | None,
        check: Callable[[Path], Awaitable[None]],
    ) -> None:
        try:
            url = httpx.URL(done.video_url)
        except httpx.InvalidURL as problem:
            raise DownloadError(f"the download URL is not valid: {problem}") from problem
        self._check_download_url(url)

        async def attempt() -> None:
            await self._download(url, destination, max_bytes, check)

        deadline = self.settings.job_timeout
        try:
            async with asyncio.timeout(deadline):
                await _retrying(attempt, self._retry.download_attempts, self._retry)
        except TimeoutError as problem:
            raise DownloadError(
                f"the download took longer than {deadline:g} s (STORYBOARD_JOB_TIMEOUT)"
            ) from problem

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._downloads.aclose()

    async def _generation_body(self, request: VideoRequest) -> dict[str, object]:
        """The documented fields of the request's mode, and nothing else."""
        if request.mode in REVISION_MODES:
            return _revision_body(request)
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
            return self._uploads.get(sha256, self.account) or await self._upload(sha256, path)

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
        self._uploads.put(sha256, self.account, file_id, expires_at - UPLOAD_REUSE_MARGIN)
        return file_id

    async def _create(
        self, endpoint: str, body: dict[str, object], idempotency_key: str
    ) -> httpx.Response:
        headers = {"Idempotency-Key": idempotency_key}
        return await self._call("POST", endpoint, json=body, create=headers)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, object] | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        passthrough: frozenset[int] = frozenset(),
        create: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One API call with retries; returns a 2xx answer or one of ``passthrough``.

        ``create`` (the create's extra headers) marks a request that may start
        a paid job: it is resent only after a 429 or a failure before it left;
        any other failure once it was sent raises AmbiguousSubmission.
        """
        url = self.base_url + path
        retry_statuses = CREATE_RETRY_STATUSES if create is not None else RETRY_STATUSES

        async def attempt() -> httpx.Response:
            request = self._client.build_request(
                method, url, json=json, data=data, files=files, headers=create
            )
            try:
                response = await self._send_bounded(request)
            except _NOT_SENT as problem:
                error = ProviderError(f"could not reach the API: {_describe(problem)}")
                raise Retry(error) from problem
            except httpx.TransportError as problem:
                if create is not None:
                    lost = f"its answer was lost ({_describe(problem)})"
                    raise _ambiguous(method, path, lost) from problem
                error = ProviderError(f"{method} {path} failed: {_describe(problem)}")
                raise Retry(error) from problem
            status = response.status_code
            if response.is_success or status in passthrough:
                return response
            refusal = _api_error(response, self._key)
            if status in retry_statuses:
                raise Retry(refusal, retry_after(response))
            if create is not None and (status >= 500 or status in RETRY_STATUSES):
                answer = f"the server answered HTTP {status}: {refusal.api_message}"
                raise _ambiguous(method, path, answer)
            raise refusal

        return await _retrying(attempt, self._retry.max_attempts, self._retry)

    async def _send_bounded(self, request: httpx.Request) -> httpx.Response:
        """Send, and read at most MAX_ANSWER_BYTES of the answer."""
        async with self._api_turns:
            response = await self._client.send(request, auth=self._auth, stream=True)
            try:
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk[: MAX_ANSWER_BYTES - len(content)]
                    if len(content) >= MAX_ANSWER_BYTES:
                        break
            finally:
                await response.aclose()
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
        }
        return httpx.Response(
            response.status_code, headers=headers, content=bytes(content), request=request
        )

    def _check_download_url(self, url: httpx.URL) -> None:
        """Refuse plain http, except from a loopback API to a loopback host."""
        if url.scheme == "https":
            return
        if url.scheme == "http" and self._loopback_api and is_loopback(url.host):
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

    async def _download(
        self,
        url: httpx.URL,
        destination: Path,
        max_bytes: int | None,
        check: Callable[[Path], Awaitable[None]],
    ) -> None:
        """One download attempt: stream, check, rename; a failed attempt leaves nothing.

        Not fsynced here, on the event loop (9 ms a clip, hundreds of them in a big build):
        ``destination`` is a scratch file the store fsyncs, off the loop, as it adopts it.
        """
        try:
            with atomic_write(destination, durable=False) as partial:
                await self._stream_to(url, partial, max_bytes)
                await check(partial)
        except OSError as problem:
            raise StoreError(f"could not write {destination}: {_describe(problem)}") from problem

    async def _stream_to(self, url: httpx.URL, partial: Path, max_bytes: int | None) -> None:
        """Follow redirects one hop at a time, refusing plain http before it is asked."""
        try:
            for _ in range(MAX_REDIRECTS + 1):
                self._check_download_url(url)
                async with self._downloads.stream(
                    "GET", url, auth=self._download_auth(url)
                ) as response:
                    if response.is_redirect:
                        url = url.join(response.headers.get("location", ""))
                        continue
                    _raise_for_download_status(response)
                    await _save_bounded(response, partial, max_bytes)
                    return
        except httpx.TransportError as problem:
            error = DownloadError(f"the download broke off: {_describe(problem)}")
            raise Retry(error) from problem
        raise DownloadError(f"the video URL redirected more than {MAX_REDIRECTS} times")


def _client(timeout: float, connections: int) -> httpx.AsyncClient:
    """An HTTP client holding at most ``connections`` connections (one at least), all kept
    alive."""
    connections = max(1, connections)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(
        transport=transport(tls_context(), limits),
        verify=tls_context(),  # for the proxies the environment names
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": f"storyboard/{__version__}"},
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS setup of every client in this process: each made its own by default,
    and loading the certificates costs 50 ms of CPU before a build's first request."""
    return httpx.create_ssl_context()


async def _retrying(attempt: Callable[[], Awaitable[_T]], attempts: int, policy: RetryPolicy) -> _T:
    """Run ``attempt`` until it succeeds, raises a final error, or runs out of tries."""
    number = 1
    while True:
        try:
            return await attempt()
        except Retry as retry:
            if number >= attempts:
                raise retry.error from retry.__cause__
            delay = policy.delay(number, retry.retry_after)
            _log.info("%s; try %d of %d in %.2f s", retry.error, number + 1, attempts, delay)
            await asyncio.sleep(delay)
        number += 1


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
    """An ApiError carrying the API's own message (bounded), from any documented shape."""
    payload = _json_object(response)
    error = payload.get("error")
    code: object = payload.get("code")
    if isinstance(error, dict):
        code = error.get("code") or error.get("type") or code
    message = _error_message(payload)
    if not message:  # not JSON, or cut at MAX_ANSWER_BYTES: find the message in the text
        found = _MESSAGE_IN_TEXT.search(response.text)
        message = found[1] if found else response.text.strip()
        message = message or response.reason_phrase or "no message"
    request_id = response.headers.get("x-request-id")
    return ApiError(
        response.status_code,
        _bounded(key.scrub(message)),
        _bounded(key.scrub(str(code)), 64) if code else None,
        _bounded(request_id, 128) if request_id else None,
    )


def _error_message(payload: dict[str, object]) -> str:
    error = payload.get("error")
    message = error.get("message") if isinstance(error, dict) else error
    return message if isinstance(message, str) else ""


def _bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _ambiguous(method: str, path: str, what: str) -> AmbiguousSubmission:
    return AmbiguousSubmission(
        f"{method} {path} was sent, but {what}; a paid job may have started, so it is not resent"
    )


def _request_id_of(response: httpx.Response) -> str:
    request_id = _json_object(response).get("request_id")
    if isinstance(request_id, str) and _REQUEST_ID.fullmatch(request_id):
        return request_id
    what = (
        f"an unusable request_id ({len(request_id)} characters)"
        if isinstance(request_id, str) and request_id
        else "no request_id"
    )
    raise AmbiguousSubmission(
        f"the API accepted the request but sent {what}; a paid job may have started,"
        " so it is not resent"
    )


def _refused_file_ids(refused: ApiError, body: dict[str, object]) -> list[str]:
    """The file ids a refused create sent, when the refusal is about a file."""
    if refused.status not in FILE_REFUSAL_STATUSES:
        return []
    sent = _file_ids(body)
    named = [file_id for file_id in sent if file_id in refused.api_message]
    about_files = "file" in refused.api_message.lower()
    return named or (sent if about_files else [])


def _file_ids(body: dict[str, object]) -> list[str]:
    entries = body.get("reference_images")
    images = [*entries] if isinstance(entries, list) else []
    images.append(body.get("image"))
    return [
        entry["file_id"]
        for entry in images
        if isinstance(entry, dict) and isinstance(entry.get("file_id"), str)
    ]


def _cost_usd(payload: dict[str, object]) -> float | None:
    """``usage.cost_in_usd_ticks`` in US dollars, when the answer carries a sane one."""
    usage = payload.get("usage")
    ticks = usage.get("cost_in_usd_ticks") if isinstance(usage, dict) else None
    if isinstance(ticks, int | float) and not isinstance(ticks, bool) and 0 <= ticks < 1e15:
        return ticks / USD_TICKS
    return None


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
            code=_bounded(str(code), 64) if code else "unknown",
            message=_bounded(str(message)) if message else "the job failed without a message",
            cost_usd=_cost_usd(payload),
        )
    if status == "expired":
        return Expired()
    return Pending(_progress(payload))


def _done_state(payload: dict[str, object]) -> JobState:
    video = payload.get("video")
    video = video if isinstance(video, dict) else {}
    if video.get("respect_moderation") is False:
        return Blocked(cost_usd=_cost_usd(payload))
    url = video.get("url")
    if not isinstance(url, str) or not url:
        return Failed(
            "internal_error",
            "the API reported the job done without a video URL",
            _cost_usd(payload),
        )
    duration = video.get("duration")
    return Done(
        video_url=url,
        duration=float(duration)
        if isinstance(duration, int | float) and 0 < duration < 3600
        else None,
        cost_usd=_cost_usd(payload),
    )


def _image_state(payload: dict[str, object]) -> JobState:
    """What a 200 from ``GET /images/{id}`` means: the first image, or the job's end."""
    data = payload.get("data")
    if not isinstance(data, list):
        return _job_state(payload)
    first = data[0] if data and isinstance(data[0], dict) else {}
    if first.get("respect_moderation") is False:
        return Blocked("moderation refused the image", _cost_usd(payload))
    url = first.get("url")
    if not isinstance(url, str) or not url:
        return Failed("internal_error", "the API answered the image without its URL", None)
    return Done(video_url=url, cost_usd=_cost_usd(payload))


def _image_body(request: ImageRequest) -> dict[str, object]:
    """A deferred generation, or an edit of one image sent inline (a data URI)."""
    body: dict[str, object] = {"model": request.model, "prompt": request.prompt, "deferred": True}
    if request.source is not None:
        if request.source.path is None:
            raise ProviderError(f"the image {request.label!r} edits is not a local file")
        body["image"] = {"url": _data_uri(request.source.path)}
    return body


def _to_png(partial: Path) -> None:
    """Check a downloaded image decodes whole, and keep it as PNG."""
    try:
        partial.write_bytes(png_of(partial.read_bytes(), "the downloaded image"))
    except ImageProblem as problem:
        raise DownloadError(problem.message) from problem


def _raise_for_download_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    if response.status_code in GONE_STATUSES:
        raise VideoGone(f"the video URL answered HTTP {response.status_code}: the clip is gone")
    error = DownloadError(f"the video URL answered HTTP {response.status_code}")
    if response.status_code in RETRY_STATUSES:
        raise Retry(error, retry_after(response))
    raise error


async def _save_bounded(response: httpx.Response, partial: Path, max_bytes: int | None) -> None:
    """Write the body to ``partial``; refuse one larger than ``max_bytes`` (never retried)."""
    length = response.headers.get("content-length")
    announced = int(length) if length and length.isdigit() else None
    if max_bytes is not None and announced is not None and announced > max_bytes:
        raise _too_large(announced, max_bytes)
    with open(partial, "wb") as sink:
        async for chunk in response.aiter_bytes():
            sink.write(chunk)
            if max_bytes is not None and response.num_bytes_downloaded > max_bytes:
                raise _too_large(response.num_bytes_downloaded, max_bytes)
    if announced is not None and response.num_bytes_downloaded != announced:
        got = response.num_bytes_downloaded
        raise Retry(DownloadError(f"the download was cut short: {got} of {announced} bytes"))


def _too_large(size: int, max_bytes: int) -> DownloadError:
    return DownloadError(
        f"the video is larger ({size} bytes or more) than its duration and resolution"
        f" can explain (at most {max_bytes}); it was not kept"
    )


async def _check_video(path: Path, expected_duration: float) -> None:
    try:
        await asyncio.to_thread(check_download, path, expected_duration)
    except MediaError as problem:
        raise Retry(DownloadError(f"the downloaded video is not usable: {problem}")) from problem


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


def _revision_body(request: VideoRequest) -> dict[str, object]:
    """An edit (prompt, video, model) or an extension (the same and the seconds added); the
    input clip goes inline as an MP4 data URI (xAI's uploads take images)."""
    if request.source_video is None:
        raise ProviderError(f"a video {request.mode} needs the clip it revises")
    try:
        content = request.source_video.read_bytes()
    except OSError as problem:
        raise StoreError(f"could not read the clip {request.source_video}: {problem}") from problem
    video = {"url": "data:video/mp4;base64," + base64.b64encode(content).decode("ascii")}
    body: dict[str, object] = {"model": request.model, "prompt": request.prompt, "video": video}
    if request.mode == "extend":
        body["duration"] = request.duration
    return body


def _data_uri(path: Path) -> str:
    content = _read_image(path)
    return f"data:{_media_type(content, path)};base64,{base64.b64encode(content).decode('ascii')}"


def from_context(context: ProviderContext) -> XaiProvider:
    """The xAI provider for the registry: XAI_API_KEY (refused if it holds whitespace),
    and XAI_BASE_URL if set."""
    key, base_url = account_from(context.environ)
    return XaiProvider(key, base_url, context.settings, context.uploads, key_salt=context.key_salt)
