"""Animatics: an offline stand-in for a generated clip, drawn from a request.

An animatic shows what a scene asks for and how long it lasts: its reference
images as captioned cards (``IMAGE_n`` and the asset's name), the compiled
prompt with each ``<IMAGE_k>`` in the colour of its card, the scene's label and
mode, a running timecode and a progress bar, under a slow push-in.
Image-to-video scenes open full-frame on their start image, as the generated
clip would; text-only scenes get a title card.

Drawing every frame in Python would be far too slow, so Pillow composes a few
stills once and ffmpeg does the per-frame work:

* the *stage* (background, label, mode, prompt, footer) never moves;
* the *picture* (the cards, or the title) is drawn at twice its size, pushed
  in with ``zoompan`` (so it moves in half pixels) and laid on the stage
  through a soft mask: only what is drawn moves, so the backdrop stays still
  and the encoder has little to do;
* the timecode is a strip of pre-drawn cells that ``crop`` steps through;
* the progress bar is a still that ``overlay`` slides in;
* an image-to-video scene's start image lies on top for its first second,
  then fades away.

The same request always gives the same bytes: no clock, fixed thread counts,
bit-exact muxing.
"""

from .compose import Layers, compose_layers
from .design import FPS, Box
from .encode import ProgressCallback, render_animatic
from .text import printable

__all__ = [
    "FPS",
    "Box",
    "Layers",
    "ProgressCallback",
    "compose_layers",
    "printable",
    "render_animatic",
]
