"""Fitting the thresholds to a writer's own labelled takes (``storyboard calibrate``).

Each threshold of :class:`ScoreSettings` that a stored score can be judged by again is
fitted on its own: every labelled take with that measurement is a point, ``bad`` takes
should fall on the flagged side and ``good`` ones on the other. The fitted value is the
midpoint of the gap that gets the most labels right (ties: nearest the current value);
it replaces the current value only when it gets more labels right. The *margin* is how
far apart the two labels are on that measure: positive when they separate.
Plain Python, so that fitting needs no scoring stack.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .records import ClipScore, SubjectScore
from .settings import ScoreSettings

Side = Literal["above", "below", "from"]
"""Where a take is flagged: above the threshold, below it, or from it up."""


@dataclass(frozen=True)
class Measure:
    """One threshold and the measurement of a take that it is compared with."""

    setting: str
    words: str
    side: Side
    value: Callable[[ClipScore], float | None]
    whole: bool = False
    """A count (SIFT inliers): fitted to a whole number."""


def _found(score: ClipScore, method: str | None = None) -> list[SubjectScore]:
    return [
        subject
        for subject in score.subjects
        if subject.cross is not None and (method is None or subject.method == method)
    ]


def _worst(values: Sequence[float | None], side: Side) -> float | None:
    known = [value for value in values if value is not None]
    if not known:
        return None
    return min(known) if side == "below" else max(known)


MEASURES = (
    Measure(
        "face_distance",
        "face distance",
        "above",
        lambda s: _worst([1 - (x.cross or 0.0) for x in _found(s, "face")], "above"),
    ),
    Measure(
        "present_share",
        "presence",
        "below",
        lambda s: _worst([x.present for x in _found(s)], "below"),
    ),
    Measure("small_share", "size", "below", lambda s: _worst([x.size for x in _found(s)], "below")),
    Measure(
        "colour_correlation",
        "colour correlation",
        "below",
        lambda s: _worst([x.colour for x in _found(s)], "below"),
    ),
    Measure(
        "copy_correlation",
        "face copy correlation",
        "from",
        lambda s: _worst([x.copy for x in _found(s, "face")], "from"),
    ),
    Measure(
        "copy_inliers",
        "copy inliers",
        "from",
        lambda s: _worst([x.copy for x in _found(s, "appearance")], "from"),
        whole=True,
    ),
    Measure("continuity_correlation", "continuity", "below", lambda s: s.continuity),
)


@dataclass(frozen=True)
class Fit:
    """One threshold fitted: the labels each value gets right, and the margin."""

    setting: str
    words: str
    current: float
    fitted: float | None
    """None when the labels cannot place it (no take labelled good has this measurement)."""
    right: int
    """Labels the fitted value gets right (with the current value when not fitted)."""
    current_right: int
    labels: int
    """Labelled takes with this measurement."""
    margin: float | None
    """The nearest bad take's value less the nearest good take's, on the flagged side:
    positive when the labels separate (None without a bad take measured)."""

    @property
    def adopted(self) -> bool:
        return self.fitted is not None and self.right > self.current_right

    @property
    def value(self) -> float:
        return self.fitted if self.adopted and self.fitted is not None else self.current

    def as_dict(self) -> dict[str, object]:
        shown = dataclasses.asdict(self)
        shown["adopted"] = self.adopted
        shown["value"] = self.value
        return shown


def flagged(value: float, threshold: float, side: Side) -> bool:
    if side == "above":
        return value > threshold
    if side == "below":
        return value < threshold
    return value >= threshold


def fit_all(labelled: Sequence[tuple[ClipScore, bool]], settings: ScoreSettings) -> list[Fit]:
    """Every threshold fitted to ``labelled`` takes (a score, and whether it is good)."""
    return [fit_one(measure, labelled, settings) for measure in MEASURES]


def fit_one(
    measure: Measure, labelled: Sequence[tuple[ClipScore, bool]], settings: ScoreSettings
) -> Fit:
    current = float(getattr(settings, measure.setting))
    points = [
        (value, good) for score, good in labelled if (value := measure.value(score)) is not None
    ]

    def right(threshold: float) -> int:
        return sum(flagged(value, threshold, measure.side) != good for value, good in points)

    goods = [value for value, good in points if good]
    bads = [value for value, good in points if not good]
    current_right = right(current)
    if not goods:  # bad labels alone may be bad for any reason: nothing to fit
        return Fit(
            measure.setting,
            measure.words,
            current,
            None,
            current_right,
            current_right,
            len(points),
            None,
        )
    values = sorted({value for value, _ in points})
    between = [(low + high) / 2 for low, high in itertools.pairwise(values)]
    ends = [values[0] - 0.01, *between, values[-1] + 0.01]
    candidates = [_rounded(value, measure.whole) for value in ends]
    best = max(candidates, key=lambda t: (right(t), -abs(t - current)))
    up = measure.side == "above" or measure.side == "from"
    margin = None
    if bads:
        margin = round((min(bads) - max(goods)) if up else (min(goods) - max(bads)), 4)
    return Fit(
        measure.setting,
        measure.words,
        current,
        best,
        right(best),
        current_right,
        len(points),
        margin,
    )


def _rounded(value: float, whole: bool) -> float:
    return float(round(value)) if whole else round(value, 3)
