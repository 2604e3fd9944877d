"""The preview provider through the engine's own cycle: submit, poll, fetch."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import MakeProject
from PIL import Image
from test_generated_references import IMAGES, ONE_PICTURE_STORY

from storyboard._engine import BuildOptions
from storyboard._errors import DownloadError, JobUnknown, RequestRefused
from storyboard._fileops import temporary_beside
from storyboard._media import probe
from storyboard._providers import make_provider
from storyboard._providers.base import (
    Done,
    Failed,
    ImageInput,
    ImageRequest,
    JobState,
    Pending,
    ProviderSettings,
    VideoRequest,
)
from storyboard._providers.polling import wait_for_job
from storyboard._providers.preview import PreviewProvider
from storyboard._studio import Studio

T = TypeVar("T")
FAST = ProviderSettings(poll_interval=0.02, poll_max=0.1, job_timeout=120)
HOURLY = ProviderSettings(poll_interval=3600.0, poll_max=3600.0, job_timeout=7200.0)
"""Polls an hour apart: a render is seen only through the provider's word that it ended."""


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def text_request(label: str = "harbour") -> VideoRequest:
    return VideoRequest(
        mode="text",
        model="grok-imagine-video",
        prompt="Boats rock gently in the harbour.",
        duration=1,
        aspect_ratio="16:9",
        resolution="480p",
        label=label,
    )


@pytest.mark.slow
def test_submit_poll_fetch_delivers_a_clip(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path / "work", FAST)
    destination = tmp_path / "clips" / "harbour.mp4"

    async def cycle() -> Done:
        request_id = await provider.submit(text_request())
        assert request_id.startswith("preview-")
        state = await wait_for_job(provider, request_id, FAST)
        assert isinstance(state, Done)
        await provider.fetch(state, destination, 1.0)
        with pytest.raises(JobUnknown):
            await provider.poll(request_id)
        await provider.aclose()
        return state

    done = run(cycle())
    assert done.video_url.startswith("file://") and done.cost_usd == 0.0 and done.duration == 1.0
    assert probe(destination).duration == pytest.approx(1.0, abs=0.03)
    assert list((tmp_path / "work").iterdir()) == [], "the render moved, no leftovers"
    assert [p.name for p in destination.parent.iterdir()] == ["harbour.mp4"]


def test_the_end_of_a_render_is_heard_without_waiting_for_a_poll(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path / "work", HOURLY)

    async def cycle() -> JobState:
        request_id = await provider.submit(text_request())
        ended = provider.ended(request_id)
        assert ended is not None
        waiting = wait_for_job(provider, request_id, HOURLY, ended=ended)
        state = await asyncio.wait_for(waiting, 120)
        await provider.aclose()
        return state

    assert isinstance(run(cycle()), Done)


def test_an_image_has_ended_as_it_is_submitted_and_an_unknown_id_has_no_end(
    tmp_path: Path,
) -> None:
    provider = PreviewProvider(tmp_path / "work", HOURLY)

    async def ends() -> tuple[bool, object]:
        request_id = await provider.submit_image(ImageRequest("grok-imagine-image", "a cat"))
        ended = provider.ended(request_id)
        heard = ended is not None and ended.done()
        unknown = provider.ended("preview-0123456789abcdef")
        await provider.aclose()
        return heard, unknown

    assert run(ends()) == (True, None)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_build_sees_each_render_end_with_polls_an_hour_apart(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORYBOARD_POLL_INTERVAL", "3600")
    monkeypatch.setenv("STORYBOARD_POLL_MAX", "3600")
    monkeypatch.setenv("STORYBOARD_JOB_TIMEOUT", "7200")
    root = make_project(ONE_PICTURE_STORY, IMAGES)

    with Studio.open(root) as studio:
        result = studio.build("preview", BuildOptions(score=False))
    assert result.ok and len(result.results) == 3, result.results


def test_a_fresh_job_is_pending(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path, FAST)

    async def first_poll() -> object:
        request_id = await provider.submit(text_request())
        state = await provider.poll(request_id)
        await provider.aclose()
        return state

    state = run(first_poll())
    assert isinstance(state, Pending) and state.progress is not None


def test_an_id_it_does_not_know_is_unknown(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path, FAST)
    with pytest.raises(JobUnknown):
        run(provider.poll("preview-0123456789abcdef"))


def test_a_render_that_raises_is_a_failed_job(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path / "work", FAST)
    missing = ImageInput("f" * 64, "@goodbye", path=tmp_path / "missing.png")
    request = VideoRequest(
        mode="image",
        model="grok-imagine-video",
        prompt="",
        duration=1,
        aspect_ratio="16:9",
        resolution="480p",
        start_image=missing,
        label="after",
    )

    async def failing() -> object:
        request_id = await provider.submit(request)
        state = await wait_for_job(provider, request_id, FAST)
        await provider.aclose()
        return state

    state = run(failing())
    assert isinstance(state, Failed)
    assert state.code == "internal_error" and "@goodbye" in state.message


def test_requests_it_cannot_draw_are_refused(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path, FAST)
    bad = VideoRequest(
        mode="text",
        model="grok-imagine-video",
        prompt="x",
        duration=0,
        aspect_ratio="5:4",
        resolution="4k",
    )
    with pytest.raises(RequestRefused) as refusal:
        run(provider.submit(bad))
    message = str(refusal.value)
    assert message.startswith("the preview provider refused the request: aspect ratio '5:4'")
    assert all(word in message for word in ("'4k'", "duration 0 s"))
    assert "HTTP" not in message and "400" not in message


def test_fetch_takes_only_its_own_renders(tmp_path: Path) -> None:
    provider = PreviewProvider(tmp_path / "work", FAST)
    stranger = tmp_path / "elsewhere.mp4"
    stranger.write_bytes(b"")
    for url in (stranger.as_uri(), "https://example.com/clip.mp4"):
        with pytest.raises(DownloadError):
            run(provider.fetch(Done(video_url=url), tmp_path / "out.mp4", 1.0))


@pytest.mark.slow
def test_several_jobs_share_two_workers_and_close_cleans_up(tmp_path: Path) -> None:
    work = tmp_path / "work"
    provider = PreviewProvider(work, FAST)
    Image.new("RGB", (60, 80), (200, 60, 60)).save(tmp_path / "rose.png")
    reference = VideoRequest(
        mode="reference",
        model="grok-imagine-video",
        prompt="<IMAGE_1> waits.",
        duration=1,
        aspect_ratio="9:16",
        resolution="480p",
        references=(ImageInput("a" * 64, "rose", path=tmp_path / "rose.png"),),
        label="waiting",
    )

    async def three() -> list[JobState]:
        ids = [await provider.submit(r) for r in (text_request("a"), text_request("b"), reference)]
        states = [await wait_for_job(provider, request_id, FAST) for request_id in ids]
        assert len(list(work.glob("preview-*.mp4"))) == 3
        await provider.aclose()
        return states

    states = run(three())
    assert all(isinstance(state, Done) for state in states)
    assert list(work.iterdir()) == [], "renders never fetched are deleted on close"


def test_make_provider_builds_the_preview(tmp_path: Path) -> None:
    provider = make_provider("preview", tmp_path, FAST)
    assert isinstance(provider, PreviewProvider) and provider.name == "preview"
    run(provider.aclose())


@pytest.mark.slow
def test_the_first_submit_clears_what_a_dead_process_left(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    stale = [work / "preview-dead.mp4", temporary_beside(work / "preview-dead.mp4")]
    for path in stale:
        path.write_bytes(b"half a clip")
    keep = work / "notes.txt"
    keep.write_text("not ours")
    provider = PreviewProvider(work, FAST)
    assert all(path.exists() for path in stale), "constructing touches nothing"

    async def submit() -> None:
        await provider.submit(text_request())
        await provider.aclose()

    run(submit())
    assert not any(path.exists() for path in stale) and keep.exists()
