"""What each model accepts and costs, in one table.

The limits belong to the model, so they live here and nowhere else: modes
with their durations and resolutions, how many reference images, which
aspect ratios, the price per second, and where ``<IMAGE_n>`` starts counting.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ._errors import UsageError
from ._vocabulary import ASPECT_RATIOS, RESOLUTION_HEIGHTS, RESOLUTIONS, Mode


@dataclass(frozen=True)
class ModeLimits:
    min_duration: int
    max_duration: int
    resolutions: tuple[str, ...]


@dataclass(frozen=True)
class ModelLimits:
    """Everything one model accepts."""

    name: str
    modes: dict[Mode, ModeLimits]
    max_references: int = 7
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    image_index_base: int = 1
    """`<IMAGE_n>` counts from this number (xAI's own example counts from 1)."""
    usd_per_second: dict[str, float] = field(default_factory=dict)
    """Price by resolution."""


_ALL: tuple[str, ...] = RESOLUTIONS
_UP_TO_720 = tuple(name for name in RESOLUTIONS if RESOLUTION_HEIGHTS[name] <= 720)

MODELS: dict[str, ModelLimits] = {
    "grok-imagine-video": ModelLimits(
        name="grok-imagine-video",
        modes={
            "reference": ModeLimits(1, 10, _UP_TO_720),
            "image": ModeLimits(1, 15, _ALL),
            "text": ModeLimits(1, 15, _ALL),
        },
        usd_per_second=dict.fromkeys(RESOLUTIONS, 0.05),
    ),
    # Reference images are contradictory in the sources for 1.5: unsupported until shown.
    "grok-imagine-video-1.5": ModelLimits(
        name="grok-imagine-video-1.5",
        modes={
            "image": ModeLimits(1, 15, _ALL),
            "text": ModeLimits(1, 15, _ALL),
        },
        usd_per_second=dict.fromkeys(RESOLUTIONS, 0.07),
    ),
}

PRICE_OVERRIDE_VARIABLE = "STORYBOARD_PRICES"
"""A JSON object overriding prices: ``{"grok-imagine-video": 0.07}`` (USD per second,
every resolution) or ``{"grok-imagine-video": {"720p": 0.07}}``."""


def price_per_second(model: str, resolution: str) -> float:
    """USD per second of video for a model at a resolution, honouring STORYBOARD_PRICES."""
    override = os.environ.get(PRICE_OVERRIDE_VARIABLE)
    if override:
        table = _price_table(override)
        entry = table.get(model)
        if isinstance(entry, int | float):
            return float(entry)
        if isinstance(entry, dict) and isinstance(entry.get(resolution), int | float):
            return float(entry[resolution])
    limits = MODELS.get(model)
    if limits is None:
        return 0.0
    return limits.usd_per_second.get(resolution, 0.0)


def _price_table(text: str) -> dict[str, object]:
    try:
        table = json.loads(text)
    except ValueError:
        table = None
    if not isinstance(table, dict):
        raise UsageError(
            f"{PRICE_OVERRIDE_VARIABLE} must be a JSON object such as "
            '{"grok-imagine-video": 0.07}, not ' + repr(text)
        )
    return table


def estimate_cost(model: str, resolution: str, duration: float) -> float:
    return round(price_per_second(model, resolution) * duration, 4)


def frame_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    """Width and height in pixels: the resolution names the shorter side; both even."""
    short = RESOLUTION_HEIGHTS[resolution]
    across, down = (int(part) for part in aspect_ratio.split(":"))
    if across >= down:
        return _even(short * across / down), _even(short)
    return _even(short), _even(short * down / across)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
