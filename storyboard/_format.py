"""The `story.yaml` format, version 1, as pydantic models.

These models check shape and types only. Rules that need the whole project
(names unique across sections, mentions that resolve, limits per model) live
in :mod:`storyboard._compiler` and :mod:`storyboard._project`, which report them
at their place in the file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from ._vocabulary import AspectRatio, Fit, Resolution

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Transition = Literal["cut", "crossfade"]
Captions = Literal["none", "srt", "burn", "both"]
ImageSource = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Strict):
    """Settings every scene inherits unless it says otherwise."""

    model: str = "grok-imagine-video"
    duration: StrictInt = Field(default=6, ge=1)
    aspect_ratio: AspectRatio = "16:9"
    resolution: Resolution = "720p"
    fit: Fit = "crop"


class Look(_Strict):
    """A look written as a mapping: an ``image``, a ``prompt`` that generates one, or an
    ``edit`` of its asset's image (exactly one of them, checked with the project)."""

    image: ImageSource | None = None
    prompt: str | None = None
    edit: str | None = None


def _look_shorthand(value: object) -> object:
    """``helmet: assets/helmet.png`` is short for ``helmet: {image: assets/helmet.png}``."""
    return {"image": value} if isinstance(value, str) else value


LookEntry = Annotated[
    Look,
    BeforeValidator(_look_shorthand),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1, "description": "an image"},
                Look.model_json_schema(),
            ]
        }
    ),
]


class Asset(_Strict):
    """A reference image of something that must look the same in every scene: an
    ``image``, or a ``prompt`` that generates one (exactly one of them)."""

    image: ImageSource | None = None
    prompt: str | None = None
    looks: dict[Name, LookEntry] = Field(default_factory=dict)
    description: str | None = None


class Step(_Strict):
    """A revision of the clip before it: ``edit: "make it night"`` or
    ``extend: "she opens the hatch"`` with ``seconds:`` to add."""

    edit: str | None = None
    extend: str | None = None
    seconds: StrictInt | None = None


class Scene(_Strict):
    """One shot of the film."""

    id: Name
    prompt: str | None = None
    title: str | None = None
    duration: StrictInt | None = Field(default=None, ge=1)
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    model: str | None = None
    start: str | None = Field(default=None, min_length=1)
    fit: Fit | None = None
    caption: str | None = None
    notes: str | None = None
    steps: list[Step] = Field(default_factory=list)


class ExportSettings(_Strict):
    """How films are assembled from clips."""

    fps: StrictInt = Field(default=24, ge=1, le=120)
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    transition: Transition = "cut"
    transition_duration: float = Field(default=0.5, gt=0, le=5)
    captions: Captions = "srt"
    soundtrack: str | None = Field(default=None, min_length=1)
    soundtrack_volume: float = Field(default=0.35, ge=0, le=2)
    title_card: bool = False


def _only_an_int(value: object) -> object:
    """`storyboard: true` and `storyboard: 1.0` equal 1 in Python; the version is written 1."""
    return repr(value) if isinstance(value, bool | float) else value


class Story(_Strict):
    """A whole `story.yaml`."""

    storyboard: Annotated[Literal[1], BeforeValidator(_only_an_int)]
    title: Annotated[str, StringConstraints(min_length=1)]
    defaults: Defaults = Field(default_factory=Defaults)
    characters: dict[Name, Asset] = Field(default_factory=dict)
    wardrobe: dict[Name, Asset] = Field(default_factory=dict)
    props: dict[Name, Asset] = Field(default_factory=dict)
    locations: dict[Name, Asset] = Field(default_factory=dict)
    scenes: list[Scene] = Field(min_length=1)
    cuts: dict[Name, list[Name]] = Field(default_factory=dict)
    export: ExportSettings = Field(default_factory=ExportSettings)


ASSET_SECTIONS: dict[str, str] = {
    "characters": "character",
    "wardrobe": "wardrobe",
    "props": "prop",
    "locations": "location",
}
"""Each asset section and the kind its assets have in plans and on the board."""
