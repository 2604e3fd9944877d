"""A project at work: the operations a writer runs, for the CLI and for Python.

:class:`Studio` ties a loaded :class:`~storyboard._project.Project` to its cache
(:class:`~storyboard._store.Store`) and its lock file, and offers plan, build,
regen, takes, use, status and export. The CLI is a thin layer over it.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._compiler import split_node_id
from ._errors import UsageError
from ._lockfile import LockFile, Selection
from ._outputs import Outputs
from ._plan import STATE_MEANINGS, ImagePlan, NodePlan, Plan, Planner, ScenePlan
from ._project import Project
from ._providers import (
    DEFAULT_PROVIDER,
    NO_PROVIDER_MESSAGE,
    chosen_provider,
    provider_on_demand,
)
from ._store import BuildLock, Store, Take

if TYPE_CHECKING:
    from ._bestof import BestOfEstimate
    from ._engine import BuildOptions, BuildResult, Reporter
    from ._export import ExportResult
    from ._judgements import Approval, Calibration
    from ._providers.base import ProviderSettings
    from ._scoring.consensus import SelfScore
    from ._scoring.records import ClipScore

# The build (engine), the exporter (films, export) and consistency scoring (scores,
# judgements, best-of) are imported by the methods that use them: `check`, `plan` and a
# `status` with nothing built never load them.


@dataclass(frozen=True)
class TakeInfo:
    """One take of a scene, as :meth:`Studio.takes` lists it."""

    take: int
    selected: bool
    """Whether the film uses this take."""
    created_at: str
    cost_usd: float
    key: str
    clip: str
    """The SHA-256 of the clip file (``.storyboard/clips/<clip>.mp4``)."""
    score: ClipScore | None = None
    """Its consistency score, once scored (docs/consistency.md)."""
    anchor_for: list[str] = dataclasses.field(default_factory=list)
    """The characters this take is the approved anchor of (``storyboard approve``)."""

    def as_dict(self) -> dict[str, Any]:
        """The take as ``storyboard takes --json`` prints it."""
        shown = dataclasses.asdict(self)
        shown["score"] = self.score.as_dict() if self.score else None
        return shown


@dataclass(frozen=True)
class SceneStatus:
    """One scene of :class:`Status`: its state, why, its selected take and what it cost."""

    id: str
    state: str
    """``cached``, ``missing``, ``stale`` or ``failed`` (see docs/caching-and-takes.md)."""
    reason: str
    take: int | None
    """The number of the take the film uses, if any."""
    takes: int
    """How many takes the scene's current key has."""
    cost_usd: float
    """What every take of the scene (and of its steps) made with this provider cost."""
    estimated_usd: float
    """Of ``cost_usd``, what is an estimate from the price table (the API reported no cost)."""
    steps: int = 0
    """How many revision steps the scene has."""
    steps_cached: int = 0
    """How many of them have a clip for their current inputs."""
    flags: list[str] | None = None
    """The consistency flags of the selected take (with ``drift`` across scenes); None
    while it is not scored."""
    anchor_for: list[str] = dataclasses.field(default_factory=list)
    """The characters whose approved anchor the selected take is."""

    def as_dict(self) -> dict[str, Any]:
        """The scene as ``storyboard status --json`` prints it."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Status:
    """The project at a glance, as :meth:`Studio.status` returns it."""

    title: str
    provider: str
    spent_usd: float
    """Everything the cache records as spent, with every provider."""
    estimated_usd: float
    """Of ``spent_usd``, what is an estimate from the price table: jobs whose cost the API
    did not report (an ambiguous create, a job that ended without usage)."""
    scenes: tuple[SceneStatus, ...]
    """In the story's order."""
    generated: tuple[SceneStatus, ...] = ()
    """The reference images generated from words (``eileen``, ``eileen:flight-suit``)."""

    def counts(self) -> dict[str, dict[str, int]]:
        """How many scenes, revision steps and generated pictures there are (``total``),
        and how many are in each state (a step is ``cached`` or not)."""
        steps = sum(scene.steps for scene in self.scenes)
        return {
            "scenes": _by_state(self.scenes),
            "steps": {"total": steps, "cached": sum(scene.steps_cached for scene in self.scenes)},
            "generated": _by_state(self.generated),
        }

    def as_dict(self) -> dict[str, Any]:
        """The status as ``storyboard status --json`` prints it."""
        return dataclasses.asdict(self) | {
            "scenes": [scene.as_dict() for scene in self.scenes],
            "generated": [image.as_dict() for image in self.generated],
            "counts": self.counts(),
        }


def _by_state(nodes: tuple[SceneStatus, ...]) -> dict[str, int]:
    """``{"total": 6, "cached": 4, "missing": 2}``: states in the order plan shows them."""
    counted = {"total": len(nodes)}
    for state in STATE_MEANINGS:
        number = sum(node.state == state for node in nodes)
        if number:
            counted[state] = number
    return counted


@dataclass(frozen=True)
class ScoreReport:
    """What :meth:`Studio.score` found: each scene's takes with their scores, and the
    *self* of each selected take's characters across scenes."""

    scenes: tuple[tuple[str, tuple[TakeInfo, ...]], ...]
    selves: dict[str, tuple[SelfScore, ...]]

    def as_dict(self) -> dict[str, Any]:
        """The report as ``storyboard score --json`` prints it."""
        from ._scoring.records import SCORER_VERSION

        return {
            "scorer": SCORER_VERSION,
            "scenes": [
                {
                    "id": scene_id,
                    "takes": [take.as_dict() for take in takes],
                    "self": [entry.as_dict() for entry in self.selves.get(scene_id, ())],
                }
                for scene_id, takes in self.scenes
            ],
        }


class Studio:
    """One project with its cache and its lock file.

    Open it with :meth:`open` in a ``with`` block (or call :meth:`close`)::

        with Studio.open("projects/astronaut-cat") as studio:
            studio.build(provider="preview")
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.lock = LockFile(project.root)
        self._store: Store | None = Store.open_existing(project.cache_dir)
        self.outputs = Outputs(project.root, project.cache_dir, project.own_files())

    @classmethod
    def open(cls, path: Path | str = ".") -> Studio:
        """Load and check the project at ``path`` (its folder or its story.yaml).

        Raises :class:`~storyboard._errors.ProjectInvalid` listing every problem.
        """
        return cls(Project.load(path))

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def existing_store(self) -> Store | None:
        """The cache if the project has one; reading commands never create it."""
        if self._store is None:
            self._store = Store.open_existing(self.project.cache_dir)
        return self._store

    @property
    def store(self) -> Store:
        """The cache, created on first write."""
        if self._store is None:
            self._store = Store(self.project.cache_dir)
        return self._store

    def close(self) -> None:
        """Close the cache; a studio used again reopens it."""
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- reading ----------------------------------------------------------------

    def provider_for_reading(self, flag: str | None = None) -> str:
        """The provider whose takes plan, status and export show.

        ``flag``, else ``$STORYBOARD_PROVIDER``, else the provider of the newest
        take in the cache, else ``xai``.
        """
        chosen = chosen_provider(flag)
        if chosen:
            return chosen
        if self.existing_store is not None:
            newest = self.existing_store.newest_provider()
            if newest is not None:
                return newest
        return DEFAULT_PROVIDER

    def plan(self, provider: str | None = None, cut: str | None = None) -> Plan:
        """Each scene of a cut with its state, reason, compiled request and estimated cost."""
        name = self.provider_for_reading(provider)
        return Planner(self.project, self.existing_store, self.lock, name).plan(cut)

    def status(self, provider: str | None = None) -> Status:
        """Every scene's state, takes and cost, and the money spent so far."""
        name = self.provider_for_reading(provider)
        planner = Planner(self.project, self.existing_store, self.lock, name)
        plan = planner.plan()
        store = self.existing_store
        made = planner.cache.takes_by_scene(name) if planner.cache is not None else {}
        estimated = store.estimated_take_costs(name) if store else {}
        chosen = self.chosen_scores(plan)
        selves = self.selves(chosen, name)
        anchored = self._anchored(plan, name)
        scenes = []
        for scene_id in [s for s in self.project.scenes if s in plan.all_scenes]:
            scene_plan = plan.all_scenes[scene_id]
            takes = [t for node in scene_plan.nodes for t in made.get(node.id, [])]
            steps = scene_plan.nodes[1:]
            scenes.append(
                SceneStatus(
                    id=scene_id,
                    state=scene_plan.state,
                    reason=scene_plan.reason,
                    take=scene_plan.take.take if scene_plan.take else None,
                    takes=len(scene_plan.takes),
                    cost_usd=float(round(sum(t.cost_usd for t in takes), 4)),
                    estimated_usd=round(sum(estimated.get(n.id, 0.0) for n in scene_plan.nodes), 4),
                    steps=len(steps),
                    steps_cached=sum(step.state == "cached" for step in steps),
                    flags=_scene_flags(chosen.get(scene_id), selves.get(scene_id, [])),
                    anchor_for=anchored.get(scene_plan.take.clip, []) if scene_plan.take else [],
                )
            )
        images = [
            SceneStatus(
                id=image.id,
                state=image.state,
                reason=image.reason,
                take=image.take.take if image.take else None,
                takes=len(image.takes),
                cost_usd=float(round(sum(t.cost_usd for t in made.get(image.id, [])), 4)),
                estimated_usd=estimated.get(image.id, 0.0),
            )
            for image in plan.images.values()
        ]
        spent = store.spent_usd() if store else 0.0
        spent_estimated = store.spent_usd(estimated_only=True) if store else 0.0
        return Status(
            self.project.title,
            plan.provider,
            spent,
            spent_estimated,
            tuple(scenes),
            tuple(images),
        )

    def takes(self, scene_id: str, provider: str | None = None) -> list[TakeInfo]:
        """The takes of a scene's current key (or of one of its steps: ``launch.2``),
        oldest first, marking the selected one."""
        node = self._node(scene_id, self.plan(provider))
        store = self.existing_store
        if node.key is None or store is None:
            return []
        from ._judgements import anchors_by_clip
        from ._scores import stored_scores

        chosen = node.take.take if node.take else None
        scored = stored_scores(store)
        anchored = anchors_by_clip(store, self.provider_for_reading(provider))
        return [
            TakeInfo(
                t.take,
                t.take == chosen,
                t.created_at,
                t.cost_usd,
                t.key,
                t.clip,
                scored.get(t.clip),
                anchored.get(t.clip, []),
            )
            for t in store.takes(node.key)
        ]

    def _node(self, node_id: str, plan: Plan) -> NodePlan | ImagePlan:
        """A scene's generation (its id), one of its steps (``launch.2``) or a generated
        image (``eileen``, ``eileen:flight-suit``) in a plan."""
        self._check_scene(node_id)
        node = plan.images.get(node_id) or plan.node(node_id)
        assert node is not None, "a checked id names a node"
        return node

    def chosen_scores(self, plan: Plan) -> dict[str, ClipScore]:
        """The stored score of each scene's selected take, by scene id."""
        if not _built(plan):
            return {}
        from ._scores import stored_scores

        scored = stored_scores(self.existing_store)
        return {
            scene_id: scored[scene_plan.take.clip]
            for scene_id, scene_plan in plan.all_scenes.items()
            if scene_plan.take is not None and scene_plan.take.clip in scored
        }

    # -- consistency scores -------------------------------------------------------

    def score(
        self,
        scene_ids: Sequence[str] = (),
        provider: str | None = None,
        on_scene: Callable[[str, int], None] | None = None,
    ) -> ScoreReport:
        """Score every take of the scenes' current keys (all scenes by default) that has
        no score yet, and report each take's score and *self* across scenes.

        Scores are cached per clip and scorer version: asking again reads them, and
        nothing is generated. Raises :class:`ScoringUnavailable` without the extra.
        """
        from ._scores import score_job, score_now, stored_score
        from ._scoring.native import load_stack

        load_stack()
        for scene_id in scene_ids:
            self._check_whole_scene(scene_id, "score")
        plan = self.plan(provider)
        wanted = [s for s in self.project.scenes if s in plan.all_scenes]
        if scene_ids:
            wanted = [s for s in wanted if s in scene_ids]
        store = self.existing_store
        takes: dict[str, list[TakeInfo]] = {}
        if store is not None and any(plan.all_scenes[s].takes for s in wanted):
            store = self.store  # scoring writes the cache
            frames = _frames(plan)
            for scene_id in wanted:
                for take in plan.all_scenes[scene_id].takes:
                    if on_scene is not None and stored_score(store, take.clip) is None:
                        on_scene(scene_id, take.take)
                    job = score_job(
                        self.project, store, plan.all_scenes[scene_id].scene, take.clip, frames
                    )
                    score_now(store, job)
                final = plan.all_scenes[scene_id].nodes[-1].id
                takes[scene_id] = self.takes(final, plan.provider)
        chosen = self.chosen_scores(plan)
        selves = self.selves(chosen, plan.provider)
        return ScoreReport(
            tuple((scene_id, tuple(found)) for scene_id, found in takes.items()),
            {scene_id: tuple(entries) for scene_id, entries in selves.items()},
        )

    def selves(self, chosen: dict[str, ClipScore], provider: str) -> dict[str, list[SelfScore]]:
        """*self* across scenes of each scene's chosen take, against the approved anchors."""
        if not chosen:
            return {}
        from ._judgements import anchor_descriptors
        from ._scores import across_scenes, score_settings, stored_scores

        store = self.existing_store
        anchors = anchor_descriptors(store, provider, stored_scores(store))
        return across_scenes(chosen, anchors, score_settings(store))

    # -- the writer's judgements ----------------------------------------------------

    def approve(self, scene_id: str, provider: str | None = None) -> Approval:
        """Make the scene's selected take the anchor of each character whose face it shows:
        *self* then measures those characters against it in place of their picture.
        Scores the take first when it was not (which needs the scoring extra)."""
        from ._judgements import approve
        from ._scores import score_job, score_now, stored_score

        plan, scene_plan = self._judged_scene(scene_id, provider, "approve")
        take = scene_plan.take
        assert take is not None, "a judged scene has a take"
        score = stored_score(self.existing_store, take.clip)
        if score is None:
            from ._scoring.native import load_stack

            load_stack()
            job = score_job(self.project, self.store, scene_plan.scene, take.clip, _frames(plan))
            score = score_now(self.store, job)
        return approve(self.store, plan.provider, scene_id, take, score)

    def label(
        self, scene_id: str, verdict: str, number: int | None = None, provider: str | None = None
    ) -> Take:
        """Label take ``number`` of a scene (its selected take by default) good or bad, for
        :meth:`calibrate`; kept per clip content."""
        from ._judgements import VERDICTS

        if verdict not in VERDICTS:
            raise UsageError(f'a take is labelled good or bad, not "{verdict}"')
        _, scene_plan = self._judged_scene(scene_id, provider, "label")
        takes = {take.take: take for take in scene_plan.takes}
        if number is not None and number not in takes:
            available = ", ".join(str(n) for n in takes)
            raise UsageError(f'scene "{scene_id}" has no take {number} (takes: {available})')
        take = takes[number] if number is not None else scene_plan.take
        assert take is not None, "a judged scene has a take"
        self.store.label(take.clip, scene_id, verdict)
        return take

    def calibrate(self, provider: str | None = None) -> Calibration:
        """Fit the flags' thresholds to the labelled takes (scoring those of the current
        story that were not), keep those that get more labels right than the defaults, and
        say how well each separates the labels."""
        from ._judgements import calibrate
        from ._scores import stored_score
        from ._scoring.records import SCORER_VERSION, ClipScore

        store = self.existing_store
        labels = store.labels() if store is not None else {}
        if store is None or not labels:
            raise UsageError(
                "no labelled takes yet: label some with `storyboard label SCENE [TAKE] "
                "good|bad` first (docs/consistency.md)"
            )
        labelled_scenes = {scene for scene, _ in labels.values()} & set(self.project.scenes)
        if any(stored_score(store, clip) is None for clip in labels) and labelled_scenes:
            self.score(sorted(labelled_scenes), provider)
        measured = {
            clip: ClipScore.from_stored(record)
            for clip, record in self.store.scores(SCORER_VERSION).items()
        }
        return calibrate(self.store, measured)

    def _anchored(self, plan: Plan, provider: str) -> dict[str, list[str]]:
        """The characters each approved clip anchors (nothing to read before a build)."""
        if not _built(plan):
            return {}
        from ._judgements import anchors_by_clip

        return anchors_by_clip(self.existing_store, provider)

    def _check_whole_scene(self, scene_id: str, verb: str) -> None:
        """A scene of the story, not a step or a picture: ``verb`` judges a scene by its
        final clip; else a UsageError."""
        self._check_scene(scene_id)
        if scene_id not in self.project.scenes:
            raise UsageError(
                f'"{scene_id}" is not a scene: {verb} judges a scene by its final clip, so '
                f'name the scene ("{split_node_id(scene_id)[0]}")'
            )

    def _judged_scene(
        self, scene_id: str, provider: str | None, verb: str
    ) -> tuple[Plan, ScenePlan]:
        """The plan and a scene's plan, for a command that judges its takes."""
        self._check_whole_scene(scene_id, verb)
        plan = self.plan(provider)
        scene_plan = plan.all_scenes[scene_id]
        if scene_plan.take is None:
            raise UsageError(
                f'scene "{scene_id}" has no take for its current inputs: '
                "run `storyboard build` first"
            )
        return plan, scene_plan

    # -- changing the selection ---------------------------------------------------

    def use(self, scene_id: str, number: int, provider: str | None = None) -> Take:
        """Choose take ``number`` of a scene; scenes below it follow on the next build."""
        plan = self.plan(provider)
        node = self._node(scene_id, plan)
        takes = {t.take: t for t in node.takes} if node.key else {}
        if number not in takes:
            available = ", ".join(str(n) for n in takes) or "none"
            what = "image" if isinstance(node, ImagePlan) else "step" if node.number else "scene"
            raise UsageError(f'{what} "{scene_id}" has no take {number} (takes: {available})')
        take = takes[number]
        self.store.select(take.key, take.take)
        chosen = Selection(take.take, take.key, take.clip, by_writer=True)
        self.lock.set(plan.provider, scene_id, chosen)
        self.lock.save(self.project.node_ids)
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
        """Generate every scene that needs it (see BuildOptions); does not export.

        Inside a running event loop (a notebook, a web app) the build runs on a
        worker thread with a loop of its own, and this call waits for it; from
        async code, prefer ``await studio.abuild(...)``.
        """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            name, chosen, settings = self._build_setup(provider, options)
            lock = BuildLock(self.project.cache_dir)
            lock.acquire(wait=wait_for_lock, on_wait=on_wait)  # Ctrl-C stops a wait here
            try:
                return asyncio.run(self._build_locked(name, chosen, settings, reporter))
            finally:
                lock.release()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyboard-build") as worker:
            arguments = (provider, options, reporter, wait_for_lock, on_wait)
            return worker.submit(self.build, *arguments).result()

    async def abuild(
        self,
        provider: str | None = None,
        options: BuildOptions | None = None,
        reporter: Reporter | None = None,
        wait_for_lock: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> BuildResult:
        """:meth:`build` for async code: ``result = await studio.abuild(provider="preview")``."""
        import asyncio

        name, chosen, settings = self._build_setup(provider, options)
        lock = BuildLock(self.project.cache_dir)
        await asyncio.to_thread(lock.acquire, wait=wait_for_lock, on_wait=on_wait)
        try:
            return await self._build_locked(name, chosen, settings, reporter)
        finally:
            lock.release()

    def _build_setup(
        self, provider: str | None, options: BuildOptions | None
    ) -> tuple[str, BuildOptions, ProviderSettings]:
        """What a build needs before it takes the project's lock, checked."""
        from ._engine import BuildOptions
        from ._providers.polling import settings_from_env

        name = chosen_provider(provider)
        if name is None:
            raise UsageError(NO_PROVIDER_MESSAGE)
        options = options or BuildOptions()
        if options.best_of > 1:
            self._check_best_of(options)
        for scene_id in [*(options.only or []), *options.regen]:
            self._check_scene(scene_id)
        if options.cut:
            self.project.cut(options.cut)
        settings = settings_from_env()
        settings.concurrency = options.concurrency
        return name, options, settings

    @staticmethod
    def _check_best_of(options: BuildOptions) -> None:
        """``--best-of`` judges takes by their scores: it needs scoring, installed and on."""
        from ._scoring.native import load_stack

        if not options.score:
            raise UsageError("--best-of chooses takes by their scores: drop --no-score")
        load_stack()  # ScoringUnavailable (how to install it) without the extra

    def best_of_estimate(
        self, best_of: int, provider: str | None = None, cut: str | None = None
    ) -> BestOfEstimate:
        """The most ``build --best-of best_of`` may add to a build's estimate (a cut's)."""
        from ._bestof import extra_takes_cost
        from ._scores import stored_scores

        name = self.provider_for_reading(provider)
        planner = Planner(self.project, self.existing_store, self.lock, name)
        plan = planner.plan(cut)
        graph = self.project.graph
        wanted = graph.with_upstream(self.project.cut(cut))
        targets = [scene for scene in graph.order() if scene in wanted]
        scores = stored_scores(self.existing_store)
        return extra_takes_cost(plan, planner, self.lock, targets, best_of, scores, {})

    async def _build_locked(
        self,
        name: str,
        options: BuildOptions,
        settings: ProviderSettings,
        reporter: Reporter | None,
    ) -> BuildResult:
        from ._engine import Engine

        self.lock = LockFile(self.project.root)  # may have changed
        made = provider_on_demand(
            name, self.project.cache_dir, settings, self.store, key_salt=self.store.key_salt()
        )
        engine = Engine(self.project, self.store, self.lock, made, settings, options, reporter)
        try:
            return await engine.run()
        finally:
            await made.aclose()

    def regen_targets(self, scene_id: str) -> set[str]:
        """The scene and every scene downstream of it: what ``regen`` makes again (for a
        generated image: it, the images edited from it, and the scenes that mention them)."""
        from ._engine import scenes_downstream

        self._check_scene(scene_id)
        if scene_id in self.project.generated:
            images = {scene_id, *self.project.edits_of(scene_id)}
            mentioning = [s.id for s in self.project.scenes.values() if images & set(s.generated)]
            return images | scenes_downstream(self.project, mentioning)
        below = scenes_downstream(self.project, [split_node_id(scene_id)[0]])
        return {scene_id, *below} - ({split_node_id(scene_id)[0]} if "." in scene_id else set())

    # -- exporting -------------------------------------------------------------------

    def export(
        self,
        provider: str | None = None,
        cut: str | None = None,
        destination: Path | None = None,
        fmt: str = "mp4",
        partial: bool = False,
        force: bool = False,
    ) -> ExportResult:
        """Write a cut as a film (``mp4``) or a timeline (``otio``, ``fcpxml``, ``edl``, ``srt``).

        Never generates: raises :class:`~storyboard._errors.MissingClips` when a
        scene has no clip, unless ``partial`` puts a slate in its place. Refuses
        to overwrite a file storyboard did not write unless ``force``.
        """
        from ._films import export as export_cut

        plan = self.plan(provider, cut)
        target = self.output_path(plan.cut, destination, fmt, force)
        made = export_cut(
            self.project, plan, self.existing_store, destination=target, fmt=fmt, partial=partial
        )
        self.outputs.remember([made.path, *made.sidecars])
        return made

    def output_path(
        self, cut: str | None, destination: Path | None, fmt: str = "mp4", force: bool = False
    ) -> Path:
        """Where an export goes; raise OutputRefused where it would destroy someone's file."""
        from ._films import default_destination, files_written

        default = default_destination(self.project, self.project.cut_name(cut), fmt)
        target = self.outputs.destination(destination, default)
        for path in files_written(target, fmt):
            self.outputs.check(path, force=force, own_name=destination is None)
        return target

    def _check_scene(self, scene_id: str) -> None:
        """A scene id, a step's (``launch.2``) or a generated image's (``eileen``) that the
        story has; else a UsageError."""
        if scene_id in self.project.generated:
            return
        scene, number = split_node_id(scene_id)
        if scene in self.project.scenes and number != 0:
            steps = len(self.project.scenes[scene].steps)
            if 1 <= number <= steps:
                return
            raise UsageError(
                f'scene "{scene}" has {steps} step(s): its ids are '
                + ", ".join(self.project.scenes[scene].node_ids)
            )
        if scene_id not in self.project.scenes:
            known = [*self.project.scenes, *self.project.generated]
            close = difflib.get_close_matches(scene_id, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            if scene_id in self.project.assets:
                raise UsageError(
                    f'"{scene_id}" has an image of its own, not one generated from words: '
                    "replace the file to change it"
                )
            raise UsageError(f'no scene or generated image "{scene_id}" in story.yaml{hint}')


def _built(plan: Plan) -> bool:
    """Whether any scene of the plan has a selected take (that scores could be of)."""
    return any(scene_plan.take is not None for scene_plan in plan.all_scenes.values())


def _scene_flags(score: ClipScore | None, selves: list[SelfScore]) -> list[str] | None:
    """A take's flags with its ``drift``; None when it was never scored."""
    if score is None:
        return None
    from ._scores import scene_flags

    return scene_flags(score, selves)


def _frames(plan: Plan) -> dict[str, str]:
    """What a take is scored against besides pictures: each scene's chosen last frame and
    each generated picture's chosen image."""
    return {s: p.frame for s, p in plan.all_scenes.items() if p.frame} | {
        target: image.take.clip for target, image in plan.images.items() if image.take
    }


def relative(path: Path) -> str:
    """A path as a writer would type it from here."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
