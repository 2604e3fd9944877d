"""What a build would do: per scene its key, its state, why, and what it would cost.

Keys are computed in graph order, because a scene that mentions another
depends on the bytes of that scene's chosen last frame; while an upstream
scene has no clip, the keys below it are unknown. Nothing here writes: not
even a missing last frame goes into the cache (see :meth:`Planner._frame`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._compiler import CompiledScene, CompiledStep, step_id
from ._fileops import sha256_file
from ._fitting import shape_name
from ._gcpause import collector_paused
from ._generated import GeneratedImage
from ._imageask import ImageAsk, explain_image_change
from ._lockfile import LockFile
from ._media import extract_last_frame
from ._project import Project
from ._providers.registry import provider_spec
from ._request import Inputs, SceneRequest, explain_change
from ._store import Snapshot, Store, Take
from ._vocabulary import Mode

State = Literal["cached", "stale", "missing", "failed"]

STATE_MEANINGS: dict[State, str] = {
    "cached": "made before, reused at no cost",
    "stale": "changed since its clip was made",
    "missing": "no clip yet",
    "failed": "the last try failed",
}
"""Each state of a scene in a writer's words, printed where the state appears."""
IMAGE_STATE_MEANINGS: dict[State, str] = STATE_MEANINGS | {
    "stale": "changed since its picture was made",
    "missing": "no picture yet",
}
"""Each state of a generated picture in a writer's words."""


@dataclass
class NodePlan:
    """One clip of a scene's chain as things stand: its generation (``number`` 0) or a
    revision step (``launch.2``), each with its own key and takes."""

    id: str
    number: int
    mode: Mode
    prompt: str
    state: State
    reason: str
    key: str | None
    take: Take | None
    takes: list[Take] = field(default_factory=list)
    estimated_cost_usd: float = 0.0
    inputs: Inputs | None = None

    def as_dict(self) -> dict[str, Any]:
        """The step as ``storyboard plan --json`` prints it."""
        return {
            "id": self.id,
            "mode": self.mode,
            "prompt": self.prompt,
            "state": self.state,
            "reason": self.reason,
            "key": self.key,
            "take": self.take.take if self.take else None,
            "takes": len(self.takes),
            "estimated_cost_usd": self.estimated_cost_usd,
        }


@dataclass
class ImagePlan:
    """A generated reference image as things stand: its key, state, takes and price."""

    image: GeneratedImage
    state: State
    reason: str
    key: str | None
    take: Take | None
    takes: list[Take] = field(default_factory=list)
    estimated_cost_usd: float = 0.0
    inputs: Inputs | None = None

    number = 0
    """Not a revision step (``takes`` and ``use`` read it as they read a scene's)."""

    @property
    def id(self) -> str:
        """Its target: ``eileen``, or ``eileen:flight-suit`` for a look."""
        return self.image.target

    def as_dict(self) -> dict[str, Any]:
        """The image as ``storyboard plan --json`` prints it (under ``generated``)."""
        image = self.image
        return {
            "id": image.target,
            "kind": image.kind,
            "call": image.call,
            "prompt": image.prompt,
            "edits": image.source.source if image.source else image.source_target,
            "state": self.state,
            "reason": self.reason,
            "key": self.key,
            "take": self.take.take if self.take else None,
            "takes": len(self.takes),
            "image": self.take.clip if self.take else None,
            "estimated_cost_usd": self.estimated_cost_usd,
        }


@dataclass
class ScenePlan:
    """One scene as things stand."""

    scene: CompiledScene
    state: State
    reason: str
    inputs: Inputs | None
    key: str | None
    take: Take | None
    takes: list[Take] = field(default_factory=list)
    estimated_cost_usd: float = 0.0
    frame: str | None = None
    """sha256 of the chosen take's last frame."""
    nodes: list[NodePlan] = field(default_factory=list)
    """The scene's generation and each revision step; the fields above are the scene's
    as a whole: its clip is the last node's."""

    @property
    def id(self) -> str:
        """The scene's id."""
        return self.scene.id

    def as_dict(self, project: Project, frames: dict[str, str]) -> dict[str, Any]:
        """The scene as ``storyboard plan --json`` prints it."""
        scene = self.scene
        references = []
        for reference in scene.references:
            image = reference.image
            references.append(
                {
                    "index": reference.index,
                    "mention": reference.mention,
                    "kind": reference.kind,
                    "source": image.source if image else None,
                    "sha256": image.sha256
                    if image
                    else frames.get(reference.scene or reference.generated or ""),
                    "generated": reference.generated is not None,
                }
            )
        start: dict[str, Any] | None = None
        if scene.start is not None:
            if scene.start.scene:
                start = {"scene": scene.start.scene}
            elif scene.start.image:
                start = {"source": scene.start.image.source, "sha256": scene.start.image.sha256}
            shape = scene.start.shape
            start = {
                **(start or {}),
                "shape": shape_name(shape) if shape else None,
                "fit": scene.fit if scene.fits_start else None,
                "fitting": scene.start_fitting,
            }
        return {
            "id": scene.id,
            "title": scene.title,
            "mode": scene.mode,
            "state": self.state,
            "reason": self.reason,
            "model": scene.model,
            "duration": scene.duration,
            "aspect_ratio": scene.aspect_ratio,
            "resolution": scene.resolution,
            "prompt": scene.prompt,
            "references": references,
            "start": start,
            "depends_on": list(scene.depends_on),
            "key": self.key,
            "take": self.take.take if self.take else None,
            "takes": len(self.takes),
            "caption": scene.caption,
            "estimated_cost_usd": self.estimated_cost_usd,
            "steps": [node.as_dict() for node in self.nodes[1:]],
        }


@dataclass
class Plan:
    """A cut as things stand: each scene's state and what making the missing ones would cost."""

    title: str
    cut: str
    provider: str
    scenes: list[ScenePlan]
    """The cut's scenes, in play order."""
    all_scenes: dict[str, ScenePlan]
    """Every scene of the project, by id."""
    estimated_cost_usd: float
    frames: dict[str, str]
    images: dict[str, ImagePlan] = field(default_factory=dict)
    """Every generated reference image, by target, each after the image it edits."""

    def node(self, node_id: str) -> NodePlan | None:
        """A scene's generation or one of its steps, by id (``launch``, ``launch.2``)."""
        for scene_plan in self.all_scenes.values():
            for node in scene_plan.nodes:
                if node.id == node_id:
                    return node
        return None

    def as_dict(self, project: Project) -> dict[str, Any]:
        """The plan as ``storyboard plan --json`` prints it."""
        with collector_paused():
            return self._as_dict(project)

    def _as_dict(self, project: Project) -> dict[str, Any]:
        return {
            "title": self.title,
            "cut": self.cut,
            "provider": self.provider,
            "estimated_cost_usd": self.estimated_cost_usd,
            "generated": [image.as_dict() for image in self.images.values()],
            "scenes": [scene.as_dict(project, self.frames) for scene in self.scenes],
        }


class Planner:
    """Works out keys, chosen takes and states for one provider."""

    def __init__(
        self, project: Project, store: Store | None, lock: LockFile, provider: str
    ) -> None:
        self.project = project
        self.store = store
        self.lock = lock
        self.provider = provider
        self.spec = provider_spec(provider)
        self._cache: Snapshot | None = None

    @property
    def cache(self) -> Snapshot | None:
        """The store as last read (once per plan); None without a store."""
        if self._cache is None and self.store is not None:
            self._cache = self.store.snapshot(self.provider)
        return self._cache

    def chosen_take(self, scene_id: str, key: str) -> Take | None:
        """The lock's take when it is for this key; else the last one chosen for the key;
        else the newest."""
        takes = self.present_takes(key)
        if not takes or self.cache is None:
            return None
        by_number = {take.take: take for take in takes}
        selection = self.lock.get(self.provider, scene_id)
        if selection is not None and selection.key == key and selection.take in by_number:
            return by_number[selection.take]
        remembered = self.cache.selections.get(key)
        if remembered in by_number:
            return by_number[remembered]
        return takes[-1]

    def present_takes(self, key: str) -> list[Take]:
        """The takes of a key whose clip file is in the cache."""
        return self.cache.present_takes(key) if self.cache is not None else []

    def plan(self, cut: str | None = None) -> Plan:
        with collector_paused():
            return self._plan(cut)

    def _plan(self, cut: str | None) -> Plan:
        self._cache = None
        frames: dict[str, str] = {}
        images = self.image_plans(frames)
        plans: dict[str, ScenePlan] = {}
        for scene_id in self.project.graph.order():
            plan = self.scene_plan(self.project.scenes[scene_id], frames)
            plans[scene_id] = plan
            if plan.frame:
                frames[scene_id] = plan.frame
        cut_ids = self.project.cut(cut)
        needed = self.project.graph.with_upstream(cut_ids)
        cost = sum(plans[s].estimated_cost_usd for s in needed)
        wanted = self.images_needed(needed) if cut_ids != list(self.project.scenes) else images
        cost += sum(images[t].estimated_cost_usd for t in wanted)
        return Plan(
            title=self.project.title,
            cut=self.project.cut_name(cut),
            provider=self.provider,
            scenes=[plans[s] for s in cut_ids],
            all_scenes=plans,
            estimated_cost_usd=round(cost, 4),
            frames=frames,
            images=images,
        )

    def images_needed(self, scene_ids: Iterable[str]) -> list[str]:
        """The generated images these scenes mention and the images those edit, in order."""
        wanted = {t for s in scene_ids for t in self.project.scenes[s].generated}
        wanted |= {
            image.source_target
            for target, image in self.project.generated.items()
            if target in wanted and image.source_target
        }
        return [target for target in self.project.generated if target in wanted]

    def image_plans(self, frames: dict[str, str]) -> dict[str, ImagePlan]:
        """Every generated image's plan; ``frames`` gains each chosen image's hash."""
        plans: dict[str, ImagePlan] = {}
        for target, image in self.project.generated.items():
            plans[target] = plan = self.image_plan(image, frames)
            if plan.take is not None:
                frames[target] = plan.take.clip
        return plans

    def image_plan(self, image: GeneratedImage, frames: Mapping[str, str]) -> ImagePlan:
        ask = image.request(frames)
        if ask is None:
            state: State = "stale" if self._ever_generated(image.target) else "missing"
            source = self.project.generated[image.source_target or ""]
            reason = f"waits for @{source.target}'s {source.what}, which is not generated yet"
            cost = self.spec.estimate_image(ImageAsk(image.call, image.model, image.prompt, ""))
            return ImagePlan(image, state, reason, None, None, [], cost)
        inputs = self.spec.image_record(ask)
        key = self.spec.image_key(ask)
        takes = self.present_takes(key)
        take = self.chosen_take(image.target, key) if takes else None
        if take is not None:
            reason = f"take {take.take} of {len(takes)}"
            return ImagePlan(image, "cached", reason, key, take, takes, 0.0, inputs)
        state, reason = self._why_not_cached(image.target, key, inputs, explain_image_change)
        cost = self.spec.estimate_image(ask)
        return ImagePlan(image, state, reason, key, None, [], cost, inputs)

    def scene_plan(self, scene: CompiledScene, frames: dict[str, str]) -> ScenePlan:
        """The scene as a whole: its generation, then each step on the clip before it."""
        base = self._generation_plan(scene, frames)
        base.nodes = [_node_of(base, scene)]
        if not scene.steps:
            return base
        source = base.take.clip if base.take else None
        for step in scene.steps:
            node = self._step_plan(scene, step, source)
            base.nodes.append(node)
            source = node.take.clip if node.take else None
        return self._whole(scene, base)

    def _whole(self, scene: CompiledScene, plan: ScenePlan) -> ScenePlan:
        """A scene with steps: its clip is its last step's; it is cached when every step is."""
        last = plan.nodes[-1]
        waiting = [node for node in plan.nodes if node.state != "cached"]
        state, reason = plan.state, plan.reason
        if waiting and waiting[0].number:
            state, reason = waiting[0].state, f"step {waiting[0].number}: {waiting[0].reason}"
        elif not waiting and last.take is not None:
            reason = f"{len(plan.nodes) - 1} steps, {last.id} take {last.take.take}"
        frame = self._frame(scene.id, last.take) if last.take is not None else None
        return ScenePlan(
            scene,
            state,
            reason,
            last.inputs,
            last.key,
            last.take,
            last.takes,
            round(sum(node.estimated_cost_usd for node in waiting), 4),
            frame,
            plan.nodes,
        )

    def _step_plan(self, scene: CompiledScene, step: CompiledStep, source: str | None) -> NodePlan:
        node_id = step_id(scene.id, step.number)
        cost = self.spec.estimate(scene.step_request(step, ""))
        if source is None:
            state: State = "stale" if self._ever_generated(node_id) else "missing"
            before = step_id(scene.id, step.number - 1)
            reason = f"waits for {before}, which has no clip yet"
            return NodePlan(
                node_id, step.number, step.mode, step.prompt, state, reason, None, None, [], cost
            )
        request = scene.step_request(step, source)
        return self._node_plan(node_id, step.number, request, cost)

    def _node_plan(self, node_id: str, number: int, request: SceneRequest, cost: float) -> NodePlan:
        inputs = self.spec.record(request)
        key = self.spec.key(request)
        takes = self.present_takes(key)
        take = self.chosen_take(node_id, key) if takes else None
        mode, prompt = request.mode, request.prompt
        if take is not None:
            reason = f"take {take.take} of {len(takes)}"
            return NodePlan(
                node_id, number, mode, prompt, "cached", reason, key, take, takes, 0.0, inputs
            )
        state, reason = self._why_not_cached(node_id, key, inputs)
        return NodePlan(node_id, number, mode, prompt, state, reason, key, None, [], cost, inputs)

    def _generation_plan(self, scene: CompiledScene, frames: dict[str, str]) -> ScenePlan:
        request = scene.request(frames)
        if request is None:
            waiting = next(s for s in scene.waits_for if s not in frames)
            state: State = "stale" if self._ever_generated(scene.id) else "missing"
            made = self.project.generated.get(waiting)
            what = f"'s {made.what}, which is not generated" if made else ", which has no clip"
            return ScenePlan(
                scene,
                state,
                f"waits for @{waiting}{what} yet",
                None,
                None,
                None,
                [],
                self.price(scene),
            )
        cost = self.spec.estimate(request)
        inputs = self.spec.record(request)
        key = self.spec.key(request)
        takes = self.present_takes(key)
        take = self.chosen_take(scene.id, key) if takes else None
        if take is not None:
            frame = self._frame(scene.id, take) if not scene.steps else None
            reason = f"take {take.take} of {len(takes)}"
            return ScenePlan(scene, "cached", reason, inputs, key, take, takes, 0.0, frame)
        state, reason = self._why_not_cached(scene.id, key, inputs)
        return ScenePlan(scene, state, reason, inputs, key, None, [], cost)

    def price(self, scene: CompiledScene) -> float:
        """What a scene's request would cost; no price depends on the upstream frames."""
        request = scene.request(dict.fromkeys(scene.waits_for, ""))
        assert request is not None, "every upstream frame is given"
        return self.spec.estimate(request)

    def _frame(self, scene_id: str, take: Take) -> str | None:
        """The hash of the chosen take's last frame, when a scene below needs it.

        Builds extract frames only for scenes that others use; when the story changed
        since, the frame is hashed from a scratch copy and the cache is left as it is
        (the next build extracts it for good)."""
        assert self.store is not None and self.cache is not None
        frame = self.cache.known_frame(take.clip)
        if frame is None and self.project.graph.needed_by_others(scene_id):
            frame = _last_frame_hash(self.store.clip_path(take.clip))
        return frame

    def _ever_generated(self, scene_id: str) -> bool:
        return self.lock.get(self.provider, scene_id) is not None

    def _why_not_cached(
        self,
        scene_id: str,
        key: str,
        inputs: Inputs,
        explain: Callable[[Inputs, Inputs], str] = explain_change,
    ) -> tuple[State, str]:
        cache = self.cache
        if cache is not None and cache.takes.get(key):
            what = "image" if explain is explain_image_change else "clip"
            return "stale", f"the cached {what} file is missing; the next build makes it again"
        last_job = cache.last_jobs.get(key) if cache is not None else None
        if last_job is not None:
            found = _job_reason(last_job.status, last_job.error_message)
            if found is not None:
                return found
        selection = self.lock.get(self.provider, scene_id)
        if selection is None:
            return "missing", "never generated"
        previous = cache.inputs(selection.key) if cache is not None else None
        if previous is None:
            return "stale", (
                "storyboard.lock names a take this cache does not have "
                "(was .storyboard/ left behind?)"
            )
        return "stale", explain(previous, inputs)


def _node_of(plan: ScenePlan, scene: CompiledScene) -> NodePlan:
    """A scene's generation as a node of its chain."""
    return NodePlan(
        scene.id,
        0,
        scene.mode,
        scene.prompt,
        plan.state,
        plan.reason,
        plan.key,
        plan.take,
        plan.takes,
        plan.estimated_cost_usd,
        plan.inputs,
    )


def _last_frame_hash(clip: Path) -> str:
    """The sha256 of a clip's last frame, extracted outside the cache and thrown away."""
    with tempfile.TemporaryDirectory(prefix="storyboard-plan-") as scratch:
        frame = Path(scratch) / "last.png"
        extract_last_frame(clip, frame)
        return sha256_file(frame)


def _job_reason(status: str, message: str | None) -> tuple[State, str] | None:
    """What the last job for a key says about the scene, if anything."""
    if status in {"failed", "blocked", "expired", "rejected", "unsent", "lost"}:
        return "failed", f"previous attempt failed: {message or status}"
    if status == "submitted":
        return "missing", "a job is running or finished unseen: the next build collects it"
    if status in {"submitting", "ambiguous"}:
        return "failed", (
            "a request was sent but its answer was lost (a paid job may exist): "
            "`storyboard build --resubmit` sends it again"
        )
    return None
