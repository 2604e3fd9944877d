"""Generated references: a cast described in words, its portraits and looks cached nodes
upstream of the scenes that mention them, paid once, against the stand-in and offline."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeProject
from PIL import Image
from test_crash_safety import storyboard as storyboard_process
from test_crash_safety import wait_until

from storyboard._board import write_board
from storyboard._engine import BuildOptions, BuildResult, Engine
from storyboard._errors import BudgetExceeded, ProjectInvalid, UsageError
from storyboard._project import Project
from storyboard._providers.base import Failed, JobState, Pending, ProviderSettings, VideoRequest
from storyboard._providers.preview import PreviewProvider
from storyboard._studio import Studio
from storyboard.testing.xai_standin import StandinProcess, XaiStandin

STORY = """\
storyboard: 1
title: Described
defaults: {duration: 1, resolution: 480p}
characters:
  eileen:
    prompt: a NASA astronaut in her forties, short dark hair, freckles
    looks:
      suit:
        edit: the same woman in an orange flight suit
  chelsea:
    image: assets/cat.png
    looks:
      sleepy: {edit: "the same cat, eyes half closed"}
props:
  mug: {image: assets/mug.png}
scenes:
  - id: breakfast
    prompt: "@eileen sips from @mug while @chelsea watches"
  - id: walkout
    prompt: "@eileen:suit walks to the pad"
  - id: nap
    prompt: "@chelsea:sleepy dozes by the window"
  - id: street
    prompt: a quiet street at dawn
"""
IMAGES = {"cat.png": (40, 160, 90), "mug.png": (220, 220, 210)}
TARGETS = ["eileen", "chelsea:sleepy", "eileen:suit"]


def build(root: Path, provider: str = "xai", **options: Any) -> BuildResult:
    with Studio.open(root) as studio:
        return studio.build(provider, BuildOptions(**options))


def image_creates(api: XaiStandin, call: str) -> list[dict[str, Any]]:
    return [
        r.body
        for r in api.requests
        if r.method == "POST" and r.path.endswith(f"/images/{call}") and isinstance(r.body, dict)
    ]


def reasons(root: Path, provider: str = "xai") -> dict[str, str]:
    with Studio.open(root) as studio:
        plan = studio.plan(provider)
    found = {f"@{t}": p.reason for t, p in plan.images.items()}
    return found | {s: p.reason for s, p in plan.all_scenes.items()}


def chosen_image(root: Path, target: str, provider: str = "xai") -> Path:
    with Studio.open(root) as studio:
        take = studio.plan(provider).images[target].take
        assert take is not None
        return root / ".storyboard" / "images" / f"{take.clip}.png"


# -- check -------------------------------------------------------------------------------


def test_a_described_cast_compiles_with_its_images_in_the_order_they_can_be_made(
    make_project: MakeProject,
) -> None:
    project = Project.load(make_project(STORY, IMAGES))
    assert list(project.generated) == TARGETS
    assert project.generated["eileen:suit"].source_target == "eileen"
    sleepy = project.generated["chelsea:sleepy"].source
    assert sleepy is not None and sleepy.source == "assets/cat.png"
    assert project.scenes["walkout"].generated == ("eileen:suit",)
    assert project.scenes["walkout"].waits_for == ("eileen:suit",)
    assert project.node_ids[:3] == TARGETS


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    prompt: a NASA",
            "    image: assets/cat.png\n    prompt: a NASA",
            '7:13 "eileen" has both',
        ),
        (
            "        edit: the same woman",
            "        edit: the same <IMAGE_1> woman",
            "9:24 <IMAGE_1>",
        ),
        (
            "      suit:\n        edit:",
            "      suit:\n        prompt: x\n        edit:",
            "10:15 the look",
        ),
        (
            "    prompt: a NASA astronaut",
            "    prompt: " + "a" * 1025 + " NASA",
            "6:13 `prompt` is 1072",
        ),
    ],
)
def test_mistakes_in_a_described_cast_are_refused_at_their_place(
    make_project: MakeProject, old: str, new: str, expected: str
) -> None:
    root = make_project(STORY.replace(old, new, 1), IMAGES)
    with pytest.raises(ProjectInvalid) as refused:
        Project.load(root)
    found = [f"{p.line}:{p.column} {p.message}" for p in refused.value.problems]
    assert any(problem.startswith(expected) for problem in found), found


# -- builds against the stand-in ---------------------------------------------------------


def test_a_described_cast_builds_and_each_image_is_made_once(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(STORY, IMAGES)
    result = build(root)
    assert result.ok, result.results
    assert xai_env.counters.images_accepted == 3
    assert xai_env.counters.generations_accepted == 4
    (generation,) = image_creates(xai_env, "generations")
    assert generation["prompt"].startswith("a NASA astronaut")
    assert generation["deferred"] is True
    edits = {body["prompt"]: body for body in image_creates(xai_env, "edits")}
    # the look is edited from the portrait generated first, not generated again
    suit = xai_env.image_bytes(edits["the same woman in an orange flight suit"]["image"])
    assert hashlib.sha256(suit).hexdigest() == chosen_image(root, "eileen").stem
    cat = xai_env.image_bytes(edits["the same cat, eyes half closed"]["image"])
    with Image.open(io.BytesIO(cat)) as opened:
        assert opened.getpixel((0, 0)) == (40, 160, 90)
    # the scene is sent the generated look as its reference image
    (walkout,) = [
        r.body
        for r in xai_env.requests
        if r.path.endswith("/videos/generations")
        and isinstance(r.body, dict)
        and "walks" in r.body["prompt"]
    ]
    sent = xai_env.image_bytes(walkout["reference_images"][0])
    assert hashlib.sha256(sent).hexdigest() == chosen_image(root, "eileen:suit").stem
    assert result.spent_usd == pytest.approx(0.02 + 2 * 0.022 + 4 * 0.05)
    database = sqlite3.connect(root / ".storyboard" / "cache.db")
    query = "SELECT scene_id, cost_estimated FROM jobs WHERE scene_id IN (?, ?, ?)"
    assert sorted(database.execute(query, TARGETS)) == [(t, 0) for t in sorted(TARGETS)]
    database.close()  # each cost as the API's usage reported it, none from the table
    assert build(root).spent_usd == 0.0
    assert xai_env.counters.images_accepted == 3


def test_a_new_portrait_makes_every_scene_that_mentions_it_stale(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(STORY, IMAGES)
    assert build(root).ok
    with Studio.open(root) as studio:
        first = studio.plan("xai").images["eileen"].take
        targets = studio.regen_targets("eileen")
    assert targets == {"eileen", "eileen:suit", "breakfast", "walkout"}
    assert build(root, only=["eileen"], regen={"eileen"}).ok
    found = reasons(root)
    assert found["breakfast"] == "@eileen's portrait changed"
    assert found["@eileen:suit"] == "the image it edits changed"
    assert found["walkout"].startswith("waits for @eileen:suit's image")
    assert found["nap"].startswith("take 1") and found["street"].startswith("take 1")
    with Studio.open(root) as studio:
        assert [t.take for t in studio.takes("eileen", "xai")] == [1, 2]
        assert first is not None
        studio.use("eileen", first.take, "xai")
    found = reasons(root)
    assert found["breakfast"].startswith("take 1") and found["@eileen:suit"].startswith("take 1")


def test_moderation_refuses_an_image_billed_once_and_its_scenes_wait(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    xai_env.faults.outcomes = {"orange flight suit": ["moderated"]}
    root = make_project(STORY, IMAGES)
    result = build(root)
    refused = result.results["@eileen:suit"]
    assert refused.outcome == "refused"
    assert "@eileen:suit's image: moderation refused the image" in refused.message
    assert "billed" in refused.message
    assert result.results["walkout"].outcome == "skipped"
    assert result.results["breakfast"].outcome == "generated"
    assert reasons(root)["@eileen:suit"].startswith("previous attempt failed")
    with Studio.open(root) as studio:
        assert studio.status("xai").spent_usd == pytest.approx(0.02 + 0.022 * 2 + 3 * 0.05)
    assert len(image_creates(xai_env, "edits")) == 2  # the refused one once: not retried


def test_an_image_create_whose_answer_is_lost_is_not_resent_by_itself(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    xai_env.faults.create_502_every = 1  # accepted (and billed), then answered 502
    root = make_project(STORY, IMAGES)
    result = build(root, only=["eileen"])
    assert result.results["@eileen"].outcome == "ambiguous"
    assert "--resubmit" in result.results["@eileen"].message
    xai_env.faults.create_502_every = 0
    assert build(root, only=["eileen"]).results["@eileen"].outcome == "ambiguous"
    assert len(image_creates(xai_env, "generations")) == 1
    again = build(root, only=["eileen"], resubmit=True)
    assert again.results["@eileen"].outcome == "generated"
    keys = {r.body and json.dumps(r.body) for r in xai_env.requests if "/images/gen" in r.path}
    assert len(keys) == 1  # the same request, sent with the same Idempotency-Key
    assert xai_env.counters.images_accepted == 1  # the stand-in honoured it: paid once


def test_max_cost_counts_the_pictures(make_project: MakeProject, xai_env: XaiStandin) -> None:
    root = make_project(STORY, IMAGES)
    with Studio.open(root) as studio, pytest.raises(BudgetExceeded, match=r"\$0\.26"):
        studio.build("xai", BuildOptions(max_cost=0.25))
    assert xai_env.counters.images_accepted == 0


def test_images_are_named_by_asset_in_takes_and_use(
    make_project: MakeProject, xai_env: XaiStandin
) -> None:
    root = make_project(STORY, IMAGES)
    with Studio.open(root) as studio:
        with pytest.raises(UsageError, match="has an image of its own"):
            studio.takes("chelsea", "xai")
        with pytest.raises(UsageError, match="did you mean eileen"):
            studio.takes("eilen", "xai")
        assert studio.takes("eileen", "xai") == []


def test_plan_json_shows_each_generated_image_and_the_scenes_referring_to_it(
    make_project: MakeProject,
) -> None:
    root = make_project(STORY, IMAGES)
    with Studio.open(root) as studio:
        shown = studio.plan("xai").as_dict(studio.project)
    images = {image["id"]: image for image in shown["generated"]}
    assert images["eileen"]["call"] == "generate"
    assert images["eileen:suit"]["edits"] == "eileen"
    assert images["chelsea:sleepy"]["edits"] == "assets/cat.png"
    assert images["eileen"]["estimated_cost_usd"] == 0.02
    assert images["chelsea:sleepy"]["estimated_cost_usd"] == 0.022
    assert images["eileen:suit"]["reason"] == (
        "waits for @eileen's portrait, which is not generated yet"
    )
    walkout = next(s for s in shown["scenes"] if s["id"] == "walkout")
    assert walkout["references"][0]["generated"] is True
    assert walkout["reason"] == "waits for @eileen:suit's image, which is not generated yet"
    assert shown["estimated_cost_usd"] == pytest.approx(0.064 + 4 * 0.05)
    json.dumps(shown)


def test_plan_prices_each_picture_and_each_picture_an_edit_reads(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(STORY, IMAGES)

    def estimates() -> dict[str, float]:
        with Studio.open(root) as studio:
            return {t: p.estimated_cost_usd for t, p in studio.plan("xai").images.items()}

    assert estimates() == pytest.approx({t: 0.022 if ":" in t else 0.02 for t in TARGETS})
    prices = '{"grok-imagine-image": {"image": 0.05, "input_image": 0.01}}'
    monkeypatch.setenv("STORYBOARD_PRICES", prices)
    assert estimates() == pytest.approx({t: 0.06 if ":" in t else 0.05 for t in TARGETS})


# -- offline ---------------------------------------------------------------------------


def test_a_described_cast_previews_offline_with_cards_that_show_the_words(
    make_project: MakeProject,
) -> None:
    root = make_project(STORY, IMAGES)
    result = build(root, "preview")
    assert result.ok, result.results
    portrait = picture(chosen_image(root, "eileen", "preview"))
    assert portrait.size == (768, 768)
    edited = picture(chosen_image(root, "chelsea:sleepy", "preview"))
    assert edited.size[0] / edited.size[1] == pytest.approx(64 / 48, rel=0.02)
    regen = build(root, "preview", only=["eileen"], regen={"eileen"})
    assert regen.results["@eileen"].message == "take 2"
    again = picture(chosen_image(root, "eileen", "preview"))
    assert again.tobytes() != portrait.tobytes()


def test_the_board_shows_each_generated_picture_with_its_takes(make_project: MakeProject) -> None:
    root = make_project(STORY, IMAGES)
    assert build(root, "preview").ok
    assert build(root, "preview", only=["eileen"], regen={"eileen"}).ok
    with Studio.open(root) as studio:
        page = write_board(studio, provider="preview").read_text(encoding="utf-8")
    cast = page.split('<section class="cast">', 1)[1].split("</section>", 1)[0]
    eileen = cast.split('id="cast-eileen"', 1)[1].split("</article>", 1)[0]
    assert eileen.count('<figure class="cast-take') == 2
    assert eileen.count('class="cast-take selected"') == 1
    assert "a NASA astronaut in her forties" in eileen
    assert "edited from assets/cat.png" in cast and "edited from @eileen" in cast
    thumbs = re.findall(r'src="(thumbs/[0-9a-f]+\.jpg)"', eileen)
    assert len(thumbs) == 2 and all((root / "out" / "board" / t).is_file() for t in thumbs)
    # the scene's reference card is the chosen portrait, linked to its card
    assert 'href="#cast-eileen"' in page


def picture(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        opened.load()
        copy: Image.Image = opened.copy()
    return copy


# -- a kill during an image job ----------------------------------------------------------


@pytest.mark.slow
def test_a_build_killed_during_an_image_job_loses_nothing_and_pays_once(
    make_project: MakeProject,
) -> None:
    api = StandinProcess(key="xai-crash-test-key-5f2e9c", latency=0.2)
    try:
        root = make_project(STORY, IMAGES)
        api.set_faults(hold_jobs=True)
        first = storyboard_process(root, api, "build", "--provider", "xai", "--no-export")
        # the portrait's generation and the edit of the cat's photo, held in flight
        wait_until(lambda: api.counters().images_accepted == 2, "both image jobs accepted")
        wait_until(lambda: _polled_images(api) == 2, "both image jobs polled (so recorded)")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        api.set_faults(hold_jobs=False)
        code, output = storyboard_process(root, api, "build", "--provider", "xai").finish()
        assert code == 0, output
        assert "@eileen: resuming (portrait, job " in output
        assert "@chelsea:sleepy: resuming (edited image, job " in output
        assert api.counters().images_accepted == 3
        assert api.counters().generations_accepted == 4
        creates = [r["path"] for r in api.stats()["requests"] if r["method"] == "POST"]
        assert sum(path.endswith("/images/generations") for path in creates) == 1
        assert sum(path.endswith("/images/edits") for path in creates) == 2
        database = sqlite3.connect(root / ".storyboard" / "cache.db")
        rows = database.execute("SELECT scene_id, status FROM jobs")
        made = [*TARGETS, "breakfast", "walkout", "nap", "street"]
        assert sorted(rows) == [(node, "done") for node in sorted(made)]  # one job each
    finally:
        api.stop()


def _polled_images(api: StandinProcess) -> int:
    requests = api.stats()["requests"]
    assert isinstance(requests, list)
    return len(
        {
            r["path"]
            for r in requests
            if r["method"] == "GET" and "/images/" in r["path"] and r["status"] == 202
        }
    )


# -- scheduling ------------------------------------------------------------------------

ONE_PICTURE_STORY = """\
storyboard: 1
title: One picture
defaults: {duration: 1, resolution: 480p}
characters:
  chelsea:
    image: assets/cat.png
    looks:
      sleepy: {edit: "the same cat, eyes half closed"}
scenes:
  - id: nap
    prompt: "@chelsea:sleepy dozes by the window"
  - id: street
    prompt: a quiet street at dawn
"""


class _PictureAfterAScene(PreviewProvider):
    """A preview whose generated pictures stay pending until a scene's job is sent (and
    fail after many polls without one)."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.sent: list[str] = []
        self.pending_polls = 0

    async def submit(self, request: VideoRequest, idempotency_key: str | None = None) -> str:
        self.sent.append(request.prompt)
        return await super().submit(request, idempotency_key)

    def ended(self, request_id: str) -> asyncio.Future[None] | None:
        return None if request_id in self._images else super().ended(request_id)

    async def poll_image(self, request_id: str) -> JobState:
        if self.sent:
            return await super().poll_image(request_id)
        self.pending_polls += 1
        if self.pending_polls < 200:
            return Pending(None)
        return Failed("internal_error", "no scene was sent while the picture was made")


def test_a_scene_that_mentions_no_generated_picture_does_not_wait_for_one(
    make_project: MakeProject,
) -> None:
    root = make_project(ONE_PICTURE_STORY, IMAGES)

    async def run() -> tuple[BuildResult, _PictureAfterAScene]:
        with Studio.open(root) as studio:
            provider = _PictureAfterAScene(studio.project.cache_dir / "previews")
            settings = ProviderSettings(poll_interval=0.02, poll_max=0.05, job_timeout=60)
            options = BuildOptions(score=False)
            engine = Engine(studio.project, studio.store, studio.lock, provider, settings, options)
            try:
                return await engine.run(), provider
            finally:
                await provider.aclose()

    result, provider = asyncio.run(run())
    assert result.ok, result.results  # the picture ended: a scene was sent while it was made
    assert provider.sent[0] == "a quiet street at dawn", "street was sent meanwhile"
    assert len(provider.sent) == 2, "nap, after its picture"
