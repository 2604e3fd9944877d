"""A demo: ``python -m storyboard._providers.preview.animatic [output.mp4]`` renders an
example animatic."""

from __future__ import annotations

import sys
from pathlib import Path

from ...base import ImageInput, VideoRequest
from .encode import render_animatic


def _demo(output: Path) -> None:
    """Render an example: a prompt and two remote references (drawn as placeholders)."""
    request = VideoRequest(
        mode="reference",
        model="grok-imagine-video",
        prompt="<IMAGE_1> pours tea for <IMAGE_2> as the rain starts; steam curls past the window.",
        duration=4,
        aspect_ratio="16:9",
        resolution="720p",
        references=(
            ImageInput(sha256="0" * 64, label="eileen", url="https://example.com/eileen.png"),
            ImageInput(sha256="1" * 64, label="chelsea", url="https://example.com/chelsea.png"),
        ),
        label="kitchen",
    )
    render_animatic(request, output)
    print(output)


if __name__ == "__main__":
    _demo(Path(sys.argv[1] if len(sys.argv) > 1 else "animatic-demo.mp4"))
