"""The board's page, from what it shows to HTML: text only, nothing written.

:mod:`storyboard._board` gathers a project's scenes into cards (and makes the
thumbnails, posters and clip links they point at); this module turns the
cards into one HTML page: a masthead with the totals and the cuts, the scene
graph as an SVG drawn here (a column per topological generation, each box a
link to its scene), and a card per scene. Every piece of text from the story
goes through :func:`html.escape`.

Chip colours come from the shared accent palette
(:data:`storyboard._vocabulary.ACCENTS`), the one the preview's cards use, so a
chip on the board looks like the card of the same image in a preview clip.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template

from ._boardscores import (
    CharacterStrip,
    Likeness,
    SceneConsistency,
    crop_html,
    scene_note_html,
    strips_html,
    verdict_html,
)
from ._compiler import CompiledScene
from ._graph import SceneGraph
from ._plan import Plan, ScenePlan
from ._project import Project
from ._version import __version__
from ._vocabulary import ACCENTS, REVISION_MODES, accent_slot

__all__ = [
    "CastCard",
    "CastTake",
    "Picture",
    "RefCard",
    "SceneCard",
    "TakeCard",
    "graph_svg",
    "render_page",
]

DATA = Path(__file__).parent / "data" / "board"
"""The page's frame (``board.html``) and style sheet (``board.css``)."""

STATES = ("cached", "stale", "missing", "failed")
MODE_NAMES = {"reference": "reference-to-video", "image": "image-to-video", "text": "text-to-video"}

_TOKEN = re.compile(r"<IMAGE_(\d+)>")


# -- what the page shows ------------------------------------------------------------


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
    likeness: Likeness | None = None
    """How the scene's chosen take shows it, once scored."""

    @property
    def tag(self) -> str:
        return "start" if self.number is None else f"IMAGE_{self.number}"

    @property
    def accent(self) -> int:
        """The palette slot (1-based) of the label, as the preview colours it."""
        return accent_slot(self.number)


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
class StepCard:
    """One link of a scene's chain on its strip: the source clip, or a revision with its
    instruction; ``clip`` and ``poster`` are its chosen take's, when it has one."""

    id: str
    mode: str
    instruction: str
    state: str
    clip: str | None
    poster: str | None


@dataclass(frozen=True)
class CastTake:
    """One take of a generated reference image: its thumbnail and its facts."""

    number: int
    created_at: str
    cost_usd: float
    selected: bool
    picture: Picture


@dataclass(frozen=True)
class CastCard:
    """A reference image generated from words (or edited from another), with its takes."""

    id: str
    kind: str
    how: str
    """``generated`` or ``edited from @eileen`` (or from its file)."""
    words: str
    state: str
    reason: str
    takes: tuple[CastTake, ...]


@dataclass(frozen=True)
class SceneCard:
    """Everything the board shows of one scene."""

    number: int
    plan: ScenePlan
    references: tuple[RefCard, ...]
    takes: tuple[TakeCard, ...]
    notes: str | None
    steps: tuple[StepCard, ...] = ()
    """The strip of a scene with revision steps: its source, then each step."""
    consistency: SceneConsistency | None = None
    """Its chosen take's scores, or that it is not scored; None without a take."""

    @property
    def scene(self) -> CompiledScene:
        return self.plan.scene

    @property
    def chips(self) -> dict[int, RefCard]:
        """The reference behind each ``<IMAGE_k>`` number of the prompt."""
        return {card.number: card for card in self.references if card.number is not None}


# -- the page -----------------------------------------------------------------------


def _asset(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def render_page(
    project: Project,
    plan: Plan,
    cards: list[SceneCard],
    spent_usd: float,
    cast: tuple[CastCard, ...] = (),
    strips: tuple[CharacterStrip, ...] = (),
) -> str:
    """The whole page, as text: the frame and style sheet of ``data/board/`` filled in."""
    scored = any(card.consistency and card.consistency.scored for card in cards)
    return Template(_asset("board.html")).substitute(
        title=_e(project.title),
        css=_palette_css() + _asset("board.css"),
        masthead=_masthead(project, plan, spent_usd),
        graph=_graph_section(project.graph, plan, cards),
        cast=_cast_section(cast),
        characters=strips_html(strips, scored),
        scenes="\n".join(_scene_html(card) for card in cards),
        version=_e(__version__),
    )


def _palette_css() -> str:
    slots = "".join(
        f"--accent-{slot}:rgb({red},{green},{blue});"
        for slot, (red, green, blue) in enumerate(ACCENTS, start=1)
    )
    return f":root{{{slots}}}\n"


def _masthead(project: Project, plan: Plan, spent_usd: float) -> str:
    states = [scene_plan.state for scene_plan in plan.scenes]
    stats = [
        ("scenes", str(len(plan.scenes))),
        ("cached", str(states.count("cached"))),
        ("to generate", str(len(states) - states.count("cached"))),
        ("estimated cost", _money(plan.estimated_cost_usd)),
        ("spent", _money(spent_usd)),
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


# -- the cast described in words ------------------------------------------------------


def _cast_section(cast: tuple[CastCard, ...]) -> str:
    if not cast:
        return ""
    cards = "".join(_cast_html(card) for card in cast)
    return (
        '<section class="cast"><h2 class="section-title">Generated references</h2>'
        f'<div class="cast-cards">{cards}</div></section>'
    )


def _cast_html(card: CastCard) -> str:
    takes = "".join(
        f'<figure class="cast-take{" selected" if take.selected else ""}">'
        f'<div class="thumb">{_picture(take.picture, f"@{card.id} take {take.number}")}</div>'
        f"<figcaption><b>Take {take.number}</b>"
        + ('<span class="flag">selected</span>' if take.selected else "")
        + f'<span class="cost">{_e(_money(take.cost_usd))}</span></figcaption></figure>'
        for take in card.takes
    )
    if not takes:
        takes = f'<div class="pending {card.state}"><span>{_e(card.reason)}</span></div>'
    return (
        f'<article class="cast-card state-{card.state}" id="cast-{_e(card.id)}">'
        f"<header><code>@{_e(card.id)}</code>"
        f'<span class="kind">{_e(card.kind)} · {_e(card.how)}</span>'
        f'<span class="state {card.state}">{_e(card.state)}</span></header>'
        f'<p class="words">{_e(card.words)}</p>'
        f'<div class="cast-takes">{takes}</div></article>'
    )


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
        f"{_meta(card)}{_strip(card)}"
        '<div class="scene-body"><div class="script">'
        f"{_prompt(card)}{_caption(scene.caption)}{_notes(card.notes)}{_references(card)}"
        f"</div>{_takes(card)}</div>"
        "</article>"
    )


def _strip(card: SceneCard) -> str:
    """A scene's revisions in order: the source clip, then each step with its instruction."""
    if not card.steps:
        return ""
    items = []
    for step in card.steps:
        if step.clip is not None:
            poster = f' poster="{_e(step.poster)}"' if step.poster else ""
            player = f'<video controls preload="none"{poster} src="{_e(step.clip)}"></video>'
        else:
            player = f'<span class="placeholder"><span>{_e(step.state)}</span></span>'
        name = "source" if step.mode not in REVISION_MODES else step.mode
        items.append(
            f'<li class="step state-{_e(step.state)}"><figure>{player}<figcaption>'
            f'<b>{_e(step.id)}</b> <span class="kind">{_e(name)}</span>'
            f'<span class="instruction">{_e(step.instruction)}</span>'
            "</figcaption></figure></li>"
        )
    return f'<ol class="steps">{"".join(items)}</ol>'


def _meta(card: SceneCard) -> str:
    scene = card.scene
    items = [
        MODE_NAMES.get(scene.mode, scene.mode),
        _length(scene),
        scene.aspect_ratio,
        scene.resolution,
        scene.model,
    ]
    needs = "".join(f' <a href="#scene-{_e(s)}">@{_e(s)}</a>' for s in scene.depends_on)
    listed = "".join(f"<li>{_e(item)}</li>" for item in items)
    if needs:
        listed += f'<li class="needs">needs{needs}</li>'
    return f'<ul class="meta">{listed}</ul>'


def _length(scene: CompiledScene) -> str:
    """The clip the film uses: a revised scene's is its last step's (``8 s, from 5 s``)."""
    final = scene.final_seconds
    return f"{final} s" if final == scene.duration else f"{final} s, from {scene.duration} s"


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
    take = card.consistency.take if card.consistency else 0
    figures = "".join(_reference_html(reference, take) for reference in card.references)
    return f'<div class="refs">{figures}</div>{scene_note_html(card.consistency)}'


def _reference_html(reference: RefCard, take: int) -> str:
    tag_class = f"chip accent-{reference.accent}"
    picture = _picture(reference.picture, reference.name)
    if reference.link:
        picture = f'<a href="{_e(reference.link)}">{picture}</a>'
    description = (
        f'<span class="description">{_e(reference.description)}</span>'
        if reference.description
        else ""
    )
    thumb = (
        f'<div class="thumb">{picture}'
        f'<span class="{tag_class}"><b>{_e(reference.tag)}</b></span></div>'
    )
    caption = (
        f'<figcaption><b>{_e(reference.name)}</b><span class="kind">{_e(reference.kind)}</span>'
        f"{description}</figcaption>"
    )
    if reference.likeness is not None:
        return (
            f'<figure class="ref scored"><div class="pair">{thumb}'
            f"{crop_html(reference.likeness, take)}</div>{caption}"
            f"{verdict_html(reference.likeness)}</figure>"
        )
    return f'<figure class="ref">{thumb}{caption}</figure>'


def _picture(picture: Picture, alt: str) -> str:
    if picture.src is not None:
        return f'<img src="{_e(picture.src)}" alt="{_e(alt)}">'
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
