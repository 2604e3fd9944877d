"""The board: a static HTML storyboard of a project, to open from disk and to share.

:func:`write_board` shows the film scene by scene, in film order: each
scene's state and why, its settings, its compiled prompt with every
``<IMAGE_k>`` a chip in the colour of the matching reference thumbnail, its
references (assets, other scenes' last frames, a start frame), its takes as
playable videos, and its caption; above them the totals and the scene graph.
This module gathers all that into cards and makes the media they point at;
:mod:`storyboard._boardpage` turns the cards into HTML. The page has no
script and fetches nothing; its style sheet is inlined::

    out/board/
      index.html
      thumbs/<sha256>.jpg          reference images and frames, at most 320 px
      thumbs/poster-<clip>.jpg     a frame from the middle of each take
      clips/<clip>.mp4             the takes shown, hard-linked from .storyboard/clips/

Clips are hard-linked (copied when the board is on another file system) rather
than linked by a relative path into ``.storyboard/``: the folder then stands
on its own, so it can be zipped, mailed or moved and still play, at no cost in
disk space. The cache never rewrites a clip (files are named by their
content), so a link cannot change under the page. Media no longer shown are
removed from the folder if an earlier board wrote them (its manifest says so,
see :mod:`storyboard._boardfolder`); media already there are not made again. An
``https://`` reference image is named, never fetched.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from ._boardfolder import BoardFolder
from ._boardpage import (
    CastCard,
    CastTake,
    Picture,
    RefCard,
    SceneCard,
    StepCard,
    TakeCard,
    render_page,
)
from ._boardscores import SceneConsistency, character_strips, gather
from ._compiler import CompiledScene, Reference
from ._errors import MediaError
from ._fileops import atomic_write, write_atomically
from ._images import CheckedImage, ImageLibrary, ImageProblem
from ._limits import MODELS
from ._media import run_ffmpeg
from ._plan import ImagePlan, Plan, ScenePlan
from ._project import Project
from ._store import Store, Take

if TYPE_CHECKING:
    from ._studio import Studio

__all__ = ["write_board"]

BOARD_DIR = "board"
PAGE = "index.html"
THUMBS = "thumbs"
CLIPS = "clips"
THUMB_SIDE = 320
"""The longest side of a reference thumbnail, in pixels."""
POSTER_SIDE = 640
"""The longest side of a take's poster frame, in pixels."""
JPEG_QUALITY = 82
POSTER_WORKERS = min(8, os.cpu_count() or 1)
"""Posters are made by ffmpeg, one process each, this many at a time."""


# -- gathering the cards ------------------------------------------------------------------------


def write_board(
    studio: Studio, output: Path | None = None, provider: str | None = None, force: bool = False
) -> Path:
    """Write the board of a project (by default to ``out/board/``); return its ``index.html``.

    Raise OutputRefused for a folder that holds the project or the cache, or that is not
    empty and not a board (unless ``force``)."""
    project = studio.project
    board_folder = BoardFolder.claim(
        output or project.out_dir / BOARD_DIR,
        project.root,
        project.cache_dir,
        default=output is None,
        force=force,
    )
    folder = board_folder.folder
    plan = studio.plan(provider)
    media = _Media(folder, studio.existing_store, project.images)
    shown = {
        scene_plan.id: _takes_shown(scene_plan, plan.provider, studio) for scene_plan in plan.scenes
    }
    media.make_posters(
        {
            each.take.clip: scene_plan.scene.final_seconds
            for scene_plan in plan.scenes
            for each in shown[scene_plan.id]
        }
        | {
            node.take.clip: scene_plan.scene.node_seconds(node.number)
            for scene_plan in plan.scenes
            if len(scene_plan.nodes) > 1
            for node in scene_plan.nodes
            if node.take is not None
        }
    )
    chosen = studio.chosen_scores(plan)
    consistency = gather(plan.scenes, chosen, studio.selves(chosen, plan.provider), media.crop)
    cards = [
        _scene_card(number, scene_plan, shown[scene_plan.id], plan, project, media, consistency)
        for number, scene_plan in enumerate(plan.scenes, start=1)
    ]
    pictures = {
        reference.name: reference.picture.src for card in cards for reference in card.references
    }
    strips = character_strips(plan.scenes, consistency, pictures)
    # studio.existing_store, not studio.store: reading must not create a cache.
    spent = studio.existing_store.spent_usd() if studio.existing_store is not None else 0.0
    cast = tuple(_cast_card(image, studio.existing_store, media) for image in plan.images.values())
    page = render_page(project, plan, cards, spent, cast, strips)
    target = folder / PAGE
    write_atomically(target, page)
    board_folder.remove_unused(media.used)
    board_folder.save_manifest([target, *media.used])
    return target


def _scene_card(
    number: int,
    scene_plan: ScenePlan,
    shown: list[_Shown],
    plan: Plan,
    project: Project,
    media: _Media,
    consistency: Mapping[str, SceneConsistency],
) -> SceneCard:
    scene = scene_plan.scene
    base = MODELS[scene.model].image_index_base if scene.model in MODELS else 1
    scored = consistency.get(scene.id)
    references = [_reference_card(ref, base, plan, project, media) for ref in scene.references]
    if scored is not None:
        references = [
            dataclasses.replace(card, likeness=scored.likeness.get(card.name))
            if card.number is not None
            else card
            for card in references
        ]
    if scene.start is not None:
        references.insert(0, _start_card(scene, plan, media))
    return SceneCard(
        number=number,
        plan=scene_plan,
        references=tuple(references),
        takes=tuple(_take_card(each, media, scene.final_seconds) for each in shown),
        notes=project.story.scenes[scene.position].notes,
        steps=_strip(scene_plan, media),
        consistency=scored,
    )


def _strip(scene_plan: ScenePlan, media: _Media) -> tuple[StepCard, ...]:
    """A scene with steps: its source clip, then each revision, each with its chosen take."""
    if len(scene_plan.nodes) < 2:
        return ()
    scene = scene_plan.scene
    return tuple(
        StepCard(
            id=node.id,
            mode=node.mode,
            instruction=node.prompt,
            state=node.state,
            clip=media.clip(node.take.clip) if node.take else None,
            poster=media.poster(node.take.clip, scene.node_seconds(node.number))
            if node.take
            else None,
        )
        for node in scene_plan.nodes
    )


def _reference_card(
    reference: Reference, base: int, plan: Plan, project: Project, media: _Media
) -> RefCard:
    number = reference.index - 1 + base
    if reference.scene is not None:
        return RefCard(
            number=number,
            name=reference.scene,
            kind="scene · last frame",
            picture=media.frame(plan.frames.get(reference.scene)),
            link=f"#scene-{reference.scene}",
        )
    asset_name, _, look = reference.mention.partition(":")
    asset = project.assets.get(asset_name)
    if reference.generated is not None:
        made = project.generated[reference.generated]
        return RefCard(
            number=number,
            name=reference.mention,
            kind=f"{reference.kind} · {'edited' if made.call == 'edit' else 'generated'}",
            picture=media.generated(plan.frames.get(reference.generated)),
            description=made.prompt,
            link=f"#cast-{reference.generated}",
        )
    return RefCard(
        number=number,
        name=reference.mention,
        kind=f"{reference.kind} · look" if look else reference.kind,
        picture=media.image(reference.image),
        description=asset.description if asset and not look else None,
    )


def _cast_card(image: ImagePlan, store: Store | None, media: _Media) -> CastCard:
    """A generated reference with every take of its current key, the chosen one marked."""
    made = image.image
    source = made.source.source if made.source else f"@{made.source_target}"
    how = "generated" if made.call == "generate" else f"edited from {source}"
    takes = store.takes(image.key) if store is not None and image.key else []
    chosen = image.take.take if image.take else None
    return CastCard(
        id=made.target,
        kind=made.kind,
        how=how,
        words=made.prompt,
        state=image.state,
        reason=image.reason,
        takes=tuple(
            CastTake(t.take, t.created_at, t.cost_usd, t.take == chosen, media.generated(t.clip))
            for t in takes
        ),
    )


def _start_card(scene: CompiledScene, plan: Plan, media: _Media) -> RefCard:
    start = scene.start
    assert start is not None
    if start.scene is not None:
        return RefCard(
            number=None,
            name=start.scene,
            kind="start frame · last frame of the scene",
            picture=media.frame(plan.frames.get(start.scene)),
            link=f"#scene-{start.scene}",
        )
    return RefCard(
        number=None,
        name=_source_name(start.image),
        kind="start frame · image",
        picture=media.image(start.image),
    )


def _source_name(image: CheckedImage | None) -> str:
    """How the board names an image file: its path or URL; a data URI is not spelt out."""
    if image is None:
        return ""
    return "embedded image" if image.kind == "data" else image.source


@dataclass(frozen=True)
class _Shown:
    """A take the board shows, and how."""

    take: Take
    selected: bool = False
    previous: bool = False


def _takes_shown(scene_plan: ScenePlan, provider: str, studio: Studio) -> list[_Shown]:
    """The takes of the current key, the selected one first; else the previous selection."""
    chosen = scene_plan.take.take if scene_plan.take else None
    if scene_plan.takes:
        takes = sorted(scene_plan.takes, key=lambda take: (take.take != chosen, take.take))
        return [_Shown(take, selected=take.take == chosen) for take in takes]
    previous = _previous_take(scene_plan.id, provider, studio)
    return [_Shown(previous, previous=True)] if previous is not None else []


def _take_card(shown: _Shown, media: _Media, duration: float) -> TakeCard:
    take = shown.take
    return TakeCard(
        number=take.take,
        created_at=take.created_at,
        cost_usd=take.cost_usd,
        selected=shown.selected,
        clip=media.clip(take.clip),
        poster=media.poster(take.clip, duration),
        previous=shown.previous,
    )


def _previous_take(scene_id: str, provider: str, studio: Studio) -> Take | None:
    """The take the lock file still names for a scene whose inputs have changed, if its clip
    is still there."""
    store = studio.existing_store
    selection = studio.lock.get(provider, scene_id)
    if selection is None or store is None or not store.clip_path(selection.clip).is_file():
        return None
    takes = {take.take: take for take in store.takes(selection.key)}
    return takes.get(selection.take)


# -- media beside the page ------------------------------------------------------


class _Media:
    """Makes thumbnails, posters and clip links in the board folder, once each.

    Every method returns a path relative to the page (or a placeholder), and
    remembers the file so that the board keeps it (and lists it in its manifest).
    """

    def __init__(self, folder: Path, store: Store | None, images: ImageLibrary) -> None:
        self.folder = folder
        self.store = store
        self.images = images
        self.used: set[Path] = set()
        self.posters: dict[str, str | None] = {}
        for name in (THUMBS, CLIPS):
            (folder / name).mkdir(parents=True, exist_ok=True)

    def image(self, image: CheckedImage | None) -> Picture:
        """The thumbnail of a reference image; a URL is shown as text, never fetched."""
        if image is None:
            return Picture(None, "no image")
        if image.kind == "url":
            return Picture(None, image.source)
        try:
            source = image.path or self.images.prepare(image)
        except ImageProblem as problem:
            return Picture(None, problem.message)
        if source is None:
            return Picture(None, image.source)
        return self._thumbnail(source, f"{image.sha256}.jpg", THUMB_SIDE)

    def generated(self, image: str | None) -> Picture:
        """The thumbnail of a generated reference image, by its sha256."""
        if image is None or self.store is None:
            return Picture(None, "not generated yet")
        return self._thumbnail(self.store.image_path(image), f"{image}.jpg", THUMB_SIDE)

    def frame(self, frame: str | None) -> Picture:
        """The thumbnail of a scene's last frame, by its sha256."""
        if frame is None or self.store is None:
            return Picture(None, "not generated yet")
        return self._thumbnail(self.store.frame_path(frame), f"{frame}.jpg", THUMB_SIDE)

    def make_posters(self, clips: Mapping[str, float]) -> None:
        """Make the posters of many clips (by sha256, with their durations) at once."""
        with ThreadPoolExecutor(max_workers=POSTER_WORKERS) as pool:
            made = pool.map(lambda item: self._make_poster(*item), clips.items())
            self.posters.update(zip(clips, made, strict=True))

    def poster(self, clip: str, duration: float) -> str | None:
        """A frame from the middle of a clip, to show before it plays."""
        if clip not in self.posters:
            self.posters[clip] = self._make_poster(clip, duration)
        return self.posters[clip]

    def _make_poster(self, clip: str, duration: float) -> str | None:
        source = self._cached_clip(clip)
        target = self.folder / THUMBS / f"poster-{clip}.jpg"
        if source is None:
            return None
        if not target.is_file():
            try:
                _write_poster(source, target, duration / 2)
            except (MediaError, OSError):
                return None
        return self._use(target)

    def crop(self, encoded: str) -> str:
        """A crop the scorer kept (a base64 JPEG), written out under its content hash."""
        picture = base64.b64decode(encoded)
        target = self.folder / THUMBS / f"crop-{hashlib.sha256(picture).hexdigest()}.jpg"
        if not target.is_file():
            with atomic_write(target) as temporary:
                temporary.write_bytes(picture)
        return self._use(target)

    def clip(self, clip: str) -> str | None:
        """A clip of the cache, linked into the board folder; None when its file is gone."""
        source = self._cached_clip(clip)
        target = self.folder / CLIPS / f"{clip}.mp4"
        if source is None:
            return None
        if not target.is_file():
            with atomic_write(target) as temporary:
                _link_or_copy(source, temporary)
        return self._use(target)

    def _cached_clip(self, clip: str) -> Path | None:
        if self.store is None or not self.store.clip_path(clip).is_file():
            return None
        return self.store.clip_path(clip)

    def _thumbnail(self, source: Path, name: str, side: int) -> Picture:
        target = self.folder / THUMBS / name
        if not target.is_file():
            try:
                _write_thumbnail(source, target, side)
            except (OSError, ValueError, Image.DecompressionBombError):
                return Picture(None, f"cannot read {source.name}")
        return Picture(self._use(target))

    def _use(self, path: Path) -> str:
        self.used.add(path)
        return path.relative_to(self.folder).as_posix()


def _write_thumbnail(source: Path, target: Path, side: int) -> None:
    """A JPEG of ``source``, upright, on white where it was transparent, fitted in ``side``."""
    with Image.open(source) as opened:
        opened.draft("RGB", (side * 2, side * 2))  # JPEG: decode at a smaller scale
        picture = ImageOps.exif_transpose(opened)
        picture.thumbnail((side, side), Image.Resampling.LANCZOS)
        flat = _flattened(picture)
    with atomic_write(target) as temporary:
        flat.save(temporary, "JPEG", quality=JPEG_QUALITY)


def _flattened(picture: Image.Image) -> Image.Image:
    if picture.mode == "RGB":
        return picture
    rgba = picture.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _write_poster(clip: Path, target: Path, at_seconds: float) -> None:
    """The frame at ``at_seconds`` (or the first, for a shorter clip) as a poster JPEG."""
    with tempfile.TemporaryDirectory(prefix="storyboard-board-") as scratch:
        frame = Path(scratch) / "frame.png"
        for seek in (at_seconds, 0.0):
            run_ffmpeg(
                ["-ss", f"{seek:.3f}", "-i", os.fspath(clip), "-frames:v", "1", os.fspath(frame)],
                what=f"read a frame of {clip.name}",
            )
            if frame.is_file():
                _write_thumbnail(frame, target, POSTER_SIDE)
                return
    raise MediaError(f"no frame could be read from {clip.name}")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _demo(paths: Iterable[str]) -> None:
    """``python -m storyboard._board [PROJECT]``: write a project's board and print its path."""
    from ._studio import Studio

    with Studio.open(next(iter(paths), ".")) as studio:
        print(write_board(studio))


if __name__ == "__main__":
    _demo(sys.argv[1:])
