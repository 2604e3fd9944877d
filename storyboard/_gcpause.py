"""Pausing Python's cycle collector while a story is built in memory.

Loading, compiling and planning a story of ten thousand scenes makes hundreds of
thousands of small objects that hold no reference cycles; as they pile up, the collector
walks them all again and again (more than a second of `check` at that size, targets.md
P12). Reference counting still frees everything made while it is paused, and full
collections its cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection inside the block; it resumes after unless it was off before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Everything the block made is in the youngest generation, which the next
            # collection would walk whole to free nothing (0.1 s after a 10,000-scene
            # load, again after its plan); moved to the oldest, it waits for a full one.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
