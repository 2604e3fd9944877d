"""Consistency on the board: what each scene's chosen take shows of its references, and
each character across the film, in pictures and words.

:func:`gather` reads the stored scores (docs/consistency.md) of the scenes' chosen takes
into cards and :func:`character_strips` lines each character up across the film; the
``*_html`` functions draw them for :mod:`storyboard._boardpage`. A crop is the picture
of where the scorer found a subject best, kept in the cache with its score: the board
writes it out as a file and never decodes a clip for it. Every flag is said in words
("Eileen looks like someone else"), the flag itself in the tooltip.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ._plan import ScenePlan
from ._scoring.consensus import SelfScore, character_of
from ._scoring.records import ClipScore, SubjectScore

__all__ = [
    "CharacterStrip",
    "Likeness",
    "SceneConsistency",
    "StripFrame",
    "character_strips",
    "crop_html",
    "gather",
    "mark_outliers",
    "scene_note_html",
    "strips_html",
    "verdict_html",
]

HOW_TO_SCORE = "Not scored yet: run storyboard score to compare this take with its references."
"""What a scene whose chosen take has no score says (no extra installed, or --no-score)."""
HOW_TO_SCORE_ALL = "Not scored yet: run storyboard score to see each character across the film."

SaveCrop = Callable[[str], str]
"""Writes a crop (a base64 JPEG from the cache) into the board folder; returns its src."""


# -- what the board shows -----------------------------------------------------------


@dataclass(frozen=True)
class Likeness:
    """One reference in a scene's chosen take: where it was found best, and how alike."""

    mention: str
    name: str
    """How the words call it: ``Eileen``, ``Eileen (portrait)``, ``the mug``."""
    method: str
    crop: str | None
    """The crop's src in the board folder; None when it was never found."""
    cross: float | None
    present: float
    frames: int
    self: float | None
    flags: tuple[str, ...]
    """The subject's flags, and ``drift`` across scenes."""

    @property
    def words(self) -> list[tuple[str, str]]:
        """Each flag with its sentence, worst first."""
        return [(flag, flag_words(flag, self)) for flag in self.flags]


@dataclass(frozen=True)
class SceneConsistency:
    """What the board says of a scene's chosen take as a whole."""

    take: int
    scored: bool
    likeness: Mapping[str, Likeness]
    """By mention (``eileen``, ``eileen:portrait``)."""
    jump: bool = False
    """The clip does not continue the frame it started from."""


@dataclass(frozen=True)
class StripFrame:
    """A character in one scene's chosen take, on its strip."""

    scene_id: str
    number: int
    title: str
    likeness: Likeness | None
    """None when the take is not scored yet."""
    outlier: str | None = None
    """``drift`` (over the threshold) or ``lowest`` (the least like the others), or None."""


@dataclass(frozen=True)
class CharacterStrip:
    """One character across the film, scene by scene in film order."""

    character: str
    name: str
    picture: str | None
    """The thumbnail of its reference image (of the first look mentioned)."""
    frames: tuple[StripFrame, ...]


# -- gathering ---------------------------------------------------------------------


def gather(
    scenes: Sequence[ScenePlan],
    chosen: Mapping[str, ClipScore],
    selves: Mapping[str, Sequence[SelfScore]],
    save_crop: SaveCrop,
) -> dict[str, SceneConsistency]:
    """Each scene's consistency, by scene id, for the ``scenes`` with a chosen take.
    ``chosen``: the stored score of every scene's chosen take, by scene id; ``selves``:
    *self* across scenes by scene id, the one `status` shows (anchors and calibrated
    thresholds included)."""
    found: dict[str, SceneConsistency] = {}
    for scene_plan in scenes:
        take = scene_plan.take
        if take is None:
            continue
        score = chosen.get(scene_plan.id)
        mine = selves.get(scene_plan.id, [])
        likeness = (
            {s.mention: _likeness(s, score, mine, save_crop) for s in score.subjects}
            if score is not None
            else {}
        )
        found[scene_plan.id] = SceneConsistency(
            take.take, score is not None, likeness, score is not None and "jump" in score.flags
        )
    return found


def _likeness(
    subject: SubjectScore, score: ClipScore, selves: Sequence[SelfScore], save_crop: SaveCrop
) -> Likeness:
    character = character_of(subject.mention)
    mine = next((entry for entry in selves if entry.character == character), None)
    drift = ("drift",) if mine is not None and "drift" in mine.flags else ()
    return Likeness(
        mention=subject.mention,
        name=display_name(subject.mention, subject.kind),
        method=subject.method,
        crop=save_crop(subject.crop) if subject.crop else None,
        cross=subject.cross,
        present=subject.present,
        frames=score.frames,
        self=mine.self if mine is not None and subject.method == "face" else None,
        flags=(*subject.flags, *drift),
    )


def character_strips(
    scenes: Sequence[ScenePlan],
    found: Mapping[str, SceneConsistency],
    pictures: Mapping[str, str | None],
) -> tuple[CharacterStrip, ...]:
    """A strip per character the ``scenes`` (in film order) mention, in order of first
    appearance; ``pictures``: the thumbnail of each mention's reference image."""
    rows: dict[str, list[StripFrame]] = {}
    names: dict[str, str] = {}
    heads: dict[str, str | None] = {}
    for number, scene_plan in enumerate(scenes, start=1):
        scene = scene_plan.scene
        consistency = found.get(scene.id)
        if consistency is None:
            continue
        for reference in scene.references:
            if reference.kind != "character":
                continue
            character = character_of(reference.mention)
            names.setdefault(character, display_name(character, "character"))
            heads.setdefault(character, pictures.get(reference.mention))
            if any(frame.scene_id == scene.id for frame in rows.get(character, ())):
                continue  # two looks of one character: the first mentioned
            rows.setdefault(character, []).append(
                StripFrame(
                    scene.id,
                    number,
                    scene.title or scene.id,
                    consistency.likeness.get(reference.mention),
                )
            )
    return tuple(
        CharacterStrip(character, names[character], heads[character], mark_outliers(frames))
        for character, frames in rows.items()
    )


LEAST_ALIKE_AMONG = 3
"""The lowest *self* is marked only among this many takes: of two, each is the other's
consensus, and which is lower says nothing."""


def mark_outliers(frames: list[StripFrame]) -> tuple[StripFrame, ...]:
    """Every take that drifted; if none did, the one least like the others (lowest *self*)."""
    drifted = {f.scene_id for f in frames if f.likeness and "drift" in f.likeness.flags}
    if drifted:
        return tuple(_marked(f, "drift" if f.scene_id in drifted else None) for f in frames)
    selves = [(f.likeness.self, f.scene_id) for f in frames if f.likeness and f.likeness.self]
    if len(selves) < LEAST_ALIKE_AMONG:
        return tuple(frames)
    lowest = min(selves)[1]
    return tuple(_marked(f, "lowest" if f.scene_id == lowest else None) for f in frames)


def _marked(frame: StripFrame, outlier: str | None) -> StripFrame:
    return StripFrame(frame.scene_id, frame.number, frame.title, frame.likeness, outlier)


# -- words -------------------------------------------------------------------------


def display_name(mention: str, kind: str) -> str:
    """``eileen`` -> ``Eileen``, ``eileen:portrait`` -> ``Eileen (portrait)``, a prop
    ``mug`` -> ``the mug``: how a sentence names it."""
    asset, _, look = mention.partition(":")
    words = asset.replace("-", " ").replace("_", " ")
    name = words[:1].upper() + words[1:] if kind == "character" else f"the {words}"
    return f"{name} ({look})" if look else name


def flag_words(flag: str, likeness: Likeness) -> str:
    """One flag of one subject as a sentence a writer reads at a glance."""
    name = likeness.name
    seen = round(likeness.present * likeness.frames)
    sentences = {
        "mismatch": f"{name} looks like someone else",
        "absent": f"{name} is not in the clip",
        "intermittent": f"{name} is seen in only {seen} of {likeness.frames} frames",
        "small": f"{name} is small in the frame",
        "colour-drift": f"{name} has changed colour",
        "copy-paste": f"{name} is the picture pasted in, barely animated",
        "drift": f"{name} looks unlike the other scenes",
    }
    return sentences.get(flag, f"{name}: {flag}")


FLAG_CLASSES = {"mismatch": "bad", "absent": "bad", "drift": "bad"}
"""Flags drawn in red; the others (worth a look, not a different person) in amber."""


def _severity(flags: Sequence[str]) -> str:
    """``bad``, ``warn`` or ``ok``: the colour of the worst of ``flags``."""
    if any(FLAG_CLASSES.get(flag) == "bad" for flag in flags):
        return "bad"
    return "warn" if flags else "ok"


# -- HTML ----------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def crop_html(likeness: Likeness, take: int) -> str:
    """The crop to show beside a reference's thumbnail, labelled with its take."""
    if likeness.crop is not None:
        crop = f'<img src="{_e(likeness.crop)}" alt="{_e(likeness.name)} in take {take}">'
    else:
        crop = '<span class="placeholder"><span>not found</span></span>'
    state = _severity(likeness.flags)
    return f'<div class="thumb crop {state}">{crop}<span class="found-tag">take {take}</span></div>'


def verdict_html(likeness: Likeness) -> str:
    """A reference's figures in the take, and its flags in words."""
    figures = [f"likeness <b>{_number(likeness.cross)}</b>"]
    if likeness.self is not None:
        figures.append(f"self <b>{_number(likeness.self)}</b>")
    method = (
        "likeness: 1 - the dlib face distance to the picture; self: the same against the "
        "character's other scenes"
        if likeness.method == "face"
        else "likeness: how many of the picture's details were found (SIFT matches)"
    )
    words = "".join(
        f'<li class="{FLAG_CLASSES.get(flag, "warn")}" title="{_e(flag)}">{_e(sentence)}</li>'
        for flag, sentence in likeness.words
    )
    verdict = f'<ul class="flag-words">{words}</ul>' if words else '<p class="ok">looks right</p>'
    shown = " · ".join(figures)
    return (
        f'<div class="verdict"><p class="figures" title="{_e(method)}">{shown}</p>{verdict}</div>'
    )


def scene_note_html(consistency: SceneConsistency | None) -> str:
    """What a scene's take says as a whole: how to score it, or that it jumped."""
    if consistency is None:
        return ""
    if not consistency.scored:
        return _note(HOW_TO_SCORE)
    if consistency.jump:
        return (
            '<p class="score-note bad" title="jump">The clip does not continue the frame '
            "it starts from</p>"
        )
    return ""


def _note(text: str) -> str:
    command = "storyboard score"
    return f'<p class="score-note">{_e(text).replace(command, f"<code>{command}</code>")}</p>'


def strips_html(strips: Sequence[CharacterStrip], any_scored: bool) -> str:
    """The characters across the film, each a strip of its crops with the outlier marked."""
    if not strips:
        return ""
    if not any_scored:
        body = _note(HOW_TO_SCORE_ALL)
    else:
        body = "".join(_strip_html(strip) for strip in strips)
    return (
        '<section class="panel characters"><div class="panel-head">'
        "<h2>Characters across the film</h2></div>"
        '<p class="hint">Each character as the scorer found it in each scene\'s selected take, '
        "in film order. A red frame looks unlike the character's other scenes.</p>"
        f"{body}</section>"
    )


def _strip_html(strip: CharacterStrip) -> str:
    head = (
        f'<img src="{_e(strip.picture)}" alt="{_e(strip.name)}, the reference">'
        if strip.picture
        else '<span class="placeholder"><span>no picture</span></span>'
    )
    items = "".join(_strip_frame_html(strip, frame) for frame in strip.frames)
    return (
        f'<div class="character"><h3>{_e(strip.name)}</h3><ol class="character-strip">'
        f'<li class="strip-frame reference"><div class="thumb crop">{head}</div>'
        '<span class="scene-name">the reference</span></li>'
        f"{items}</ol></div>"
    )


def _strip_frame_html(strip: CharacterStrip, frame: StripFrame) -> str:
    likeness = frame.likeness
    if likeness is None:
        picture = '<span class="placeholder"><span>not scored</span></span>'
        figures = ""
    else:
        picture = (
            f'<img src="{_e(likeness.crop)}" alt="{_e(strip.name)} in scene {frame.number}">'
            if likeness.crop
            else '<span class="placeholder"><span>not found</span></span>'
        )
        shown = [f"likeness {_number(likeness.cross)}"]
        if likeness.self is not None:
            shown.append(f"self {_number(likeness.self)}")
        worst = likeness.words[:1]
        said = "".join(
            f'<span class="strip-words {FLAG_CLASSES.get(flag, "warn")}">{_e(sentence)}</span>'
            for flag, sentence in worst
        )
        figures = "".join(f'<span class="figures">{_e(line)}</span>' for line in shown) + said
    mark = {
        "drift": '<span class="outlier-tag">drifted</span>',
        "lowest": '<span class="outlier-tag soft">least alike</span>',
    }.get(frame.outlier or "", "")
    classes = "strip-frame" + (f" outlier-{frame.outlier}" if frame.outlier else "")
    title = "; ".join(sentence for _, sentence in likeness.words) if likeness else ""
    return (
        f'<li class="{classes}" title="{_e(title)}">'
        f'<a href="#scene-{_e(frame.scene_id)}"><div class="thumb crop">{picture}{mark}</div>'
        f'<span class="scene-name"><b>{frame.number:02d}</b> {_e(frame.title)}</span></a>'
        f"{figures}</li>"
    )
