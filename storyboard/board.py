"""The board: a static HTML storyboard of a project, to open from disk and to share.

One page shows the film scene by scene, in film order: each scene's state and
why, its settings, its compiled prompt with every ``<IMAGE_k>`` drawn as a
chip in the colour of the matching reference thumbnail, its references
(assets, other scenes' last frames, a start frame), its takes as playable
videos, and its caption; above them the totals and the scene graph, drawn as
an SVG here (no script, nothing fetched). The page's CSS lives in
``data/board/board.css`` and its frame in ``data/board/board.html``; both are
inlined, so the page is one file plus the media beside it::

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
removed from the folder; media already there are not made again.

Chip colours are the animatic's (:data:`storyboard.animatic.ACCENTS`), so a
chip on the board looks like the card of the same image in a preview clip.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from ._version import __version__
from .animatic import ACCENTS
from .compiler import CompiledScene, Reference
from .errors import MediaError
from .graph import SceneGraph
from .images import CheckedImage, ImageLibrary, ImageProblem
from .limits import MODELS
from .media import run_ffmpeg
from .plan import Plan, ScenePlan
from .project import Project
from .store import Store, Take

if TYPE_CHECKING:
    from .studio import Studio

__all__ = ["write_board"]

DATA = Path(__file__).parent / "data" / "board"
"""The page's frame and style sheet."""
BOARD_DIR = "board"
PAGE = "index.html"
THUMBS = "thumbs"
CLIPS = "clips"
THUMB_SIDE = 320
"""The longest side of a reference thumbnail, in pixels."""
POSTER_SIDE = 640
"""The longest side of a take's poster frame, in pixels."""
JPEG_QUALITY = 82

STATES = ("cached", "stale", "missing", "failed")
MODE_NAMES = {"reference": "reference-to-video", "image": "image-to-video", "text": "text-to-video"}

START_ACCENT = 2
"""The palette slot of a start frame's label: the animatic's start-frame card is amber."""

_TOKEN = re.compile(r"<IMAGE_(\d+)>")


# -- the page's contents ------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """A thumbnail in the board folder (``src``), or the words that stand in for it."""

    src: str | None
    note: str = ""


@dataclass(frozen=True)
class RefCard:
    """One reference image of a scene (or its start frame), as labelled on the board."""

    number: int | None
    """k of ``<IMAGE_k>`` in the compiled prompt; None for the start frame."""
    name: str
    kind: str
    picture: Picture
    description: str | None = None
    link: str | None = None
    """The card of the scene a frame comes from."""

    @property
    def tag(self) -> str:
        return "start" if self.number is None else f"IMAGE_{self.number}"

    @property
    def accent(self) -> int:
        """The palette slot (1-based) of the label, as the animatic colours it."""
        if self.number is None:
            return START_ACCENT
        return (self.number - 1) % len(ACCENTS) + 1


@dataclass(frozen=True)
class TakeCard:
    """One take of a scene: its clip, its poster and its facts."""

    number: int
    created_at: str
    cost_usd: float
    selected: bool
    clip: str | None
    poster: str | None
    previous: bool = False
    """A take of the scene's earlier inputs, shown while the scene is not cached."""


@dataclass(frozen=True)
class SceneCard:
    """Everything the board shows of one scene."""

    number: int
    plan: ScenePlan
    references: tuple[RefCard, ...]
    takes: tuple[TakeCard, ...]
    notes: str | None

    @property
    def scene(self) -> CompiledScene:
        return self.plan.scene

    @property
    def chips(self) -> dict[int, RefCard]:
        """The reference behind each ``<IMAGE_k>`` number of the prompt."""
        return {card.number: card for card in self.references if card.number is not None}


# -- writing ------------------------------------------------------------------------


def write_board(studio: Studio, output: Path | None = None, provider: str | None = None) -> Path:
    """Write the board of a project (by default to ``out/board/``); return its ``index.html``."""
    project = studio.project
    folder = (output or project.out_dir / BOARD_DIR).resolve()
    plan = studio.plan(provider)
    media = _Media(folder, studio._store, project.images)
    cards = [
        _scene_card(number, scene_plan, plan, project, media, studio)
        for number, scene_plan in enumerate(plan.scenes, start=1)
    ]
    page = render_page(project, plan, cards, studio._store)
    target = folder / PAGE
    _write_atomically(target, lambda path: path.write_text(page, encoding="utf-8"))
    media.prune()
    return target


def _scene_card(
    number: int, scene_plan: ScenePlan, plan: Plan, project: Project, media: _Media, studio: Studio
) -> SceneCard:
    scene = scene_plan.scene
    base = MODELS[scene.model].image_index_base if scene.model in MODELS else 1
    references = [_reference_card(ref, base, plan, project, media) for ref in scene.references]
    if scene.start is not None:
        references.insert(0, _start_card(scene, plan, media))
    return SceneCard(
        number=number,
        plan=scene_plan,
        references=tuple(references),
        takes=tuple(_take_cards(scene_plan, plan.provider, media, studio)),
        notes=project.story.scenes[scene.position].notes,
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
    return RefCard(
        number=number,
        name=reference.mention,
        kind=f"{reference.kind} · look" if look else reference.kind,
        picture=media.image(reference.image),
        description=asset.description if asset and not look else None,
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
        name=start.image.source if start.image else "",
        kind="start frame · image",
        picture=media.image(start.image),
    )


def _take_cards(
    scene_plan: ScenePlan, provider: str, media: _Media, studio: Studio
) -> list[TakeCard]:
    """The takes of the current key, the selected one first; else the previous selection."""
    duration = scene_plan.scene.duration
    chosen = scene_plan.take.take if scene_plan.take else None
    takes = sorted(scene_plan.takes, key=lambda take: (take.take != chosen, take.take))
    if takes:
        return [_take_card(take, media, duration, selected=take.take == chosen) for take in takes]
    previous = _previous_take(scene_plan.id, provider, studio)
    if previous is None or media.clip(previous.clip) is None:
        return []
    return [_take_card(previous, media, duration, previous=True)]


def _take_card(
    take: Take, media: _Media, duration: float, selected: bool = False, previous: bool = False
) -> TakeCard:
    return TakeCard(
        number=take.take,
        created_at=take.created_at,
        cost_usd=take.cost_usd,
        selected=selected,
        clip=media.clip(take.clip),
        poster=media.poster(take.clip, duration),
        previous=previous,
    )


def _previous_take(scene_id: str, provider: str, studio: Studio) -> Take | None:
    """The take the lock file still names for a scene whose inputs have changed."""
    selection = studio.lock.get(provider, scene_id)
    if selection is None or studio._store is None:
        return None
    takes = {take.take: take for take in studio._store.takes(selection.key)}
    return takes.get(selection.take)


# -- media beside the page ------------------------------------------------------


class _Media:
    """Makes thumbnails, posters and clip links in the board folder, once each.

    Every method returns a path relative to the page (or a placeholder), and
    remembers the file so that :meth:`prune` keeps it.
    """

    def __init__(self, folder: Path, store: Store | None, images: ImageLibrary) -> None:
        self.folder = folder
        self.store = store
        self.images = images
        self.used: set[Path] = set()
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

    def frame(self, frame: str | None) -> Picture:
        """The thumbnail of a scene's last frame, by its sha256."""
        if frame is None or self.store is None:
            return Picture(None, "not generated yet")
        return self._thumbnail(self.store.frame_path(frame), f"{frame}.jpg", THUMB_SIDE)

    def poster(self, clip: str, duration: float) -> str | None:
        """A frame from the middle of a clip, to show before it plays."""
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

    def clip(self, clip: str) -> str | None:
        """A clip of the cache, linked into the board folder; None when its file is gone."""
        source = self._cached_clip(clip)
        target = self.folder / CLIPS / f"{clip}.mp4"
        if source is None:
            return None
        if not target.is_file():
            _write_atomically(target, lambda path: _link_or_copy(source, path))
        return self._use(target)

    def _cached_clip(self, clip: str) -> Path | None:
        if self.store is None or not self.store.clip_path(clip).is_file():
            return None
        return self.store.clip_path(clip)

    def prune(self) -> None:
        """Remove the media of earlier boards that this one no longer shows."""
        for name in (THUMBS, CLIPS):
            for path in (self.folder / name).iterdir():
                if path.is_file() and path not in self.used:
                    path.unlink()

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
    _write_atomically(target, lambda path: flat.save(path, "JPEG", quality=JPEG_QUALITY))


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


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary name beside ``target``, so no half file is ever seen."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp{target.suffix}")
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


# -- the page -----------------------------------------------------------------------


def _asset(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def render_page(project: Project, plan: Plan, cards: list[SceneCard], store: Store | None) -> str:
    """The whole page, as text."""
    return Template(_asset("board.html")).substitute(
        title=_e(project.title),
        css=_palette_css() + _asset("board.css"),
        masthead=_masthead(project, plan, store),
        graph=_graph_section(project.graph, plan, cards),
        scenes="\n".join(_scene_html(card) for card in cards),
        version=_e(__version__),
    )


def _palette_css() -> str:
    slots = "".join(
        f"--accent-{slot}:rgb({red},{green},{blue});"
        for slot, (red, green, blue) in enumerate(ACCENTS, start=1)
    )
    return f":root{{{slots}}}\n"


def _masthead(project: Project, plan: Plan, store: Store | None) -> str:
    states = [scene_plan.state for scene_plan in plan.scenes]
    stats = [
        ("scenes", str(len(plan.scenes))),
        ("cached", str(states.count("cached"))),
        ("to generate", str(len(states) - states.count("cached"))),
        ("estimated cost", _money(plan.estimated_cost_usd)),
        ("spent", _money(store.spent_usd() if store else 0.0)),
    ]
    tiles = "".join(
        f'<div class="stat"><dt>{_e(name)}</dt><dd>{_e(value)}</dd></div>' for name, value in stats
    )
    return (
        '<header class="masthead">'
        '<p class="eyebrow">Storyboard</p>'
        f"<h1>{_e(project.title)}</h1>"
        f'<p class="byline">provider <b>{_e(plan.provider)}</b> · '
        f"{_plural(len(plan.scenes), 'scene')} in film order</p>"
        f'<dl class="stats">{tiles}</dl>'
        f"{_cuts(project, plan)}"
        "</header>"
    )


def _cuts(project: Project, plan: Plan) -> str:
    if not project.story.cuts:
        return ""
    rows = []
    for name, scene_ids in project.story.cuts.items():
        steps = " <span class='arrow'>→</span> ".join(
            f'<a href="#scene-{_e(s)}">{_e(_title(plan.all_scenes[s].scene))}</a>'
            for s in scene_ids
            if s in plan.all_scenes
        )
        rows.append(f'<li><span class="cut-name">{_e(name)}</span> {steps}</li>')
    return f'<ul class="cuts"><li class="cuts-label">cuts</li>{"".join(rows)}</ul>'


# -- a scene ----------------------------------------------------------------------


def _scene_html(card: SceneCard) -> str:
    scene = card.scene
    state = card.plan.state
    return (
        f'<article class="scene state-{state}" id="scene-{_e(scene.id)}">'
        '<header class="scene-head">'
        f'<span class="number">{card.number:02d}</span>'
        f'<div class="names"><h2>{_e(_title(scene))}</h2><code>{_e(scene.id)}</code></div>'
        f'<div class="status"><span class="badge {state}">{_e(state)}</span>'
        f'<span class="reason">{_e(card.plan.reason)}</span></div>'
        "</header>"
        f"{_meta(card)}"
        '<div class="scene-body"><div class="script">'
        f"{_prompt(card)}{_caption(scene.caption)}{_notes(card.notes)}{_references(card)}"
        f"</div>{_takes(card)}</div>"
        "</article>"
    )


def _meta(card: SceneCard) -> str:
    scene = card.scene
    items = [
        MODE_NAMES.get(scene.mode, scene.mode),
        f"{scene.duration} s",
        scene.aspect_ratio,
        scene.resolution,
        scene.model,
    ]
    needs = "".join(f' <a href="#scene-{_e(s)}">@{_e(s)}</a>' for s in scene.depends_on)
    listed = "".join(f"<li>{_e(item)}</li>" for item in items)
    if needs:
        listed += f'<li class="needs">needs{needs}</li>'
    return f'<ul class="meta">{listed}</ul>'


def _prompt(card: SceneCard) -> str:
    """The compiled prompt, each ``<IMAGE_k>`` a chip like its thumbnail's label."""
    chips = card.chips
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(card.scene.prompt):
        parts.append(_e(card.scene.prompt[position : match.start()]))
        reference = chips.get(int(match.group(1)))
        parts.append(_chip(reference) if reference else _e(match.group(0)))
        position = match.end()
    parts.append(_e(card.scene.prompt[position:]))
    text = "".join(parts).strip() or '<span class="muted">no prompt: the start frame moves</span>'
    return f'<p class="prompt">{text}</p>'


def _chip(reference: RefCard) -> str:
    return (
        f'<span class="chip accent-{reference.accent}" title="{_e(reference.kind)}">'
        f"<b>{_e(reference.tag)}</b> · {_e(reference.name)}</span>"
    )


def _caption(caption: str | None) -> str:
    if not caption:
        return ""
    return f'<p class="caption"><span class="label">caption</span> <q>{_e(caption)}</q></p>'


def _notes(notes: str | None) -> str:
    return f'<p class="notes">{_e(notes)}</p>' if notes else ""


def _references(card: SceneCard) -> str:
    if not card.references:
        return ""
    figures = "".join(_reference_html(reference) for reference in card.references)
    return f'<div class="refs">{figures}</div>'


def _reference_html(reference: RefCard) -> str:
    tag_class = f"chip accent-{reference.accent}"
    picture = _picture(reference.picture, reference.name)
    if reference.link:
        picture = f'<a href="{_e(reference.link)}">{picture}</a>'
    description = (
        f'<span class="description">{_e(reference.description)}</span>'
        if reference.description
        else ""
    )
    return (
        '<figure class="ref">'
        f'<div class="thumb">{picture}'
        f'<span class="{tag_class}"><b>{_e(reference.tag)}</b></span></div>'
        f'<figcaption><b>{_e(reference.name)}</b><span class="kind">{_e(reference.kind)}</span>'
        f"{description}</figcaption></figure>"
    )


def _picture(picture: Picture, alt: str) -> str:
    if picture.src is not None:
        return f'<img src="{_e(picture.src)}" alt="{_e(alt)}" loading="lazy">'
    return f'<span class="placeholder"><span>{_e(picture.note)}</span></span>'


def _takes(card: SceneCard) -> str:
    aspect = card.scene.aspect_ratio.replace(":", " / ")
    style = f' style="--aspect: {_e(aspect)}"'
    tiles = [_take_html(take) for take in card.takes if not take.previous]
    if not tiles:
        tiles = [_not_generated(card)]
        tiles += [_take_html(take) for take in card.takes if take.previous]
    return f'<div class="takes"{style}>{"".join(tiles)}</div>'


def _not_generated(card: SceneCard) -> str:
    plan = card.plan
    headline = {
        "stale": "Needs a new take",
        "failed": "The last attempt failed",
        "missing": "Not generated yet",
    }.get(plan.state, "No clip")
    cost = (
        f"estimated {_money(plan.estimated_cost_usd)} to generate"
        if plan.estimated_cost_usd
        else "free to generate"
    )
    return (
        f'<div class="pending {plan.state}"><span class="pending-title">{_e(headline)}</span>'
        f'<span class="pending-cost">{_e(cost)}</span></div>'
    )


def _take_html(take: TakeCard) -> str:
    classes = (
        "take" + (" selected" if take.selected else "") + (" previous" if take.previous else "")
    )
    poster = f' poster="{_e(take.poster)}"' if take.poster else ""
    if take.clip is not None:
        player = f'<video controls preload="none"{poster} src="{_e(take.clip)}"></video>'
    else:
        player = '<span class="placeholder"><span>the clip file is missing</span></span>'
    label = "Previous take" if take.previous else f"Take {take.number}"
    flag = '<span class="flag">selected</span>' if take.selected else ""
    if take.previous:
        flag = '<span class="flag old">before the change</span>'
    return (
        f'<figure class="{classes}">{player}<figcaption>'
        f"<b>{_e(label)}</b>{flag}"
        f'<span class="when">{_e(_when(take.created_at))}</span>'
        f'<span class="cost">{_e(_money(take.cost_usd))}</span>'
        "</figcaption></figure>"
    )


# -- the scene graph ----------------------------------------------------------------

_NODE_W, _NODE_H, _GAP_X, _GAP_Y, _PAD = 176, 52, 64, 16, 8


def _graph_section(graph: SceneGraph, plan: Plan, cards: list[SceneCard]) -> str:
    legend = "".join(f'<li><i class="dot {state}"></i>{state}</li>' for state in STATES)
    return (
        '<section class="panel graph"><div class="panel-head"><h2>Scene graph</h2>'
        f'<ul class="legend">{legend}</ul></div>'
        '<p class="hint">An arrow runs from a scene to each scene that uses its last frame. '
        "Scenes in one column can be generated together.</p>"
        f'<div class="graph-scroll">{graph_svg(graph, plan, [card.scene.id for card in cards])}'
        "</div></section>"
    )


def graph_svg(graph: SceneGraph, plan: Plan, film_order: list[str]) -> str:
    """The scene graph as an SVG: a column per generation, each box a link to its card."""
    columns = [
        sorted(wave, key=lambda s: film_order.index(s) if s in film_order else len(film_order))
        for wave in graph.generations()
    ]
    tallest = max((len(column) for column in columns), default=0)
    height = tallest * _NODE_H + max(tallest - 1, 0) * _GAP_Y + 2 * _PAD
    width = len(columns) * _NODE_W + max(len(columns) - 1, 0) * _GAP_X + 2 * _PAD
    places = _node_places(columns, height)
    edges = "".join(_edge(places[a], places[b]) for a, b in graph.edges())
    numbers = {scene_id: index for index, scene_id in enumerate(film_order, start=1)}
    nodes = "".join(
        _node(scene_id, x, y, plan.all_scenes[scene_id], numbers.get(scene_id))
        for scene_id, (x, y) in places.items()
    )
    return (
        f'<svg class="graph-svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="scene graph">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker></defs>'
        f'<g class="edges">{edges}</g><g class="nodes">{nodes}</g></svg>'
    )


def _node_places(columns: list[list[str]], height: int) -> dict[str, tuple[int, int]]:
    """Top-left corners: columns left to right, each centred vertically."""
    places = {}
    for index, column in enumerate(columns):
        used = len(column) * _NODE_H + (len(column) - 1) * _GAP_Y
        top = (height - used) // 2
        x = _PAD + index * (_NODE_W + _GAP_X)
        for row, scene_id in enumerate(column):
            places[scene_id] = (x, top + row * (_NODE_H + _GAP_Y))
    return places


def _edge(start: tuple[int, int], end: tuple[int, int]) -> str:
    x1, y1 = start[0] + _NODE_W, start[1] + _NODE_H // 2
    x2, y2 = end[0] - 2, end[1] + _NODE_H // 2
    bend = max((x2 - x1) // 2, 24)
    return f'<path d="M{x1} {y1}C{x1 + bend} {y1} {x2 - bend} {y2} {x2} {y2}"/>'


def _node(scene_id: str, x: int, y: int, scene_plan: ScenePlan, number: int | None) -> str:
    title = _shorten(_title(scene_plan.scene), 19)
    shown = f'<tspan class="node-number">{number:02d}</tspan> {_e(title)}' if number else _e(title)
    return (
        f'<a href="#scene-{_e(scene_id)}"><g class="node {scene_plan.state}">'
        f"<title>{_e(scene_id)}: {_e(scene_plan.state)}</title>"
        f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{_NODE_H}" rx="10"/>'
        f'<rect class="stripe" x="{x}" y="{y + 10}" width="4" height="{_NODE_H - 20}" rx="2"/>'
        f'<text x="{x + 16}" y="{y + 22}" class="node-title">{shown}</text>'
        f'<text x="{x + 16}" y="{y + 39}" class="node-id">{_e(_shorten(scene_id, 24))}</text>'
        "</g></a>"
    )


# -- words --------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _title(scene: CompiledScene) -> str:
    return scene.title or scene.id


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(iso: str) -> str:
    """``2026-11-25T10:00:00Z`` as ``25 Nov 2026, 10:00 UTC``."""
    try:
        moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return iso
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def _demo(paths: Iterable[str]) -> None:
    """``python -m storyboard.board [PROJECT]``: write a project's board and print its path."""
    from .studio import Studio

    studio = Studio.open(next(iter(paths), "."))
    try:
        print(write_board(studio))
    finally:
        studio.close()


if __name__ == "__main__":
    _demo(sys.argv[1:])
