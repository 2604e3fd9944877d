"""Compiling a scene into a video request: mentions become `<IMAGE_n>`.

Distinct mentions are numbered in the order they first appear; each is
replaced by ``<IMAGE_k>`` (a repeat reuses its k), and the references list
the images in that order. The scene's mode follows from what it uses, and
the model's limits (:mod:`storyboard._limits`) are checked here, each mistake
at its place in `story.yaml`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from ._errors import Problem
from ._fitting import Shape, differs, fit_words, ratio_shape
from ._format import NAME_PATTERN, Scene, Step, Story
from ._generated import GeneratedImage, target_of
from ._images import CheckedImage
from ._limits import MODELS, ModelLimits, RevisionLimits
from ._loader import PathKey, Positions
from ._mentions import Mention, Piece, mentions_in, split_mentions
from ._request import RequestImage, SceneRequest
from ._vocabulary import Fit, Mode, RevisionMode

WRITTEN_IMAGE_TAG = re.compile(r"<\s*image_\s*\d+\s*>", re.IGNORECASE)
"""A reference tag typed by the writer: only the compiler may write these."""
_NAME = re.compile(NAME_PATTERN)
STEP_SEPARATOR = "."
"""A step's id is its scene's id, this, and its number from 1: ``launch.2``."""
DEFAULT_ADDED_SECONDS = 6
"""What an ``extend`` step adds when it says nothing (xAI's own default)."""


def step_id(scene_id: str, number: int) -> str:
    """The id of step ``number`` (from 1) of a scene; step 0 is the scene's generation."""
    return f"{scene_id}{STEP_SEPARATOR}{number}" if number else scene_id


def split_node_id(node_id: str) -> tuple[str, int]:
    """``launch.2`` -> ``("launch", 2)``; a plain scene id is step 0."""
    scene_id, _, number = node_id.partition(STEP_SEPARATOR)
    return scene_id, int(number) if number.isdigit() else (-1 if number else 0)


@dataclass(frozen=True)
class AssetEntry:
    """An asset as the compiler sees it: its kind and its checked images."""

    name: str
    kind: str
    image: CheckedImage | None
    looks: Mapping[str, CheckedImage | None]
    description: str | None = None
    broken: bool = False
    """Its definition has a shape mistake (reported already): mentions of it say nothing."""
    generated: Mapping[str, GeneratedImage] = field(default_factory=dict)
    """Its images made from words, by look (``""`` for its own image)."""


@dataclass(frozen=True)
class Reference:
    """Image k of a request: an asset (or one of its looks) or another scene's last frame."""

    index: int
    mention: str
    kind: str
    image: CheckedImage | None = None
    scene: str | None = None
    generated: str | None = None
    """The target of a generated image (``eileen``, ``eileen:flight-suit``)."""

    @property
    def request_kind(self) -> str:
        """The kind a request records: a generated image says so, for "why stale"."""
        return f"generated {self.kind}" if self.generated else self.kind

    @property
    def source(self) -> str | None:
        return self.image.source if self.image else None

    @cached_property
    def asset_image(self) -> RequestImage | None:
        """What a request sends for an asset's picture, made once for every scene that
        mentions it as image k; None for a frame or a generated image (known when
        planned) and for a broken picture."""
        if self.scene is not None or self.generated is not None or self.image is None:
            return None
        return RequestImage(self.image.sha256, self.mention, self.request_kind)


@dataclass(frozen=True)
class StartFrame:
    """The first frame of an image-to-video scene: another scene's last frame or an image.

    ``shape`` is what it is expected to be: the image's size, or the aspect ratio of the
    scene it comes from; None for an image behind a URL, which is sent as it is.
    """

    scene: str | None = None
    image: CheckedImage | None = None
    shape: Shape | None = None


@dataclass(frozen=True)
class CompiledStep:
    """One revision of a scene's clip: step ``number`` (from 1) edits or extends the clip
    of the step before it (the generation for step 1)."""

    number: int
    mode: RevisionMode
    prompt: str
    seconds: int
    """An extension's added seconds; an edit's length (it keeps its input's)."""
    input_seconds: int

    @property
    def output_seconds(self) -> int:
        return self.input_seconds + self.seconds if self.mode == "extend" else self.seconds


@dataclass(frozen=True)
class CompiledScene:
    """Everything needed to ask for a scene's clip, except the bytes of upstream frames."""

    id: str
    position: int
    title: str | None
    mode: Mode
    model: str
    prompt: str
    duration: int
    aspect_ratio: str
    resolution: str
    references: tuple[Reference, ...]
    start: StartFrame | None
    caption: str | None
    depends_on: tuple[str, ...]
    fit: Fit = "crop"
    """How a start frame of another shape is fitted (the writer's `fit`)."""

    @property
    def start_fitting(self) -> str | None:
        """What fitting will do to the start frame, in words; None when nothing."""
        if self.start is None:
            return None
        if self.start.shape is None:
            return (
                "start image behind a URL: sent as it is, so xAI stretches it to "
                f"{self.aspect_ratio} if its shape differs (use a local file to have it fitted)"
            )
        return fit_words(self.start.shape, self.aspect_ratio, self.fit)

    @property
    def generated(self) -> tuple[str, ...]:
        """The generated images this scene mentions, by target."""
        return tuple(dict.fromkeys(ref.generated for ref in self.references if ref.generated))

    @property
    def waits_for(self) -> tuple[str, ...]:
        """What must have a chosen take before this scene's key is known."""
        return (*self.depends_on, *self.generated)

    @property
    def fits_start(self) -> bool:
        """Whether the start frame is expected to need fitting (so ``fit`` is in the key)."""
        shape = self.start.shape if self.start is not None else None
        return shape is not None and differs(shape, self.aspect_ratio)

    steps: tuple[CompiledStep, ...] = ()

    @property
    def final_seconds(self) -> int:
        """How long the scene's clip (its last step's) is meant to be."""
        return self.node_seconds(len(self.steps))

    def node_seconds(self, number: int) -> int:
        """How long the clip of node ``number`` is meant to be: 0 the generation, then
        each step's (an extension's input and what it adds)."""
        return self.steps[number - 1].output_seconds if number else self.duration

    @property
    def node_ids(self) -> list[str]:
        """The generation's id (the scene's) and each step's, in order."""
        return [step_id(self.id, number) for number in range(len(self.steps) + 1)]

    def step_request(self, step: CompiledStep, source_clip: str) -> SceneRequest:
        """What a step asks for, given the content hash of the clip it revises."""
        before = step_id(self.id, step.number - 1)
        return SceneRequest(
            mode=step.mode,
            model=self.model,
            prompt=step.prompt,
            references=(),
            start=None,
            duration=step.seconds,
            aspect_ratio=self.aspect_ratio,
            resolution=self.resolution,
            label=step_id(self.id, step.number),
            source=RequestImage(source_clip, before, "clip"),
            source_seconds=step.input_seconds,
        )

    def request(self, frames: Mapping[str, str]) -> SceneRequest | None:
        """What this scene asks for, or None while an upstream scene has no chosen frame.

        ``frames`` maps scene ids to the sha256 of their chosen take's last frame.
        """
        references = []
        for reference in self.references:
            image = reference.asset_image
            if image is None:
                sha = _image_hash(reference.scene or reference.generated, reference.image, frames)
                if sha is None:
                    return None
                image = RequestImage(sha, reference.mention, reference.request_kind)
            references.append(image)
        start = None
        if self.start is not None:
            sha = _image_hash(self.start.scene, self.start.image, frames)
            if sha is None:
                return None
            start = RequestImage(
                sha, self.start.scene or "", "scene" if self.start.scene else "image"
            )
        return SceneRequest(
            mode=self.mode,
            model=self.model,
            prompt=self.prompt,
            references=tuple(references),
            start=start,
            duration=self.duration,
            aspect_ratio=self.aspect_ratio,
            resolution=self.resolution,
            fit=self.fit if self.fits_start else "crop",
            label=self.id,
        )


def _occurrence(pieces: list[Piece], position: int, text: str) -> int:
    """How many mentions before ``position`` are written ``text`` (the mention's place in
    `story.yaml` is found by counting them); asked only when a mention is reported."""
    return sum(isinstance(piece, Mention) and piece.text == text for piece in pieces[:position])


def _image_hash(
    scene: str | None, image: CheckedImage | None, frames: Mapping[str, str]
) -> str | None:
    """The hash of another scene's chosen last frame (or a generated image's chosen take),
    or of a checked image."""
    if scene is not None:
        return frames.get(scene)
    return image.sha256 if image else None


ImageResolver = Callable[[str, PathKey], CheckedImage | None]
"""Checks an image source; reports a problem at the path and returns None when it is bad."""


@dataclass
class SceneCompiler:
    """Compiles the scenes of one story, collecting every problem."""

    story: Story
    positions: Positions
    assets: Mapping[str, AssetEntry]
    resolve_image: ImageResolver
    names_lost: bool = False
    """Some names were lost to shape mistakes, so an unknown name is not reported."""

    def __post_init__(self) -> None:
        self.scenes_by_id = {scene.id: scene for scene in reversed(self.story.scenes)}
        self.scene_ids = set(self.scenes_by_id)
        self.problems: list[Problem] = []
        self._resolved: dict[str, Reference | None] = {}
        """What each mention's text resolves to, once it resolved without a problem."""
        self._numbered: dict[tuple[str, int], Reference] = {}
        """Each resolved mention as reference image k (from 1)."""

    def compile(self, position: int, scene: Scene) -> CompiledScene | None:
        path: PathKey = ("scenes", position)
        before = len(self.problems)
        model_name = scene.model or self.story.defaults.model
        limits = self._model(model_name, path, scene)
        prompt_text = (scene.prompt or "").strip()
        if not prompt_text and scene.start is None:
            self._report(
                (*path, "prompt") if scene.prompt is not None else path,
                f'scene "{scene.id}" has no prompt: say what happens, or give it a `start`',
            )
        self._refuse_written_tags(prompt_text, (*path, "prompt"))
        prompt, references = self._compile_prompt(prompt_text, (*path, "prompt"), limits)
        start = self._start(scene, path) if scene.start is not None else None
        if scene.start is not None and references:
            self._report(
                (*path, "start"),
                f'scene "{scene.id}" starts from a frame, so its prompt cannot mention images '
                "(image-to-video takes no references): remove the mentions or the `start`",
            )
        if scene.fit is not None and scene.start is None:
            self._report(
                (*path, "fit"),
                f'scene "{scene.id}" has no `start`, so `fit` has nothing to fit: remove it '
                "(it says how a start frame of another shape is fitted)",
            )
        # the mode follows from what the writer wrote, even where an image is broken,
        # so that the limits checked are the scene's own
        mode: Mode = "image" if scene.start is not None else "reference" if references else "text"
        settings = self._settings(scene, path, mode, limits)
        broken = (scene.start is not None and start is None) or any(
            ref.scene is None and ref.image is None and ref.generated is None for ref in references
        )
        if len(self.problems) > before or settings is None or broken:
            return None
        duration, aspect_ratio, resolution = settings
        steps = self._steps(scene, path, limits, duration, resolution)
        if steps is None:
            return None
        depends_on = [ref.scene for ref in references if ref.scene]
        if start is not None and start.scene:
            depends_on.append(start.scene)
        return CompiledScene(
            id=scene.id,
            position=position,
            title=scene.title,
            mode=mode,
            model=model_name,
            prompt=prompt,
            duration=duration,
            aspect_ratio=aspect_ratio,
            resolution=resolution,
            references=tuple(references),
            start=start,
            caption=scene.caption,
            depends_on=tuple(dict.fromkeys(depends_on)),
            fit=scene.fit or self.story.defaults.fit,
            steps=steps,
        )

    def _steps(
        self,
        scene: Scene,
        path: PathKey,
        limits: ModelLimits | None,
        duration: int,
        resolution: str,
    ) -> tuple[CompiledStep, ...] | None:
        """The scene's revision steps, each checked against the clip it starts from."""
        if not scene.steps:
            return ()
        before = len(self.problems)
        revisions = limits.revisions if limits else None
        if limits is not None and revisions is None:
            able = " or ".join(name for name, m in MODELS.items() if m.revisions)
            self._report(
                self._setting_path(scene, path)("model"),
                f'model "{limits.name}" cannot edit or extend clips, so scene "{scene.id}" '
                f"cannot have `steps`: revisions need {able}",
            )
        elif revisions is not None and resolution not in revisions.resolutions:
            self._report(
                self._setting_path(scene, path)("resolution"),
                f'scene "{scene.id}" has `steps`, and edits and extensions make at most '
                f"{revisions.resolutions[-1]}: use {' or '.join(revisions.resolutions)}",
            )
        steps: list[CompiledStep] = []
        seconds = duration
        for index, step in enumerate(scene.steps):
            compiled = self._step(scene.id, (*path, "steps", index), index + 1, step, seconds)
            if compiled is None:
                continue
            if revisions is not None:
                self._check_step(compiled, (*path, "steps", index), revisions)
            steps.append(compiled)
            seconds = compiled.output_seconds
        return tuple(steps) if len(self.problems) == before else None

    def _step(
        self, scene_id: str, path: PathKey, number: int, step: Step, input_seconds: int
    ) -> CompiledStep | None:
        name = f'step {number} of scene "{scene_id}"'
        if (step.edit is None) == (step.extend is None):
            self._report(
                path,
                f'{name} needs one of `edit: "what to change"` and '
                '`extend: "what happens next"`' + (", not both" if step.edit else ""),
            )
            return None
        mode: RevisionMode = "edit" if step.edit is not None else "extend"
        prompt = (step.edit if step.edit is not None else step.extend or "").strip()
        if not prompt:
            self._report((*path, mode), f"{name} says nothing: write what the {mode} should do")
            return None
        if mode == "edit" and step.seconds is not None:
            self._report(
                (*path, "seconds"),
                f"{name} is an edit, which keeps the clip's length: `seconds` is for `extend`",
            )
            return None
        before = len(self.problems)
        self._refuse_written_tags(prompt, (*path, mode))
        for mention in mentions_in(prompt):
            self.problems.append(
                self.positions.problem_at_mention(
                    (*path, mode),
                    mention.text,
                    0,
                    f"{name} cannot use images ({mention.text}): an {mode} only takes the "
                    "clip before it; write @@ for a literal @",
                )
            )
        if len(self.problems) > before:
            return None
        text = "".join(piece for piece in split_mentions(prompt) if isinstance(piece, str))
        seconds = input_seconds if mode == "edit" else step.seconds or DEFAULT_ADDED_SECONDS
        return CompiledStep(number, mode, text, seconds, input_seconds)

    def _check_step(self, step: CompiledStep, path: PathKey, limits: RevisionLimits) -> None:
        """The documented limits of an edit or extension, on the clip the step starts from."""
        name = f"step {step.number}"
        if step.mode == "edit" and step.input_seconds > limits.edit_max_input:
            self._report(
                (*path, "edit"),
                f"{name} edits a clip of {step.input_seconds} s, but an edit takes at most "
                f"{limits.edit_max_input:g} s: edit a shorter clip (edit before extending)",
            )
            return
        if step.mode != "extend":
            return
        low, high = limits.extend_input
        if not low <= step.input_seconds <= high:
            self._report(
                (*path, "extend"),
                f"{name} extends a clip of {step.input_seconds} s, but an extension starts "
                f"from {low:g} to {high:g} s of video",
            )
        least, most = limits.extend_added
        if not least <= step.seconds <= most:
            where = (*path, "seconds") if (*path, "seconds") in self.positions.places else path
            self._report(
                where,
                f"{name} adds {step.seconds} s, but an extension adds {least} to {most} s",
            )

    def _report(self, path: PathKey, message: str) -> None:
        self.problems.append(self.positions.problem(path, message))

    def _report_mention(
        self, path: PathKey, mention: Mention, occurrence: int, message: str
    ) -> None:
        self.problems.append(
            self.positions.problem_at_mention(path, mention.text, occurrence, message)
        )

    def _model(self, name: str, path: PathKey, scene: Scene) -> ModelLimits | None:
        limits = MODELS.get(name)
        if limits is None:
            where = (*path, "model") if scene.model else ("defaults", "model")
            known = ", ".join(MODELS)
            self._report(
                where, f'unknown model "{name}"{_suggest(name, MODELS)}; known models: {known}'
            )
        return limits

    def _refuse_written_tags(self, prompt: str, path: PathKey) -> None:
        """xAI reads ``<IMAGE_n>`` as a reference image, so the writer may not type one."""
        seen: dict[str, int] = {}
        for match in WRITTEN_IMAGE_TAG.finditer(prompt):
            text = match.group(0)
            occurrence = seen.get(text, 0)
            seen[text] = occurrence + 1
            line, column = self.positions.find(path, text, occurrence)
            message = (
                f"{text} would be read by xAI as a reference image; mention an asset "
                "with @name instead (storyboard numbers the images itself)"
            )
            self.problems.append(Problem(self.positions.file, line, column, message))

    def _compile_prompt(
        self, prompt: str, path: PathKey, limits: ModelLimits | None
    ) -> tuple[str, list[Reference]]:
        base = limits.image_index_base if limits else 1
        max_references = limits.max_references if limits else 7
        numbers: dict[str, int] = {}
        references: list[Reference] = []
        parts: list[str] = []
        pieces = split_mentions(prompt)
        for position, piece in enumerate(pieces):
            if isinstance(piece, str):
                parts.append(piece)
                continue
            if piece.text in self._resolved:
                reference = self._resolved[piece.text]
            else:
                reference = self._resolve_once(
                    piece, path, _occurrence(pieces, position, piece.text)
                )
            if reference is None:
                parts.append(piece.text)
                continue
            number = numbers.get(reference.mention)
            if number is None:
                if len(references) == max_references:
                    self._report_mention(
                        path,
                        piece,
                        _occurrence(pieces, position, piece.text),
                        f"@{piece.target} would be reference image {len(references) + 1}, "
                        f"but a scene can use at most {max_references}: mention fewer assets",
                    )
                    parts.append(piece.text)
                    continue
                number = numbers[reference.mention] = len(references) + base
                references.append(
                    self._numbered_reference(piece.text, reference, len(references) + 1)
                )
            parts.append(f"<IMAGE_{number}>")
        return "".join(parts), references

    def _resolve_once(self, mention: Mention, path: PathKey, occurrence: int) -> Reference | None:
        """What a mention refers to, remembered when it resolved without a problem: the same
        text resolves the same in every scene, so each is resolved once per story."""
        before = len(self.problems)
        reference = self._resolve_mention(mention, path, occurrence)
        if len(self.problems) == before:
            self._resolved[mention.text] = reference
        return reference

    def _numbered_reference(self, text: str, reference: Reference, index: int) -> Reference:
        numbered = self._numbered.get((text, index))
        if numbered is None:
            numbered = self._numbered[text, index] = replace(reference, index=index)
        return numbered

    def _resolve_mention(
        self, mention: Mention, path: PathKey, occurrence: int
    ) -> Reference | None:
        if not _NAME.match(mention.name):
            lower = mention.name.lower()
            self._report_mention(
                path, mention, occurrence, f"@{mention.name}: names are lowercase (write @{lower})"
            )
            return None
        asset = self.assets.get(mention.name)
        if asset is not None:
            return self._asset_reference(asset, mention, path, occurrence)
        if mention.name in self.scene_ids:
            if mention.look:
                self._report_mention(
                    path,
                    mention,
                    occurrence,
                    f'scene "{mention.name}" has no looks (only assets do): for the scene '
                    f"itself write @{{{mention.name}}} instead of {mention.text}",
                )
                return None
            return Reference(index=0, mention=mention.name, kind="scene", scene=mention.name)
        if self.names_lost:
            return None
        known = [*self.assets, *self.scene_ids]
        self._report_mention(
            path,
            mention,
            occurrence,
            f"@{mention.name} is not an asset or a scene{_suggest(mention.name, known, '@')}"
            "; write @@ for a literal @",
        )
        return None

    def _asset_reference(
        self, asset: AssetEntry, mention: Mention, path: PathKey, occurrence: int
    ) -> Reference | None:
        if asset.broken:
            return None
        if mention.look is None:
            image = asset.image
        elif mention.look in asset.looks:
            image = asset.looks[mention.look]
        else:
            looks = ", ".join(asset.looks) or "none"
            self._report_mention(
                path,
                mention,
                occurrence,
                f'"{asset.name}" has no look "{mention.look}"'
                f"{_suggest(mention.look, asset.looks)}; its looks: {looks}",
            )
            return None
        made = asset.generated.get(mention.look or "")
        # image is None when it was refused (reported where it is defined) or is generated
        return Reference(
            index=0,
            mention=mention.target,
            kind=asset.kind,
            image=image,
            generated=target_of(asset.name, mention.look) if made else None,
        )

    def _start(self, scene: Scene, path: PathKey) -> StartFrame | None:
        start = scene.start or ""
        start_path = (*path, "start")
        if start in self.scene_ids:
            upstream = self.scenes_by_id[start]
            ratio = upstream.aspect_ratio or self.story.defaults.aspect_ratio
            return StartFrame(scene=start, shape=ratio_shape(ratio))
        if _NAME.fullmatch(start) and "." not in start:
            self._report(
                start_path,
                f"`start: {start}` is not a scene{_suggest(start, self.scene_ids)}; "
                "give a scene id or an image path",
            )
            return None
        image = self.resolve_image(start, start_path)
        if image is None:
            return None
        shape = (image.width, image.height) if image.width and image.height else None
        return StartFrame(image=image, shape=shape)

    def _settings(
        self, scene: Scene, path: PathKey, mode: Mode, limits: ModelLimits | None
    ) -> tuple[int, str, str] | None:
        defaults = self.story.defaults
        duration = scene.duration or defaults.duration
        aspect_ratio = scene.aspect_ratio or defaults.aspect_ratio
        resolution = scene.resolution or defaults.resolution
        if limits is None:
            return None
        where = self._setting_path(scene, path)
        mode_limits = limits.modes.get(mode)
        if mode_limits is None:
            self._report(
                where("model"),
                f'model "{limits.name}" cannot make scene "{scene.id}": '
                f"{_MODE_WORDS[mode]} needs {_models_for(mode)}",
            )
            return None
        ok = True
        if not mode_limits.min_duration <= duration <= mode_limits.max_duration:
            self._report(
                where("duration"),
                f"duration {duration} s is too "
                f"{'short' if duration < mode_limits.min_duration else 'long'} "
                f'for scene "{scene.id}": {_MODE_WORDS[mode]} lasts '
                f"{mode_limits.min_duration} to {mode_limits.max_duration} s",
            )
            ok = False
        if resolution not in mode_limits.resolutions:
            self._report(
                where("resolution"),
                f'resolution {resolution} is not available for scene "{scene.id}": '
                f"{_MODE_WORDS[mode]} can use {' or '.join(mode_limits.resolutions)}",
            )
            ok = False
        if aspect_ratio not in limits.aspect_ratios:
            self._report(
                where("aspect_ratio"),
                f'aspect ratio "{aspect_ratio}" is not available for scene "{scene.id}" '
                f'with model "{limits.name}": use one of ' + ", ".join(limits.aspect_ratios),
            )
            ok = False
        return (duration, aspect_ratio, resolution) if ok else None

    def _setting_path(self, scene: Scene, path: PathKey) -> Callable[[str], PathKey]:
        """Where a setting was written: in the scene, else in `defaults`, else the scene itself."""

        def where(name: str) -> PathKey:
            if name in scene.written:
                return (*path, name)
            if ("defaults", name) in self.positions.places:
                return ("defaults", name)
            return path

        return where


_MODE_WORDS: dict[Mode, str] = {
    "reference": "a scene that mentions images (reference-to-video)",
    "image": "a scene with a `start` (image-to-video)",
    "text": "a text-to-video scene",
}


def _models_for(mode: Mode) -> str:
    return " or ".join(name for name, limits in MODELS.items() if mode in limits.modes)


def _suggest(name: str, known: Iterable[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""
