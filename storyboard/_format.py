"""The `story.yaml` format, version 1, described once as frozen dataclasses.

The field types and their ``Annotated`` limits are the whole description:
:mod:`storyboard._shape` validates data against it, lists the keys each place
allows, and writes the editors' JSON Schema from it. These classes check shape
and types only. Rules that need the whole project (names unique across
sections, mentions that resolve, limits per model) live in
:mod:`storyboard._compiler` and :mod:`storyboard._project`, which report them at
their place in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from ._shape import AtLeast, AtMost, MinLength, MoreThan, Pattern, Shorthand, written_keys
from ._vocabulary import AspectRatio, Fit, Resolution

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

Name = Annotated[str, Pattern(NAME_PATTERN)]
Transition = Literal["cut", "crossfade"]
Captions = Literal["none", "srt", "burn", "both"]
ImageSource = Annotated[str, MinLength(1)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Defaults:
    """Settings every scene inherits unless it says otherwise."""

    model: str = "grok-imagine-video"
    duration: Annotated[int, AtLeast(1)] = 6
    aspect_ratio: AspectRatio = "16:9"
    resolution: Resolution = "720p"
    fit: Fit = "crop"


@dataclass(frozen=True, slots=True, kw_only=True)
class Look:
    """A look written as a mapping: an ``image``, a ``prompt`` that generates one, or an
    ``edit`` of its asset's image (exactly one of them, checked with the project)."""

    image: ImageSource | None = None
    prompt: str | None = None
    edit: str | None = None


LookEntry = Annotated[Look, Shorthand("image", "an image")]
"""``helmet: assets/helmet.png`` is short for ``helmet: {image: assets/helmet.png}``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Asset:
    """A reference image of something that must look the same in every scene: an
    ``image``, or a ``prompt`` that generates one (exactly one of them)."""

    image: ImageSource | None = None
    prompt: str | None = None
    looks: dict[Name, LookEntry] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """A revision of the clip before it: ``edit: "make it night"`` or
    ``extend: "she opens the hatch"`` with ``seconds:`` to add."""

    edit: str | None = None
    extend: str | None = None
    seconds: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scene:
    """One shot of the film."""

    id: Name
    prompt: str | None = None
    title: str | None = None
    duration: Annotated[int | None, AtLeast(1)] = None
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    model: str | None = None
    start: Annotated[str | None, MinLength(1)] = None
    fit: Fit | None = None
    caption: str | None = None
    notes: str | None = None
    steps: list[Step] = field(default_factory=list)
    written: frozenset[str] = written_keys()
    """The keys the writer gave (a setting not among them comes from `defaults`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSettings:
    """How films are assembled from clips."""

    fps: Annotated[int, AtLeast(1), AtMost(120)] = 24
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    transition: Transition = "cut"
    transition_duration: Annotated[float, MoreThan(0), AtMost(5)] = 0.5
    captions: Captions = "srt"
    soundtrack: Annotated[str | None, MinLength(1)] = None
    soundtrack_volume: Annotated[float, AtLeast(0), AtMost(2)] = 0.35
    title_card: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Story:
    """A whole `story.yaml`."""

    storyboard: Literal[1]
    title: Annotated[str, MinLength(1)]
    defaults: Defaults = field(default_factory=Defaults)
    characters: dict[Name, Asset] = field(default_factory=dict)
    wardrobe: dict[Name, Asset] = field(default_factory=dict)
    props: dict[Name, Asset] = field(default_factory=dict)
    locations: dict[Name, Asset] = field(default_factory=dict)
    scenes: Annotated[list[Scene], MinLength(1)]
    cuts: dict[Name, list[Name]] = field(default_factory=dict)
    export: ExportSettings = field(default_factory=ExportSettings)


ASSET_SECTIONS: dict[str, str] = {
    "characters": "character",
    "wardrobe": "wardrobe",
    "props": "prop",
    "locations": "location",
}
"""Each asset section and the kind its assets have in plans and on the board."""
