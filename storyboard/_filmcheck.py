"""What export would trip on, found by `check` before anything is generated.

A crossfade is made of whole frames and takes its length from both ends of a
scene, so it must last at least two frames and at most half of the shortest
scene. Export would otherwise round it away or shorten it without a word.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._compiler import CompiledScene
from ._errors import Problem
from ._format import Story
from ._loader import Positions

MIN_CROSSFADE_FRAMES = 2


def transition_problems(
    story: Story, scenes: Iterable[CompiledScene], positions: Positions
) -> list[Problem]:
    """Problems of the film's crossfade, at ``export.transition_duration``."""
    settings = story.export
    if settings.transition != "crossfade":
        return []
    where = ("export", "transition_duration")
    seconds, fps = settings.transition_duration, settings.fps
    if round(seconds * fps) < MIN_CROSSFADE_FRAMES:
        shortest = MIN_CROSSFADE_FRAMES / fps
        return [
            positions.problem(
                where,
                f"a crossfade of {seconds:g} s is shorter than {MIN_CROSSFADE_FRAMES} frames at "
                f"{fps} fps: make it at least {shortest:.3g} s, or write transition: cut",
            )
        ]
    shortest_scene = min(scenes, key=lambda scene: scene.final_seconds, default=None)
    if shortest_scene is not None and seconds > shortest_scene.final_seconds / 2:
        length = shortest_scene.final_seconds
        return [
            positions.problem(
                where,
                f'a crossfade of {seconds:g} s is longer than half of scene "{shortest_scene.id}" '
                f"({length} s), which gives up to half its length to the "
                f"crossfades at its two ends: make it at most {length / 2:g} s",
            )
        ]
    return []
