"""Scores live with takes: what a take is scored against, and the cache of scores.

A take is scored against the assets its scene mentions (each asset's image, or
the look's) and, when the scene starts from another scene's frame, for
continuity with that frame (see docs/consistency.md). Scores are kept in the
cache per clip content and scorer version: asking again is free, and nothing is
ever generated to score it. Only :func:`~storyboard._scoring.jobs.run_score_job` loads
the scoring stack (here or in the build's worker, storyboard/_scoreworker.py); reading
stored scores needs none of it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._compiler import CompiledScene
from ._project import Project
from ._scoring.consensus import SelfScore, self_scores
from ._scoring.flags import redrawn
from ._scoring.jobs import ScoreJob, run_score_job
from ._scoring.records import SCORER_VERSION, ClipScore, Subject
from ._scoring.settings import ScoreSettings
from ._store import Store

EXTRA_MODULES = ("dlib", "cv2", "face_recognition_models")


def scoring_installed() -> bool:
    """Whether the optional ``score`` extra is there (without importing it)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in EXTRA_MODULES)
    except ValueError:  # blocked in sys.modules (None), as a test does to hide it
        return False


def score_job(
    project: Project, store: Store, scene: CompiledScene, clip: str, frames: Mapping[str, str]
) -> ScoreJob:
    """What ``clip``, a take of ``scene``, is scored against. ``frames`` maps scene ids to
    their chosen last frame (for a scene that starts from one) and generated pictures to
    their chosen image. A reference given as a URL is not scored (nothing is downloaded
    to score it)."""
    subjects = []
    for reference in scene.references:
        picture: Path | None = None
        if reference.generated is not None:
            made = frames.get(reference.generated)
            picture = store.image_path(made) if made else None
        elif reference.kind != "scene" and reference.image is not None:
            picture = reference.image.path or project.images.prepare(reference.image)
        if picture is not None:
            subjects.append(Subject(reference.mention, reference.kind, picture))
    start: Path | None = None
    if scene.start is not None and scene.start.scene is not None:
        frame = frames.get(scene.start.scene)
        start = store.frame_path(frame) if frame else None
    elif scene.start is not None and scene.start.image is not None:
        image = scene.start.image
        start = image.path or project.images.prepare(image)
    return ScoreJob(clip, store.clip_path(clip), tuple(subjects), start)


def score_settings(store: Store | None) -> ScoreSettings:
    """The thresholds flags are drawn with: the defaults, with what `storyboard calibrate`
    fitted to the writer's labels."""
    defaults = ScoreSettings()
    fitted = store.calibration() if store is not None else {}
    kinds = {name: type(getattr(defaults, name)) for name in fitted if hasattr(defaults, name)}
    return dataclasses.replace(defaults, **{n: kind(fitted[n]) for n, kind in kinds.items()})


def _flagged(stored: dict[str, Any], settings: ScoreSettings) -> ClipScore:
    score = ClipScore.from_stored(stored)
    return score if settings == ScoreSettings() else redrawn(score, settings)


def stored_score(store: Store | None, clip: str) -> ClipScore | None:
    """The cached score of a clip by this scorer version, if it was scored (flagged with
    the calibrated thresholds)."""
    found = store.score(clip, SCORER_VERSION) if store is not None else None
    return _flagged(found, score_settings(store)) if found is not None else None


def stored_scores(store: Store | None) -> dict[str, ClipScore]:
    """Every cached score by this scorer version, by clip (flagged with the calibrated
    thresholds)."""
    if store is None:
        return {}
    settings = score_settings(store)
    return {clip: _flagged(found, settings) for clip, found in store.scores(SCORER_VERSION).items()}


def score_now(store: Store, job: ScoreJob) -> ClipScore:
    """The clip's score: from the cache, or worked out here and cached."""
    known = stored_score(store, job.clip)
    if known is not None:
        return known
    stored = run_score_job(job)
    store.remember_score(job.clip, SCORER_VERSION, stored)
    return _flagged(stored, score_settings(store))


def across_scenes(
    chosen: Mapping[str, ClipScore],
    anchors: Mapping[str, tuple[float, ...]] | None = None,
    settings: ScoreSettings | None = None,
) -> dict[str, list[SelfScore]]:
    """*self* for each scene's chosen take (``chosen`` by scene id), by scene id; an
    approved take's face stands in for its character's picture (``anchors``)."""
    found: dict[str, list[SelfScore]] = {}
    for entry in self_scores(chosen, anchors, settings):
        found.setdefault(entry.take, []).append(entry)
    return found


def scene_flags(score: ClipScore | None, selves: Iterable[SelfScore]) -> list[str] | None:
    """A take's flags with its ``drift``; None when it was never scored."""
    if score is None:
        return None
    drifted = any("drift" in entry.flags for entry in selves)
    return [*score.all_flags(), *(["drift"] if drifted else [])]
