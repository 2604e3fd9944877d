"""`storyboard new`: a commented project that checks clean, ready to edit.

It never overwrites: in a folder that already holds some of its files, it adds
the missing ones (each created exclusively, so not even a race can replace
one) and lists those it left alone.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ._errors import UsageError
from ._format import Story
from ._shape import json_schema as shape_schema

SCHEMA_FILE = "story.schema.json"

STORY_TEMPLATE = """\
# yaml-language-server: $schema={schema}
#
# {title}: a story for storyboard. Edit freely, then run
#   storyboard check        find mistakes (each with its line and column)
#   storyboard plan         see what would be sent for every scene
#   storyboard build --provider preview   an offline animatic; drop the flag to use xAI
# The format is described in docs/story-format.md of storyboard.

storyboard: 1                # format version
title: {title}

defaults:                    # every scene inherits these unless it says otherwise
  duration: 5                # seconds
  aspect_ratio: "16:9"       # quote ratios: 1:1 16:9 9:16 4:3 3:4 3:2 2:3
  resolution: 720p           # 480p or 720p; 1080p needs model: grok-imagine-video-1.5

{cast}
scenes:                      # the film plays them in this order
  - id: opening
    prompt: >               # @name pulls in a reference image; write @@ for a literal @
      @hero steps out of @home into the morning light. wide shot.
    caption: It begins.

  - id: closer
    prompt: >               # mentioning another scene uses its last frame as a reference
      continuing from @opening: @hero turns and smiles at the camera.

  - id: ending
    start: closer            # image-to-video: begins on the last frame of closer
    prompt: the camera pulls back slowly as the light fades.

export:
  transition: crossfade      # cut | crossfade
  captions: srt              # none | srt | burn | both
"""


PHOTOGRAPHED_CAST = """\
characters:                  # people and animals that must look the same in every scene
  hero:
    image: assets/hero.png   # replace with a photo or drawing of your character
    description: our hero    # for people; never sent to the model

locations:
  home:
    image: assets/home.png
"""

DESCRIBED_CAST = """\
characters:                  # people and animals that must look the same in every scene
  hero:                      # no photo yet: a prompt generates one (grok-imagine-image)
    prompt: >
      studio portrait of a woman in her thirties, short dark hair, green raincoat;
      soft light, plain grey background
    description: our hero    # for people; never sent to the model
    looks:                   # @hero:night sends this look instead
      night:
        edit: the same woman at night, lit by a street lamp   # keeps her face

locations:
  home:
    prompt: a small red-brick house with a blue door on a quiet street, morning
"""


@dataclass(frozen=True)
class Scaffolded:
    """What `storyboard new` did: the files it created and those already there."""

    story: Path
    created: list[Path]
    left_alone: list[Path]


def new_project(path: Path, title: str | None = None, described: bool = False) -> Path:
    """Create a project folder with a commented `story.yaml` and placeholder images (or,
    ``described``, a cast described in words); files already there are left alone.
    Returns the path of `story.yaml`."""
    return scaffold(path, title, described).story


def scaffold(path: Path, title: str | None = None, described: bool = False) -> Scaffolded:
    """Add the files of a new project that ``path`` lacks; never overwrite one."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} exists and is not a folder; choose another path")
    title = title or path.resolve().name.replace("-", " ").replace("_", " ").title() or "My Story"
    cast = DESCRIBED_CAST if described else PHOTOGRAPHED_CAST
    story = STORY_TEMPLATE.format(schema=f"./{SCHEMA_FILE}", title=json.dumps(title), cast=cast)
    placeholders: dict[str, Callable[[], bytes]] = {
        "assets/hero.png": lambda: _placeholder("hero", (214, 108, 62)),
        "assets/home.png": lambda: _placeholder("home", (62, 110, 160)),
    }
    files: dict[str, Callable[[], bytes]] = {
        **({} if described else placeholders),
        SCHEMA_FILE: lambda: (json.dumps(json_schema(), indent=2) + "\n").encode(),
        "story.yaml": story.encode,
        ".gitignore": lambda: b".storyboard/\nout/\n",
    }
    (path / "assets").mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    left_alone: list[Path] = []
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            left_alone.append(target)
            continue
        try:
            with target.open("xb") as stream:
                stream.write(content())
        except FileExistsError:
            left_alone.append(target)
            continue
        created.append(target)
    return Scaffolded(path / "story.yaml", created, left_alone)


def _placeholder(name: str, colour: tuple[int, int, int]) -> bytes:
    """A plain card (PNG) naming what the writer should replace it with."""
    image = Image.new("RGB", (768, 768), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=72)
    draw.ellipse((234, 150, 534, 450), fill=tuple(min(255, c + 60) for c in colour))
    draw.text((384, 560), name, fill="white", font=font, anchor="mm")
    draw.text(
        (384, 650), "replace me", fill="white", font=ImageFont.load_default(size=36), anchor="mm"
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def json_schema() -> dict[str, object]:
    """The JSON Schema of `story.yaml`, for editors."""
    schema = shape_schema(Story)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "storyboard story.yaml (format 1)"
    return schema
