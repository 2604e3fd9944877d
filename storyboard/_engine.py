"""Building: every scene that needs a clip gets one, in graph order, in parallel.

Each scene waits for the scenes it needs, computes its key from their chosen
frames, and either finds a take in the cache or asks the provider for one,
with at most ``concurrency`` jobs in flight. A job is recorded before it is
submitted and its request id as soon as it is known, so a build that dies at
any moment is resumed by the next one: jobs already paid for are polled,
never sent again. The engine knows nothing of HTTP.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

from ._bestof import best_of_words, extra_takes_cost, merit, passes
from ._compiler import CompiledScene, CompiledStep, split_node_id, step_id
from ._errors import (
    AmbiguousSubmission,
    ApiError,
    BudgetExceeded,
    JobTimeout,
    JobUnknown,
    MediaError,
    ProviderError,
    RequestRefused,
    StoreError,
    StoryboardError,
    VideoGone,
)
from ._fitting import fitted_copy
from ._generated import GeneratedImage
from ._imageask import ImageAsk
from ._images import PREPARED_DIR, CheckedImage
from ._jobrecords import JobRecorder
from ._limits import check_price_overrides, max_clip_bytes, reserve_cost
from ._lockfile import LockFile, Selection
from ._media import extract_last_frame
from ._plan import Planner
from ._project import Project
from ._providers.base import (
    Blocked,
    Done,
    Expired,
    Failed,
    ImageInput,
    JobState,
    Provider,
    ProviderSettings,
    VideoRequest,
)
from ._providers.polling import wait_for_job
from ._providers.registry import ProviderSpec
from ._recovery import take_from_lock
from ._request import RequestImage, SceneRequest
from ._scores import score_job, scoring_installed, stored_scores
from ._scoreworker import BackgroundScorer, worker_count
from ._scoring.records import ClipScore
from ._store import Job, NewJob, Snapshot, Store, Take
from ._work import ImageWork, Work

LOCK_SAVE_INTERVAL = 1.0
"""Seconds at least between two writes of storyboard.lock during a build (and one at its
end): a build of hundreds of scenes does not rewrite the file hundreds of times. A build
killed in between loses nothing, since the cache remembers every choice."""
LOCK_SAVE_SHARE = 0.1
"""The most of a build's time that writing storyboard.lock may take: after a write of
``t`` seconds the next waits ``t / LOCK_SAVE_SHARE`` at least."""
DOWNLOADS_AT_ONCE = 2
"""Finished jobs whose videos are fetched and stored at once. Jobs sent together end
together; fetched all at once, their downloads hold the event loop just when the next
jobs are to be sent and the rest of the wave polled. Two at a time leave it to them and
fetch the rest while the new jobs run (P13: 9.1 s against 9.5 s with every download at
once). A download's time is bounded by STORYBOARD_JOB_TIMEOUT, so a slow one only delays
those behind it."""

Outcome = Literal["cached", "generated", "failed", "refused", "skipped", "ambiguous"]
RESUBMIT_ADVICE = "run `storyboard build --resubmit` to send it again"


class Reporter(Protocol):
    """Told what happens to each scene; the CLI draws it."""

    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None: ...

    def message(self, text: str) -> None: ...


class SilentReporter:
    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None:
        return None

    def message(self, text: str) -> None:
        return None


@dataclass(frozen=True)
class SceneResult:
    """What a build did for one scene, and why when it made nothing."""

    scene_id: str
    outcome: Outcome
    message: str = ""
    take: Take | None = None


@dataclass
class BuildResult:
    """Every scene's result, and what this build spent (as the API reported it)."""

    results: dict[str, SceneResult] = field(default_factory=dict)
    spent_usd: float = 0.0
    scores: dict[str, ClipScore] = field(default_factory=dict)
    """The consistency score of each new take, by scene (when scoring is installed)."""
    unscored: dict[str, str] = field(default_factory=dict)
    """New takes that could not be scored, by scene, and why."""

    @property
    def ok(self) -> bool:
        """Whether every scene has a clip (cached or generated)."""
        return all(r.outcome in {"cached", "generated"} for r in self.results.values())

    def by_outcome(self, *outcomes: Outcome) -> list[SceneResult]:
        """The scenes whose outcome is one of ``outcomes``."""
        return [r for r in self.results.values() if r.outcome in outcomes]


@dataclass
class BuildOptions:
    """What to build: ``only`` these scenes (and what they need) or a ``cut``; new takes
    of the ``regen`` scenes; at most ``max_cost`` USD; ``resubmit`` ambiguous jobs;
    ``score`` each new take as it arrives (when the scoring extra is installed); with
    ``best_of`` over 1, more takes of a scene whose take fails its checks (_bestof.py)."""

    concurrency: int = 4
    only: list[str] | None = None
    cut: str | None = None
    regen: set[str] = field(default_factory=set)
    max_cost: float | None = None
    resubmit: bool = False
    score: bool = True
    best_of: int = 1


Chain = list[tuple[str, Take]]
"""A scene's clips in order, by node id: its generation's take, then each step's."""


@dataclass
class _Node:
    """One clip of a scene's chain: its generation (``number`` 0) or a revision step; the
    :class:`~storyboard._work.Work` of the job that makes it."""

    scene: CompiledScene
    number: int
    request: SceneRequest
    key: str
    build: Callable[[_Node], VideoRequest]
    """What the provider is handed for this node (the engine places its images)."""
    _video: VideoRequest | None = None

    is_image = False

    @property
    def scored_against_something(self) -> bool:
        """Whether its take's score needs the scoring models: a scene that mentions nothing
        and starts from nothing has an empty score."""
        return bool(self.scene.references) or self.scene.start is not None

    @property
    def id(self) -> str:
        return step_id(self.scene.id, self.number)

    @property
    def owner(self) -> str:
        return self.scene.id

    @property
    def refusal_words(self) -> str:
        """Which step a refusal is of, for a scene's message; nothing for its generation."""
        return f"step {self.number} ({self.request.mode}): " if self.number else ""

    @property
    def label(self) -> str:
        return f"{self.id} {self.request.mode}" if self.number else ""

    def estimate(self, spec: ProviderSpec) -> float:
        return spec.estimate(self.request)

    def reserve(self, spec: ProviderSpec) -> float:
        """Never less than the table's price."""
        if not spec.costs_money:
            return 0.0
        request = self.request
        return reserve_cost(
            request.model, request.resolution, request.output_seconds, request.source_seconds
        )

    async def prepare(self, provider: Provider, take: int) -> None:
        # Off the event loop: placing its images may encode them (0.1-0.3 s each).
        video = await asyncio.to_thread(self.build, self)
        self._video = replace(video, take=take)
        await provider.prepare(self._video)

    async def send(self, provider: Provider, idempotency_key: str | None) -> str:
        assert self._video is not None, "prepared first"
        return await provider.submit(self._video, idempotency_key)

    async def poll(self, provider: Provider, request_id: str) -> JobState:
        return await provider.poll(request_id)

    async def fetch(self, provider: Provider, done: Done, store: Store, job_id: int) -> str:
        destination = store.download_path(job_id)
        request = self.request
        duration = done.duration or float(request.output_seconds)
        cap = max_clip_bytes(request.aspect_ratio, request.resolution, duration)
        try:
            await provider.fetch(done, destination, duration, cap)
            return await asyncio.to_thread(store.adopt_clip, destination)  # hash, fsync, rename
        finally:
            destination.unlink(missing_ok=True)


class _Slot:
    """One of a build's ``--concurrency`` places for a job at the API, held by one scene's
    work: taken before a job is prepared and sent, given back when the API says the job
    ended (its video downloads outside it), taken again for a resubmission."""

    def __init__(self, places: asyncio.Semaphore) -> None:
        self._places = places
        self._held = False

    async def take(self) -> None:
        if not self._held:
            await self._places.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._places.release()


class _Expired(Exception):
    """A finished job's video is gone before it was downloaded: worth one resubmission."""


class _SceneFailed(Exception):
    def __init__(self, outcome: Outcome, message: str) -> None:
        self.outcome = outcome
        super().__init__(message)


class Engine:
    """One build of one project with one provider."""

    def __init__(
        self,
        project: Project,
        store: Store,
        lock: LockFile,
        provider: Provider,
        settings: ProviderSettings,
        options: BuildOptions,
        reporter: Reporter | None = None,
    ) -> None:
        self.project = project
        self.store = store
        self.lock = lock
        self.provider = provider
        self.settings = settings
        self.options = options
        self.reporter = reporter or SilentReporter()
        self.planner = Planner(project, store, lock, provider.name)
        self.spec = self.planner.spec
        self.frames: dict[str, str] = {}
        self.result = BuildResult()
        self.jobs = JobRecorder(store)
        self._scores_wanted = False
        """Whether a node whose take is scored against something was met (see _submit)."""
        self._slots = asyncio.Semaphore(max(1, options.concurrency))
        self._download_turns = asyncio.Semaphore(DOWNLOADS_AT_ONCE)
        self._committed_usd = 0.0
        self._spent_at_start = store.spent_usd(provider.name)
        self._futures: dict[str, asyncio.Future[SceneResult]] = {}
        self._images_ready: dict[str, asyncio.Future[None]] = {}
        """The generated images this build makes or finds, by target: done once each has
        its take (or has none); only the scenes that mention one wait for it."""
        self._elsewhere: dict[str, Provider | None] = {}
        """The same account at the API bases earlier jobs went to, made when needed."""
        self._next_lock_save = 0.0
        self._regen_from = {
            split_node_id(node)[0]: split_node_id(node)[1] for node in options.regen
        }
        """Per scene to remake, the step from which (0: its generation); see :meth:`run`."""
        self.scoring = (
            BackgroundScorer(
                store,
                workers=worker_count(self.spec.renders_here),
                workers_at_end=worker_count(renders_here=False),  # the renders are over
            )
            if options.score and scoring_installed()
            else None
        )

    @property
    def cache(self) -> Snapshot:
        cache = self.planner.cache
        assert cache is not None, "the planner reads the store"
        return cache

    def targets(self) -> list[str]:
        """The scenes this build covers, in graph order."""
        graph = self.project.graph
        if self.options.only:
            named = [split_node_id(node)[0] for node in self.options.only]
            wanted = graph.with_upstream([s for s in named if s in self.project.scenes])
        elif self.options.cut:
            wanted = graph.with_upstream(self.project.cut(self.options.cut))
        else:
            wanted = set(self.project.scenes)
        wanted |= set(self._regen_from)
        return [scene for scene in graph.order() if scene in wanted]

    def estimate(self) -> float:
        """What this build would cost if every job succeeds once."""
        if not self.spec.costs_money:
            return 0.0
        plan = self.planner.plan()
        targets = set(self.targets())
        wanted = {*targets, *self._images_wanted(list(targets))}
        states = {s: (p.state, p.estimated_cost_usd) for s, p in plan.all_scenes.items()}
        states |= {t: (p.state, p.estimated_cost_usd) for t, p in plan.images.items()}
        return round(
            sum(
                cost
                for node_id, (state, cost) in states.items()
                if node_id in wanted and (state != "cached" or node_id in self._regen_from)
            ),
            4,
        )

    def _check_estimate(self, cap: float) -> None:
        """Stop before spending when the build may cost more than ``cap``: with
        ``--best-of``, every take it may try counts."""
        estimate = self.estimate()
        best_of = self.options.best_of
        extra = None
        if best_of > 1 and self.spec.costs_money:
            plan = self.planner.plan()
            stored = stored_scores(self.store)
            extra = extra_takes_cost(
                plan, self.planner, self.lock, self.targets(), best_of, stored, self._regen_from
            )
        most = estimate + (extra.cost_usd if extra else 0.0)
        if most > cap + 1e-9:
            how = f" ({best_of_words(best_of, extra)})" if extra else ""
            raise BudgetExceeded(
                f"this build would cost about ${estimate:.2f}{how}, more than --max-cost "
                f"${cap:.2f}; nothing was sent"
            )

    async def run(self) -> BuildResult:
        check_price_overrides()
        self._regen_from_first_change()
        if self.options.max_cost is not None:
            self._check_estimate(self.options.max_cost)
        self.store.clean_downloads()
        targets = self.targets()
        loop = asyncio.get_running_loop()
        images = self._images_to_build(targets)
        self._images_ready = {image.target: loop.create_future() for image in images}
        self._futures = {scene_id: loop.create_future() for scene_id in targets}
        for image in images:
            self.reporter.scene(f"@{image.target}", "queued")
        for scene_id in targets:
            self.reporter.scene(scene_id, "queued")
        tasks = [asyncio.create_task(self._run_image(image)) for image in images]
        tasks += [asyncio.create_task(self._run_scene(scene_id)) for scene_id in targets]
        try:
            await asyncio.gather(*tasks)
            if self.scoring is not None:
                await self.scoring.finish()
                self.result.scores = dict(self.scoring.scores)
                self.result.unscored = dict(self.scoring.problems)
        finally:
            for task in tasks:
                task.cancel()
            if self.scoring is not None:
                self.scoring.stop()
            self.lock.save(self.project.node_ids)
            for other in self._elsewhere.values():
                if other is not None:
                    await other.aclose()
        spent = self.store.spent_usd(self.provider.name) - self._spent_at_start
        self.result.spent_usd = round(spent, 4)
        return self.result

    def _regen_from_first_change(self) -> None:
        """``regen launch`` remakes the scene from its first step that is not cached (a
        changed step), or its generation when every step is; ``regen launch.2`` from step 2."""
        named = {scene for scene, number in self._regen_from.items() if number == 0}
        if not named:
            return
        plans = self.planner.plan().all_scenes
        for scene_id in named & set(plans):
            nodes = plans[scene_id].nodes
            changed = [node.number for node in nodes if node.state != "cached"]
            self._regen_from[scene_id] = changed[0] if changed and len(nodes) > 1 else 0

    async def _run_scene(self, scene_id: str) -> None:
        future = self._futures[scene_id]
        try:
            result = await self._scene(self.project.scenes[scene_id])
        except _SceneFailed as failure:
            result = SceneResult(scene_id, failure.outcome, str(failure))
        except StoryboardError as error:  # e.g. a clip ffmpeg cannot read: this scene only
            result = SceneResult(scene_id, "failed", str(error))
        self.result.results[scene_id] = result
        self.reporter.scene(scene_id, result.outcome, result.message)
        future.set_result(result)

    async def _scene(self, scene: CompiledScene) -> SceneResult:
        for upstream in scene.depends_on:
            if upstream not in self._futures:
                continue
            before = await asyncio.shield(self._futures[upstream])
            if before.outcome not in {"cached", "generated"}:
                raise _SceneFailed("skipped", f"@{upstream} has no clip ({before.outcome})")
        await self._images_for(scene.generated)
        request = scene.request(self.frames)
        if request is None:
            missing = next(s for s in scene.waits_for if s not in self.frames)
            what = "image" if missing in self.project.generated else "clip"
            raise _SceneFailed("skipped", f"@{missing} has no {what}")
        node = _Node(scene, 0, request, self.spec.key(request), self._video_request)
        chain, generated = await self._chain(scene, node, self._regen_from.get(scene.id))
        tried = ""
        if self._tries_more(chain):
            chain, tried = await self._best_of(scene, node, chain)
            generated = generated or bool(tried)
        take = chain[-1][1]
        if self.project.graph.needed_by_others(scene.id):
            self.frames[scene.id] = await self._frame_of(take.clip)
        if generated and self.scoring is not None:
            job = score_job(self.project, self.store, scene, take.clip, self.frames)
            self.scoring.submit(scene.id, job)
        if generated:
            return SceneResult(scene.id, "generated", _take_words(scene, take) + tried, take)
        return SceneResult(
            scene.id, "cached", f"{_take_words(scene, take)}, reused at no cost", take
        )

    # -- generated reference images ---------------------------------------------

    def _images_to_build(self, scene_ids: list[str]) -> list[GeneratedImage]:
        """Every generated image (with ``--only`` or a cut: those these scenes mention, and
        each image those edit), to find in the cache or make beside the scenes: a scene
        waits only for the images it mentions, an edit of a generated image for that."""
        needed = self._images_wanted(scene_ids)
        return [image for target, image in self.project.generated.items() if target in needed]

    async def _images_for(self, targets: Iterable[str]) -> None:
        """Wait until each of these generated images has its take, or has none."""
        for target in targets:
            ready = self._images_ready.get(target)
            if ready is not None:
                await asyncio.shield(ready)

    def _images_wanted(self, scene_ids: list[str]) -> set[str]:
        """Every generated image for a whole build; else those the scenes mention (and the
        images those edit), and those named by ``--only`` or regen."""
        if not self.options.only and not self.options.cut:
            return set(self.project.generated)
        named = {*self._regen_from, *(self.options.only or [])}
        return {*self.planner.images_needed(scene_ids), *named} & set(self.project.generated)

    async def _run_image(self, image: GeneratedImage) -> None:
        owner = f"@{image.target}"
        await self._images_for([image.source_target] if image.source_target else [])
        try:
            take, made = await self._image_of(image)
            words = f"take {take.take}" if made else f"take {take.take}, reused at no cost"
            result = SceneResult(owner, "generated" if made else "cached", words, take)
        except _SceneFailed as failure:
            result = SceneResult(owner, failure.outcome, str(failure))
        except StoryboardError as error:
            result = SceneResult(owner, "failed", str(error))
        self.result.results[owner] = result
        self.reporter.scene(owner, result.outcome, result.message)
        self._images_ready[image.target].set_result(None)

    async def _image_of(self, image: GeneratedImage) -> tuple[Take, bool]:
        """The image's chosen take, from the cache or made now (then True)."""
        ask = image.request(self.frames)
        if ask is None:
            raise _SceneFailed("skipped", f"@{image.source_target} has no image to edit")
        edited = await asyncio.to_thread(self._edited_image, image, ask)  # may encode it
        work = ImageWork(image, ask, self.spec.image_key(ask), edited)
        self.cache.remember_inputs(work.key, self.spec.image_record(ask))
        made = False
        take = None
        if image.target not in self._regen_from:
            take = self.planner.chosen_take(work.id, work.key) or take_from_lock(
                self.store, self.lock, self.provider.name, work.id, work.key
            )
        if take is None:
            take, made = await self._generate(work), True
        await self._choose(work.id, take)
        self.frames[image.target] = take.clip
        return take, made

    def _edited_image(self, image: GeneratedImage, ask: ImageAsk) -> ImageInput | None:
        """The prepared image an edit changes: the asset's file or its generated image."""
        if ask.source is None:
            return None
        checked = image.source or self._generated_image(ask.source)
        path = self.project.images.prepare(checked)
        if path is None:
            return ImageInput(sha256=ask.source, label=image.target, url=checked.source)
        return ImageInput(sha256=ask.source, label=image.target, path=path)

    def _generated_image(self, sha256: str) -> CheckedImage:
        """A generated image in the cache, checked like a writer's (and prepared from it)."""
        relative = self.store.image_path(sha256).relative_to(self.project.root)
        return self.project.images.check(relative.as_posix())

    def _step_node(self, scene: CompiledScene, step: CompiledStep, source_clip: str) -> _Node:
        request = scene.step_request(step, source_clip)
        return _Node(scene, step.number, request, self.spec.key(request), self._video_request)

    async def _chain(
        self, scene: CompiledScene, first: _Node, fresh_from: int | None
    ) -> tuple[Chain, bool]:
        """The scene's clips, each from the cache or made now, a new take made from step
        ``fresh_from`` (0: the generation; None: none); and whether any was made."""
        take, generated = await self._clip_of(first, fresh_from == 0)
        chain = [(first.id, take)]
        for step in scene.steps:
            node = self._step_node(scene, step, take.clip)
            take, made = await self._clip_of(node, fresh_from == step.number)
            chain.append((node.id, take))
            generated = generated or made
        return chain, generated

    # -- best of N takes (storyboard/_bestof.py) ----------------------------------

    def _tries_more(self, chain: Chain) -> bool:
        """Whether ``--best-of`` may try this scene again: never over the writer's choice."""
        if self.options.best_of <= 1 or self.scoring is None:
            return False
        name = self.provider.name
        return not any(self.lock.chosen_by_writer(name, node, t.key) for node, t in chain)

    async def _best_of(self, scene: CompiledScene, first: _Node, chain: Chain) -> tuple[Chain, str]:
        """More takes while none passes its checks, up to ``best_of`` takes of the remade
        node's key (with regen: ``best_of`` made now); the best-scoring one selected.
        Returns the selected chain and, when it tried again, words saying so."""
        assert self.scoring is not None
        fresh_from = self._regen_from.get(scene.id, 0)
        remade_key = chain[fresh_from][1].key
        score = await self._score_of(scene, chain[-1][1].clip)
        tries = [(chain, score)]
        stopped = ""
        while score is not None and not passes(score):
            made = len(tries) if scene.id in self._regen_from else len(self.store.takes(remade_key))
            if made >= self.options.best_of:
                break
            failed = f"{_take_words(scene, chain[-1][1])}: {', '.join(score.all_flags())}"
            self.reporter.scene(scene.id, "retaking", failed)
            try:
                chain, _ = await self._chain(scene, first, fresh_from)
            except _SceneFailed as failure:
                stopped = f"; stopped trying ({failure})"
                break
            score = await self._score_of(scene, chain[-1][1].clip)
            tries.append((chain, score))
        if len(tries) == 1 and not stopped:
            return chain, ""
        best, score = max(tries, key=lambda tried: merit(tried[1]))
        if best is not tries[-1][0]:
            for node_id, take in best:
                await self._choose(node_id, take)
        verdict = "passed its checks" if passes(score) else "the best-scoring, none passed"
        return best, f", best of {len(tries)} tries ({verdict}){stopped}"

    async def _score_of(self, scene: CompiledScene, clip: str) -> ClipScore | None:
        """A take's score, worked out now in the build's scoring worker (None if it cannot be)."""
        assert self.scoring is not None
        self.reporter.scene(scene.id, "scoring")
        job = score_job(self.project, self.store, scene, clip, self.frames)
        return await self.scoring.score(scene.id, job)

    async def _clip_of(self, node: _Node, fresh: bool = False) -> tuple[Take, bool]:
        """The node's chosen take, from the cache or made now (then True); ``fresh``: made now."""
        self.cache.remember_inputs(node.key, self.spec.record(node.request))
        if not fresh:
            take = self.planner.chosen_take(node.id, node.key) or take_from_lock(
                self.store, self.lock, self.provider.name, node.id, node.key
            )
            if take is not None:
                await self._choose(node.id, take)
                return take, False
        if self.scoring is not None and node.scored_against_something:
            self._scores_wanted = True
        take = await self._generate(node)
        await self._choose(node.id, take)
        return take, True

    async def _choose(self, scene_id: str, take: Take) -> None:
        """Make a take the node's chosen one (a scene's generation or one of its steps)."""
        current = self.lock.get(self.provider.name, scene_id)
        chosen = Selection(take.take, take.key, take.clip)
        if current != chosen:
            self.store.select(take.key, take.take)
            self.cache.selections[take.key] = take.take
            self.lock.set(self.provider.name, scene_id, chosen)
            clock = asyncio.get_running_loop().time
            started = clock()
            if started >= self._next_lock_save:
                self.lock.save(self.project.node_ids)
                spent = clock() - started
                self._next_lock_save = clock() + max(LOCK_SAVE_INTERVAL, spent / LOCK_SAVE_SHARE)

    async def _frame_of(self, clip: str) -> str:
        """A clip's last frame, extracted once, off the event loop."""
        known = self.cache.known_frame(clip)
        if known is not None:
            return known
        scratch = self.store.frame_scratch_path(clip)
        await asyncio.to_thread(extract_last_frame, self.store.clip_path(clip), scratch)
        frame = self.store.remember_frame(clip, scratch)
        self.cache.frames[clip] = frame
        self.cache.frame_files.add(frame)
        return frame

    # -- one scene's jobs -------------------------------------------------------

    async def _generate(self, work: Work) -> Take:
        """A new take of ``work``, holding a place among the build's ``--concurrency`` while
        it has a job at the API (from preparing it to the answer that it ended)."""
        slot = _Slot(self._slots)
        try:
            await slot.take()
            resumed, idempotency_key = await self._resume(work, slot)
            if resumed is not None:
                return resumed
            await slot.take()
            try:
                await work.prepare(self.provider, self.store.next_take(work.key))
            except ProviderError as error:
                raise _SceneFailed("failed", f"could not prepare the request: {error}") from error
            resubmitted = False
            while True:
                await slot.take()
                attempt_cost = work.reserve(self.spec)
                self._check_budget(attempt_cost)
                self._committed_usd += attempt_cost
                job = NewJob(
                    work.key,
                    work.id,
                    self.provider.name,
                    2 if resubmitted else 1,
                    account=(self.provider.api_base, self.provider.key_fingerprint),
                    idempotency_key=idempotency_key,
                )
                idempotency_key = None  # an automatic resubmission is a new job
                try:
                    job_id = await self.jobs.record(job)
                    request_id = await self._submit(work, job_id)
                    outcome = await self._follow(work, job_id, request_id, self.provider, slot)
                finally:
                    self._committed_usd -= attempt_cost
                if isinstance(outcome, Take):
                    return outcome
                if resubmitted:
                    raise _SceneFailed(
                        "failed", f"{outcome}; it failed again after one resubmission"
                    )
                resubmitted = True
                self.reporter.scene(work.owner, "resubmitting", _detail(work, outcome))
        finally:
            slot.give_back()

    async def _resume(self, work: Work, slot: _Slot) -> tuple[Take | None, str | None]:
        """Finish jobs an earlier build sent; refuse to resend an ambiguous one blindly.

        Returns a take, or the ``Idempotency-Key`` a resubmission reuses (an
        API that honours it answers with the job the lost create made).
        """
        reuse: str | None = None
        for job in self.store.open_jobs(work.key, self.provider.name):
            where = self._provider_for(job)
            if job.status == "submitted" and job.request_id:
                if where is None and not self.options.resubmit:
                    raise _SceneFailed("failed", _elsewhere_message(job))
                if where is not None:
                    self.reporter.scene(
                        work.owner, "resuming", _detail(work, f"job {job.request_id}")
                    )
                    await slot.take()
                    outcome = await self._follow(work, job.id, job.request_id, where, slot)
                    if isinstance(outcome, Take):
                        return outcome, None
                    continue
            if not self.spec.costs_money or self.options.resubmit:
                self.store.update_job(job.id, status="abandoned")
                reuse = job.idempotency_key if where is self.provider else None
                continue
            self.store.update_job(job.id, status="ambiguous")
            self._record_estimate(job.id, work)
            raise _SceneFailed(
                "ambiguous",
                "an earlier request's answer was lost, so a paid job may exist and it is not "
                f"resent; {RESUBMIT_ADVICE}",
            )
        return None, reuse

    def _provider_for(self, job: Job) -> Provider | None:
        """The provider that reaches the account a job was sent to, or None if none can."""
        current = self.provider
        if not job.api_base and not job.key_fingerprint:
            return current  # recorded before jobs named their account
        if job.key_fingerprint != current.key_fingerprint:
            return None
        if job.api_base == current.api_base:
            return current
        base = job.api_base or ""
        if base not in self._elsewhere:
            self._elsewhere[base] = current.at(base)
        return self._elsewhere[base]

    async def _submit(self, work: Work, job_id: int) -> str:
        job = self.store.job(job_id)
        try:
            request_id = await work.send(self.provider, job.idempotency_key)
        except ApiError as error:
            self.store.update_job(
                job_id,
                status="rejected",
                error_code=str(error.status),
                error_message=error.api_message,
            )
            raise _SceneFailed("failed", str(error)) from error
        except RequestRefused as error:
            self.store.update_job(job_id, status="rejected", error_message=error.reason)
            raise _SceneFailed("failed", str(error)) from error
        except AmbiguousSubmission as error:
            self.store.update_job(job_id, status="ambiguous", error_message=str(error))
            self._record_estimate(job_id, work)
            raise _SceneFailed("ambiguous", f"{error}; {RESUBMIT_ADVICE}") from error
        except ProviderError as error:
            # Neither accepted nor ambiguous: the provider knows the request never left.
            self.store.update_job(job_id, status="unsent", error_message=str(error))
            raise _SceneFailed("failed", f"the request could not be sent: {error}") from error
        self.store.update_job(job_id, status="submitted", request_id=request_id)
        self.reporter.scene(work.owner, "submitted", _detail(work, f"job {request_id}"))
        if self._scores_wanted and self.scoring is not None:
            # The scoring worker loads its models while the jobs run, started only once a
            # job is sent: starting it beside the build's own start delayed the first send.
            self.scoring.warm()
        return request_id

    async def _follow(
        self, work: Work, job_id: int, request_id: str, where: Provider, slot: _Slot
    ) -> Take | str:
        """Poll a submitted job to its end; a Take, or why it is worth one resubmission.
        Its place among the jobs in flight is given back as soon as it ended: the next
        job is sent while this one's video downloads."""

        def progress(percent: int | None) -> None:
            self.reporter.scene(work.owner, "running", work.label, percent)

        async def poll(request_id: str) -> JobState:
            return await work.poll(where, request_id)

        try:
            ended = where.ended(request_id)
            state = await wait_for_job(poll, request_id, self.settings, progress, ended)
        except JobUnknown:
            self.store.update_job(
                job_id, status="lost", error_message="the provider forgot the job"
            )
            self._record_estimate(job_id, work)
            return "the provider no longer knows the job"
        except JobTimeout as error:
            raise _SceneFailed("failed", str(error)) from error
        except ProviderError as error:
            raise _SceneFailed(
                "failed",
                f"lost touch with the job ({error}); it stays recorded and the next build "
                "resumes it",
            ) from error
        finally:
            slot.give_back()
        if isinstance(state, Done):
            self._record_cost(job_id, work, state.cost_usd)
            async with self._download_turns:
                return await self._download_fresh(work, job_id, request_id, state, where)
        if isinstance(state, Blocked):
            self.store.update_job(job_id, status="blocked", error_message=state.message)
            self._record_cost(job_id, work, state.cost_usd)
            raise _SceneFailed(
                "refused", f"{work.refusal_words}{state.message} (billed; not retried)"
            )
        if isinstance(state, Expired):
            self.store.update_job(job_id, status="expired", error_message="the job expired")
            self._record_estimate(job_id, work)
            return "the job expired"
        assert isinstance(state, Failed)
        self.store.update_job(
            job_id, status="failed", error_code=state.code, error_message=state.message
        )
        self._record_cost(job_id, work, state.cost_usd)
        if state.code in {"internal_error", "service_unavailable"}:
            return f"generation failed ({state.code}): {state.message}"
        raise _SceneFailed("refused", f"{work.refusal_words}{state.message} ({state.code})")

    async def _download_fresh(
        self,
        work: Work,
        job_id: int,
        request_id: str,
        done: Done,
        where: Provider,
    ) -> Take | str:
        """Download; a link that answers 403/404/410 is polled once for a fresh one first."""
        try:
            return await self._download(work, job_id, done, where)
        except _Expired:
            pass
        try:
            fresh = await work.poll(where, request_id)
        except ProviderError:
            fresh = None
        try:
            if isinstance(fresh, Done):
                return await self._download(work, job_id, fresh, where)
        except _Expired:
            pass
        message = "the finished video could not be fetched any more (its link is gone)"
        self.store.update_job(job_id, status="expired", error_message=message)
        return message

    async def _download(self, work: Work, job_id: int, done: Done, where: Provider) -> Take:
        self.reporter.scene(work.owner, "downloading", work.label)
        try:
            made = await work.fetch(where, done, self.store, job_id)
        except VideoGone as error:
            raise _Expired(str(error)) from error
        except (ProviderError, MediaError, StoreError, OSError) as error:
            what = "image" if work.is_image else "clip"
            raise _SceneFailed(
                "failed",
                f"{work.refusal_words}the {what} could not be saved ({error}); the job is paid "
                "and recorded, so the next build downloads it again",
            ) from error
        cost = self.store.job(job_id).cost_usd
        take = self.store.add_take(work.key, work.id, self.provider.name, made, cost or 0.0, job_id)
        self.cache.add(take, image=work.is_image)
        return take

    # -- money ------------------------------------------------------------------

    def _record_cost(self, job_id: int, work: Work, reported: float | None) -> None:
        """What the API says the job cost, or the estimate (marked as one) when it says nothing."""
        if reported is None:
            self._record_estimate(job_id, work)
        else:
            self.store.update_job(job_id, cost_usd=reported, cost_estimated=0)

    def _record_estimate(self, job_id: int, work: Work) -> None:
        """A job that may have billed without saying how much counts its estimate."""
        estimate = work.estimate(self.spec)
        self.store.update_job(job_id, cost_usd=estimate, cost_estimated=1)

    def _check_budget(self, attempt_cost: float) -> None:
        cap = self.options.max_cost
        if cap is None:
            return
        spent = self.store.spent_usd(self.provider.name) - self._spent_at_start
        if spent + self._committed_usd + attempt_cost > cap + 1e-9:
            raise _SceneFailed(
                "skipped",
                f"the spend would pass --max-cost ${cap:.2f} (spent ${spent:.2f})",
            )

    # -- requests ---------------------------------------------------------------

    def _video_request(self, node: _Node) -> VideoRequest:
        """What the provider is handed: the request, and where each of its images (and a
        revision's input clip) is."""
        scene = node.scene
        checked = {ref.image.sha256: ref.image for ref in scene.references if ref.image}
        for ref in node.request.references:
            if ref.kind.startswith("generated "):
                checked[ref.sha256] = self._generated_image(ref.sha256)
        if scene.start is not None and scene.start.image is not None:
            checked[scene.start.image.sha256] = scene.start.image

        def place(image: RequestImage) -> Path | str:
            if image.kind == "clip":
                return self.store.clip_path(image.sha256)
            found = checked.get(image.sha256) if image.kind != "scene" else None
            if found is None:
                return self.store.frame_path(image.sha256)
            return self.project.images.prepare(found) or found.source

        video = VideoRequest.of(node.request, place)
        start = video.start_image
        if start is None or start.path is None:
            return video
        path, sha256 = fitted_copy(
            start.path, scene.aspect_ratio, scene.fit, self.project.cache_dir / PREPARED_DIR
        )
        fitted = ImageInput(sha256=sha256, label=start.label, path=path)
        return dataclasses.replace(video, start_image=fitted)


def _take_words(scene: CompiledScene, take: Take) -> str:
    """``take 2``, or for a scene with steps whose step the take is: ``launch.2 take 1``."""
    return (
        f"{step_id(scene.id, len(scene.steps))} take {take.take}"
        if scene.steps
        else f"take {take.take}"
    )


def _detail(work: Work, text: str) -> str:
    """A progress line's detail, after what the job makes when that is not the scene's
    generation: ``launch.2 extend, job 7f3c``."""
    return f"{work.label}, {text}" if work.label else text


def _elsewhere_message(job: Job) -> str:
    return (
        f"job {job.request_id} was sent to {job.api_base} with the key whose fingerprint is "
        f"{job.key_fingerprint}; it is paid for and not resent. Build again with "
        f"XAI_BASE_URL={job.api_base} and the key that sent it to fetch it, or with "
        "--resubmit to make it again here"
    )


def scenes_downstream(project: Project, scene_ids: Iterable[str]) -> set[str]:
    """The scenes named and everything below them: what a regen remakes."""
    result: set[str] = set()
    for scene_id in scene_ids:
        result |= {scene_id, *project.graph.downstream(scene_id)}
    return result
