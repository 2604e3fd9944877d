"""The xAI provider and the poll loop, against the real local stand-in (no HTTP mocks)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import errno
import hashlib
import io
import itertools
import json
import logging
import ssl
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

import httpcore
import httpx
import pytest
from PIL import Image

from storyboard._errors import (
    AmbiguousSubmission,
    ApiError,
    DownloadError,
    JobTimeout,
    JobUnknown,
    ProviderError,
    StoreError,
    UsageError,
)
from storyboard._limits import max_clip_bytes
from storyboard._media import check_clip
from storyboard._providers import xai
from storyboard._providers.base import (
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
from storyboard._providers.polling import JITTER, settings_from_env, wait_for_job
from storyboard._providers.retries import retry_after
from storyboard._providers.xai import ApiKey, MemoryUploadMemo, RetryPolicy, XaiProvider
from storyboard.testing.xai_standin import XaiStandin

T = TypeVar("T")
MakeProvider = Callable[..., XaiProvider]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def image(path: Path, kind: str = "PNG", colour: str = "red") -> ImageInput:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, kind)
    path.write_bytes(buffer.getvalue())
    return ImageInput(
        sha256=hashlib.sha256(buffer.getvalue()).hexdigest(), label=path.stem, path=path
    )


def request(
    mode: str = "text",
    *,
    prompt: str = "a cat on the moon",
    references: tuple[ImageInput, ...] = (),
    start: ImageInput | None = None,
    duration: int = 1,
) -> VideoRequest:
    return VideoRequest(
        mode=mode,  # type: ignore[arg-type]
        model="grok-imagine-video",
        prompt=prompt,
        duration=duration,
        aspect_ratio="16:9",
        resolution="480p",
        references=references,
        start_image=start,
    )


def generation_bodies(standin: XaiStandin) -> list[Any]:
    return [
        entry.body
        for entry in standin.requests
        if entry.path.endswith("/videos/generations") and entry.status == 200
    ]


async def make_clip(provider: XaiProvider, job: VideoRequest, folder: Path) -> Path:
    request_id = await provider.submit(job)
    state = await wait_for_job(provider, request_id, provider.settings)
    assert isinstance(state, Done), state
    destination = folder / f"{request_id}.mp4"
    await provider.fetch(state, destination, job.duration)
    return destination


# -- request bodies -----------------------------------------------------------------------


def test_a_text_request_sends_exactly_the_documented_fields(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request(duration=3))

    run(scenario())
    body = generation_bodies(standin)[0]
    assert body == {
        "model": "grok-imagine-video",
        "prompt": "a cat on the moon",
        "duration": 3,
        "aspect_ratio": "16:9",
        "resolution": "480p",
    }
    assert list(body) == ["model", "prompt", "duration", "aspect_ratio", "resolution"]


def test_an_image_request_uploads_its_start_frame(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    start = image(tmp_path / "start.png")

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request("image", start=start))
            await provider.submit(request("image", prompt="", start=start))

    run(scenario())
    first, second = generation_bodies(standin)
    file_id = first["image"]["file_id"]
    assert file_id.startswith("file_")
    assert list(first) == ["model", "prompt", "image", "duration", "aspect_ratio", "resolution"]
    assert second == {
        "model": "grok-imagine-video",
        "image": {"file_id": file_id},
        "duration": 1,
        "aspect_ratio": "16:9",
        "resolution": "480p",
    }
    assert standin.counters.uploads == 1


def test_a_reference_request_mixes_urls_and_uploads_and_uploads_each_image_once(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    cat = image(tmp_path / "cat.png")
    mug = image(tmp_path / "mug.jpg", "JPEG", "blue")
    web = ImageInput(sha256="0" * 64, label="web", url="https://example.com/hat.png")
    inline = ImageInput(sha256="1" * 64, label="inline", url="data:image/png;base64,iVBORw0KGgo=")
    job = request(
        "reference", prompt="<IMAGE_1> drinks from <IMAGE_2>", references=(cat, mug, web, inline)
    )

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(job)
            await provider.submit(job)

    run(scenario())
    first, second = generation_bodies(standin)
    assert first == second
    references = first["reference_images"]
    assert [set(entry) for entry in references] == [{"file_id"}, {"file_id"}, {"url"}, {"url"}]
    assert references[2:] == [{"url": web.url}, {"url": inline.url}]
    assert list(first) == [
        "model",
        "prompt",
        "reference_images",
        "duration",
        "aspect_ratio",
        "resolution",
    ]
    assert standin.counters.uploads == 2
    uploads = [entry.body for entry in standin.requests if entry.path.endswith("/files")]
    assert [upload["fields"] for upload in uploads if isinstance(upload, dict)] == [
        ["expires_after", "file"]
    ] * 2


@pytest.mark.slow
def test_uploads_are_remembered_per_api_until_shortly_before_they_expire(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    cat = image(tmp_path / "cat.png")
    memo = MemoryUploadMemo()

    accounts: set[str] = set()

    async def scenario() -> None:
        for _ in range(2):
            async with make_xai_provider(uploads=memo) as provider:
                accounts.add(provider.account)
                await provider.submit(request("image", start=cat))

    run(scenario())
    assert standin.counters.uploads == 1
    (account,) = accounts
    assert account.startswith(standin.base_url + " ")
    file_id = memo.get(cat.sha256, account)
    assert file_id is not None
    assert memo.get(cat.sha256, standin.base_url) is None
    memo.put(cat.sha256, account, file_id, expires_at=time.time() - 1)
    run(scenario())
    assert standin.counters.uploads == 2


def test_uploads_belong_to_the_key_that_made_them(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    cat = image(tmp_path / "cat.png")
    memo = MemoryUploadMemo()

    async def scenario(salt: bytes) -> str:
        async with make_xai_provider(uploads=memo, key_salt=salt) as provider:
            await provider.submit(request("image", start=cat))
            return provider.key_fingerprint

    first, second = run(scenario(b"one")), run(scenario(b"two"))
    assert first != second and standin.counters.uploads == 2
    assert run(scenario(b"one")) == first and standin.counters.uploads == 2


def test_a_create_refused_for_a_forgotten_file_uploads_again_and_is_sent_once_more(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    cat = image(tmp_path / "cat.png")
    memo = MemoryUploadMemo()

    async def scenario() -> None:
        async with make_xai_provider(uploads=memo) as provider:
            await provider.submit(request("image", start=cat))
            standin.forget_files()
            await provider.submit(request("image", start=cat))

    run(scenario())
    creates = [e.status for e in standin.requests if e.path.endswith("/generations")]
    assert creates == [200, 400, 200]
    assert standin.counters.uploads == 2
    assert standin.counters.generations_accepted == 2


def test_without_uploads_images_go_inline_as_data_uris(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.uploads_unavailable = True
    cat = image(tmp_path / "cat.png")
    mug = image(tmp_path / "mug.jpg", "JPEG")

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request("reference", references=(cat, mug)))
            await provider.submit(request("image", start=cat))

    run(scenario())
    first, second = generation_bodies(standin)
    png, jpeg = (entry["url"] for entry in first["reference_images"])
    assert png.startswith("data:image/png;base64,")
    assert jpeg.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(png.partition(",")[2]) == (tmp_path / "cat.png").read_bytes()
    assert second["image"] == {"url": png}
    attempts = [entry for entry in standin.requests if entry.path.endswith("/files")]
    assert len(attempts) == 1 and attempts[0].status == 404


def test_an_image_that_is_not_png_jpeg_or_webp_is_refused_before_sending(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.png"
    odd.write_bytes(b"GIF89a not really")
    ref = ImageInput(sha256="2" * 64, label="odd", path=odd)

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request("reference", references=(ref,)))

    with pytest.raises(ProviderError, match="not a PNG, JPEG or WebP"):
        run(scenario())
    assert standin.counters.posts == 0


# -- a whole job --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_job_runs_from_submission_to_a_checked_clip(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    progress: list[int | None] = []

    def heard(value: int | None) -> None:
        progress.append(value)
        if len(progress) == 2:  # an empty 202 and one with progress: let the job finish
            standin.faults.hold_jobs = False

    standin.faults.hold_jobs = True

    async def scenario() -> tuple[Done, Path]:
        async with make_xai_provider() as provider:
            request_id = await provider.submit(request(duration=2))
            state = await wait_for_job(provider, request_id, provider.settings, heard)
            assert isinstance(state, Done)
            await provider.fetch(state, tmp_path / "clip.mp4", 2)
            return state, tmp_path / "clip.mp4"

    done, clip = run(scenario())
    assert done.cost_usd == pytest.approx(0.10)
    assert done.duration == 2
    assert None in progress[:2] and any(value is not None for value in progress[:2])
    assert abs(check_clip(clip, 2).duration - 2) < 0.2
    assert [path.name for path in tmp_path.iterdir()] == ["clip.mp4"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("failed:internal_error", Failed("internal_error", "")),
        ("failed:invalid_argument", Failed("invalid_argument", "")),
        ("expired", Expired()),
        ("blocked", Blocked()),
    ],
)
def test_finished_jobs_map_to_their_states(
    standin: XaiStandin, make_xai_provider: MakeProvider, outcome: str, expected: JobState
) -> None:
    standin.faults.outcomes = {"moon": [outcome]}

    async def scenario() -> JobState:
        async with make_xai_provider() as provider:
            request_id = await provider.submit(request())
            return await wait_for_job(provider, request_id, provider.settings)

    state = run(scenario())
    assert type(state) is type(expected)
    if isinstance(state, Failed):
        assert isinstance(expected, Failed)
        assert state.code == expected.code and expected.code in state.message


def test_an_unknown_request_id_raises_job_unknown(make_xai_provider: MakeProvider) -> None:
    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.poll("no-such-job")

    with pytest.raises(JobUnknown):
        run(scenario())


# -- faults, one at a time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "accepted"),
    [("create_500_every", 0), ("create_502_every", 1), ("drop_create_response", 1)],
)
def test_a_create_failing_after_it_was_sent_is_ambiguous_and_never_resent(
    standin: XaiStandin, make_xai_provider: MakeProvider, fault: str, accepted: int
) -> None:
    standin.faults.apply({fault: True if fault.startswith("drop") else 1})

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request())

    with pytest.raises(AmbiguousSubmission, match="not resent"):
        run(scenario())
    assert standin.counters.creates == 1
    assert standin.counters.generations_accepted == accepted


def test_a_create_that_times_out_after_sending_is_ambiguous(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.create_answer_delay = 2.0

    async def scenario() -> None:
        async with make_xai_provider(timeout=0.5) as provider:
            await provider.submit(request())

    with pytest.raises(AmbiguousSubmission, match="answer was lost"):
        run(scenario())
    assert standin.counters.creates == 1


def test_every_create_carries_a_stable_idempotency_key(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.apply({"create_429_every": 2, "retry_after": 0.01})

    async def scenario() -> list[str]:
        async with make_xai_provider() as provider:
            first = await provider.submit(request(), "job-key-1")
            again = await provider.submit(request(), "job-key-1")
            other = await provider.submit(request())
            return [first, again, other]

    first, again, other = run(scenario())
    assert first == again != other
    assert standin.counters.creates == 5  # every 2nd refused with 429 and resent, same key
    assert standin.counters.generations_accepted == 2


def test_uploads_are_retried_on_server_errors(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.upload_500_every = 1
    cat = image(tmp_path / "cat.png")

    async def scenario() -> None:
        async with make_xai_provider(retry=RetryPolicy(base=0.001, max_attempts=3)) as provider:
            await provider.submit(request("image", start=cat))

    with pytest.raises(ApiError) as refused:
        run(scenario())
    assert refused.value.status == 500
    uploads = [e.status for e in standin.requests if e.path.endswith("/files")]
    assert uploads == [500, 500, 500]
    assert standin.counters.creates == 0


def test_rate_limits_are_honoured(standin: XaiStandin, make_xai_provider: MakeProvider) -> None:
    standin.faults.apply({"create_429_every": 2, "retry_after": 0.4})

    async def scenario() -> float:
        async with make_xai_provider() as provider:
            await provider.submit(request())
            started = time.monotonic()
            await provider.submit(request())
            return time.monotonic() - started

    assert run(scenario()) >= 0.4
    assert standin.counters.generations_accepted == 2
    assert standin.counters.posts == 3


def test_unavailable_polls_are_retried(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.apply({"poll_error_every": 2, "hold_jobs": True})

    def heard(value: int | None) -> None:
        if standin.counters.polls >= 3:  # the 2nd poll was answered 503: let the job finish
            standin.faults.hold_jobs = False

    async def scenario() -> JobState:
        async with make_xai_provider() as provider:
            request_id = await provider.submit(request())
            return await wait_for_job(provider, request_id, provider.settings, heard)

    assert isinstance(run(scenario()), Done)
    statuses = [entry.status for entry in standin.requests]
    assert statuses.count(503) + statuses.count(502) >= 1


def test_a_download_cut_short_is_fetched_again_whole(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.truncate_first_download = True

    async def scenario() -> Path:
        async with make_xai_provider() as provider:
            return await make_clip(provider, request(), tmp_path)

    clip = run(scenario())
    assert standin.counters.downloads == 2
    (job,) = standin._api._jobs.values()
    whole = standin._api.clips.clip(1, "16:9", "480p", job.variant)
    assert clip.read_bytes() == whole.read_bytes()
    assert list(tmp_path.iterdir()) == [clip]


def test_a_slow_api_still_completes(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.request_latency = 0.05

    async def scenario() -> Path:
        async with make_xai_provider() as provider:
            return await make_clip(provider, request(), tmp_path)

    assert run(scenario()).exists()


@pytest.mark.slow
def test_every_fault_at_once_still_completes_every_job_exactly_once(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.apply(
        {
            "create_429_every": 3,
            "upload_500_every": 2,
            "retry_after": 0.05,
            "poll_error_every": 5,
            "truncate_first_download": True,
            "request_latency": 0.01,
        }
    )
    cat = image(tmp_path / "cat.png")
    jobs = [
        request("reference", prompt=f"<IMAGE_1> in scene {number}", references=(cat,))
        for number in range(6)
    ]

    async def scenario() -> list[Path]:
        async with make_xai_provider() as provider:
            return await asyncio.gather(*(make_clip(provider, job, tmp_path) for job in jobs))

    clips = run(scenario())
    assert len(clips) == 6 and all(check_clip(clip, 1) for clip in clips)
    assert standin.counters.generations_accepted == 6
    assert standin.counters.uploads == 1
    assert sorted(tmp_path.iterdir()) == sorted([*clips, tmp_path / "cat.png"])


def test_retries_give_up_after_the_last_attempt(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.apply({"create_429_every": 1, "retry_after": 0.001})

    async def scenario() -> None:
        async with make_xai_provider(retry=RetryPolicy(base=0.001, max_attempts=3)) as provider:
            await provider.submit(request())

    with pytest.raises(ApiError) as refused:
        run(scenario())
    assert refused.value.status == 429 and refused.value.retryable
    assert standin.counters.posts == 3


def test_an_unreachable_api_is_retried_then_reported(
    xai_key: str, fast_settings: ProviderSettings
) -> None:
    async def scenario() -> None:
        retry = RetryPolicy(base=0.001, max_attempts=2)
        async with XaiProvider(
            xai_key, "http://127.0.0.1:9/v1", fast_settings, retry=retry
        ) as provider:
            await provider.submit(request())

    with pytest.raises(ProviderError, match="could not reach the API") as refused:
        run(scenario())
    # nothing left the machine, so no job can exist: not ambiguous
    assert not isinstance(refused.value, AmbiguousSubmission)


# -- refusals and ambiguity -----------------------------------------------------------------


@pytest.mark.parametrize("shape", ["object", "code", "string"])
def test_a_wrong_key_is_refused_once_with_the_apis_message(
    standin: XaiStandin, make_xai_provider: MakeProvider, shape: str
) -> None:
    standin.faults.error_shape = shape

    async def scenario() -> None:
        async with make_xai_provider(api_key="wrong-key") as provider:
            await provider.submit(request())

    with pytest.raises(ApiError) as refused:
        run(scenario())
    assert refused.value.status == 401
    assert refused.value.api_message == "Incorrect API key provided"
    assert refused.value.code == (None if shape == "string" else "invalid_api_key")
    assert standin.counters.posts == 1


@pytest.mark.parametrize(
    ("job", "status", "message"),
    [
        (
            request(
                "reference",
                duration=11,
                references=(ImageInput("3" * 64, "x", url="https://x/a.png"),),
            ),
            422,
            "duration must be 1..10 s for reference",
        ),
        (request(prompt=""), 400, "prompt is required"),
        (
            VideoRequest("text", "grok-imagine-video-9", "x", 1, "16:9", "480p"),
            404,
            "The model grok-imagine-video-9 does not exist",
        ),
    ],
)
def test_refusals_are_not_retried(
    standin: XaiStandin,
    make_xai_provider: MakeProvider,
    job: VideoRequest,
    status: int,
    message: str,
) -> None:
    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(job)

    with pytest.raises(ApiError) as refused:
        run(scenario())
    assert (refused.value.status, refused.value.api_message) == (status, message)
    assert message in str(refused.value)
    assert standin.counters.posts == 1


def test_a_lost_create_answer_is_ambiguous_and_never_resent(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.drop_create_response = True

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request())

    with pytest.raises(AmbiguousSubmission, match="not resent"):
        run(scenario())
    assert standin.counters.generations_accepted == 1
    assert standin.counters.posts == 1


# -- downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "video_url"),
    [
        (None, "http://example.com/video.mp4"),
        ("https://api.x.ai/v1", "http://127.0.0.1:9/video.mp4"),
        (None, "ftp://127.0.0.1/video.mp4"),
    ],
)
def test_plain_http_downloads_are_refused_unless_everything_is_local(
    make_xai_provider: MakeProvider, tmp_path: Path, base_url: str | None, video_url: str
) -> None:
    async def scenario() -> None:
        overrides = {"base_url": base_url} if base_url else {}
        async with make_xai_provider(**overrides) as provider:
            await provider.fetch(Done(video_url), tmp_path / "clip.mp4", 1)

    with pytest.raises(DownloadError, match="only fetched over https"):
        run(scenario())
    assert list(tmp_path.iterdir()) == []


def test_the_key_goes_only_to_the_apis_own_host(
    xai_key: str, standin_clip_dir: Path, fast_settings: ProviderSettings, tmp_path: Path
) -> None:
    with XaiStandin(
        key=xai_key, latency=0.05, clip_dir=standin_clip_dir, video_host="localhost"
    ) as api:

        async def scenario() -> None:
            async with XaiProvider(xai_key, api.base_url, fast_settings) as provider:
                clip = await make_clip(provider, request(), tmp_path)
                moved = Done(f"{api.origin}/_standin/videos/{clip.stem}.mp4")
                await provider.fetch(moved, tmp_path / "again.mp4", 1)

        run(scenario())
        downloads = [entry.auth for entry in api.requests if entry.path.startswith("/_standin/")]
    assert downloads == ["absent", "correct"]


def test_a_download_that_is_not_a_video_is_retried_then_refused(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with make_xai_provider() as provider:
            request_id = await provider.submit(request())
            await provider.fetch(
                Done(f"{standin.base_url}/videos/{request_id}"), tmp_path / "c.mp4", 1
            )

    with pytest.raises(DownloadError, match="not usable"):
        run(scenario())
    polls = [entry for entry in standin.requests if entry.method == "GET"]
    assert len(polls) == 4
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_mid_download_leaves_nothing_behind(
    standin: XaiStandin,
    make_xai_provider: MakeProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FullDisk(io.FileIO):
        def write(self, data: Any) -> int:
            room = 1000 - self.tell()
            if len(data) > room:
                super().write(bytes(data[:room]))
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    monkeypatch.setattr(xai, "open", lambda path, mode: FullDisk(path, "w"), raising=False)

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await make_clip(provider, request(), tmp_path)

    with pytest.raises(StoreError, match="No space left on device"):
        run(scenario())
    assert list(tmp_path.iterdir()) == []
    assert standin.counters.downloads == 1


# -- the key stays secret -------------------------------------------------------------------


def test_the_key_never_shows(
    standin: XaiStandin,
    make_xai_provider: MakeProvider,
    xai_key: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    standin.faults.apply(
        {"create_429_every": 2, "poll_error_every": 2, "truncate_first_download": True}
    )
    messages: list[str] = []

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            messages.extend(
                [repr(provider), str(provider), repr(provider._key), str(provider._key)]
            )
            await make_clip(provider, request(), tmp_path)
            for attempt in (
                provider.submit(request(prompt="")),
                provider.poll("nope"),
                provider.fetch(Done("http://example.com/x.mp4"), tmp_path / "x.mp4", 1),
            ):
                try:
                    await attempt
                except ProviderError as error:
                    messages.append(f"{error!s} {error!r}")
            standin.faults.drop_create_response = True
            try:
                await provider.submit(request())
            except AmbiguousSubmission as error:
                messages.append(str(error))

    run(scenario())
    assert len(messages) == 8
    assert xai_key not in " ".join(messages)
    assert "Bearer" not in caplog.text and xai_key not in caplog.text
    assert xai_key not in json.dumps(standin.stats())
    for path in tmp_path.rglob("*"):
        assert xai_key.encode() not in path.read_bytes()


def test_api_keys_hide_themselves_and_scrub_messages() -> None:
    key = ApiKey("sekrit")
    assert "sekrit" not in f"{key} {key!r}"
    assert key.scrub("bad key sekrit given") == "bad key *** given"
    assert key.reveal() == "sekrit"


def test_a_plain_http_api_elsewhere_is_refused(xai_key: str) -> None:
    with pytest.raises(UsageError, match="must use https"):
        XaiProvider(xai_key, "http://api.example.com/v1")


# -- retry timing ---------------------------------------------------------------------------


def test_retry_after_is_read_from_seconds_or_a_date() -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after(httpx.Response(429, headers={"Retry-After": "3"}))
    dated = retry_after(httpx.Response(429, headers={"Retry-After": in_a_minute}))
    assert seconds == 3.0
    assert dated is not None and 25 < dated <= 30
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(429)) is None


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=5.0, retry_after_cap=60.0)
    for attempt, bound in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0 <= delay <= bound for delay in delays)
        assert max(delays) > bound / 2
    assert policy.delay(1, retry_after=7) == 7
    assert policy.delay(1, retry_after=600) == 60


# -- the poll loop --------------------------------------------------------------------------


class ScriptedProvider:
    """A provider that answers polls from a list, timing each one."""

    name = "scripted"

    def __init__(self, states: list[JobState]) -> None:
        self.states = states
        self.times: list[float] = []

    async def poll(self, request_id: str) -> JobState:
        self.times.append(asyncio.get_running_loop().time())
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]


def test_requests_wait_their_turn_outside_the_connection_pool(
    make_xai_provider: MakeProvider,
    fast_settings: ProviderSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # httpcore's pool re-checks every queued request against every connection on each
    # request it takes or lets go, so many polls at once must not all queue inside it.
    inside, most = 0, 0
    enter = httpcore.AsyncConnectionPool.handle_async_request

    async def counted(pool: httpcore.AsyncConnectionPool, request: Any) -> Any:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        try:
            return await enter(pool, request)
        finally:
            inside -= 1

    monkeypatch.setattr(httpcore.AsyncConnectionPool, "handle_async_request", counted)
    settings = dataclasses.replace(fast_settings, concurrency=50)

    async def scenario() -> None:
        async with make_xai_provider(settings=settings) as provider:
            job = await provider.submit(request())
            await asyncio.gather(*(provider.poll(job) for _ in range(40)))

    run(scenario())
    assert 1 <= most <= xai.API_CONNECTIONS


def test_polls_back_off_towards_the_maximum() -> None:
    provider = ScriptedProvider([Pending(10), Pending(None), Pending(50), Pending(70), Done("u")])
    settings = ProviderSettings(poll_interval=0.04, poll_max=0.08, job_timeout=5)
    seen: list[int | None] = []

    async def scenario() -> tuple[JobState, float]:
        started = asyncio.get_running_loop().time()
        state = await wait_for_job(provider, "r", settings, seen.append)  # type: ignore[arg-type]
        return state, started

    state, started = run(scenario())
    assert state == Done("u")
    assert seen == [10, None, 50, 70]
    poll_times = [started, *provider.times]
    waits = [later - earlier for earlier, later in itertools.pairwise(poll_times)]
    assert len(waits) == 5
    for wait, step in zip(waits, [0.04, 0.06, 0.08, 0.08, 0.08], strict=True):
        assert wait >= step * JITTER - 0.005  # each wait is drawn in [JITTER x step, step]


def test_a_job_pending_too_long_times_out() -> None:
    provider = ScriptedProvider([Pending(1)])
    settings = ProviderSettings(poll_interval=0.02, poll_max=0.05, job_timeout=0.2)

    async def scenario() -> None:
        await wait_for_job(provider, "slow-job", settings)  # type: ignore[arg-type]

    started = time.monotonic()
    with pytest.raises(JobTimeout, match="slow-job"):
        run(scenario())
    assert 0.2 <= time.monotonic() - started < 1.0


def test_settings_come_from_the_environment() -> None:
    settings = settings_from_env(
        {
            "STORYBOARD_POLL_INTERVAL": "0.05",
            "STORYBOARD_POLL_MAX": "1",
            "STORYBOARD_JOB_TIMEOUT": "",
        }
    )
    assert (settings.poll_interval, settings.poll_max, settings.job_timeout) == (0.05, 1.0, 900.0)
    assert settings_from_env({}) == ProviderSettings()


@pytest.mark.parametrize("value", ["soon", "-1", "0", "nan", "inf"])
def test_a_bad_setting_names_its_variable(value: str) -> None:
    with pytest.raises(UsageError, match="STORYBOARD_JOB_TIMEOUT"):
        settings_from_env({"STORYBOARD_JOB_TIMEOUT": value})


# -- a hostile server -----------------------------------------------------------------------


async def finished(provider: XaiProvider) -> Done:
    request_id = await provider.submit(request())
    state = await wait_for_job(provider, request_id, provider.settings)
    assert isinstance(state, Done), state
    return state


def test_a_clip_larger_than_its_shape_explains_is_refused_and_not_kept(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.oversize_download_mb = 16
    cap = max_clip_bytes("16:9", "480p", 1)
    assert cap < 16 * 1024 * 1024

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.fetch(await finished(provider), tmp_path / "clip.mp4", 1, cap)

    with pytest.raises(DownloadError, match="larger"):
        run(scenario())
    assert standin.counters.downloads == 1
    assert list(tmp_path.iterdir()) == []


def test_a_clip_of_another_length_than_the_api_reported_is_refused_and_not_kept(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with make_xai_provider() as provider:
            done = await finished(provider)  # a 1 s clip
            claimed = dataclasses.replace(done, duration=8.0)
            await provider.fetch(claimed, tmp_path / "clip.mp4", 8.0)

    with pytest.raises(ProviderError, match="lasts"):
        run(scenario())
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_download_stops_at_the_deadline(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.trickle_download = 0.1
    settings = ProviderSettings(poll_interval=0.05, poll_max=0.1, job_timeout=0.5)

    async def scenario() -> None:
        async with make_xai_provider(settings=settings) as provider:
            done = await finished(provider)
            await provider.fetch(done, tmp_path / "clip.mp4", 1)

    started = time.monotonic()
    with pytest.raises(DownloadError, match="took longer"):
        run(scenario())
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_to_plain_http_is_refused_before_it_is_followed(
    standin: XaiStandin, make_xai_provider: MakeProvider, tmp_path: Path
) -> None:
    standin.faults.redirect_video_to_http = True

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.fetch(await finished(provider), tmp_path / "clip.mp4", 1)

    with pytest.raises(DownloadError, match="only fetched over https"):
        run(scenario())
    assert standin.counters.downloads == 1


def test_a_huge_request_id_is_ambiguous_and_never_stored(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.huge_request_id = True

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request())

    with pytest.raises(AmbiguousSubmission, match="unusable request_id") as lost:
        run(scenario())
    assert len(str(lost.value)) < 300
    assert standin.counters.creates == 1


def test_a_huge_error_body_is_bounded(standin: XaiStandin, make_xai_provider: MakeProvider) -> None:
    standin.faults.huge_error_body = True

    async def scenario() -> None:
        async with make_xai_provider() as provider:
            await provider.submit(request(prompt=""))

    with pytest.raises(ApiError) as refused:
        run(scenario())
    assert refused.value.api_message.startswith("prompt is required")
    assert len(str(refused.value)) < 1000


def test_a_moderation_refusal_on_the_poll_is_a_billed_block(
    standin: XaiStandin, make_xai_provider: MakeProvider
) -> None:
    standin.faults.outcomes = {"moon": ["moderated"]}

    async def scenario() -> JobState:
        async with make_xai_provider() as provider:
            request_id = await provider.submit(request())
            return await wait_for_job(provider, request_id, provider.settings)

    state = run(scenario())
    assert isinstance(state, Blocked)
    assert state.cost_usd == pytest.approx(0.05)
    assert "moderation" in state.message


@pytest.mark.parametrize("key", ["xai-abc\n", "xai abc", "xai-\x00abc", " xai-abc"])
def test_a_key_with_whitespace_or_control_characters_is_refused_unseen(key: str) -> None:
    with pytest.raises(UsageError) as refused:
        XaiProvider(key, "https://api.x.ai/v1")
    assert key.strip() not in str(refused.value)
    assert "XAI_API_KEY" in str(refused.value)


def test_providers_load_the_certificates_once_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each client would load them itself (50 ms of CPU each, before the first request)."""
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        real(context, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    xai.tls_context.cache_clear()
    provider = XaiProvider("xai-abc", "https://api.x.ai/v1")
    elsewhere = provider.at("https://eu.api.x.ai/v1")
    assert elsewhere is not None
    assert len(loads) == 1
    run(provider.aclose())
    run(elsewhere.aclose())
