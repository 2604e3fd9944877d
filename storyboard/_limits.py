"""What each model accepts and costs, in one table, with where each figure comes from.

The limits belong to the model, so they live here and nowhere else: modes
with their durations and resolutions, how many reference images, which
aspect ratios, the price per second by resolution, and where ``<IMAGE_n>``
starts counting. ``check`` refuses what this table refuses, before any spend.
The stand-in keeps its own transcription of the docs (it never imports this),
so a wrong figure here or there fails a test.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass, field

from ._errors import UsageError
from ._vocabulary import ASPECT_RATIOS, RESOLUTION_HEIGHTS, RESOLUTIONS, Mode

SOURCES: dict[str, str] = {
    "video-docs": "docs.x.ai, Video generation: fields, 1..15 s, up to 7 reference images "
    "(1..10 s), 'Resolutions: 480p or 720p' for grok-imagine-video",
    "openapi": "xAI's OpenAPI schema: resolution 480p/720p/1080p, aspect ratios, default 480p",
    "vercel": "Vercel AI SDK, packages/xai: grok-imagine-video rejects 1080p; reference "
    "images at most 720p; only grok-imagine-video-1.5 renders 1080p",
    "prices": "third-party quotes of xAI's model pages (the pages could not be read): "
    "grok-imagine-video $0.05/s at 480p, $0.07/s at 720p; grok-imagine-video-1.5 "
    "$0.08/s at 480p, $0.14/s at 720p (an SDK fixture: 8 s cost $0.64)",
    "revisions": "docs.x.ai, Video edits and extensions (REST figures): an edit's input at "
    "most 8.7 s and its output as long; an extension's input 2..15 s, 2..10 s added, the "
    "answer the whole video; at most 720p; grok-imagine-video-1.5 disputed, so no",
    "input-prices": "third-party quotes of xAI's model pages: input video $0.01/s (edits, "
    "extensions); whether an extension bills the added or the whole length is unclear",
    "assumed": "no source: chosen to over- rather than under-estimate (docs/decisions.md)",
}
"""Where the figures below come from (keys used in ``ModelLimits.sources``)."""


@dataclass(frozen=True)
class ModeLimits:
    min_duration: int
    max_duration: int
    resolutions: tuple[str, ...]


@dataclass(frozen=True)
class RevisionLimits:
    """What a model's video edits and extensions accept, and what their input costs."""

    edit_max_input: float
    extend_input: tuple[float, float]
    extend_added: tuple[int, int]
    resolutions: tuple[str, ...]
    usd_per_input_second: float


@dataclass(frozen=True)
class ModelLimits:
    """Everything one model accepts, and what it costs."""

    name: str
    modes: dict[Mode, ModeLimits]
    max_references: int = 7
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    image_index_base: int = 1
    """`<IMAGE_n>` counts from this number (xAI's own example counts from 1)."""
    usd_per_second: dict[str, float] = field(default_factory=dict)
    """Price by resolution."""
    revisions: RevisionLimits | None = None
    """Its edits and extensions; None when it cannot make them."""
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Which entries of :data:`SOURCES` each figure comes from."""

    def __post_init__(self) -> None:
        cited = {name for names in self.sources.values() for name in names}
        unknown = sorted(cited - set(SOURCES))
        if unknown:
            raise ValueError(f"{self.name}: no such source: {', '.join(unknown)}")


_UP_TO_720 = tuple(name for name in RESOLUTIONS if RESOLUTION_HEIGHTS[name] <= 720)
_UP_TO_1080: tuple[str, ...] = RESOLUTIONS

MODELS: dict[str, ModelLimits] = {
    "grok-imagine-video": ModelLimits(
        name="grok-imagine-video",
        modes={
            "reference": ModeLimits(1, 10, _UP_TO_720),
            "image": ModeLimits(1, 15, _UP_TO_720),
            "text": ModeLimits(1, 15, _UP_TO_720),
        },
        usd_per_second={"480p": 0.05, "720p": 0.07},
        revisions=RevisionLimits(
            edit_max_input=8.7,
            extend_input=(2.0, 15.0),
            extend_added=(2, 10),
            resolutions=_UP_TO_720,
            usd_per_input_second=0.01,
        ),
        sources={
            "revisions": ("revisions", "input-prices"),
            "modes": ("video-docs",),
            "resolutions": ("video-docs", "vercel"),
            "max_references": ("video-docs",),
            "aspect_ratios": ("openapi",),
            "usd_per_second": ("prices",),
        },
    ),
    # Reference images are contradictory in the sources for 1.5: unsupported until shown.
    "grok-imagine-video-1.5": ModelLimits(
        name="grok-imagine-video-1.5",
        modes={
            "image": ModeLimits(1, 15, _UP_TO_1080),
            "text": ModeLimits(1, 15, _UP_TO_1080),
        },
        usd_per_second={"480p": 0.08, "720p": 0.14, "1080p": 0.32},
        # 1080p has no quoted price: the 720p one times the pixel ratio (2.25), rounded up.
        sources={
            "modes": ("video-docs", "vercel"),
            "resolutions": ("vercel", "openapi"),
            "aspect_ratios": ("openapi",),
            "usd_per_second": ("prices", "assumed"),
        },
    ),
}

PRICE_OVERRIDE_VARIABLE = "STORYBOARD_PRICES"
"""A JSON object overriding prices in USD: ``{"grok-imagine-video": 0.07}`` (per second,
every resolution), ``{"grok-imagine-video": {"720p": 0.07, "input_second": 0.01}}``
(per second by resolution, and per second of a revision's input video),
``{"grok-imagine-image": 0.02}`` (per image) or ``{"grok-imagine-image": {"image":
0.02, "input_image": 0.002}}`` (per image, and per image an edit reads)."""
INPUT_SECOND = "input_second"
PER_IMAGE = "image"
INPUT_IMAGE = "input_image"
PRICE_UNITS = {
    INPUT_SECOND: "second of input video",
    PER_IMAGE: "image",
    INPUT_IMAGE: "input image",
}
"""The prices STORYBOARD_PRICES may name beside resolutions, each with its unit."""

CLIP_BYTES_PER_PIXEL_SECOND = 16.0
"""The most bytes per pixel of frame per second a clip may hold: about 30 frames at
half a byte per pixel, ten times what H.264 at these sizes needs."""
CLIP_BYTES_ALLOWANCE = 4 * 1024 * 1024
"""Bytes every clip may hold beyond that (headers, a short clip's first frames)."""


def price_per_second(model: str, resolution: str) -> float:
    """USD per second of video for a model at a resolution, honouring STORYBOARD_PRICES.

    A resolution the table does not price costs as the model's dearest one.
    """
    entry = _override(model)
    if isinstance(entry, float):
        return entry
    if isinstance(entry, dict) and resolution in entry:
        return entry[resolution]
    limits = MODELS.get(model)
    if limits is None or not limits.usd_per_second:
        return 0.0
    return limits.usd_per_second.get(resolution, max(limits.usd_per_second.values()))


def check_price_overrides() -> None:
    """Refuse a bad STORYBOARD_PRICES now, before anything is sent (a UsageError)."""
    override = os.environ.get(PRICE_OVERRIDE_VARIABLE)
    if override:
        price_overrides(override)


def price_overrides(text: str) -> dict[str, float | dict[str, float]]:
    """STORYBOARD_PRICES read and checked: every price a finite number, zero or more, and
    every named price one the model has."""
    try:
        table = json.loads(text)
    except ValueError:
        table = None
    if not isinstance(table, dict):
        raise UsageError(
            f"{PRICE_OVERRIDE_VARIABLE} must be a JSON object such as "
            '{"grok-imagine-video": 0.07}, not ' + repr(text[:200])
        )
    checked: dict[str, float | dict[str, float]] = {}
    for model, entry in table.items():
        unit = "image" if model in IMAGE_MODELS else "second"
        if isinstance(entry, dict):
            named = _named_prices(model)
            prices: dict[str, float] = {}
            for name, value in entry.items():
                if name not in named:
                    raise UsageError(
                        f"{PRICE_OVERRIDE_VARIABLE}: {model} has no price named {name!r}; "
                        f"it has {', '.join(named)}"
                    )
                what = model if name in PRICE_UNITS else f"{model} at {name}"
                prices[name] = _price(what, value, named[name])
            checked[model] = prices
        else:
            checked[model] = _price(model, entry, unit)
    return checked


def _named_prices(model: str) -> dict[str, str]:
    """The prices a model's entry may name, each with its unit: an image model's per image
    and per input image; a video model's per resolution and per input second."""
    if model in IMAGE_MODELS:
        return {name: PRICE_UNITS[name] for name in (PER_IMAGE, INPUT_IMAGE)}
    return {**dict.fromkeys(RESOLUTIONS, "second"), INPUT_SECOND: PRICE_UNITS[INPUT_SECOND]}


def _override(model: str) -> float | dict[str, float] | None:
    """What STORYBOARD_PRICES says of a model, if anything."""
    override = os.environ.get(PRICE_OVERRIDE_VARIABLE)
    return _read_overrides(override).get(model) if override else None


@functools.lru_cache(maxsize=4)
def _read_overrides(text: str) -> dict[str, float | dict[str, float]]:
    """STORYBOARD_PRICES read once per value, not once per scene priced (never changed:
    every caller only reads it)."""
    return price_overrides(text)


def _named_override(model: str, name: str) -> float | None:
    """One named price of a model's STORYBOARD_PRICES entry (``input_second``...)."""
    entry = _override(model)
    return entry.get(name) if isinstance(entry, dict) else None


def _price(what: str, value: object, unit: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        price = float(value)
        if math.isfinite(price) and price >= 0:
            return price
    raise UsageError(
        f"{PRICE_OVERRIDE_VARIABLE}: the price of {what} must be a number of US dollars per "
        f"{unit}, zero or more, not {value!r}"
    )


def estimate_cost(model: str, resolution: str, duration: float, input_seconds: float = 0) -> float:
    """Seconds out at the model's price, plus the seconds of an input video (a revision)."""
    input_cost = input_price(model) * input_seconds if input_seconds else 0.0
    return round(price_per_second(model, resolution) * duration + input_cost, 4)


def input_price(model: str) -> float:
    """USD per second of input video for a model's edits and extensions, honouring
    STORYBOARD_PRICES (``input_second``)."""
    override = _named_override(model, INPUT_SECOND)
    return _listed_input_price(model) if override is None else override


def _listed_input_price(model: str) -> float:
    limits = MODELS.get(model)
    revisions = limits.revisions if limits else None
    return revisions.usd_per_input_second if revisions else 0.0


def reserve_cost(model: str, resolution: str, duration: float, input_seconds: float = 0) -> float:
    """What ``--max-cost`` sets aside for a job: the dearer of STORYBOARD_PRICES and the
    table, so that a price set too low never lets the cap be passed."""
    limits = MODELS.get(model)
    table = limits.usd_per_second if limits else {}
    listed = table.get(resolution, max(table.values(), default=0.0))
    per_second = max(price_per_second(model, resolution), listed)
    per_input_second = max(input_price(model), _listed_input_price(model))
    return round(per_second * duration + per_input_second * input_seconds, 4)


def max_clip_bytes(aspect_ratio: str, resolution: str, duration: float) -> int:
    """The largest clip of this shape and length that is believable (a generous cap)."""
    width, height = frame_size(aspect_ratio, resolution)
    seconds = max(duration, 1.0)
    return int(width * height * CLIP_BYTES_PER_PIXEL_SECOND * seconds) + CLIP_BYTES_ALLOWANCE


def frame_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    """Width and height in pixels: the resolution names the shorter side; both even."""
    short = RESOLUTION_HEIGHTS[resolution]
    across, down = (int(part) for part in aspect_ratio.split(":"))
    if across >= down:
        return _even(short * across / down), _even(short)
    return _even(short), _even(short * down / across)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


# -- generated reference images (grok-imagine-image) -----------------------------------

IMAGE_SOURCES: dict[str, str] = {
    "image-docs": "docs.x.ai, Image generation and Image editing: prompt up to 1024 "
    "characters, n 1..10, JSON edits of up to 3 images counted from <IMAGE_0>, 1k or 2k",
    "image-prices": "xAI's model pages as quoted in xai-video-api.md: grok-imagine-image "
    "$0.02 per image, +$0.002 per input image on edits",
}
"""Where the figures of :data:`IMAGE_MODELS` come from."""


@dataclass(frozen=True)
class ImageModelLimits:
    """What one image model accepts for a generated reference, and what it costs."""

    name: str
    max_prompt_chars: int
    usd_per_image: float
    usd_per_input_image: float
    sources: dict[str, tuple[str, ...]]
    """Which entries of :data:`IMAGE_SOURCES` each figure comes from."""

    def __post_init__(self) -> None:
        cited = {name for names in self.sources.values() for name in names}
        unknown = sorted(cited - set(IMAGE_SOURCES))
        if unknown:
            raise ValueError(f"{self.name}: no such source: {', '.join(unknown)}")


IMAGE_MODELS: dict[str, ImageModelLimits] = {
    "grok-imagine-image": ImageModelLimits(
        name="grok-imagine-image",
        max_prompt_chars=1024,
        usd_per_image=0.02,
        usd_per_input_image=0.002,
        sources={
            "max_prompt_chars": ("image-docs",),
            "usd_per_image": ("image-prices",),
            "usd_per_input_image": ("image-prices",),
        },
    ),
}
IMAGE_MODEL = "grok-imagine-image"
"""The model every generated reference is made with (one image per call, 1k, the default
shape: square for a generation, the input's for an edit)."""


def image_cost(model: str, input_images: int) -> float:
    """What one generated image costs: per image, plus per input image of an edit;
    ``STORYBOARD_PRICES`` may set either (``{"grok-imagine-image": 0.02}`` per image, or
    ``{"grok-imagine-image": {"image": 0.02, "input_image": 0.002}}``)."""
    per_image, per_input = _image_prices(model)
    return round(per_image + per_input * input_images, 4)


def _image_prices(model: str) -> tuple[float, float]:
    """Per image and per input image, honouring STORYBOARD_PRICES."""
    limits = IMAGE_MODELS[model]
    entry = _override(model)
    if isinstance(entry, float):
        return entry, limits.usd_per_input_image
    named = entry or {}
    return (
        named.get(PER_IMAGE, limits.usd_per_image),
        named.get(INPUT_IMAGE, limits.usd_per_input_image),
    )


def reserve_image_cost(model: str, input_images: int) -> float:
    """What ``--max-cost`` sets aside for an image job: each price never less than the
    table's."""
    limits = IMAGE_MODELS[model]
    per_image, per_input = _image_prices(model)
    per_image = max(per_image, limits.usd_per_image)
    per_input = max(per_input, limits.usd_per_input_image)
    return round(per_image + per_input * input_images, 4)
