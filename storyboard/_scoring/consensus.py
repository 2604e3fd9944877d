"""*self*: each take of a character against the consensus of the others, across scenes.

The consensus is the character's reference (or, once the writer approved one, the
take that anchors the character) plus every take that passed *cross*
(recognised, not `mismatch` or `absent`); a plain median over all takes would
follow the majority when most takes are wrong. A take's *self* is 1 - the
median face distance to the consensus members other than itself; under
1 - ``face_distance`` it is flagged `drift`. Only faces have a descriptor to
compare, so only characters with a face get a *self*. Plain Python (a few 128-number
descriptors per character), so `status` needs no numpy.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .records import ClipScore
from .settings import ScoreSettings

Vector = tuple[float, ...]


@dataclass(frozen=True)
class SelfScore:
    """One character in one take, against the consensus: ``self`` and its flag."""

    character: str
    take: str
    self: float
    flags: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"character": self.character, "self": self.self, "flags": list(self.flags)}


def character_of(mention: str) -> str:
    """The character a mention shows (``eileen:portrait`` -> ``eileen``)."""
    return mention.split(":", 1)[0]


def self_scores(
    takes: Mapping[str, ClipScore],
    anchors: Mapping[str, Sequence[float]] | None = None,
    settings: ScoreSettings | None = None,
) -> list[SelfScore]:
    """*self* for every character with a face in ``takes`` (named however the caller likes).

    The character's pictures (each score keeps its reference's descriptor) join the
    consensus, unless ``anchors`` gives the character one (the face in the take the writer
    approved, ``storyboard approve``), which stands in their place."""
    settings = settings or ScoreSettings()
    seen: dict[str, dict[str, tuple[Vector, bool]]] = {}
    pictures: dict[str, dict[tuple[float, ...], Vector]] = {}
    for name, score in takes.items():
        for subject in score.subjects:
            if subject.method != "face" or subject.descriptor is None:
                continue
            character = character_of(subject.mention)
            passed = not {"mismatch", "absent"} & set(subject.flags)
            seen.setdefault(character, {})[name] = (tuple(subject.descriptor), passed)
            if subject.anchor is not None:
                pictures.setdefault(character, {})[subject.anchor] = tuple(subject.anchor)
    for character, anchor in (anchors or {}).items():
        pictures[character] = {tuple(anchor): tuple(anchor)}
    found = []
    for character, by_take in seen.items():
        consensus = {name: vector for name, (vector, passed) in by_take.items() if passed}
        for name, (vector, _) in by_take.items():
            others = [other for key, other in consensus.items() if key != name]
            others.extend(pictures.get(character, {}).values())
            if not others:
                continue
            distance = statistics.median(math.dist(vector, other) for other in others)
            value = round(1.0 - distance, 4)
            drifted = distance > settings.face_distance
            found.append(SelfScore(character, name, value, ("drift",) if drifted else ()))
    return found
