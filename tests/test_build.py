"""Whole builds against the xAI stand-in: bodies, caching, outcomes, money, takes."""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from conftest import MakeProject
from PIL import Image
from typer.testing import CliRunner

from storyboard._engine import DOWNLOADS_AT_ONCE, BuildOptions, BuildResult, Engine
from storyboard._errors import BudgetExceeded, UsageError
from storyboard._export import ExportResult
from storyboard._media import ffmpeg_exe, probe
from storyboard._providers.base import ProviderSettings
from storyboard._providers.retries import RetryPolicy
from storyboard._providers.xai import XaiProvider
from storyboard._store import Store
from storyboard._studio import Studio
from storyboard.cli import app
from storyboard.testing.xai_standin import Faults, XaiStandin

pytestmark = pytest.mark.slow  # whole builds against the stand-in, most of them exporting a film

IMAGES = {"e.png": (200, 60, 40), "c.png": (40, 160, 90), "pad.png": (30, 30, 160)}
STORY = """\
storyboard: 1
title: Small Story
defaults: {duration: 2, resolution: 480p}
characters:
  eileen: {image: assets/e.png}
  chelsea: {image: assets/c.png}
locations:
  pad: {image: assets/pad.png}
scenes:
  - id: breakfast
    prompt: "@eileen drinks coffee while @chelsea watches @eileen"
    caption: Morning.
  - id: walkout
    prompt: "continuing from @breakfast: @eileen walks to @pad"
  - id: liftoff
    start: walkout
    prompt: the rocket lifts off
  - id: orbit
    prompt: the earth turns below
export: {captions: srt}
"""


@pytest.fixture
def small(make_project: MakeProject) -> Path:
    return make_project(STORY, IMAGES)


def build(root: Path, **options: Any) -> BuildResult:
    studio = Studio.open(root)
    try:
        return studio.build("xai", BuildOptions(**options))
    finally:
        studio.close()


def generation_bodies(api: XaiStandin) -> list[dict[str, Any]]:
    return [
        r.body
        for r in api.requests
        if r.method == "POST"
        and r.path.endswith("/videos/generations")
        and r.status == 200
        and isinstance(r.body, dict)
    ]


def test_a_build_sends_exactly_the_documented_bodies(small: Path, xai_env: XaiStandin) -> None:
    result = build(small)
    assert result.ok, result.results
    bodies = {body["prompt"]: body for body in generation_bodies(xai_env)}
    assert len(bodies) == 4 == xai_env.counters.generations_accepted
    breakfast = bodies["<IMAGE_1> drinks coffee while <IMAGE_2> watches <IMAGE_1>"]
    assert set(breakfast) == {
        "model",
        "prompt",
        "reference_images",
        "duration",
        "aspect_ratio",
        "resolution",
    }
    assert breakfast["duration"] == 2 and breakfast["resolution"] == "480p"
    assert all(set(ref) == {"file_id"} for ref in breakfast["reference_images"])
    walkout = bodies["continuing from <IMAGE_1>: <IMAGE_2> walks to <IMAGE_3>"]
    assert len(walkout["reference_images"]) == 3
    liftoff = bodies["the rocket lifts off"]
    assert set(liftoff) == {"model", "prompt", "image", "duration", "aspect_ratio", "resolution"}
    orbit = bodies["the earth turns below"]
    assert "image" not in orbit and "reference_images" not in orbit
    # Each distinct image is uploaded once and reused by file id:
    # e, c, pad, breakfast's last frame (for walkout) and walkout's (for liftoff).
    assert xai_env.counters.uploads == 5


def test_a_second_build_sends_nothing(small: Path, xai_env: XaiStandin) -> None:
    assert build(small).ok
    before = len(xai_env.requests)
    again = build(small)
    assert again.ok
    assert {r.outcome for r in again.results.values()} == {"cached"}
    assert len(xai_env.requests) == before


def sea(make_project: MakeProject, count: int) -> Path:
    """A project of ``count`` independent one-second scenes of the sea, without pictures."""
    scenes = "".join(f'  - {{id: s{i:02d}, prompt: "shot {i} of the sea"}}\n' for i in range(count))
    return make_project(
        f"storyboard: 1\ntitle: Sea\ndefaults: {{duration: 1}}\nscenes:\n{scenes}", {}
    )


def test_concurrency_bounds_the_jobs_in_flight(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = sea(make_project, 9)
    result = build(root, concurrency=3)
    assert result.ok
    assert xai_env.counters.generations_accepted == 9
    assert 1 <= xai_env.counters.max_in_flight <= 3


class Heard:
    """A reporter that keeps what it hears, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None:
        self.events.append((scene_id, status))

    def message(self, text: str) -> None:
        return None


def test_the_next_job_is_sent_while_a_finished_one_downloads(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    """A job's place among the jobs in flight is given back when the API says it ended."""
    xai_env.faults.trickle_download = 0.02  # each download takes a good while
    root = sea(make_project, 2)
    heard = Heard()
    with Studio.open(root) as studio:
        assert studio.build("xai", BuildOptions(concurrency=1), heard).ok
    events = heard.events
    first, second = sorted({scene for scene, _ in events})
    sent = events.index((second, "submitted"))
    assert events.index((first, "downloading")) < sent < events.index((first, "generated"))
    assert xai_env.counters.max_in_flight == 1


def test_jobs_that_end_together_download_a_few_at_a_time(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    """Six jobs sent together end together; their videos are fetched two at a time."""
    xai_env.faults.trickle_download = 0.02  # each download takes a good while
    root = sea(make_project, 6)
    with Studio.open(root) as studio:
        assert studio.build("xai", BuildOptions(concurrency=6)).ok
    assert xai_env.counters.downloads == 6
    assert xai_env.counters.max_sending_videos <= DOWNLOADS_AT_ONCE == 2


def test_the_film_has_every_scene_in_order_with_sound(small: Path, xai_env: XaiStandin) -> None:
    assert build(small).ok
    studio = Studio.open(small)
    made = studio.export("xai")
    assert isinstance(made, ExportResult)
    info = probe(made.path)
    assert info.has_audio
    assert info.duration == pytest.approx(8.0, abs=0.25)
    assert made.path == small / "out" / "film.mp4"
    srt = (small / "out" / "film.srt").read_text()
    assert "Morning." in srt
    # Each scene's clip (the stand-in tints every request differently) is where it belongs.
    plan = studio.plan("xai")
    clips = {p.id: studio.store.clip_path(p.take.clip) for p in plan.scenes if p.take}
    for index, scene_id in enumerate(["breakfast", "walkout", "liftoff", "orbit"]):
        in_film = thumbnail(made.path, 2.0 * index + 1.0)
        distances = {s: difference(in_film, thumbnail(clips[s], 1.0)) for s in clips}
        nearest = min(distances, key=distances.__getitem__)
        assert nearest == scene_id, f"at {2 * index + 1} s the film shows {nearest}"


def thumbnail(video: Path, seconds: float) -> bytes:
    """One frame, shrunk to 16x9 RGB pixels."""
    command = [ffmpeg_exe(), "-loglevel", "error", "-ss", f"{seconds}", "-i", str(video)]
    command += ["-frames:v", "1", "-vf", "scale=16:9", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def difference(first: bytes, second: bytes) -> int:
    return sum(abs(a - b) for a, b in zip(first, second, strict=True))


def test_faults_all_at_once_pay_for_each_scene_once(small: Path, xai_env: XaiStandin) -> None:
    xai_env.faults = Faults(
        create_429_every=3,
        upload_500_every=2,
        retry_after=0.05,
        poll_error_every=5,
        truncate_first_download=True,
    )
    result = build(small, concurrency=4)
    assert result.ok, result.results
    assert xai_env.counters.generations_accepted == 4


def test_internal_error_and_expiry_are_resubmitted_once(small: Path, xai_env: XaiStandin) -> None:
    xai_env.faults = Faults(
        outcomes={"drinks coffee": ["failed:internal_error"], "earth turns": ["expired"]}
    )
    result = build(small)
    assert result.ok, result.results
    assert xai_env.counters.generations_accepted == 6


def test_a_second_failure_gives_up(small: Path, xai_env: XaiStandin) -> None:
    xai_env.faults = Faults(outcomes={"earth turns": ["failed:internal_error"] * 2})
    result = build(small)
    assert result.results["orbit"].outcome == "failed"
    assert "after one resubmission" in result.results["orbit"].message
    assert xai_env.counters.generations_accepted == 5


def test_a_blocked_scene_is_refused_and_the_rest_kept(small: Path, xai_env: XaiStandin) -> None:
    xai_env.faults = Faults(outcomes={"drinks coffee": ["blocked"] * 3})
    result = build(small)
    outcomes = {scene: r.outcome for scene, r in result.results.items()}
    assert outcomes == {
        "breakfast": "refused",
        "walkout": "skipped",
        "liftoff": "skipped",
        "orbit": "generated",
    }
    assert "moderation" in result.results["breakfast"].message
    assert xai_env.counters.generations_accepted == 2  # breakfast once (not retried), orbit
    plan = Studio.open(small).plan("xai")
    assert plan.all_scenes["breakfast"].state == "failed"
    assert plan.all_scenes["orbit"].state == "cached"


def test_invalid_argument_is_refused_with_the_api_message(small: Path, xai_env: XaiStandin) -> None:
    xai_env.faults = Faults(outcomes={"earth turns": ["failed:invalid_argument"]})
    result = build(small)
    assert result.results["orbit"].outcome == "refused"
    assert xai_env.counters.generations_accepted == 4


@pytest.mark.parametrize(("honour", "jobs"), [(True, 1), (False, 2)])
def test_an_ambiguous_submission_is_not_resent_blindly(
    small: Path, xai_env: XaiStandin, honour: bool, jobs: int
) -> None:
    xai_env.faults = Faults(drop_create_response=True)
    result = build(small, only=["orbit"])
    assert result.results["orbit"].outcome == "ambiguous"
    assert "--resubmit" in result.results["orbit"].message
    assert xai_env.counters.generations_accepted == 1
    xai_env.faults = Faults(honour_idempotency=honour)
    again = build(small, only=["orbit"])
    assert again.results["orbit"].outcome == "ambiguous"
    assert xai_env.counters.generations_accepted == 1
    resent = build(small, only=["orbit"], resubmit=True)
    assert resent.results["orbit"].outcome == "generated"
    # the resubmission carries the lost create's Idempotency-Key: an API that honours
    # it answers with the job that create made, one that ignores it makes a second
    assert xai_env.counters.generations_accepted == jobs
    assert xai_env.counters.creates == 2


def test_a_job_whose_polls_keep_failing_is_resumed_never_resent(
    small: Path,
    xai_env: XaiStandin,
    make_xai_provider: Callable[..., XaiProvider],
    fast_settings: ProviderSettings,
) -> None:
    xai_env.faults = Faults(poll_error_every=1)

    async def build_with_few_retries() -> BuildResult:
        with Studio.open(small) as studio:
            retry = RetryPolicy(base=0.001, cap=0.002, max_attempts=3)
            salt = studio.store.key_salt()
            async with make_xai_provider(retry=retry, key_salt=salt) as provider:
                options = BuildOptions(only=["orbit"])
                engine = Engine(
                    studio.project, studio.store, studio.lock, provider, fast_settings, options
                )
                return await engine.run()

    first = asyncio.run(build_with_few_retries())
    assert first.results["orbit"].outcome == "failed"
    assert "the next build resumes it" in first.results["orbit"].message
    xai_env.faults = Faults()
    again = build(small, only=["orbit"])
    assert again.results["orbit"].outcome == "generated", again.results
    assert xai_env.counters.generations_accepted == 1


def test_a_build_with_nothing_to_send_still_refuses_a_bad_environment(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(small).ok
    monkeypatch.setenv("XAI_BASE_URL", "http://api.example.com/v1")
    with pytest.raises(UsageError, match="must use https"):
        build(small)
    monkeypatch.setenv("XAI_BASE_URL", xai_env.base_url)
    monkeypatch.setenv("XAI_API_KEY", "xai-two words")
    with pytest.raises(UsageError, match="holds whitespace"):
        build(small)


def test_only_builds_a_scene_and_what_it_needs(small: Path, xai_env: XaiStandin) -> None:
    result = build(small, only=["walkout"])
    assert set(result.results) == {"breakfast", "walkout"}
    with pytest.raises(UsageError, match="did you mean walkout"):
        build(small, only=["walkou"])


def test_max_cost_refuses_a_build_over_budget(small: Path, xai_env: XaiStandin) -> None:
    with pytest.raises(BudgetExceeded, match="more than --max-cost"):
        build(small, max_cost=0.2)
    assert xai_env.counters.generations_accepted == 0


def test_max_cost_stops_submitting_when_the_spend_reaches_it(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Estimated at $0.03/s the build fits in $0.25, but each 2 s clip really costs $0.10.
    monkeypatch.setenv("STORYBOARD_PRICES", '{"grok-imagine-video": 0.03}')
    result = build(small, max_cost=0.25, concurrency=1)
    assert not result.ok
    assert "max-cost" in " ".join(r.message for r in result.results.values())
    assert xai_env.counters.generations_accepted == 2
    assert Studio.open(small).status("xai").spent_usd == pytest.approx(0.2)


def test_regen_makes_new_takes_downstream_and_selects_them(
    small: Path, xai_env: XaiStandin
) -> None:
    assert build(small).ok
    studio = Studio.open(small)
    targets = studio.regen_targets("walkout")
    assert targets == {"walkout", "liftoff"}
    result = build(small, regen=targets)
    assert {s: r.outcome for s, r in result.results.items()} == {
        "breakfast": "cached",
        "walkout": "generated",
        "liftoff": "generated",
        "orbit": "cached",
    }
    walkout_takes = Studio.open(small).takes("walkout", "xai")
    assert [(t.take, t.selected) for t in walkout_takes] == [(1, False), (2, True)]
    lock = (small / "storyboard.lock").read_text()
    assert "walkout: {take: 2" in lock


def test_use_selects_a_take_and_downstream_follows(small: Path, xai_env: XaiStandin) -> None:
    assert build(small).ok
    assert build(small, regen={"breakfast", "walkout", "liftoff"}).ok
    accepted = xai_env.counters.generations_accepted
    studio = Studio.open(small)
    studio.use("breakfast", 1, "xai")
    plan = Studio.open(small).plan("xai")
    # breakfast's take 1 gives walkout its old key back, whose take 1 still exists
    assert plan.all_scenes["breakfast"].take is not None
    assert plan.all_scenes["breakfast"].take.take == 1
    assert plan.all_scenes["walkout"].state == "cached"
    assert build(small).ok
    assert xai_env.counters.generations_accepted == accepted
    with pytest.raises(UsageError, match="no take 9"):
        studio.use("breakfast", 9, "xai")


def test_edit_then_revert_sends_nothing(small: Path, xai_env: XaiStandin) -> None:
    assert build(small).ok
    story = small / "story.yaml"
    story.write_text(STORY.replace("the earth turns below", "the moon turns below"))
    assert build(small).ok
    accepted = xai_env.counters.generations_accepted
    assert accepted == 5
    story.write_text(STORY)
    plan = Studio.open(small).plan("xai")
    assert all(p.state == "cached" for p in plan.scenes)
    assert build(small).ok
    assert xai_env.counters.generations_accepted == accepted


def test_stale_reasons_after_an_image_changes(small: Path, xai_env: XaiStandin) -> None:
    assert build(small).ok
    Image.new("RGB", (64, 48), (1, 2, 3)).save(small / "assets" / "pad.png")
    plan = Studio.open(small).plan("xai")
    walkout = plan.all_scenes["walkout"]
    assert (walkout.state, walkout.reason) == ("stale", "reference image changed: @pad")
    assert plan.all_scenes["liftoff"].reason.startswith("waits for @walkout")


def test_the_key_appears_nowhere(small: Path, xai_env: XaiStandin, xai_key: str) -> None:
    xai_env.faults = Faults(outcomes={"earth turns": ["failed:invalid_argument"]})
    build(small)
    Studio.open(small).export("xai", partial=True)
    for path in small.rglob("*"):
        if path.is_file():
            assert xai_key.encode() not in path.read_bytes(), path


def test_a_failed_write_mid_download_is_recovered_without_paying_again(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_adopt = Store.adopt_clip

    def disk_full(self: Store, downloaded: Path, clip: str | None = None) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "adopt_clip", disk_full)
    first = build(small, only=["orbit"])
    assert first.results["orbit"].outcome == "failed"
    assert "next build downloads it again" in first.results["orbit"].message
    clips = small / ".storyboard" / "clips"
    assert list(clips.iterdir()) == []
    monkeypatch.setattr(Store, "adopt_clip", real_adopt)
    again = build(small, only=["orbit"])
    assert again.results["orbit"].outcome == "generated"
    assert xai_env.counters.generations_accepted == 1  # collected, not paid again


# -- every cent counted ---------------------------------------------------------------------


def job_costs(root: Path) -> dict[str, tuple[str, float | None, int | None]]:
    """scene -> (status, cost, estimated) of its last job."""
    store = Store(root / ".storyboard")
    try:
        rows = sqlite_utils.Database(store.conn).query(
            "SELECT scene_id, status, cost_usd, cost_estimated FROM jobs"
        )
        return {r["scene_id"]: (r["status"], r["cost_usd"], r["cost_estimated"]) for r in rows}
    finally:
        store.close()


def test_failed_blocked_and_moderated_jobs_count_what_the_api_billed(
    small: Path, xai_env: XaiStandin
) -> None:
    xai_env.faults = Faults(
        outcomes={
            "drinks coffee": ["blocked"],
            "earth turns": ["failed:invalid_argument"],
        }
    )
    result = build(small)
    assert result.results["breakfast"].outcome == "refused"
    assert "not retried" in result.results["breakfast"].message
    costs = job_costs(small)
    assert costs["breakfast"] == ("blocked", pytest.approx(0.10), 0)
    assert costs["orbit"] == ("failed", pytest.approx(0.10), 0)
    assert result.spent_usd == pytest.approx(0.20)


def test_a_moderation_refusal_on_the_poll_is_billed_and_not_retried(
    small: Path, xai_env: XaiStandin
) -> None:
    xai_env.faults = Faults(outcomes={"earth turns": ["moderated", "moderated"]})
    result = build(small, only=["orbit"])
    assert result.results["orbit"].outcome == "refused"
    assert "moderation" in result.results["orbit"].message
    assert xai_env.counters.generations_accepted == 1
    assert job_costs(small)["orbit"] == ("blocked", pytest.approx(0.10), 0)


def test_a_job_without_usage_records_the_estimate_and_says_so(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORYBOARD_PRICES", '{"grok-imagine-video": 0.5}')
    xai_env.faults = Faults(report_usage=False)
    result = build(small, only=["orbit"])
    assert result.ok
    assert job_costs(small)["orbit"] == ("done", pytest.approx(1.0), 1)
    assert result.spent_usd == pytest.approx(1.0)


def test_status_tells_estimated_spend_from_reported_spend(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORYBOARD_PRICES", '{"grok-imagine-video": 0.5}')
    xai_env.faults = Faults(report_usage=False)
    assert build(small, only=["orbit"]).ok
    xai_env.faults = Faults()
    assert build(small, only=["breakfast"]).ok
    with Studio.open(small) as studio:
        status = studio.status("xai")
    scenes = {scene.id: scene for scene in status.scenes}
    assert scenes["orbit"].cost_usd == pytest.approx(1.0) == scenes["orbit"].estimated_usd
    assert scenes["breakfast"].cost_usd == pytest.approx(0.10)
    assert scenes["breakfast"].estimated_usd == 0
    assert status.spent_usd == pytest.approx(1.10) and status.estimated_usd == pytest.approx(1.0)
    assert status.as_dict()["estimated_usd"] == pytest.approx(1.0)
    printed = CliRunner().invoke(app, ["status", "-p", str(small), "--provider", "xai"])
    assert "$1.00*" in printed.stdout and "$0.10*" not in printed.stdout
    assert "spent so far: $1.10, of which $1.00 is estimated" in printed.stdout


def test_max_cost_holds_even_when_the_prices_say_free(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORYBOARD_PRICES", '{"grok-imagine-video": 0}')
    result = build(small, max_cost=0.15, concurrency=4)
    assert not result.ok
    assert xai_env.counters.generations_accepted == 1
    assert result.spent_usd <= 0.15


def test_a_video_link_that_answers_403_is_polled_again_before_anything_is_resent(
    small: Path, xai_env: XaiStandin
) -> None:
    xai_env.faults = Faults(video_403_first=True)
    result = build(small, only=["orbit"])
    assert result.ok, result.results
    assert xai_env.counters.generations_accepted == 1
    assert xai_env.counters.downloads == 2


def test_clips_are_fsynced_off_the_event_loop_once_each(
    small: Path, xai_env: XaiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A download is a scratch file: the store fsyncs it on a worker thread as it adopts
    it, not the provider on the event loop as well (9 ms a clip, hundreds of them)."""
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        path = os.readlink(f"/proc/self/fd/{descriptor}")
        synced.append((path, threading.current_thread() is threading.main_thread()))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    assert build(small).ok
    cache = os.fspath(small / ".storyboard")
    clips = [(p, on_loop) for p, on_loop in synced if p.startswith(cache) and p.endswith(".mp4")]
    assert len(clips) == xai_env.counters.downloads == 4
    assert not any(on_loop for _, on_loop in clips)
