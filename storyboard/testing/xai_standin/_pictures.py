"""Image generations and edits: their requests checked as the docs describe, and real
PNG pictures for the images they make.

An edit's input images come as ``data:image/...;base64,`` URIs or uploaded file ids;
the stand-in cannot fetch an ``https`` URL, so it refuses one, saying so. Prompts of
edits name their inputs ``<IMAGE_0>``, ``<IMAGE_1>``... (from 0 here, unlike videos).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image, ImageDraw, UnidentifiedImageError

from . import _documented as documented
from ._refusal import Refusal

ImageCall = Literal["generations", "edits"]
SMALL_LONG_SIDE = 192
"""The longer side of the stand-in's pictures unless ``full_size`` asks for the real size."""
_TAG = re.compile(r"<IMAGE_(\d+)>")


@dataclass(frozen=True)
class ImageShape:
    """What an image call makes and bills."""

    model: str
    count: int
    aspect_ratio: str
    resolution: str
    input_images: int
    response_format: str
    deferred: bool


def check_image_call(
    call: ImageCall, request: Mapping[str, Any], image_bytes: Callable[[object], bytes | None]
) -> ImageShape:
    """The images a valid call makes; a Refusal for an invalid one.

    ``image_bytes`` gives the bytes of an input entry (None when the stand-in has none).
    """
    allowed = (
        documented.IMAGE_GENERATION_FIELDS
        if call == "generations"
        else documented.IMAGE_EDIT_FIELDS
    )
    unknown = sorted(set(request) - allowed)
    if unknown:
        raise Refusal(400, f"Argument not supported: {', '.join(unknown)}")
    model = request.get("model", documented.IMAGE_DEFAULT_MODEL)
    if model not in documented.IMAGE_MODELS:
        raise Refusal(404, f"The model {model} does not exist", "model_not_found")
    prompt = request.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise Refusal(400, "prompt is required")
    if len(prompt) > documented.IMAGE_PROMPT_MAX_CHARS:
        raise Refusal(400, f"prompt is longer than {documented.IMAGE_PROMPT_MAX_CHARS} characters")
    count = request.get("n", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count not in documented.IMAGE_COUNT:
        span = documented.IMAGE_COUNT
        raise Refusal(400, f"n must be {span[0]}..{span[-1]}")
    response_format = request.get("response_format", "url")
    if response_format not in documented.IMAGE_RESPONSE_FORMATS:
        raise Refusal(400, "response_format must be url or b64_json")
    resolution = request.get("resolution", documented.IMAGE_DEFAULT_RESOLUTION)
    if resolution not in documented.IMAGE_RESOLUTIONS:
        raise Refusal(400, "resolution must be 1k or 2k")
    deferred = request.get("deferred", False)
    if not isinstance(deferred, bool):
        raise Refusal(400, "deferred must be true or false")
    inputs = _inputs(request, image_bytes) if call == "edits" else []
    _check_tags(prompt, len(inputs))
    default_ratio = _nearest_ratio(*inputs[0]) if inputs else documented.IMAGE_DEFAULT_ASPECT_RATIO
    aspect_ratio = request.get("aspect_ratio", default_ratio)
    if aspect_ratio not in documented.IMAGE_ASPECT_RATIOS:
        raise Refusal(400, f"aspect_ratio {aspect_ratio!r} is not supported")
    return ImageShape(
        str(model),
        count,
        str(aspect_ratio),
        str(resolution),
        len(inputs),
        str(response_format),
        deferred,
    )


def _inputs(
    request: Mapping[str, Any], image_bytes: Callable[[object], bytes | None]
) -> list[tuple[int, int]]:
    """The sizes of an edit's input images, each checked."""
    if ("image" in request) == ("images" in request):
        raise Refusal(400, "an edit needs exactly one of image and images")
    entries = [request["image"]] if "image" in request else request["images"]
    if not isinstance(entries, list) or not entries:
        raise Refusal(400, "images must be a non-empty list")
    if len(entries) > documented.IMAGE_EDIT_MAX_INPUTS:
        raise Refusal(
            400, f"at most {documented.IMAGE_EDIT_MAX_INPUTS} images can be edited together"
        )
    sizes = []
    for index, entry in enumerate(entries):
        where = "image" if "image" in request else f"images[{index}]"
        if not isinstance(entry, dict) or len(entry) != 1 or not {"url", "file_id"} & set(entry):
            raise Refusal(400, f"{where} must have exactly one of url and file_id")
        url = entry.get("url")
        if isinstance(url, str) and url.startswith("https://"):
            raise Refusal(400, "the stand-in cannot fetch image URLs: send a data URI or a file id")
        content = image_bytes(entry)
        if content is None:
            raise Refusal(400, f"{where}: no such file, or not a PNG, JPEG or WebP data URI")
        try:
            with Image.open(io.BytesIO(content)) as picture:
                sizes.append(picture.size)
        except (UnidentifiedImageError, OSError) as problem:
            raise Refusal(400, f"{where} is not an image") from problem
    return sizes


def _check_tags(prompt: str, inputs: int) -> None:
    for tag in _TAG.findall(prompt):
        if int(tag) >= inputs:
            raise Refusal(400, f"<IMAGE_{tag}> names no input image (they count from 0)")


def _nearest_ratio(width: int, height: int) -> str:
    def distance(ratio: str) -> float:
        across, down = (float(part) for part in ratio.split(":"))
        return abs(math.log(across / down) - math.log(width / height))

    return min(sorted(documented.IMAGE_ASPECT_RATIOS), key=distance)


def picture(shape: ImageShape, variant: str, index: int, full_size: bool) -> bytes:
    """A PNG of the call's shape, its colour and mark decided by the request and index."""
    across, down = (float(part) for part in shape.aspect_ratio.split(":"))
    pixels = (1024 if shape.resolution == "1k" else 2048) ** 2
    width, height = math.sqrt(pixels * across / down), math.sqrt(pixels * down / across)
    if not full_size:
        scale = SMALL_LONG_SIDE / max(width, height)
        width, height = width * scale, height * scale
    digest = hashlib.sha256(f"{variant}/{index}".encode()).digest()
    size = (max(2, round(width)), max(2, round(height)))
    image = Image.new("RGB", size, (digest[0], digest[1], digest[2]))
    mark = (digest[3], digest[4], digest[5])
    ImageDraw.Draw(image).ellipse(
        (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=mark
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
