"""What xAI's documentation says the video API accepts, transcribed for the stand-in.

This is the stand-in's own copy, written from the documentation (see
``xai-video-api.md``) and deliberately not imported from ``storyboard.limits``:
the two are independent witnesses, so a wrong figure in either fails a test.

Sources: docs.x.ai "Video generation" (fields, durations, the 7 reference
images, "Resolutions: 480p or 720p" for grok-imagine-video), xAI's OpenAPI
schema (aspect ratios, the 1..15 s range), the Vercel AI SDK's xAI provider
(grok-imagine-video rejects 1080p; reference images at most 10 s and 720p).
"""

from __future__ import annotations

from dataclasses import dataclass

ASPECT_RATIOS = frozenset({"1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"})
MAX_REFERENCE_IMAGES = 7
DEFAULT_DURATION = 8
DEFAULT_RESOLUTION = "480p"
DEFAULT_ASPECT_RATIO = "16:9"
USD_TICKS = 10_000_000_000


@dataclass(frozen=True)
class Documented:
    """One model in one mode: its seconds and resolutions."""

    seconds: range
    resolutions: frozenset[str]


_SD = frozenset({"480p", "720p"})
_HD = frozenset({"480p", "720p", "1080p"})

MODES: dict[tuple[str, str], Documented] = {
    ("grok-imagine-video", "text"): Documented(range(1, 16), _SD),
    ("grok-imagine-video", "image"): Documented(range(1, 16), _SD),
    ("grok-imagine-video", "reference"): Documented(range(1, 11), _SD),
    ("grok-imagine-video-1.5", "text"): Documented(range(1, 16), _HD),
    ("grok-imagine-video-1.5", "image"): Documented(range(1, 16), _HD),
}
"""(model, mode) -> limits; a pair missing here is a mode the model does not offer."""

MODELS = frozenset(model for model, _ in MODES)

USD_PER_SECOND: dict[tuple[str, str], float] = {
    ("grok-imagine-video", "480p"): 0.05,
    ("grok-imagine-video", "720p"): 0.07,
    ("grok-imagine-video-1.5", "480p"): 0.08,
    ("grok-imagine-video-1.5", "720p"): 0.14,
    ("grok-imagine-video-1.5", "1080p"): 0.14,
}
"""What the stand-in bills, from third-party quotes of xAI's model pages."""


def cost_in_ticks(model: str, resolution: str, seconds: int) -> int:
    return round(USD_PER_SECOND.get((model, resolution), 0.05) * seconds * USD_TICKS)


# Edits and extensions (docs.x.ai "Video edits" and "Video extensions", REST figures).
REVISION_MODELS = frozenset({"grok-imagine-video"})
"""Whether grok-imagine-video-1.5 can edit or extend is disputed: the docs say no."""
EDIT_FIELDS = frozenset({"prompt", "video", "model", "user"})
EXTENSION_FIELDS = frozenset({"prompt", "video", "duration", "model"})
EDIT_MAX_INPUT_SECONDS = 8.7
EXTENSION_INPUT_SECONDS = (2.0, 15.0)
EXTENSION_ADDED_SECONDS = range(2, 11)
EXTENSION_DEFAULT_DURATION = 6
REVISION_RESOLUTIONS = ("480p", "720p")
"""The output keeps the input's resolution, capped at 720p."""
USD_PER_INPUT_SECOND = 0.01


def input_ticks(seconds: float) -> int:
    """What the seconds of an input video are billed, in ticks."""
    return round(USD_PER_INPUT_SECOND * seconds * USD_TICKS)


# Images (docs.x.ai "Image generation" and "Image editing"; the REST reference).
IMAGE_MODELS = frozenset(
    {"grok-imagine-image", "grok-imagine-image-quality", "grok-imagine-image-2.0"}
)
IMAGE_DEFAULT_MODEL = "grok-imagine-image"
IMAGE_GENERATION_FIELDS = frozenset(
    {"model", "prompt", "n", "response_format", "aspect_ratio", "resolution", "deferred"}
)
IMAGE_EDIT_FIELDS = IMAGE_GENERATION_FIELDS | {"image", "images"}
"""``size``, ``style``, ``seed`` and ``mask`` are refused, like every field not listed."""
IMAGE_PROMPT_MAX_CHARS = 1024
IMAGE_COUNT = range(1, 11)
IMAGE_ASPECT_RATIOS = frozenset(
    {"1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9", "9:20", "20:9"}
    | {"1:2", "2:1"}
)
IMAGE_DEFAULT_ASPECT_RATIO = "1:1"
"""For a generation; an edit defaults to its first input's shape."""
IMAGE_RESOLUTIONS = frozenset({"1k", "2k"})
IMAGE_DEFAULT_RESOLUTION = "1k"
IMAGE_RESPONSE_FORMATS = frozenset({"url", "b64_json"})
IMAGE_EDIT_MAX_INPUTS = 3
"""Referred to as ``<IMAGE_0>``, ``<IMAGE_1>``...: counted from 0 in edits."""
USD_PER_IMAGE = 0.02
USD_PER_INPUT_IMAGE = 0.002


def image_ticks(images: int, input_images: int) -> int:
    """What an image call is billed, in ticks: per image made, plus per input image."""
    return round((USD_PER_IMAGE * images + USD_PER_INPUT_IMAGE * input_images) * USD_TICKS)
