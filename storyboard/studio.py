"""A project at work: the operations a writer runs, for the CLI and for Python.

:class:`Studio` ties a loaded :class:`~storyboard.project.Project` to its cache
(:class:`~storyboard.store.Store`) and its lock file, and offers plan, build,
regen, takes, use, status and export. The CLI is a thin layer over it.
"""

from __future__ import annotations

import asyncio
import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import BuildOptions, BuildResult, Engine, Reporter, scenes_downstream
from .errors import UsageError
from .export import ExportResult
from .films import default_destination, files_written
from .films import export as export_cut
from .lockfile import LockFile, Selection
from .outputs import Outputs
from .plan import Plan, Planner
from .project import Project
from .providers import DEFAULT_PROVIDER, NO_PROVIDER_MESSAGE, chosen_provider, make_provider
from .providers.polling import settings_from_env
from .store import BuildLock, Store, Take


@dataclass(frozen=True)
class TakeInfo:
    take: int
    selected: bool
    created_at: str
    cost_usd: float
    key: str
    clip: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "take": self.take,
            "selected": self.selected,
            "created_at": self.created_at,
            "cost_usd": self.cost_usd,
            "key": self.key,
            "clip": self.clip,
        }


class Studio:
    """One project with its cache and its lock file."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.lock = LockFile(project.root)
        self._store: Store | None = Store.open_existing(project.cache_dir)
        self.outputs = Outputs(project.root, project.cache_dir, project.own_files())

    @classmethod
    def open(cls, path: Path | str = ".") -> Studio:
        return cls(Project.load(path))

    @property
    def existing_store(self) -> Store | None:
        """The cache if the project has one; reading commands never create it."""
        return self._store

    @property
    def store(self) -> Store:
        """The cache, created on first write."""
        if self._store is None:
            self._store = Store(self.project.cache_dir)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    # -- reading ----------------------------------------------------------------

    def provider_for_reading(self, flag: str | None = None) -> str:
        """The provider whose takes plan, status and export show."""
        chosen = chosen_provider(flag)
        if chosen:
            return chosen
        if self._store is not None:
            row = self._store.db.execute(
                "SELECT provider FROM takes ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
            if row:
                return str(row[0])
        return DEFAULT_PROVIDER

    def plan(self, provider: str | None = None, cut: str | None = None) -> Plan:
        name = self.provider_for_reading(provider)
        return Planner(self.project, self._store, self.lock, name).plan(cut)

    def status(self, provider: str | None = None) -> dict[str, Any]:
        plan = self.plan(provider)
        store = self._store
        scenes = []
        for scene_plan in plan.all_scenes.values():
            takes = store.takes_of_scene(scene_plan.id, plan.provider) if store else []
            scenes.append(
                {
                    "id": scene_plan.id,
                    "state": scene_plan.state,
                    "reason": scene_plan.reason,
                    "take": scene_plan.take.take if scene_plan.take else None,
                    "takes": len(scene_plan.takes),
                    "cost_usd": float(round(sum(t.cost_usd for t in takes), 4)),
                }
            )
        order = {scene_id: index for index, scene_id in enumerate(self.project.scenes)}
        scenes.sort(key=lambda s: order[str(s["id"])])
        return {
            "title": self.project.title,
            "provider": plan.provider,
            "spent_usd": store.spent_usd() if store else 0.0,
            "scenes": scenes,
        }

    def takes(self, scene_id: str, provider: str | None = None) -> list[TakeInfo]:
        self._check_scene(scene_id)
        plan = self.plan(provider)
        scene_plan = plan.all_scenes[scene_id]
        if scene_plan.key is None or self._store is None:
            return []
        chosen = scene_plan.take.take if scene_plan.take else None
        return [
            TakeInfo(t.take, t.take == chosen, t.created_at, t.cost_usd, t.key, t.clip)
            for t in self._store.takes(scene_plan.key)
        ]

    # -- changing the selection ---------------------------------------------------

    def use(self, scene_id: str, number: int, provider: str | None = None) -> Take:
        """Choose take ``number`` of a scene; scenes below it follow on the next build."""
        self._check_scene(scene_id)
        plan = self.plan(provider)
        scene_plan = plan.all_scenes[scene_id]
        takes = {t.take: t for t in scene_plan.takes} if scene_plan.key else {}
        if number not in takes:
            available = ", ".join(str(n) for n in takes) or "none"
            raise UsageError(f'scene "{scene_id}" has no take {number} (takes: {available})')
        take = takes[number]
        self.store.select(take.key, take.take)
        self.lock.set(plan.provider, scene_id, Selection(take.take, take.key, take.clip))
        self.lock.save(list(self.project.scenes))
        return take

    # -- generating -----------------------------------------------------------------

    def build(
        self,
        provider: str | None = None,
        options: BuildOptions | None = None,
        reporter: Reporter | None = None,
        wait_for_lock: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> BuildResult:
        """Generate every scene that needs it (see BuildOptions); does not export."""
        name = chosen_provider(provider)
        if name is None:
            raise UsageError(NO_PROVIDER_MESSAGE)
        options = options or BuildOptions()
        for scene_id in [*(options.only or []), *options.regen]:
            self._check_scene(scene_id)
        if options.cut:
            self.project.cut(options.cut)
        settings = settings_from_env()
        lock = BuildLock(self.project.cache_dir)
        lock.acquire(wait=wait_for_lock, on_wait=on_wait)
        try:
            self.lock = LockFile(self.project.root)  # another build may have changed it
            made = make_provider(name, self.project.cache_dir, settings, self.store)
            engine = Engine(self.project, self.store, self.lock, made, settings, options, reporter)
            return asyncio.run(_run_and_close(engine))
        finally:
            lock.release()

    def regen_targets(self, scene_id: str) -> set[str]:
        self._check_scene(scene_id)
        return scenes_downstream(self.project, [scene_id])

    # -- exporting -------------------------------------------------------------------

    def export(
        self,
        provider: str | None = None,
        cut: str | None = None,
        destination: Path | None = None,
        fmt: str = "mp4",
        partial: bool = False,
        force: bool = False,
    ) -> ExportResult | Path:
        plan = self.plan(provider, cut)
        target = self.output_path(plan.cut, destination, fmt, force)
        made = export_cut(
            self.project, plan, self._store, destination=target, fmt=fmt, partial=partial
        )
        self.outputs.remember(
            [made.path, *made.sidecars] if isinstance(made, ExportResult) else [made]
        )
        return made

    def output_path(
        self, cut: str | None, destination: Path | None, fmt: str = "mp4", force: bool = False
    ) -> Path:
        """Where an export goes; raise OutputRefused where it would destroy someone's file."""
        default = default_destination(self.project, self.project.cut_name(cut), fmt)
        target = self.outputs.destination(destination, default)
        for path in files_written(target, fmt):
            self.outputs.check(path, force=force, own_name=destination is None)
        return target

    def _check_scene(self, scene_id: str) -> None:
        if scene_id not in self.project.scenes:
            close = difflib.get_close_matches(scene_id, list(self.project.scenes), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(f'no scene "{scene_id}" in story.yaml{hint}')


async def _run_and_close(engine: Engine) -> BuildResult:
    try:
        return await engine.run()
    finally:
        await engine.provider.aclose()


def relative(path: Path) -> str:
    """A path as a writer would type it from here."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
