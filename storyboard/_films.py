"""From a plan to a film: which clip stands where in a cut, then assembly.

The plan knows each scene's chosen take; this module lays them out in the
cut's order as a :class:`~storyboard._export.FilmSpec` and hands it to the
export package, for an MP4 or a timeline.
"""

from __future__ import annotations

from pathlib import Path

from ._export import ExportResult, FilmEntry, FilmSpec, export_film, export_timeline
from ._export.film import sidecar_paths
from ._plan import Plan
from ._project import Project
from ._store import Store
from ._vocabulary import FORMAT_SUFFIXES, TimelineFormat


def film_spec(project: Project, plan: Plan, store: Store | None) -> FilmSpec:
    """The cut of a plan as a film: each scene's chosen clip in play order."""
    entries = []
    for scene_plan in plan.scenes:
        take = scene_plan.take
        clip = store.clip_path(take.clip) if store is not None and take is not None else None
        if clip is not None and not clip.exists():
            clip = None
        entries.append(
            FilmEntry(
                scene_id=scene_plan.id,
                title=scene_plan.scene.title,
                clip=clip,
                clip_sha256=take.clip if take and clip else None,
                duration=float(scene_plan.scene.final_seconds),
                caption=scene_plan.scene.caption,
                take=take.take if take else None,
                key=scene_plan.key,
            )
        )
    return FilmSpec(
        title=project.title,
        cut=plan.cut,
        entries=tuple(entries),
        settings=project.story.export,
        aspect_ratio=project.film_aspect_ratio(),
        resolution=project.film_resolution(),
        soundtrack=project.soundtrack(),
    )


def default_destination(project: Project, cut: str, fmt: str = "mp4") -> Path:
    return project.out_dir / f"{cut}{FORMAT_SUFFIXES[fmt]}"


def files_written(target: Path, fmt: str) -> list[Path]:
    """Every file an export to ``target`` may write or replace: a film has its subtitles."""
    return [target, *sidecar_paths(target)] if fmt == "mp4" else [target]


def export(
    project: Project,
    plan: Plan,
    store: Store | None,
    *,
    destination: Path | None = None,
    fmt: str = "mp4",
    partial: bool = False,
) -> ExportResult:
    """Write the plan's cut as a film (``mp4``) or a timeline; never generates."""
    spec = film_spec(project, plan, store)
    target = destination or default_destination(project, plan.cut, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "mp4":
        return export_film(spec, target, project.cache_dir, partial=partial)
    timeline_format: TimelineFormat = fmt  # type: ignore[assignment]
    return export_timeline(spec, target, timeline_format, partial=partial)
