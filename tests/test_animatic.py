"""The animatic renderer: real MP4s, checked with ffmpeg and by looking at their pixels."""

from __future__ import annotations

import base64
import io
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from storyboard._errors import MediaError
from storyboard._limits import frame_size
from storyboard._media import ffmpeg_exe, probe, sampling_step
from storyboard._providers.base import ImageInput, VideoRequest
from storyboard._providers.preview.animatic import FPS, compose_layers, printable, render_animatic

pytestmark = pytest.mark.slow  # most tests render a clip with ffmpeg

RED = (220, 40, 40)


def request(**changes: object) -> VideoRequest:
    """A one-second 480p text-only request, changed as asked."""
    base = VideoRequest(
        mode="text",
        model="grok-imagine-video",
        prompt="A quiet harbour at dawn; gulls circle over the grey water.",
        duration=1,
        aspect_ratio="16:9",
        resolution="480p",
        label="harbour",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def solid(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (300, 400)) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def quadrants(path: Path, size: tuple[int, int]) -> Path:
    """A bold, unmistakable start image: four coloured quarters and a white disc."""
    image = Image.new("RGB", size, (30, 90, 200))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, 0, width // 2, height // 2), fill=(230, 180, 40))
    draw.rectangle((width // 2, height // 2, width, height), fill=(40, 170, 90))
    draw.ellipse((width * 0.4, height * 0.3, width * 0.6, height * 0.7), fill=(250, 250, 250))
    image.save(path)
    return path


def frames(clip: Path, size: tuple[int, int] = (160, 90)) -> np.ndarray:
    """Every frame of ``clip``, shrunk to ``size``, as an (n, height, width, 3) array."""
    result = subprocess.run(
        [
            *(ffmpeg_exe(), "-v", "error", "-i", str(clip)),
            *("-vf", f"scale={size[0]}:{size[1]}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
        ],
        capture_output=True,
        check=True,
    )
    pixels = np.frombuffer(result.stdout, np.uint8)
    return pixels.reshape(-1, size[1], size[0], 3).astype(np.int16)


def reds(picture: np.ndarray) -> float:
    """The share of pixels close to RED."""
    distance = np.abs(picture - np.array(RED)).sum(axis=-1)
    return float((distance < 60).mean())


def test_printable_draws_every_script_and_replaces_only_what_no_font_has() -> None:
    assert printable("café — “quoted” 猫 😀") == "café — “quoted” 猫 😀"
    assert printable("tab\there\x07 \U0010fffd") == "tab here \ufffd"
    assert printable("<IMAGE_1> walks\nin") == "<IMAGE_1> walks\nin"


@pytest.mark.parametrize(
    ("aspect_ratio", "resolution"),
    [("16:9", "480p"), ("9:16", "720p"), ("1:1", "480p"), ("4:3", "480p"), ("2:3", "480p")],
)
def test_frame_size_follows_aspect_ratio_and_resolution(
    tmp_path: Path, aspect_ratio: str, resolution: str
) -> None:
    clip = tmp_path / "clip.mp4"
    render_animatic(request(aspect_ratio=aspect_ratio, resolution=resolution), clip)
    info = probe(clip)
    assert (info.width, info.height) == frame_size(aspect_ratio, resolution)


def test_the_clip_is_h264_at_24_fps_exactly_as_long_as_asked_with_sound(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    render_animatic(request(duration=2), clip)
    info = probe(clip)
    assert (info.video_codec, info.pixel_format, info.fps) == ("h264", "yuv420p", 24)
    assert info.duration == pytest.approx(2.0, abs=0.03)
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48000, 2)
    assert len(frames(clip)) == 2 * FPS
    data = clip.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "faststart puts the index first"


def test_the_same_request_gives_the_same_bytes(tmp_path: Path) -> None:
    card = solid(tmp_path / "card.png", RED)
    asked = request(
        mode="reference",
        prompt="<IMAGE_1> waits by the door.",
        references=(ImageInput("a" * 64, "eileen", path=card),),
    )
    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    render_animatic(asked, first)
    render_animatic(asked, second)
    assert first.read_bytes() == second.read_bytes()


def test_reference_images_are_shown_as_labelled_cards(tmp_path: Path) -> None:
    card = solid(tmp_path / "card.png", RED)
    asked = request(
        mode="reference",
        prompt="<IMAGE_1> waits by the door.",
        references=(ImageInput("a" * 64, "eileen", path=card),),
    )
    clip = tmp_path / "clip.mp4"
    render_animatic(asked, clip)
    shown = frames(clip)
    assert reds(shown[0]) > 0.05 and reds(shown[-1]) > 0.05

    layers = compose_layers(asked)
    renamed = compose_layers(replace(asked, references=(ImageInput("a" * 64, "bob", path=card),)))
    assert _differs_below_the_cards(layers.picture, renamed.picture), "the card names its asset"


def _differs_below_the_cards(one: Image.Image, other: Image.Image) -> bool:
    first, second = np.asarray(one.convert("RGB")), np.asarray(other.convert("RGB"))
    below = first.shape[0] * 3 // 4
    return bool((first[below:] != second[below:]).any()) and bool(
        (first[: below // 2] == second[: below // 2]).all()
    )


def test_the_label_and_prompt_are_drawn_on_the_stage() -> None:
    base = compose_layers(request(mode="reference", references=(_remote(),)))
    relabelled = compose_layers(request(mode="reference", references=(_remote(),), label="hall"))
    reprompted = compose_layers(
        request(mode="reference", references=(_remote(),), prompt="<IMAGE_1> runs.")
    )
    height = base.stage.height
    header, footer = (
        (0, 0, base.stage.width, height // 8),
        (0, height // 2, base.stage.width, height),
    )
    assert _changed(base.stage, relabelled.stage, header)
    assert not _changed(base.stage, relabelled.stage, footer)
    assert _changed(base.stage, reprompted.stage, footer)


def _remote() -> ImageInput:
    return ImageInput("b" * 64, "castle", url="https://images.example.org/castle.jpg")


def _changed(one: Image.Image, other: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return bool((np.asarray(one.crop(box)) != np.asarray(other.crop(box))).any())


def test_remote_and_data_uri_references_need_no_network(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), RED).save(buffer, format="PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    asked = request(
        mode="reference",
        prompt="<IMAGE_1> meets <IMAGE_2>.",
        references=(ImageInput("c" * 64, "rose", url=data_uri), _remote()),
    )
    clip = tmp_path / "clip.mp4"
    render_animatic(asked, clip)
    assert reds(frames(clip)[0]) > 0.02


def test_image_to_video_opens_on_its_start_image(tmp_path: Path) -> None:
    width, height = frame_size("16:9", "480p")
    start = quadrants(tmp_path / "start.png", (width, height))
    asked = request(
        mode="image",
        prompt="The camera drifts back.",
        duration=2,
        start_image=ImageInput("d" * 64, "@goodbye", path=start),
    )
    clip = tmp_path / "clip.mp4"
    render_animatic(asked, clip)
    shown = frames(clip, (32, 18))
    expected = np.asarray(Image.open(start).convert("RGB").resize((32, 18))).astype(np.int16)
    assert np.abs(shown[0] - expected).mean() < 12, "the first frame is the start image"
    assert np.abs(shown[-1] - expected).mean() > 40, "then the animatic takes over"


def test_text_only_scenes_get_a_title_card_that_moves(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    render_animatic(request(duration=2), clip)
    shown = frames(clip)
    middle = shown[:, 30:60, 20:140]
    assert middle.max() > 120, "the title's text is drawn"
    assert np.abs(middle[0] - middle[-1]).mean() > 0.5, "the camera pushes in"


def test_the_timecode_runs_and_the_progress_bar_fills(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    render_animatic(request(duration=2), clip)
    shown = frames(clip, (854, 480))
    timecode = shown[:, 420:470, 20:110]
    assert np.abs(timecode[0] - timecode[30]).mean() > 1
    bar = shown[:, -2, :, :].mean(axis=-1)
    assert bar[0][600:].mean() < 60 < bar[-1][600:].mean(), "lit at the end, not at the start"


def test_long_prompts_and_many_references_still_fit() -> None:
    references = tuple(
        ImageInput(f"{n:064d}", f"asset-{n}", url=f"https://example.com/{n}.png") for n in range(7)
    )
    prompt = " ".join(f"<IMAGE_{n % 7 + 1}> does something remarkable" for n in range(80))
    for aspect_ratio in ("16:9", "9:16"):
        layers = compose_layers(
            request(
                mode="reference", prompt=prompt, references=references, aspect_ratio=aspect_ratio
            )
        )
        assert layers.region.h > layers.stage.height / 4
        assert layers.region.y >= 0 and layers.region.y + layers.region.h < layers.stage.height


def test_an_unreadable_image_raises_and_leaves_nothing_behind(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    asked = request(mode="reference", references=(ImageInput("e" * 64, "ghost", path=broken),))
    clip = tmp_path / "out" / "clip.mp4"
    clip.parent.mkdir()
    with pytest.raises(MediaError, match="ghost"):
        render_animatic(asked, clip)
    assert list(clip.parent.iterdir()) == []


def test_progress_is_reported(tmp_path: Path) -> None:
    heard: list[int] = []
    render_animatic(request(), tmp_path / "clip.mp4", on_progress=heard.append)
    assert heard == sorted(heard) and heard[-1] == 100


def test_an_edit_shows_its_instruction_and_an_extension_plays_its_source_first(
    tmp_path: Path,
) -> None:
    from storyboard._providers.preview.animatic.revision import BAND_SHARE, render_revision

    width, height = frame_size("16:9", "480p")
    start = quadrants(tmp_path / "start.png", (width, height))
    source = tmp_path / "source.mp4"
    opening = ImageInput("d" * 64, "@goodbye", path=start)
    render_animatic(request(mode="image", duration=2, start_image=opening), source)
    revision = request(prompt="make it night", duration=2, source_video=source, source_seconds=2)
    edited, extended = tmp_path / "edited.mp4", tmp_path / "extended.mp4"
    render_revision(replace(revision, mode="edit"), edited)
    render_revision(replace(revision, mode="extend"), extended)
    assert probe(edited).duration == pytest.approx(2, abs=0.05)  # an edit keeps the length
    assert probe(extended).duration == pytest.approx(4, abs=0.05)  # the source, then 2 s more
    size = (64, 36)
    band_rows = int(size[1] * BAND_SHARE)
    first, edit, extension = frames(source, size), frames(edited, size), frames(extended, size)
    band, below = slice(0, band_rows), slice(band_rows + 1, None)
    assert edit[0, band].mean() < first[0, band].mean() - 30, "a dark band over its head"
    assert edit[0, band].std() > 10, "with words on it"
    assert np.abs(edit[0, below] - first[0, below]).mean() > 10, "the picture recoloured"
    played = len(first)
    assert len(extension) == 2 * played
    assert np.abs(extension[:played] - first).mean() < 12, "an extension plays its source"
    assert np.abs(extension[played:] - first[-1]).mean() > 5, "then what it adds, not a still"


def test_each_frame_a_score_samples_is_a_keyframe(tmp_path: Path) -> None:
    """So the scorer decodes the keyframes alone (storyboard/_scoring/frames.py): a
    scene's animatic, and its edit and extension, whose lengths differ."""
    from storyboard._providers.preview.animatic.revision import render_revision
    from storyboard._scoring.frames import SAMPLED_FRAMES
    from storyboard._scoring.keyframes import frame_index, sampled_frames

    scene, edited, extended = (tmp_path / f"{name}.mp4" for name in ("s", "e", "x"))
    render_animatic(request(duration=3), scene)
    revision = request(duration=2, source_video=scene, source_seconds=3)
    render_revision(replace(revision, mode="edit"), edited)
    render_revision(replace(revision, mode="extend"), extended)
    for clip in (scene, edited, extended):
        index = frame_index(clip)
        assert index is not None
        step = float(sampling_step(probe(clip).duration))
        sampled = sampled_frames(index.times, step, SAMPLED_FRAMES)
        assert len(sampled) == SAMPLED_FRAMES and set(sampled) <= index.keyframes, clip.name
