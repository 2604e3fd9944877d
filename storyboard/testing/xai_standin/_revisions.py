"""Video edits and extensions: their requests checked as the docs describe, and the job
each one makes (its length, shape and the input seconds it bills).

The input video comes as a ``data:video/mp4;base64,`` URI or an uploaded file id; the
stand-in measures it with ffmpeg (to a tenth of a second) to apply the documented
limits. It cannot fetch an ``https`` URL, so it refuses one, saying so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..._errors import MediaError
from ..._media import probe
from . import _documented as documented
from ._refusal import Refusal

Revision = Literal["edits", "extensions"]
_VIDEO_URI_PREFIX = "data:video/mp4;base64,"


@dataclass(frozen=True)
class InputVideo:
    seconds: float
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class JobShape:
    """What a revision job makes and bills."""

    model: str
    duration: int
    aspect_ratio: str
    resolution: str
    input_seconds: float


def check_revision(
    kind: Revision,
    request: Mapping[str, Any],
    file_content: Callable[[str], bytes | None],
    known_resolution: Callable[[str], str | None],
) -> JobShape:
    """The job a valid edit or extension makes; a Refusal for an invalid one.

    ``file_content`` gives an uploaded file's bytes (None when unknown or expired);
    ``known_resolution`` the resolution of a clip the stand-in served, by its sha256.
    """
    allowed = documented.EDIT_FIELDS if kind == "edits" else documented.EXTENSION_FIELDS
    unknown = sorted(set(request) - allowed)
    if unknown:
        raise Refusal(400, f"Argument not supported: {', '.join(unknown)}")
    model = request.get("model", "grok-imagine-video")
    if model not in documented.REVISION_MODELS:
        raise Refusal(400, f"{model} cannot make video {kind}")
    prompt = request.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise Refusal(400, "prompt is required")
    if "video" not in request:
        raise Refusal(400, "video is required")
    video = _input_video(request["video"], file_content)
    seconds = round(video.seconds, 1)
    if kind == "edits":
        if seconds > documented.EDIT_MAX_INPUT_SECONDS:
            limit = documented.EDIT_MAX_INPUT_SECONDS
            raise Refusal(422, f"the video to edit lasts {seconds:g} s; at most {limit:g} s")
        duration = max(1, round(video.seconds))
    else:
        low, high = documented.EXTENSION_INPUT_SECONDS
        if not low <= seconds <= high:
            raise Refusal(
                422, f"the video to extend lasts {seconds:g} s; it must be {low:g}..{high:g} s"
            )
        added = request.get("duration", documented.EXTENSION_DEFAULT_DURATION)
        if not isinstance(added, int) or isinstance(added, bool):
            raise Refusal(400, "duration must be an integer number of seconds")
        if added not in documented.EXTENSION_ADDED_SECONDS:
            span = documented.EXTENSION_ADDED_SECONDS
            raise Refusal(422, f"duration (the seconds added) must be {span[0]}..{span[-1]}")
        duration = round(video.seconds) + added
    return JobShape(
        model=str(model),
        duration=duration,
        aspect_ratio=_nearest_ratio(video.width, video.height),
        resolution=known_resolution(video.sha256) or _capped_resolution(video),
        input_seconds=video.seconds,
    )


def _input_video(entry: object, file_content: Callable[[str], bytes | None]) -> InputVideo:
    if not isinstance(entry, dict) or len(entry) != 1 or not {"url", "file_id"} & set(entry):
        raise Refusal(400, "video must have exactly one of url and file_id")
    if "file_id" in entry:
        content = file_content(entry["file_id"]) if isinstance(entry["file_id"], str) else None
        if content is None:
            raise Refusal(400, f"video: file {entry['file_id']!r} not found")
        return _measured(content)
    url = entry["url"]
    if isinstance(url, str) and url.startswith("https://"):
        raise Refusal(400, "the stand-in cannot fetch video URLs: send a data URI or a file id")
    if not isinstance(url, str) or not url.startswith(_VIDEO_URI_PREFIX):
        raise Refusal(400, "video.url must be https or a data:video/mp4;base64 URI")
    try:
        content = base64.b64decode(url.removeprefix(_VIDEO_URI_PREFIX), validate=True)
    except (binascii.Error, ValueError) as problem:
        raise Refusal(400, "video.url is not valid base64") from problem
    return _measured(content)


def _measured(content: bytes) -> InputVideo:
    with tempfile.TemporaryDirectory(prefix="xai-standin-input-") as scratch:
        path = Path(scratch) / "input.mp4"
        path.write_bytes(content)
        try:
            info = probe(path)
        except MediaError as problem:
            raise Refusal(400, "video is not a readable MP4") from problem
    digest = hashlib.sha256(content).hexdigest()
    return InputVideo(info.duration, info.width, info.height, digest)


def _nearest_ratio(width: int, height: int) -> str:
    def distance(ratio: str) -> float:
        across, down = (int(part) for part in ratio.split(":"))
        return abs(across / down - width / height)

    return min(sorted(documented.ASPECT_RATIOS), key=distance)


def _capped_resolution(video: InputVideo) -> str:
    low, high = documented.REVISION_RESOLUTIONS
    return low if min(video.width, video.height) <= 480 else high
