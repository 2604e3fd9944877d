"""Tests for storyboard._images: real image files made with Pillow in tmp_path."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import struct
import subprocess
import threading
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_subprocess import storyboard
from PIL import Image

from storyboard import _images as images
from storyboard._fileops import is_temporary
from storyboard._images import CheckedImage, ImageLibrary, ImageProblem

ONE_HOUR_NS = 3600 * 10**9


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "story"
    (project / "assets").mkdir(parents=True)
    return project


def library(root: Path) -> ImageLibrary:
    return ImageLibrary(root, root / ".storyboard")


def make_image(
    path: Path,
    size: tuple[int, int] = (64, 48),
    format_name: str = "PNG",
    mode: str = "RGB",
    color: Any = (200, 30, 30),
    **options: Any,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, format_name, **options)
    return path


def age(path: Path, seconds: int = 3600) -> None:
    """Make a file look modified a while ago, as files are between runs."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns - seconds * 10**9))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def data_uri(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")


def image_bytes(format_name: str = "PNG", size: tuple[int, int] = (32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format_name)
    return buffer.getvalue()


def problem(root: Path, source: str) -> str:
    with pytest.raises(ImageProblem) as caught:
        library(root).check(source)
    return caught.value.message


def all_files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


# -- formats ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_name", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_accepts_png_jpeg_and_webp(root: Path, format_name: str, media_type: str) -> None:
    path = make_image(root / "assets" / f"cat.{format_name.lower()}", (64, 48), format_name)
    checked = library(root).check(f"assets/cat.{format_name.lower()}")
    assert checked == CheckedImage(
        source=f"assets/cat.{format_name.lower()}",
        kind="path",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        media_type=media_type,
        path=path.resolve(),
        width=64,
        height=48,
    )


def test_decodes_by_content_not_by_name(root: Path) -> None:
    make_image(root / "assets" / "photo.png", format_name="JPEG")
    assert library(root).check("assets/photo.png").media_type == "image/jpeg"


@pytest.mark.parametrize("format_name", ["GIF", "BMP", "TIFF"])
def test_refuses_other_image_formats(root: Path, format_name: str) -> None:
    make_image(root / "assets" / "cat.png", format_name=format_name)
    assert problem(root, "assets/cat.png") == (
        '"assets/cat.png" is not a PNG, JPEG or WebP image; convert it to one of those'
    )


def test_refuses_text_renamed_png(root: Path) -> None:
    (root / "assets" / "notes.png").write_text("not a picture at all\n")
    assert "is not a PNG, JPEG or WebP image" in problem(root, "assets/notes.png")


def test_refuses_an_empty_file(root: Path) -> None:
    (root / "assets" / "empty.png").write_bytes(b"")
    assert "is not a PNG, JPEG or WebP image" in problem(root, "assets/empty.png")


@pytest.mark.parametrize("format_name", ["PNG", "JPEG", "WEBP"])
def test_refuses_truncated_images(root: Path, format_name: str) -> None:
    noise = Image.effect_noise((300, 200), 80).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, format_name)
    whole = buffer.getvalue()
    (root / "assets" / "cut.img").write_bytes(whole[: len(whole) // 2])
    assert problem(root, "assets/cut.img") == (
        '"assets/cut.img" is damaged or incomplete and cannot be decoded; save it again'
    )


# -- size limits --------------------------------------------------------------


@pytest.mark.timeout(10)
@pytest.mark.parametrize("side", [100_000, 10_000])
def test_refuses_a_decompression_bomb_before_decoding(root: Path, side: int) -> None:
    # 10^10 pixels trips Pillow's own error, 10^8 its warning (made an error here).
    (root / "assets" / "bomb.png").write_bytes(png_claiming(side, side))
    assert problem(root, "assets/bomb.png") == (
        '"assets/bomb.png" is larger than the 64-megapixel limit; use a smaller image'
    )


@pytest.mark.slow
def test_refuses_more_than_64_megapixels_with_the_size(root: Path) -> None:
    # A real 72-megapixel image, tiny on disk: 1 bit per pixel, all white.
    make_image(root / "assets" / "big.png", (9000, 8000), mode="1", color=1)
    assert (root / "assets" / "big.png").stat().st_size < 100_000
    assert problem(root, "assets/big.png") == (
        '"assets/big.png" is 9000x8000 pixels, more than the 64-megapixel limit; '
        "use a smaller image"
    )


def test_the_bomb_guard_leaves_global_state_alone(root: Path) -> None:
    (root / "assets" / "bomb.png").write_bytes(png_claiming(10_000, 10_000))
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS
    problem(root, "assets/bomb.png")
    assert warnings.filters == filters_before
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_refuses_a_file_over_50_mb_without_reading_it(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (root / "assets" / "huge.png").open("wb") as sparse:
        sparse.truncate(60_000_000)
    monkeypatch.setattr(Path, "read_bytes", _must_not_be_called)
    assert problem(root, "assets/huge.png") == (
        '"assets/huge.png" is 60 MB, more than the 50 MB limit; use a smaller file'
    )


def _must_not_be_called(*args: object, **kwargs: object) -> Any:
    raise AssertionError("this should not have been called")


# -- where local files may be ------------------------------------------------


def test_refuses_a_dotdot_escape(root: Path) -> None:
    make_image(root.parent / "outside.png")
    assert problem(root, "../outside.png") == (
        '"../outside.png" is outside the project folder; keep images inside it'
    )


def test_refuses_a_symlink_leading_outside(root: Path) -> None:
    make_image(root.parent / "secret.png")
    (root / "assets" / "link.png").symlink_to(root.parent / "secret.png")
    assert "outside the project folder" in problem(root, "assets/link.png")


def test_accepts_a_symlink_inside_the_project(root: Path) -> None:
    target = make_image(root / "shared" / "cat.png")
    (root / "assets" / "cat.png").symlink_to(Path("..") / "shared" / "cat.png")
    checked = library(root).check("assets/cat.png")
    assert checked.source == "assets/cat.png"
    assert checked.path == target.resolve()


def test_accepts_dotdot_that_stays_inside(root: Path) -> None:
    make_image(root / "assets" / "cat.png")
    assert library(root).check("assets/../assets/cat.png").width == 64


@pytest.mark.parametrize("absolute", [True, False])
def test_refuses_absolute_paths(root: Path, absolute: bool) -> None:
    path = make_image(root / "assets" / "cat.png")
    source = str(path) if absolute else "C:/story/assets/cat.png"
    assert "is an absolute path; write it relative to the project folder" in problem(root, source)


def test_missing_file_suggests_a_near_name(root: Path) -> None:
    make_image(root / "assets" / "cat.jpg", format_name="JPEG")
    assert problem(root, "assets/cat.png") == (
        'image "assets/cat.png" not found (did you mean "assets/cat.jpg"?)'
    )


def test_missing_file_names_the_resolved_path(root: Path) -> None:
    assert problem(root, "assets/./x/../dog.png") == 'image "assets/dog.png" not found'


def test_missing_file_suggestion_ignores_case(root: Path) -> None:
    make_image(root / "assets" / "Eileen.PNG")
    assert '(did you mean "assets/Eileen.PNG"?)' in problem(root, "assets/eileen.png")


def test_missing_folder_is_named(root: Path) -> None:
    assert problem(root, "asets/cat.png") == (
        'image "asets/cat.png" not found (there is no folder "asets")'
    )


def test_refuses_a_folder(root: Path) -> None:
    assert problem(root, "assets") == '"assets" is not a file; name an image file'


def test_refuses_an_empty_path(root: Path) -> None:
    assert "the image path is empty" in problem(root, "")


# -- URLs and data URIs --------------------------------------------------------


def test_accepts_https_urls_by_form(root: Path) -> None:
    url = "https://example.com/cat.png?size=large"
    checked = library(root).check(url)
    assert checked == CheckedImage(
        url, "url", hashlib.sha256(url.encode()).hexdigest(), None, None, None, None
    )


def test_refuses_plain_http(root: Path) -> None:
    assert problem(root, "http://example.com/cat.png") == (
        'plain http is not allowed ("http://example.com/cat.png"): '
        "use an https:// URL or a local file"
    )


@pytest.mark.parametrize("url", ["ftp://example.com/cat.png", "file:///etc/cat.png"])
def test_refuses_other_schemes(root: Path, url: str) -> None:
    assert (
        problem(root, url) == f'"{url}" is not an https:// URL; use an https:// URL or a local file'
    )


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("https:///cat.png", "has no valid host"),
        ("https:/cat.png", "has no valid host"),
        ("https://[broken/cat.png", "has no valid host"),
        ("https://example.com/my cat.png", "contains spaces"),
        ("https://example.com/cat\n.png", "contains spaces"),
    ],
)
def test_refuses_malformed_https_urls(root: Path, url: str, complaint: str) -> None:
    assert complaint in problem(root, url)


def test_accepts_a_data_uri(root: Path) -> None:
    data = image_bytes("JPEG", (40, 30))
    checked = library(root).check(data_uri(data, "image/jpeg"))
    assert (checked.kind, checked.media_type, checked.width, checked.height) == (
        "data",
        "image/jpeg",
        40,
        30,
    )
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.path is None


def test_a_data_uri_is_decoded_by_content(root: Path) -> None:
    checked = library(root).check(data_uri(image_bytes("WEBP"), "image/png"))
    assert checked.media_type == "image/webp"


def test_refuses_bad_base64(root: Path) -> None:
    message = problem(root, "data:image/png;base64,iVBORw0K!!!")
    assert message == (
        'the data URI "data:image/png;base64,iVBORw0K!!!" is not valid base64; '
        "encode the image again"
    )


def test_refuses_a_data_uri_over_10_mib(root: Path) -> None:
    message = problem(root, data_uri(b"\0" * (11 * 1024 * 1024)))
    assert message.endswith("holds 11 MiB, more than the 10 MiB limit; use a local file instead")
    assert len(message) < 200


def test_refuses_a_data_uri_that_is_not_an_image(root: Path) -> None:
    message = problem(root, data_uri(b"hello, world"))
    assert message.endswith("is not a PNG, JPEG or WebP image; convert it to one of those")


@pytest.mark.parametrize(
    "source", ["data:image/gif;base64,R0lGOD==", "data:text/plain,hello", "data:image/png,abc"]
)
def test_refuses_other_data_uri_shapes(root: Path, source: str) -> None:
    assert 'a data URI must start with "data:image/png;base64,"' in problem(root, source)


# -- repeated checks ------------------------------------------------------------


def test_a_second_check_is_a_lookup(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_image(root / "assets" / "cat.png")
    shared = library(root)
    first = shared.check("assets/cat.png")
    monkeypatch.setattr(Path, "stat", _must_not_be_called)
    assert shared.check("assets/cat.png") is first


def test_a_failed_check_fails_again(root: Path) -> None:
    shared = library(root)
    for _ in range(2):
        with pytest.raises(ImageProblem, match="not found"):
            shared.check("assets/none.png")


def test_check_writes_nothing(root: Path) -> None:
    make_image(root / "assets" / "cat.png")
    (root / "assets" / "notes.png").write_text("text")
    before = all_files(root)
    shared = library(root)
    shared.check("assets/cat.png")
    shared.check(data_uri(image_bytes()))
    with pytest.raises(ImageProblem):
        shared.check("assets/notes.png")
    assert all_files(root) == before
    assert not (root / ".storyboard").exists()


# -- preparing ------------------------------------------------------------------------


def test_prepare_applies_exif_orientation(root: Path) -> None:
    # Stored 400x200, left half red, right half blue; orientation 6 means
    # "turn 90 degrees clockwise to display": upright it is 200x400, red on top.
    stored = Image.new("RGB", (400, 200), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(root / "assets" / "turned.jpg", "JPEG", exif=exif.tobytes(), quality=95)
    original = (root / "assets" / "turned.jpg").read_bytes()
    shared = library(root)
    checked = shared.check("assets/turned.jpg")
    assert (checked.width, checked.height) == (200, 400)
    prepared = shared.prepare(checked)
    assert prepared is not None
    with Image.open(prepared) as upright:
        assert upright.size == (200, 400)
        red, _, blue = upright.convert("RGB").getpixel((100, 50))
        assert red > 200 and blue < 60
    assert (root / "assets" / "turned.jpg").read_bytes() == original


@pytest.mark.slow
@pytest.mark.parametrize("format_name", ["PNG", "JPEG"])
def test_prepare_fits_the_longest_side_to_2048(root: Path, format_name: str) -> None:
    make_image(root / "assets" / "wide.img", (4000, 3000), format_name)
    shared = library(root)
    prepared = shared.prepare(shared.check("assets/wide.img"))
    assert prepared == root / ".storyboard" / "prepared" / f"{_sha(root / 'assets/wide.img')}.png"
    with Image.open(prepared) as copy:
        assert (copy.format, copy.size) == ("PNG", (2048, 1536))


def test_prepare_keeps_small_images_and_transparency(root: Path) -> None:
    make_image(root / "assets" / "ghost.png", (30, 20), mode="RGBA", color=(0, 0, 0, 0))
    shared = library(root)
    prepared = shared.prepare(shared.check("assets/ghost.png"))
    assert prepared is not None
    with Image.open(prepared) as copy:
        assert (copy.mode, copy.size) == ("RGBA", (30, 20))


def test_prepare_scales_16_bit_greyscale_instead_of_clipping(root: Path) -> None:
    make_image(root / "assets" / "grey.png", (8, 8), mode="I;16", color=40_000)
    shared = library(root)
    prepared = shared.prepare(shared.check("assets/grey.png"))
    assert prepared is not None
    with Image.open(prepared) as copy:
        assert copy.convert("RGB").getpixel((0, 0)) == (156, 156, 156)


def test_prepare_falls_back_to_jpeg_when_png_is_too_heavy(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Image.effect_noise((256, 256), 60).convert("RGB").save(root / "assets" / "noise.png")
    monkeypatch.setattr(images, "MAX_PREPARED_BYTES", 60_000)
    shared = library(root)
    prepared = shared.prepare(shared.check("assets/noise.png"))
    assert prepared is not None
    assert prepared.suffix == ".jpg"
    assert prepared.stat().st_size <= 60_000
    with Image.open(prepared) as copy:
        assert (copy.format, copy.size) == ("JPEG", (256, 256))


def test_prepare_refuses_what_cannot_be_made_small_enough(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_image(root / "assets" / "cat.png")
    monkeypatch.setattr(images, "MAX_PREPARED_BYTES", 100)
    shared = library(root)
    checked = shared.check("assets/cat.png")
    with pytest.raises(ImageProblem, match="cannot be made smaller than"):
        shared.prepare(checked)
    assert not [path for path in (root / ".storyboard").rglob("*") if is_temporary(path.name)]


def test_a_prepared_copy_is_reused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_image(root / "assets" / "cat.png")
    first = library(root)
    prepared = first.prepare(first.check("assets/cat.png"))
    assert prepared is not None
    stamp = prepared.stat().st_mtime_ns
    monkeypatch.setattr(images, "write_atomically", _must_not_be_called)
    second = library(root)
    assert second.prepare(second.check("assets/cat.png")) == prepared
    assert prepared.stat().st_mtime_ns == stamp


def test_prepare_a_data_uri_and_a_url(root: Path) -> None:
    shared = library(root)
    prepared = shared.prepare(shared.check(data_uri(image_bytes("WEBP", (50, 40)))))
    assert prepared is not None
    with Image.open(prepared) as copy:
        assert copy.size == (50, 40)
    assert shared.prepare(shared.check("https://example.com/cat.png")) is None


def test_prepare_refuses_a_file_changed_after_its_check(root: Path) -> None:
    path = make_image(root / "assets" / "cat.png")
    shared = library(root)
    checked = shared.check("assets/cat.png")
    make_image(path, (10, 10))
    with pytest.raises(ImageProblem, match="changed after it was checked"):
        shared.prepare(checked)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the memo across runs --------------------------------------------------------------


def _count_opens(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    opened: list[object] = []
    real_open: Callable[..., Image.Image] = Image.open

    def counting_open(*args: Any, **kwargs: Any) -> Image.Image:
        opened.append(args[0])
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", counting_open)
    return opened


def _first_run(root: Path, name: str = "cat.png") -> CheckedImage:
    path = make_image(root / "assets" / name)
    age(path)
    first = library(root)
    checked = first.check(f"assets/{name}")
    first.save()
    return checked


def test_the_memo_spares_decoding_an_unchanged_file(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = _first_run(root)
    assert (root / ".storyboard" / "images.json").is_file()
    real_read_bytes = Path.read_bytes

    def read_only_the_memo(path: Path) -> bytes:
        assert path.name == "images.json", f"{path} was read"
        return real_read_bytes(path)

    monkeypatch.setattr(Image, "open", _must_not_be_called)
    monkeypatch.setattr(Path, "read_bytes", read_only_the_memo)
    assert library(root).check("assets/cat.png") == checked


def test_the_memo_rechecks_a_file_of_another_size(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_run(root)
    path = make_image(root / "assets" / "cat.png", (80, 60))
    age(path)
    opened = _count_opens(monkeypatch)
    assert library(root).check("assets/cat.png").width == 80
    assert len(opened) == 1


def test_the_memo_rechecks_a_file_with_another_mtime(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_run(root)
    path = root / "assets" / "cat.png"
    age(path, 60)
    opened = _count_opens(monkeypatch)
    library(root).check("assets/cat.png")
    assert len(opened) == 1


def test_the_memo_rechecks_a_file_that_became_broken(root: Path) -> None:
    _first_run(root)
    path = root / "assets" / "cat.png"
    size = path.stat().st_size
    path.write_bytes(b"x" * size)
    age(path, 60)
    assert "is not a PNG, JPEG or WebP image" in problem(root, "assets/cat.png")


def test_the_memo_skips_files_modified_just_now(root: Path) -> None:
    make_image(root / "assets" / "fresh.png")
    first = library(root)
    first.check("assets/fresh.png")
    first.save()
    memo = json.loads((root / ".storyboard" / "images.json").read_text())
    assert memo["files"] == {}


def test_the_memo_forgets_files_that_are_gone(root: Path) -> None:
    _first_run(root, "old.png")
    (root / "assets" / "old.png").unlink()
    _first_run(root, "new.png")
    memo = json.loads((root / ".storyboard" / "images.json").read_text())
    assert [Path(key).name for key in memo["files"]] == ["new.png"]


@pytest.mark.parametrize(
    "garbage",
    [
        b"{not json",
        b"[]",
        b'{"version": 1, "files": []}',
        b'{"version": 1, "files": {"/x": {"size": "1"}}}',
        b"\xff\xfe",
    ],
)
def test_a_corrupted_memo_is_ignored(
    root: Path, monkeypatch: pytest.MonkeyPatch, garbage: bytes
) -> None:
    path = make_image(root / "assets" / "cat.png")
    age(path)
    (root / ".storyboard").mkdir()
    (root / ".storyboard" / "images.json").write_bytes(garbage)
    shared = library(root)
    assert shared.check("assets/cat.png").width == 64
    shared.save()
    monkeypatch.setattr(Image, "open", _must_not_be_called)
    assert library(root).check("assets/cat.png").width == 64


def test_a_forged_memo_entry_is_ignored(root: Path) -> None:
    checked = _first_run(root)
    memo_path = root / ".storyboard" / "images.json"
    memo = json.loads(memo_path.read_text())
    (entry,) = memo["files"].values()
    entry["media_type"] = "image/gif"
    memo_path.write_text(json.dumps(memo))
    assert library(root).check("assets/cat.png") == checked


def test_save_without_checks_writes_nothing(root: Path) -> None:
    library(root).save()
    assert not (root / ".storyboard").exists()


def test_save_is_atomic_and_leaves_no_temporary_file(root: Path) -> None:
    _first_run(root)
    names = sorted(path.name for path in (root / ".storyboard").iterdir())
    assert names == ["images.json"]


# -- small parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fitted"),
    [
        ((4000, 3000), (2048, 1536)),
        ((3000, 4000), (1536, 2048)),
        ((2048, 100), (2048, 100)),
        ((100, 50), (100, 50)),
        ((100_000, 10), (2048, 1)),
    ],
)
def test_fitted_size(size: tuple[int, int], fitted: tuple[int, int]) -> None:
    assert images._fitted_size(size) == fitted


def test_accepts_a_multi_picture_jpeg_from_a_camera(root: Path) -> None:
    first, second = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (64, 48), "blue")
    first.save(root / "assets" / "phone.jpg", "MPO", save_all=True, append_images=[second])
    checked = library(root).check("assets/phone.jpg")
    assert (checked.media_type, checked.width) == ("image/jpeg", 64)


@pytest.mark.slow
def test_a_same_size_file_restored_with_cp_p_is_read_again(tmp_path: Path) -> None:
    """`cp -p` keeps size and mtime; the change time and inode tell the memo."""
    project = tmp_path / "p"
    cat = make_image(project / "assets" / "cat.png")
    age(cat)
    (project / "story.yaml").write_text(
        "storyboard: 1\ntitle: T\ncharacters:\n  cat: {image: assets/cat.png}\n"
        "scenes:\n  - id: a\n    prompt: '@cat naps'\n",
        encoding="utf-8",
    )
    assert storyboard("check", "-p", str(project)).code == 0
    assert (project / ".storyboard" / "images.json").is_file()
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"x" * cat.stat().st_size)
    os.utime(garbage, ns=(cat.stat().st_atime_ns, cat.stat().st_mtime_ns))
    subprocess.run(["cp", "-p", str(garbage), str(cat)], check=True)
    assert cat.stat().st_mtime_ns == garbage.stat().st_mtime_ns
    ran = storyboard("check", "-p", str(project))
    assert ran.code == 2 and "is not a PNG, JPEG or WebP image" in ran.err


TWO_SCENES_ONE_CAST = """\
storyboard: 1
title: Shared
defaults: {duration: 1, resolution: 480p}
characters:
  cat: {image: assets/cat.png}
props:
  mug: {image: assets/mug.png}
scenes:
  - id: breakfast
    prompt: "@cat sniffs @mug"
  - id: supper
    prompt: "@mug stands beside @cat"
"""


@pytest.mark.slow
def test_a_build_prepares_each_picture_once_and_off_its_event_loop(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoding a picture takes 0.1-0.3 s: on the loop, it held back every job."""
    from storyboard._engine import BuildOptions
    from storyboard._studio import Studio

    make_image(root / "assets" / "cat.png", color=(200, 140, 60))
    make_image(root / "assets" / "mug.png", color=(230, 230, 220))
    (root / "story.yaml").write_text(TWO_SCENES_ONE_CAST, encoding="utf-8")
    on_the_loop: list[bool] = []
    encoded: list[str] = []
    prepare, encode = ImageLibrary.prepare, images._prepared_bytes

    def watched_prepare(self: ImageLibrary, image: CheckedImage) -> Path | None:
        on_the_loop.append(threading.current_thread() is threading.main_thread())
        return prepare(self, image)

    def counted_encode(data: bytes, name: str) -> tuple[bytes, str]:
        encoded.append(name)
        return encode(data, name)

    monkeypatch.setattr(ImageLibrary, "prepare", watched_prepare)
    monkeypatch.setattr(images, "_prepared_bytes", counted_encode)
    with Studio.open(root) as studio:
        assert studio.build("preview", BuildOptions(score=False)).ok
    assert on_the_loop and not any(on_the_loop)
    assert sorted(encoded) == ['"assets/cat.png"', '"assets/mug.png"']
