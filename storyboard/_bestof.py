"""Best of N takes: which take of a scene scores best, and what trying more may cost.

``build --best-of N`` makes further takes of a scene only while its take fails its
checks (any flag of its own; ``drift`` is across scenes and needs the whole film), up
to N takes of the scene's key, and selects the best-scoring one. A take the writer
chose with ``storyboard use`` is never replaced. Before spending, ``--max-cost`` is
checked against the most such a build may cost: :func:`extra_takes_cost`.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from ._compiler import CompiledScene
from ._lockfile import LockFile
from ._plan import Plan, Planner
from ._scoring.records import FLAGS, ClipScore


def passes(score: ClipScore | None) -> bool:
    """Whether a take passed its checks: scored, and no flag of its own."""
    return score is not None and not score.all_flags()


def merit(score: ClipScore | None) -> tuple[int, int, float]:
    """How good a take is, to compare takes of one scene (higher is better): its worst
    flag (a later one in :data:`FLAGS` is milder; none is best), then fewer flags, then the
    mean *cross* of its subjects (a subject never found counts 0). Unscored is worst."""
    if score is None:
        return (-1, 0, 0.0)
    flags = score.all_flags()
    worst = min(FLAGS.index(flag) for flag in flags) if flags else len(FLAGS)
    crosses = [subject.cross or 0.0 for subject in score.subjects]
    return (worst, -len(flags), statistics.fmean(crosses) if crosses else 0.0)


@dataclass(frozen=True)
class BestOfEstimate:
    """What ``--best-of`` may add to a build's estimate, at most: ``takes`` extra takes
    costing ``cost_usd``."""

    takes: int
    cost_usd: float


def extra_takes_cost(
    plan: Plan,
    planner: Planner,
    lock: LockFile,
    targets: list[str],
    best_of: int,
    scores: Mapping[str, ClipScore],
    regen_from: Mapping[str, int],
) -> BestOfEstimate:
    """The most ``--best-of best_of`` may add to a build of ``targets`` (in graph order).

    A scene to be made (missing, stale or remade by regen) may need ``best_of - 1`` takes
    beyond its first; a cached scene below one that may get a new take, ``best_of``; a
    cached scene whose selected take failed its checks or was never scored, ``best_of``
    less the takes it has. A scene that passed, or whose take the writer chose, needs
    none. ``scores`` are the stored scores by clip. Each extra take is priced like the
    scene's first (from the step regen starts at, for a scene with steps).
    """
    if best_of <= 1:
        return BestOfEstimate(0, 0.0)
    may_change: set[str] = set()
    takes = 0
    cost = 0.0
    for scene_id in targets:
        scene_plan = plan.all_scenes[scene_id]
        scene = scene_plan.scene
        start = regen_from.get(scene_id, 0)
        follows = any(upstream in may_change for upstream in scene.depends_on)
        first_counted = scene_plan.state != "cached" or scene_id in regen_from
        made_anew = first_counted or follows
        chosen_by_writer = any(
            lock.chosen_by_writer(plan.provider, node.id, node.key)
            for node in scene_plan.nodes
            if node.key is not None
        )
        chosen = scene_plan.take.clip if scene_plan.take else ""
        if made_anew:  # a cached scene below a new take is made again: its first take too
            extra = (
                best_of - 1 if scene_plan.state != "cached" or scene_id in regen_from else best_of
            )
        elif chosen_by_writer or passes(scores.get(chosen)):
            extra = 0
        else:
            extra = max(0, best_of - len(scene_plan.nodes[start].takes))
        if made_anew or extra:
            may_change.add(scene_id)
        takes += extra
        cost += extra * try_price(planner, scene, start)
    return BestOfEstimate(takes, round(cost, 4))


def try_price(planner: Planner, scene: CompiledScene, start: int) -> float:
    """What one more try of a scene costs: its generation (unless it starts at a step)
    and each step from ``start`` on."""
    price = planner.price(scene) if start == 0 else 0.0
    for step in scene.steps:
        if step.number >= start:
            price += planner.spec.estimate(scene.step_request(step, ""))
    return price


def best_of_words(best_of: int, extra: BestOfEstimate) -> str:
    """How the estimate counts ``--best-of``, as plan and build say it."""
    return (
        f"with --best-of {best_of}: up to {extra.takes} more take{'s' * (extra.takes != 1)}, "
        f"${extra.cost_usd:.2f} at most (each scene that is made, or whose take fails its "
        f"checks, counted at {best_of} takes)"
    )
