"""Reference images: checking, hashing and preparing them for a video API.

A story names each image as a local path (relative to the project folder), an
``https://`` URL or a ``data:image/...;base64,`` URI. :class:`ImageLibrary`
checks each one the way the writer needs (inside the project, really PNG,
JPEG or WebP by content, whole, not a decompression bomb) and raises
:class:`ImageProblem` with a message that says what to do.

Checking is cheap to repeat: within one library a source is checked once, and
across runs a memo in ``.storyboard/images.json`` keyed by (resolved path,
size, mtime, device, inode, change time) lets unchanged files skip reading and
decoding. The change time cannot be set back by a user, so a same-size file put
in place with ``cp -p`` or ``touch -r`` is read again. ``check`` writes
nothing; ``save`` persists the memo, ``prepare`` writes the copy that is sent:
EXIF orientation applied, longest side at most 2048 px, at most 10 MiB.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import hashlib
import io
import json
import os
import re
import stat
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from ._errors import ImageProblem
from ._fileops import write_atomically

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where pixels are read: a check whose images are all in the memo
# (the usual case) never loads it.

__all__ = ["CheckedImage", "ImageLibrary", "ImageProblem"]

MAX_PIXELS = 64_000_000
"""Images with more pixels are refused before their pixels are decoded."""
MAX_FILE_BYTES = 50_000_000
"""The API's upload limit (50 MB); larger local files are refused unread."""
MAX_DATA_BYTES = 10 * 1024 * 1024
"""The most a data URI may hold, decoded."""
MAX_PREPARED_BYTES = 10 * 1024 * 1024
"""The most a prepared copy may weigh."""
MAX_SIDE = 2048
"""The longest side of a prepared copy, in pixels."""
JPEG_QUALITIES = (90, 85, 80, 75, 70, 60, 50)
"""Tried in turn when a prepared PNG would be too heavy."""
RACY_WINDOW_NS = 2_000_000_000
"""Files modified this recently are not memoised: a same-size edit within the
file system's timestamp granularity could otherwise go unnoticed."""

MEMO_NAME = "images.json"
MEMO_VERSION = 2
PREPARED_DIR = "prepared"

_FORMATS = ["PNG", "JPEG", "WEBP"]
_MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg", "WEBP": "image/webp"}
_ACCEPTED = "PNG, JPEG or WebP"
_DATA_URI = re.compile(r"data:image/(?:png|jpeg|webp);base64,")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ROTATED = {5, 6, 7, 8}
"""EXIF orientations that turn the picture a quarter turn."""


@dataclass(frozen=True)
class CheckedImage:
    """An image that passed every check.

    ``sha256`` is of the original bytes (paths and data URIs) or of the URL
    text; ``width`` and ``height`` are as displayed, after EXIF orientation.
    """

    source: str
    kind: Literal["path", "url", "data"]
    sha256: str
    media_type: str | None
    path: Path | None
    width: int | None
    height: int | None


@dataclass(frozen=True)
class _Facts:
    """What decoding an image's bytes told us."""

    sha256: str
    media_type: str
    width: int
    height: int


@dataclass(frozen=True)
class _Stamp:
    """What the file system says of a file, the same while nobody touches it."""

    size: int
    mtime_ns: int
    device: int
    inode: int
    ctime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> _Stamp:
        return cls(
            status.st_size, status.st_mtime_ns, status.st_dev, status.st_ino, status.st_ctime_ns
        )


@dataclass(frozen=True)
class _MemoEntry:
    """Facts about a file, valid while its stamp stays the same."""

    stamp: _Stamp
    facts: _Facts


class ImageLibrary:
    """Checks and prepares the images of one project.

    ``root`` is the project folder; ``cache_dir`` its ``.storyboard/`` folder,
    where the memo and the prepared copies live.
    """

    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.root = root.resolve()
        self.cache_dir = cache_dir.resolve()
        self._checked: dict[str, CheckedImage | str] = {}
        self._memo: dict[str, _MemoEntry] | None = None
        self._memo_dirty = False
        self._prepared: dict[str, Path] = {}
        self._preparing = threading.Lock()
        """A build prepares images on worker threads: each image is made once."""

    # -- checking ---------------------------------------------------------

    def check(self, source: str) -> CheckedImage:
        """Check an image as written in ``story.yaml``; raise ImageProblem if unusable."""
        outcome = self._checked.get(source)
        if outcome is None:
            try:
                outcome = self._check_source(source)
            except ImageProblem as problem:
                outcome = problem.message
            self._checked[source] = outcome
        if isinstance(outcome, str):
            raise ImageProblem(outcome)
        return outcome

    def local_files(self) -> set[Path]:
        """The files of every image checked so far (the writer's, never to be written over)."""
        return {o.path for o in self._checked.values() if isinstance(o, CheckedImage) and o.path}

    def _check_source(self, source: str) -> CheckedImage:
        kind = _kind_of(source)
        if kind == "url":
            return _check_url(source)
        if kind == "data":
            facts = _inspect(_data_uri_bytes(source), _data_uri_name(source))
            return _checked(source, "data", facts, None)
        return self._check_relative_path(source)

    def _check_relative_path(self, source: str) -> CheckedImage:
        if not source.strip():
            raise ImageProblem("the image path is empty; name a file inside the project folder")
        control = control_character(source)
        if control:
            raise ImageProblem(f"the image path holds a control character ({control}); retype it")
        if PurePosixPath(source).is_absolute() or PureWindowsPath(source).is_absolute():
            raise ImageProblem(
                f'"{source}" is an absolute path; write it relative to the project folder'
            )
        resolved = self._resolve(self.root / source, source)
        if not resolved.is_relative_to(self.root):
            raise ImageProblem(f'"{source}" is outside the project folder; keep images inside it')
        return self._check_local(source, resolved)

    def _check_local(self, source: str, resolved: Path) -> CheckedImage:
        name = f'"{self._display(resolved)}"'
        status = self._stat(resolved, name)
        if status.st_size > MAX_FILE_BYTES:
            raise ImageProblem(
                f"{name} is {_megabytes(status.st_size)}, more than the "
                f"{_megabytes(MAX_FILE_BYTES)} limit; use a smaller file"
            )
        facts = self._remembered(resolved, status) or self._inspect_file(resolved, status, name)
        return _checked(source, "path", facts, resolved)

    def _stat(self, resolved: Path, name: str) -> os.stat_result:
        try:
            status = resolved.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ImageProblem(self._not_found(resolved)) from None
        except (OSError, ValueError) as error:
            raise ImageProblem(f"{name} cannot be read: {error}") from None
        if not stat.S_ISREG(status.st_mode):
            raise ImageProblem(f"{name} is not a file; name an image file")
        return status

    def _inspect_file(self, resolved: Path, status: os.stat_result, name: str) -> _Facts:
        try:
            data = resolved.read_bytes()
        except OSError as error:
            raise ImageProblem(f"{name} cannot be read: {error.strerror or error}") from None
        facts = _inspect(data, name)
        self._remember(resolved, status, facts)
        return facts

    def _resolve(self, path: Path, written: str) -> Path:
        try:
            return path.resolve()
        except (OSError, RuntimeError, ValueError):
            raise ImageProblem(
                f'"{written}" cannot be followed (a symlink loop?); name the image file itself'
            ) from None

    def _display(self, resolved: Path) -> str:
        """A path as the writer knows it: relative to the project folder when inside it."""
        if resolved.is_relative_to(self.root):
            return resolved.relative_to(self.root).as_posix()
        return str(resolved)

    def _not_found(self, resolved: Path) -> str:
        message = f'image "{self._display(resolved)}" not found'
        folder = resolved.parent
        if not folder.is_dir():
            return f'{message} (there is no folder "{self._display(folder)}")'
        near = _nearest_file_name(resolved.name, folder)
        if near is None:
            return message
        return f'{message} (did you mean "{self._display(folder / near)}"?)'

    # -- the memo ---------------------------------------------------------

    def _memo_entries(self) -> dict[str, _MemoEntry]:
        if self._memo is None:
            self._memo = _load_memo(self.cache_dir / MEMO_NAME)
        return self._memo

    def _remembered(self, resolved: Path, status: os.stat_result) -> _Facts | None:
        entry = self._memo_entries().get(str(resolved))
        if entry is None or entry.stamp != _Stamp.of(status):
            return None
        return entry.facts

    def _remember(self, resolved: Path, status: os.stat_result, facts: _Facts) -> None:
        entry = _MemoEntry(_Stamp.of(status), facts)
        self._memo_entries()[str(resolved)] = entry
        self._memo_dirty = True

    def save(self) -> None:
        """Write the memo to ``cache_dir/images.json`` if it learnt anything (atomically)."""
        if self._memo is None or not self._memo_dirty:
            return
        settled_before = time.time_ns() - RACY_WINDOW_NS
        kept = {
            path: entry
            for path, entry in sorted(self._memo.items())
            if entry.stamp.mtime_ns < settled_before and os.path.exists(path)
        }
        with suppress(OSError):  # a read-only project, a full disk: the memo only saves time
            write_atomically(self.cache_dir / MEMO_NAME, _memo_json(kept))
        self._memo_dirty = False

    # -- preparing --------------------------------------------------------

    def prepare(self, image: CheckedImage) -> Path | None:
        """The prepared copy of a checked image (made once); None for a URL."""
        if image.kind == "url":
            return None
        with self._preparing:
            prepared = self._prepared.get(image.sha256) or self._existing_copy(image.sha256)
            if prepared is None:
                prepared = self._make_copy(image)
            self._prepared[image.sha256] = prepared
        return prepared

    def _existing_copy(self, sha256: str) -> Path | None:
        for extension in ("png", "jpg"):
            candidate = self.cache_dir / PREPARED_DIR / f"{sha256}.{extension}"
            if candidate.is_file():
                return candidate
        return None

    def _make_copy(self, image: CheckedImage) -> Path:
        name = _data_uri_name(image.source) if image.kind == "data" else f'"{image.source}"'
        data = self._original_bytes(image, name)
        if hashlib.sha256(data).hexdigest() != image.sha256:
            raise ImageProblem(f"{name} changed after it was checked; run the command again")
        encoded, extension = _prepared_bytes(data, name)
        target = self.cache_dir / PREPARED_DIR / f"{image.sha256}.{extension}"
        write_atomically(target, encoded)
        return target

    def _original_bytes(self, image: CheckedImage, name: str) -> bytes:
        if image.path is None:
            return _data_uri_bytes(image.source)
        try:
            return image.path.read_bytes()
        except OSError as error:
            raise ImageProblem(f"{name} cannot be read: {error.strerror or error}") from None


# -- sources ----------------------------------------------------------------


def control_character(text: str) -> str | None:
    """The first control character (NUL, a tab, an escape...) in ``text``, spelt out."""
    found = next((c for c in text if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0), None)
    return None if found is None else f"U+{ord(found):04X}, {found!r}"


def _kind_of(source: str) -> Literal["path", "url", "data"]:
    """``data:...`` is a data URI, ``scheme://...`` or ``http(s):...`` a URL, the rest a path."""
    match = _SCHEME.match(source)
    if match is None:
        return "path"
    scheme = match.group(1).lower()
    if scheme == "data":
        return "data"
    if scheme in {"http", "https"} or source[match.end() :].startswith("//"):
        return "url"
    return "path"


def _check_url(source: str) -> CheckedImage:
    shown = _shorten(source)
    scheme = source.split(":", 1)[0].lower()
    if scheme == "http":
        raise ImageProblem(
            f'plain http is not allowed ("{shown}"): use an https:// URL or a local file'
        )
    if scheme != "https":
        raise ImageProblem(f'"{shown}" is not an https:// URL; use an https:// URL or a local file')
    if " " in source or not source.isprintable():
        raise ImageProblem(f'the URL "{shown}" contains spaces; write them as %20')
    try:
        host = urlsplit(source).hostname
    except ValueError:
        host = None
    if not host:
        raise ImageProblem(f'the URL "{shown}" has no valid host; write it as https://host/path')
    url_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return CheckedImage(source, "url", url_hash, None, None, None, None)


def _data_uri_bytes(source: str) -> bytes:
    """The image bytes a data URI holds, decoded strictly."""
    prefix = _DATA_URI.match(source)
    if prefix is None:
        raise ImageProblem(
            f"{_data_uri_name(source)} is not supported; a data URI must start with "
            '"data:image/png;base64,", "data:image/jpeg;base64," or "data:image/webp;base64,"'
        )
    try:
        data = base64.b64decode(source[prefix.end() :], validate=True)
    except (binascii.Error, ValueError):
        raise ImageProblem(
            f"{_data_uri_name(source)} is not valid base64; encode the image again"
        ) from None
    if len(data) > MAX_DATA_BYTES:
        raise ImageProblem(
            f"{_data_uri_name(source)} holds {_mebibytes(len(data))}, more than the "
            f"{_mebibytes(MAX_DATA_BYTES)} limit; use a local file instead"
        )
    return data


def _data_uri_name(source: str) -> str:
    return f'the data URI "{_shorten(source)}"'


def _checked(
    source: str, kind: Literal["path", "data"], facts: _Facts, path: Path | None
) -> CheckedImage:
    return CheckedImage(
        source, kind, facts.sha256, facts.media_type, path, facts.width, facts.height
    )


def _nearest_file_name(name: str, folder: Path) -> str | None:
    """The file in ``folder`` whose name is closest to ``name`` (ignoring case), if any is close."""
    try:
        by_lower = {entry.name.lower(): entry.name for entry in folder.iterdir() if entry.is_file()}
    except OSError:
        return None
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB" if size % 1_000_000 == 0 else f"{size / 1_000_000:.1f} MB"


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:.0f} MiB" if size % 2**20 == 0 else f"{size / 2**20:.1f} MiB"


# -- decoding ---------------------------------------------------------------


def _inspect(data: bytes, name: str) -> _Facts:
    """Hash and fully check an image's bytes; ``name`` is how messages call it."""
    with _decoding(name), _open_image(data, name) as image:
        width, height = _upright_size(image)
        media_type = _MEDIA_TYPES[image.format or ""]
        _decode_everything(image)
    return _Facts(hashlib.sha256(data).hexdigest(), media_type, width, height)


def png_of(data: bytes, name: str) -> bytes:
    """A generated image's bytes decoded whole and saved as PNG, upright; ImageProblem if
    they are not a PNG, JPEG or WebP that decodes."""
    from PIL import ImageOps

    with _decoding(name), _open_image(data, name) as image:
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        _as_rgb_or_rgba(upright).save(out, "PNG")
    return out.getvalue()


@contextmanager
def _decoding(name: str) -> Iterator[None]:
    """Turn Pillow's complaints into ImageProblem; its bomb warnings into errors, here only."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageProblem(_too_many_pixels(name)) from None
        except UnidentifiedImageError:
            raise ImageProblem(
                f"{name} is not a {_ACCEPTED} image; convert it to one of those"
            ) from None
        except ImageProblem:
            raise
        except Exception:  # damaged files make Pillow raise many kinds of errors
            raise ImageProblem(
                f"{name} is damaged or incomplete and cannot be decoded; save it again"
            ) from None


def _open_image(data: bytes, name: str) -> Image.Image:
    """Open (headers only) an accepted image, refusing too many pixels before decoding them."""
    from PIL import Image

    image = Image.open(io.BytesIO(data), formats=_FORMATS)
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise ImageProblem(_too_many_pixels(name, f"{width}x{height} pixels"))
    return image


def _too_many_pixels(name: str, size: str | None = None) -> str:
    limit = f"the {MAX_PIXELS // 1_000_000}-megapixel limit"
    if size is None:
        return f"{name} is larger than {limit}; use a smaller image"
    return f"{name} is {size}, more than {limit}; use a smaller image"


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """The size as displayed, read from the EXIF block found in the headers.

    ``getexif()`` would decode a whole PNG to look for a late eXIf chunk, so
    only the EXIF seen while opening counts here; ``prepare`` applies any.
    """
    from PIL import ExifTags, Image

    width, height = image.size
    raw = image.info.get("exif")
    if not isinstance(raw, bytes):
        return width, height
    exif = Image.Exif()
    exif.load(raw)
    if exif.get(ExifTags.Base.Orientation) in _ROTATED:
        return height, width
    return width, height


def _decode_everything(image: Image.Image) -> None:
    """Read every byte of the image so that a truncated file is caught.

    PNG chunks are checked against their CRCs without inflating the pixels;
    a JPEG is decoded at 1/8 scale, which still reads the whole stream.
    """
    if image.format == "PNG":
        image.verify()
        return
    width, height = image.size
    image.draft(None, (max(1, width // 8), max(1, height // 8)))
    image.load()


# -- preparing --------------------------------------------------------------


def _prepared_bytes(data: bytes, name: str) -> tuple[bytes, str]:
    """The bytes to send and their extension: upright, fitted, at most MAX_PREPARED_BYTES."""
    from PIL import ImageOps

    with _decoding(name), _open_image(data, name) as image:
        image.draft(None, _fitted_size(image.size))  # JPEG: decode at a smaller scale
        return sendable_bytes(ImageOps.exif_transpose(image), name)


def sendable_bytes(picture: Image.Image, name: str) -> tuple[bytes, str]:
    """An upright picture as it is sent, and its extension: longest side at most MAX_SIDE,
    PNG or JPEG, at most MAX_PREPARED_BYTES."""
    from PIL import Image

    fitted = _fitted_size(picture.size)
    if picture.size != fitted:
        picture = picture.resize(fitted, Image.Resampling.LANCZOS)
    return _encode_within_limit(_as_rgb_or_rgba(picture), name)


def _fitted_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down (never up) so that its longest side is at most MAX_SIDE."""
    width, height = size
    scale = MAX_SIDE / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _as_rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in {"RGB", "RGBA"}:
        return image
    if image.mode.startswith("I"):  # 16- or 32-bit greyscale: scale down, do not clip
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode_within_limit(image: Image.Image, name: str) -> tuple[bytes, str]:
    """PNG if it fits; else JPEG at falling quality until it does."""
    png = _encode(image, "PNG")
    if len(png) <= MAX_PREPARED_BYTES:
        return png, "png"
    flat = _on_white(image)
    for quality in JPEG_QUALITIES:
        jpeg = _encode(flat, "JPEG", quality=quality)
        if len(jpeg) <= MAX_PREPARED_BYTES:
            return jpeg, "jpg"
    raise ImageProblem(
        f"{name} cannot be made smaller than {_mebibytes(MAX_PREPARED_BYTES)}; "
        "use a simpler or smaller image"
    )


def _on_white(image: Image.Image) -> Image.Image:
    """The image without transparency, as a JPEG needs it."""
    from PIL import Image

    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, "white")
    background.paste(image, mask=image.getchannel("A"))
    return background


def _encode(image: Image.Image, format_name: str, **options: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_name, **options)
    return buffer.getvalue()


# -- files --------------------------------------------------------------------


def _memo_json(entries: dict[str, _MemoEntry]) -> bytes:
    files = {
        path: {**asdict(entry.stamp), **asdict(entry.facts)} for path, entry in entries.items()
    }
    document = {"version": MEMO_VERSION, "files": files}
    return json.dumps(document, indent=1, sort_keys=True).encode("utf-8")


def _load_memo(path: Path) -> dict[str, _MemoEntry]:
    """The memo saved by an earlier run; empty if absent, unreadable or malformed."""
    try:
        document = json.loads(path.read_bytes())
        if document["version"] != MEMO_VERSION:
            return {}
        return {str(key): _memo_entry(value) for key, value in document["files"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _memo_entry(value: dict[str, object]) -> _MemoEntry:
    """One memo entry, or ValueError if any field is not what ``_memo_json`` writes."""
    facts = _Facts(
        _text(value, "sha256"),
        _text(value, "media_type"),
        _count(value, "width"),
        _count(value, "height"),
    )
    if not _SHA256.fullmatch(facts.sha256) or facts.media_type not in _MEDIA_TYPES.values():
        raise ValueError("bad image facts in the image memo")
    stamp = _Stamp(*(_count(value, name) for name in _Stamp.__dataclass_fields__))
    return _MemoEntry(stamp, facts)


def _count(value: dict[str, object], key: str) -> int:
    number = value[key]
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValueError(f"bad {key} in the image memo")
    return number


def _text(value: dict[str, object], key: str) -> str:
    text = value[key]
    if not isinstance(text, str):
        raise ValueError(f"bad {key} in the image memo")
    return text


def _demo(sources: list[str]) -> None:
    """``python -m storyboard._images SOURCE...``: check images against the current folder."""
    library = ImageLibrary(Path.cwd(), Path.cwd() / ".storyboard")
    for source in sources:
        try:
            image = library.check(source)
        except ImageProblem as problem:
            print(f"refused  {problem.message}")
            continue
        size = f"{image.width}x{image.height}" if image.width else "-"
        print(f"ok       {_shorten(source, 40):40} {image.media_type or 'url':10} {size:>11}")


if __name__ == "__main__":
    _demo(sys.argv[1:])
