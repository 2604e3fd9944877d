"""The board: a static HTML storyboard whose every link resolves, with real clips and frames."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLE, MakeProject
from PIL import Image
from typer.testing import CliRunner

from storyboard._board import write_board
from storyboard._limits import estimate_cost
from storyboard._lockfile import Selection
from storyboard._media import extract_last_frame, run_ffmpeg
from storyboard._store import NewJob
from storyboard._studio import Studio
from storyboard.cli import app

pytestmark = pytest.mark.slow  # most tests build a project and render its previews first

PROVIDER = "xai"
SECRET = "sk-test-secret-do-not-leak"


# -- a project with real takes -------------------------------------------------------


def make_clip(path: Path, hue: int, seconds: float = 2.0) -> Path:
    """A small real MP4: ffmpeg's test pattern turned by ``hue`` degrees, with silence."""
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"testsrc2=s=320x180:r=24:d={seconds}",
            "-f", "lavfi", "-i", f"anullsrc=r=48000:cl=stereo:d={seconds}",
            "-vf", f"hue=h={hue}", "-shortest",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", os.fspath(path),
        ],
        what="make a test clip",
    )  # fmt: skip
    return path


def record_take(studio: Studio, scene_id: str, clip_file: Path, cost: float = 0.25) -> int:
    """Record ``clip_file`` as a new take of a scene's current key, as a build would; select it."""
    scene_plan = studio.plan(PROVIDER).all_scenes[scene_id]
    assert scene_plan.key is not None and scene_plan.inputs is not None, scene_plan.reason
    store = studio.store
    store.remember_inputs(scene_plan.key, scene_plan.inputs)
    clip = store.adopt_clip(clip_file)
    take = store.add_take(scene_plan.key, scene_id, PROVIDER, clip, cost, None)
    store.frame_of(clip, extract_last_frame)
    choose(studio, scene_id, take.take, scene_plan.key, clip)
    return take.take


def record_image(studio: Studio, target: str, colour: tuple[int, int, int], scratch: Path) -> None:
    """Record a picture as the chosen take of a generated reference, as a build would."""
    image_plan = studio.plan(PROVIDER).images[target]
    assert image_plan.key is not None and image_plan.inputs is not None, image_plan.reason
    store = studio.store
    store.remember_inputs(image_plan.key, image_plan.inputs)
    drawn = scratch / f"{target.replace(':', '-')}.png"
    Image.new("RGB", (96, 96), colour).save(drawn)
    take = store.add_take(image_plan.key, target, PROVIDER, store.adopt_image(drawn), 0.02, None)
    choose(studio, target, take.take, image_plan.key, take.clip)


def choose(studio: Studio, scene_id: str, number: int, key: str, clip: str) -> None:
    studio.store.select(key, number)
    studio.lock.set(PROVIDER, scene_id, Selection(number, key, clip))
    studio.lock.save(list(studio.project.scenes))


def record_failure(studio: Studio, scene_id: str, message: str) -> None:
    """A failed job for a scene's generation (its first node: the example revises orbit)."""
    generation = studio.plan(PROVIDER).all_scenes[scene_id].nodes[0]
    assert generation.key is not None
    (job,) = studio.store.record_jobs([NewJob(generation.key, scene_id, PROVIDER, 1)])
    studio.store.update_job(job, status="failed", error_message=message)


def populate(root: Path, scratch: Path) -> None:
    """Give the example project every state: cached (one scene with two takes), stale, failed,
    and a scene reference and a start frame that have frames."""
    scratch.mkdir(exist_ok=True)
    studio = Studio.open(root)
    try:
        record_image(studio, "chelsea:night", (30, 40, 90), scratch)
        hues = {"breakfast": 0, "suit-up": 60, "walkout": 120, "liftoff": 180, "homecoming": 240}
        for scene_id, hue in hues.items():
            record_take(studio, scene_id, make_clip(scratch / f"{scene_id}.mp4", hue))
        record_take(studio, "breakfast", make_clip(scratch / "breakfast-2.mp4", 30), cost=0.5)
        scene_plan = studio.plan(PROVIDER).all_scenes["breakfast"]
        assert scene_plan.key is not None
        first = studio.store.takes(scene_plan.key)[0]
        choose(studio, "breakfast", 1, scene_plan.key, first.clip)
        record_failure(studio, "orbit", "the capsule drifted out of frame")
    finally:
        studio.close()
    story = root / "story.yaml"
    story.write_text(story.read_text().replace("night. @chelsea", "late at night, @chelsea"))


def populated_example(folder: Path) -> Path:
    """A copy of the example project in ``folder``, with real takes in every state."""
    root = folder / "astronaut-cat"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".storyboard", "out", "*.lock"))
    populate(root, folder / "scratch")
    return root


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project with real takes, made once for this module."""
    return populated_example(tmp_path_factory.mktemp("board"))


@pytest.fixture
def project(populated: Path, tmp_path: Path) -> Path:
    """A private copy of the populated project (hard links keep the copy cheap)."""
    target = tmp_path / "astronaut-cat"
    shutil.copytree(populated, target, copy_function=os.link)
    return target


@pytest.fixture
def studio(project: Path) -> Iterator[Studio]:
    opened = Studio.open(project)
    yield opened
    opened.close()


# -- reading the page back --------------------------------------------------------------


class Page(HTMLParser):
    """The parts of a board page the tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        """(tag, attribute, value) of every src, href and poster."""
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("src", "href", "poster"):
            if name in values:
                self.links.append((tag, name, values[name]))

    def attrs_of(self, tag: str) -> list[dict[str, str]]:
        return [values for name, values in self.tags if name == tag]


def read_page(path: Path) -> tuple[str, Page]:
    text = path.read_text(encoding="utf-8")
    return text, Page(text)


def scene_section(text: str, scene_id: str) -> str:
    start = text.index(f'id="scene-{scene_id}"')
    end = text.find("<article", start)
    return text[start : end if end != -1 else len(text)]


# -- the tests -------------------------------------------------------------------------------


def test_the_board_is_written_to_out_board(studio: Studio, project: Path) -> None:
    page = write_board(studio, provider=PROVIDER)
    assert page == project / "out" / "board" / "index.html"
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_every_src_href_and_poster_resolves_to_a_file_or_an_anchor(studio: Studio) -> None:
    page = write_board(studio, provider=PROVIDER)
    _, parsed = read_page(page)
    assert parsed.links
    for tag, attribute, value in parsed.links:
        assert not re.match(r"[a-z]+:", value), f"{tag} {attribute}={value} leaves the folder"
        if value.startswith("#"):
            assert value[1:] in parsed.ids, f"{tag} {attribute}={value} names no element"
            continue
        assert not value.startswith("/"), value
        target = (page.parent / value).resolve()
        assert target.is_file(), f"{tag} {attribute}={value} does not exist"
        assert target.is_relative_to(page.parent), f"{value} is outside the board folder"


def test_scenes_appear_in_film_order_with_their_states(studio: Studio) -> None:
    text, _ = read_page(write_board(studio, provider=PROVIDER))
    ids = re.findall(r'<article class="scene state-(\w+)" id="scene-([\w-]+)"', text)
    assert ids == [
        ("cached", "breakfast"),
        ("cached", "suit-up"),
        ("cached", "walkout"),
        ("cached", "liftoff"),
        ("failed", "orbit"),
        ("stale", "homecoming"),
    ]
    assert "previous attempt failed: the capsule drifted out of frame" in scene_section(
        text, "orbit"
    )
    assert "prompt changed" in scene_section(text, "homecoming")


def test_the_masthead_counts_scenes_and_money(studio: Studio) -> None:
    text, _ = read_page(write_board(studio, provider=PROVIDER))
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", text))
    plan = studio.plan(PROVIDER)
    assert stats["scenes"] == "6"
    assert stats["cached"] == "4"
    assert stats["to generate"] == "2"
    assert stats["estimated cost"] == f"${plan.estimated_cost_usd:,.2f}"
    assert stats["spent"] == "$0.00"  # takes recorded without jobs cost nothing in the ledger
    assert "The Astronaut&#x27;s Cat" in text
    assert "provider <b>xai</b>" in text


def test_prompt_chips_match_the_labels_of_the_thumbnails(studio: Studio) -> None:
    text, _ = read_page(write_board(studio, provider=PROVIDER))
    breakfast = scene_section(text, "breakfast")
    prompt = re.search(r'<p class="prompt">(.*?)</p>', breakfast)
    assert prompt is not None
    chips = re.findall(
        r'<span class="chip accent-(\d)"[^>]*><b>(IMAGE_\d)</b> · ([\w:-]+)</span>', prompt.group(1)
    )
    assert chips == [
        ("1", "IMAGE_1", "eileen"),
        ("2", "IMAGE_2", "mug"),
        ("3", "IMAGE_3", "chelsea"),
    ]
    labels = re.findall(
        r'<span class="chip accent-(\d)"><b>(IMAGE_\d)</b></span></div>'
        r"<figcaption><b>([\w:-]+)</b>",
        breakfast,
    )
    assert labels == [(accent, tag, name) for accent, tag, name in chips]
    assert "NASA astronaut, short brown hair" in breakfast  # the asset's description
    assert "Launch day." in breakfast


def test_a_scene_reference_shows_that_scenes_last_frame(studio: Studio) -> None:
    page = write_board(studio, provider=PROVIDER)
    text, _ = read_page(page)
    walkout = scene_section(text, "walkout")
    frame = studio.plan(PROVIDER).frames["suit-up"]
    assert f'<a href="#scene-suit-up"><img src="thumbs/{frame}.jpg"' in walkout
    liftoff = scene_section(text, "liftoff")
    start = studio.plan(PROVIDER).frames["walkout"]
    assert f'<img src="thumbs/{start}.jpg"' in liftoff
    assert '<span class="chip accent-2"><b>start</b></span>' in liftoff


def test_references_without_a_frame_or_a_file_get_placeholders(make_project: MakeProject) -> None:
    root = make_project(
        """\
storyboard: 1
title: Placeholders
characters:
  far: {image: "https://example.com/images/far-away.png"}
scenes:
  - id: one
    prompt: "@far waves"
  - id: two
    prompt: "after @one"
  - id: three
    start: one
""",
    )
    studio = Studio.open(root)
    try:
        text, parsed = read_page(write_board(studio, provider=PROVIDER))
    finally:
        studio.close()
    assert "https://example.com/images/far-away.png" in scene_section(text, "one")
    assert not any(value.startswith("http") for _, _, value in parsed.links)
    assert "not generated yet" in scene_section(text, "two")
    assert "not generated yet" in scene_section(text, "three")
    assert "Not generated yet" in scene_section(text, "three")
    assert not (root / ".storyboard" / "cache.db").exists(), "the board must not create a cache"


def test_data_uris_and_start_images_get_thumbnails(make_project: MakeProject) -> None:
    pixel = io.BytesIO()
    Image.new("RGBA", (640, 400), (20, 120, 200, 128)).save(pixel, "PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(pixel.getvalue()).decode()
    root = make_project(
        f"""\
storyboard: 1
title: Thumbnails
props:
  inline: {{image: "{data_uri}"}}
scenes:
  - id: one
    prompt: "@inline spins"
  - id: two
    start: assets/first.png
    prompt: the frame comes alive
""",
        {"first.png": (200, 40, 40)},
    )
    studio = Studio.open(root)
    try:
        page = write_board(studio, provider=PROVIDER)
    finally:
        studio.close()
    text, _ = read_page(page)
    for scene_id in ("one", "two"):
        thumb = re.search(r'<img src="(thumbs/\w+\.jpg)"', scene_section(text, scene_id))
        assert thumb is not None, scene_id
        with Image.open(page.parent / thumb.group(1)) as image:
            assert image.format == "JPEG" and max(image.size) <= 320
    assert "assets/first.png" in scene_section(text, "two")
    assert "start frame · image" in scene_section(text, "two")
    assert data_uri not in text, "a data URI is shown as a thumbnail, not pasted into the page"


def test_takes_play_their_clips_hard_linked_beside_the_page(studio: Studio, project: Path) -> None:
    page = write_board(studio, provider=PROVIDER)
    text, _ = read_page(page)
    breakfast = scene_section(text, "breakfast")
    takes = re.findall(
        r'<figure class="take( selected)?"><video controls preload="none" '
        r'poster="(thumbs/poster-\w+\.jpg)" src="(clips/\w+\.mp4)">',
        breakfast,
    )
    assert len(takes) == 2
    assert takes[0][0] == " selected"
    assert re.search(r"<b>Take 1</b><span class=\"flag\">selected</span>", breakfast)
    assert "<b>Take 2</b>" in breakfast and "$0.50" in breakfast
    cached = studio.plan(PROVIDER).all_scenes["breakfast"].takes
    for (_, _, src), take in zip(takes, cached, strict=True):
        linked = page.parent / src
        assert linked.stat().st_ino == studio.store.clip_path(take.clip).stat().st_ino
    with Image.open(page.parent / takes[0][1]) as poster:
        assert poster.format == "JPEG" and max(poster.size) <= 640


def test_a_stale_scene_shows_its_previous_take_and_what_a_new_one_costs(studio: Studio) -> None:
    text, _ = read_page(write_board(studio, provider=PROVIDER))
    homecoming = scene_section(text, "homecoming")
    assert "Needs a new take" in homecoming
    scene = studio.project.scenes["homecoming"]
    price = estimate_cost(scene.model, scene.resolution, scene.duration)
    assert f"estimated ${price:.2f} to generate" in homecoming
    assert '<figure class="take previous">' in homecoming
    assert "before the change" in homecoming


def test_thumbnails_are_small_jpegs(studio: Studio) -> None:
    page = write_board(studio, provider=PROVIDER)
    thumbs = sorted((page.parent / "thumbs").iterdir())
    assert thumbs
    for thumb in thumbs:
        with Image.open(thumb) as image:
            limit = 640 if thumb.name.startswith("poster-") else 320
            assert image.format == "JPEG" and max(image.size) <= limit, thumb.name


def test_the_scene_graph_is_an_svg_of_linked_boxes(studio: Studio) -> None:
    text, _ = read_page(write_board(studio, provider=PROVIDER))
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert "mermaid" not in text and "<script" not in text
    boxes = re.findall(r'<a href="#scene-([\w-]+)"><g class="node (\w+)">', svg)
    assert sorted(boxes) == sorted(
        (scene_plan.id, scene_plan.state)
        for scene_plan in studio.plan(PROVIDER).all_scenes.values()
    )
    edges = svg[svg.index('<g class="edges">') : svg.index('<g class="nodes">')]
    assert edges.count("<path ") == len(studio.project.graph.edges())


def test_the_graph_puts_each_generation_in_a_column(studio: Studio) -> None:
    text, _ = read_page(write_board(studio, provider=PROVIDER))
    columns = {
        scene_id: int(x)
        for scene_id, x in re.findall(
            r'<a href="#scene-([\w-]+)"><g class="node \w+">'
            r'<title>[^<]*</title><rect x="(\d+)"',
            text,
        )
    }
    waves = studio.project.graph.generations()
    assert waves == [["breakfast", "homecoming", "orbit", "suit-up"], ["walkout"], ["liftoff"]]
    for wave in waves:
        assert len({columns[scene_id] for scene_id in wave}) == 1, wave
    assert columns["suit-up"] < columns["walkout"] < columns["liftoff"]


def test_a_new_board_replaces_the_old_one_and_prunes_its_media(studio: Studio) -> None:
    page = write_board(studio, provider=PROVIDER)
    first = page.read_text(encoding="utf-8")
    foreign = page.parent / "thumbs" / "old.jpg"
    foreign.write_bytes(b"old")
    assert write_board(studio, provider=PROVIDER).read_text(encoding="utf-8") == first
    assert foreign.read_bytes() == b"old", "a file no board wrote was deleted"
    take = studio.plan(PROVIDER).all_scenes["walkout"].take
    assert take is not None
    linked = page.parent / "clips" / f"{take.clip}.mp4"
    assert linked.is_file()
    studio.store.clip_path(take.clip).unlink()
    write_board(studio, provider=PROVIDER)
    assert not linked.exists(), "the earlier board's clip that is no longer shown stayed"
    hidden = [p.name for p in page.parent.rglob(".*")]
    assert hidden == [".storyboard-board.json"], "temporary files were left behind"


def test_a_missing_clip_file_is_said_not_linked(studio: Studio) -> None:
    scene_plan = studio.plan(PROVIDER).all_scenes["walkout"]
    assert scene_plan.take is not None
    studio.store.clip_path(scene_plan.take.clip).unlink()
    text, parsed = read_page(write_board(studio, provider=PROVIDER))
    assert "the cached clip file is missing" in scene_section(text, "walkout")
    assert not any(scene_plan.take.clip in value for _, _, value in parsed.links)


def test_text_from_the_story_is_escaped(make_project: MakeProject) -> None:
    root = make_project(
        """\
storyboard: 1
title: "Cats & <Dogs>"
scenes:
  - id: one
    title: "<script>alert(1)</script>"
    prompt: 'a "quoted" <b>bold</b> & plain @@home'
    caption: "<i>hi</i>"
""",
    )
    studio = Studio.open(root)
    try:
        text, _ = read_page(write_board(studio, root / "elsewhere", provider=PROVIDER))
    finally:
        studio.close()
    assert "<script>" not in text and "<i>hi" not in text and "<b>bold" not in text
    assert "Cats &amp; &lt;Dogs&gt;" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;quoted&quot;" in text and "@home" in text


def test_the_api_key_is_never_written(
    studio: Studio, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", SECRET)
    page = write_board(studio)
    assert "provider <b>xai</b>" in page.read_text(encoding="utf-8")
    written = [path for path in project.rglob("*") if path.is_file()]
    assert page in written
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path


def test_the_board_command_writes_where_asked(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "shared board"
    result = CliRunner().invoke(
        app, ["board", "-p", str(project), "-o", str(output), "--provider", PROVIDER]
    )
    assert result.exit_code == 0, result.output
    assert "board:" in result.output
    text, parsed = read_page(output / "index.html")
    for _, _, value in parsed.links:
        assert value.startswith("#") or (output / value).is_file()
    assert 'id="scene-breakfast"' in text
