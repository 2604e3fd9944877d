"""`storyboard new`: a commented project that checks clean, ready to edit."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .errors import UsageError
from .format import Story

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
  resolution: 720p           # 480p or 720p with references; 1080p without

characters:                  # people and animals that must look the same in every scene
  hero:
    image: assets/hero.png   # replace with a photo or drawing of your character
    description: our hero    # for people; never sent to the model

locations:
  home:
    image: assets/home.png

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


def new_project(path: Path, title: str | None = None) -> Path:
    """Create a project folder with a commented `story.yaml` and placeholder images."""
    if (path / "story.yaml").exists():
        raise UsageError(f"{path / 'story.yaml'} already exists; choose another folder")
    title = title or path.resolve().name.replace("-", " ").replace("_", " ").title() or "My Story"
    assets = path / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    _placeholder(assets / "hero.png", "hero", (214, 108, 62))
    _placeholder(assets / "home.png", "home", (62, 110, 160))
    (path / SCHEMA_FILE).write_text(json.dumps(json_schema(), indent=2) + "\n", encoding="utf-8")
    (path / "story.yaml").write_text(
        STORY_TEMPLATE.format(schema=f"./{SCHEMA_FILE}", title=json.dumps(title)), encoding="utf-8"
    )
    (path / ".gitignore").write_text(".storyboard/\nout/\n", encoding="utf-8")
    return path / "story.yaml"


def _placeholder(path: Path, name: str, colour: tuple[int, int, int]) -> None:
    """A plain card naming what the writer should replace it with."""
    image = Image.new("RGB", (768, 768), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=72)
    draw.ellipse((234, 150, 534, 450), fill=tuple(min(255, c + 60) for c in colour))
    draw.text((384, 560), name, fill="white", font=font, anchor="mm")
    draw.text(
        (384, 650), "replace me", fill="white", font=ImageFont.load_default(size=36), anchor="mm"
    )
    image.save(path)


def json_schema() -> dict[str, object]:
    """The JSON Schema of `story.yaml`, for editors."""
    schema = Story.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "storyboard story.yaml (format 1)"
    return schema
