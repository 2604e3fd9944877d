"""Start frames of another shape are cropped or padded to their scene's, never stretched."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from conftest import MakeProject
from PIL import Image
from typer.testing import CliRunner

from storyboard._engine import BuildOptions
from storyboard._errors import MediaError
from storyboard._fitting import differs, fit_words, fitted_box, fitted_copy, shape_name
from storyboard._media import ffmpeg_exe
from storyboard._project import Project
from storyboard._studio import Studio
from storyboard._vocabulary import Fit
from storyboard.cli import app
from storyboard.testing.xai_standin import XaiStandin

RED = (220, 30, 30)
SQUARE = {"square.png": RED}


def square_project(make_project: MakeProject, fit: str | None = None, name: str = "p") -> Path:
    """A 16:9 scene that starts from a square picture, and a text scene."""
    fit_line = f"    fit: {fit}\n" if fit else ""
    root = make_project(
        f"""\
storyboard: 1
title: Square
defaults: {{duration: 1, resolution: 480p}}
scenes:
  - id: open
    start: assets/square.png
    prompt: the door opens
{fit_line}  - id: sea
    prompt: the sea
""",
        name=name,
    )
    Image.new("RGB", (300, 300), RED).save(root / "assets" / "square.png")
    return root


# -- the geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "ratio", "fit", "box"),
    [
        ((300, 300), "16:9", "crop", (300, 169)),
        ((300, 300), "16:9", "pad", (533, 300)),
        ((1280, 720), "9:16", "crop", (405, 720)),
        ((1280, 720), "9:16", "pad", (1280, 2276)),
        ((640, 480), "4:3", "crop", (640, 480)),
    ],
)
def test_the_fitted_box_crops_inside_or_pads_around(
    shape: tuple[int, int], ratio: str, fit: Fit, box: tuple[int, int]
) -> None:
    assert fitted_box(shape, ratio, fit) == box


def test_a_few_pixels_off_is_the_same_shape() -> None:
    assert not differs((854, 480), "16:9") and not differs((848, 480), "16:9")
    assert differs((640, 480), "16:9")
    assert shape_name((854, 480)) == "16:9" and shape_name((1000, 700)) == "1000x700"
    assert fit_words((720, 1280), "16:9", "crop") == "start frame 9:16 -> 16:9, cropped"
    assert fit_words((64, 64), "16:9", "pad") == "start frame 1:1 -> 16:9, padded"
    assert fit_words((1280, 720), "16:9", "pad") is None


def test_a_crop_keeps_the_centre_and_a_pad_adds_black_bars(tmp_path: Path) -> None:
    source = tmp_path / "wide.png"
    picture = Image.new("RGB", (400, 100), (0, 0, 255))
    picture.paste(RED, (150, 0, 250, 100))  # a red square in the middle
    picture.save(source)
    cropped, crop_sha = fitted_copy(source, "1:1", "crop", tmp_path / "made")
    padded, pad_sha = fitted_copy(source, "1:1", "pad", tmp_path / "made")
    with Image.open(cropped) as crop, Image.open(padded) as pad:
        assert crop.size == (100, 100) and pad.size == (400, 400)
        assert crop.convert("RGB").getpixel((5, 5)) == RED
        assert pad.convert("RGB").getpixel((200, 10)) == (0, 0, 0)
        assert pad.convert("RGB").getpixel((200, 200)) == RED
    assert crop_sha != pad_sha
    assert fitted_copy(source, "1:1", "crop", tmp_path / "made") == (cropped, crop_sha)
    assert fitted_copy(source, "4:1", "crop", tmp_path / "made")[0] == source


def test_a_padded_copy_stays_within_the_longest_side_sent(tmp_path: Path) -> None:
    source = tmp_path / "tall.png"
    Image.new("RGB", (1152, 2048), RED).save(source)
    padded, _ = fitted_copy(source, "16:9", "pad", tmp_path)
    with Image.open(padded) as opened:
        assert max(opened.size) == 2048 and not differs(opened.size, "16:9")


def test_a_frame_that_cannot_be_read_is_a_media_error(tmp_path: Path) -> None:
    broken = tmp_path / "frame.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(MediaError, match="cannot be fitted"):
        fitted_copy(broken, "16:9", "crop", tmp_path)


# -- the story key ------------------------------------------------------------------------------


def keys(root: Path) -> dict[str, str | None]:
    with Studio.open(root) as studio:
        return {s.id: s.key for s in studio.plan("xai").all_scenes.values()}


def test_fit_changes_the_key_only_where_a_start_frame_is_fitted(
    make_project: MakeProject,
) -> None:
    plain = keys(square_project(make_project, name="plain"))
    assert keys(square_project(make_project, "crop", name="crop")) == plain
    padded = keys(square_project(make_project, "pad", name="pad"))
    assert padded["open"] != plain["open"] and padded["sea"] == plain["sea"]
    assert keys(wide_project(make_project, "pad")) == keys(wide_project(make_project, None))


def wide_project(make_project: MakeProject, fit: str | None) -> Path:
    """A 16:9 scene that starts from a 16:9 picture: nothing to fit."""
    root = make_project(
        f"""\
storyboard: 1
title: Wide
defaults: {{duration: 1, resolution: 480p{", fit: " + fit if fit else ""}}}
scenes:
  - id: open
    start: assets/wide.png
  - id: sea
    prompt: the sea
""",
        name=f"wide-{fit}",
    )
    Image.new("RGB", (320, 180), RED).save(root / "assets" / "wide.png")
    return root


def test_a_writer_who_picks_another_fit_is_told_why_the_scene_is_stale(
    make_project: MakeProject,
) -> None:
    root = square_project(make_project)
    with Studio.open(root) as studio:
        assert studio.build("preview", BuildOptions()).ok
    story = root / "story.yaml"
    story.write_text(
        story.read_text().replace(
            "prompt: the door opens\n", "prompt: the door opens\n    fit: pad\n"
        )
    )
    with Studio.open(root) as studio:
        scene = studio.plan("preview").all_scenes["open"]
    assert scene.state == "stale"
    assert scene.reason == "start frame fit changed: crop -> pad"


@pytest.mark.parametrize(
    ("line", "where", "words"),
    [
        ("    fit: stretch\n", (9, 10), "crop"),
        ("  - id: extra\n    prompt: more\n    fit: pad\n", (11, 10), "has no `start`"),
    ],
)
def test_a_wrong_fit_is_reported_at_its_place(
    make_project: MakeProject, line: str, where: tuple[int, int], words: str
) -> None:
    root = make_project(
        """\
storyboard: 1
title: Wrong fit
scenes:
  - id: open
    start: assets/square.png
    prompt: the door opens
  - id: sea
    prompt: the sea
"""
        + line,
        SQUARE,
    )
    code, _, err = run("check", "-p", str(root))
    assert code == 2
    assert f"story.yaml:{where[0]}:{where[1]}" in err and words in err, err


# -- the plan -------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_plan_says_when_a_start_frame_is_cropped_or_padded(make_project: MakeProject) -> None:
    cropped = square_project(make_project, name="crop")
    code, out, _ = run("plan", "-p", str(cropped), "--provider", "preview")
    assert code == 0
    assert "start frame 1:1 -> 16:9, cropped" in out
    padded = square_project(make_project, "pad", name="pad")
    plan = json.loads(run("plan", "-p", str(padded), "--provider", "preview", "--json")[1])
    start = plan["scenes"][0]["start"]
    assert start["shape"] == "1:1" and start["fit"] == "pad"
    assert start["fitting"] == "start frame 1:1 -> 16:9, padded"
    assert plan["scenes"][1]["start"] is None


def test_plan_says_a_start_frame_from_another_scene_is_fitted(make_project: MakeProject) -> None:
    root = make_project(
        """\
storyboard: 1
title: Turned
scenes:
  - id: tall
    prompt: a lighthouse
    aspect_ratio: "9:16"
  - id: wide
    start: tall
""",
    )
    code, out, _ = run("plan", "-p", str(root), "--provider", "preview")
    assert code == 0 and "start frame 9:16 -> 16:9, cropped" in out


def test_project_loading_expects_the_upstream_scenes_shape(make_project: MakeProject) -> None:
    root = make_project(
        """\
storyboard: 1
title: Same
defaults: {aspect_ratio: "9:16"}
scenes:
  - id: tall
    prompt: a lighthouse
  - id: taller
    start: tall
""",
    )
    project = Project.load(root)
    assert project.scenes["taller"].start_fitting is None


# -- what is sent ---------------------------------------------------------------------------


def start_image_received(api: XaiStandin) -> Image.Image:
    """The start image of the one image-to-video create the stand-in accepted, decoded."""
    (body,) = [
        r.body
        for r in api.requests
        if r.path.endswith("/videos/generations") and isinstance(r.body, dict) and "image" in r.body
    ]
    picture = Image.open(io.BytesIO(api.image_bytes(body["image"])))
    picture.load()
    return picture.convert("RGB")


@pytest.mark.slow
@pytest.mark.parametrize("fit", ["crop", "pad"])
def test_a_square_start_image_arrives_at_the_api_with_the_scenes_shape(
    make_project: MakeProject, xai_env: XaiStandin, fit: str
) -> None:
    root = square_project(make_project, fit)
    with Studio.open(root) as studio:
        result = studio.build("xai", BuildOptions(only=["open"]))
    assert result.ok, result.results
    picture = start_image_received(xai_env)
    assert not differs(picture.size, "16:9"), picture.size
    edge = picture.getpixel((0, picture.height // 2))
    centre = picture.getpixel((picture.width // 2, picture.height // 2))
    assert centre == RED
    assert edge == (RED if fit == "crop" else (0, 0, 0))


@pytest.mark.slow
def test_the_preview_draws_the_fitted_start_frame(make_project: MakeProject) -> None:
    root = square_project(make_project, "pad")
    with Studio.open(root) as studio:
        result = studio.build("preview", BuildOptions(only=["open"]))
        clip = studio.store.clip_path(result.results["open"].take.clip)  # type: ignore[union-attr]
    first = first_frame(clip)
    assert not differs(first.size, "16:9")
    red, green, blue = first.getpixel((2, first.height // 2))  # type: ignore[misc]
    assert max(red, green, blue) < 24  # the black bar of the padded frame
    red, green, _ = first.getpixel((first.width // 2, first.height // 2))  # type: ignore[misc]
    assert red > 150 and green < 90


def first_frame(clip: Path) -> Image.Image:
    done = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(clip),
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-vcodec",
            "png",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")
