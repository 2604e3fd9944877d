"""The scene graph: waves of generation, what is downstream, cycles named whole."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from storyboard._compiler import CompiledScene
from storyboard._errors import ProjectInvalid
from storyboard._graph import SceneGraph, render_dot, render_mermaid, render_text
from storyboard._project import Project


def scene(scene_id: str, *depends_on: str) -> CompiledScene:
    return CompiledScene(
        id=scene_id,
        position=0,
        title=None,
        mode="text",
        model="grok-imagine-video",
        prompt="x",
        duration=6,
        aspect_ratio="16:9",
        resolution="720p",
        references=(),
        start=None,
        caption=None,
        depends_on=depends_on,
    )


def graph(*scenes: CompiledScene) -> SceneGraph:
    return SceneGraph(scenes)


# breakfast   suit-up <- (none)
# walkout  <- suit-up
# liftoff  <- walkout
# orbit       (alone)
# homecoming <- liftoff, breakfast
FILM = graph(
    scene("breakfast"),
    scene("suit-up"),
    scene("walkout", "suit-up"),
    scene("liftoff", "walkout"),
    scene("orbit"),
    scene("homecoming", "liftoff", "breakfast"),
)
ORDER = ["breakfast", "suit-up", "walkout", "liftoff", "orbit", "homecoming"]


def test_generations_are_waves_that_need_only_earlier_waves() -> None:
    assert FILM.generations() == [
        ["breakfast", "orbit", "suit-up"],
        ["walkout"],
        ["liftoff"],
        ["homecoming"],
    ]
    assert FILM.order() == ["breakfast", "orbit", "suit-up", "walkout", "liftoff", "homecoming"]


def test_every_scene_comes_after_what_it_needs() -> None:
    order = FILM.order()
    for upstream, downstream in FILM.edges():
        assert order.index(upstream) < order.index(downstream)


def test_downstream_is_every_descendant() -> None:
    assert FILM.downstream("suit-up") == {"walkout", "liftoff", "homecoming"}
    assert FILM.downstream("breakfast") == {"homecoming"}
    assert FILM.downstream("orbit") == set()
    assert FILM.downstream("homecoming") == set()
    assert [FILM.needed_by_others(s) for s in ("suit-up", "breakfast", "orbit")] == [
        True,
        True,
        False,
    ]


def test_upstream_is_every_ancestor() -> None:
    assert FILM.upstream("homecoming") == {"breakfast", "suit-up", "walkout", "liftoff"}
    assert FILM.direct_upstream("homecoming") == ["breakfast", "liftoff"]
    assert FILM.with_upstream(["liftoff", "orbit"]) == {"liftoff", "walkout", "suit-up", "orbit"}
    assert FILM.with_upstream(FILM.scene_ids()) == set(FILM.scene_ids())
    assert FILM.with_upstream([]) == set()


def test_a_scene_may_need_a_later_scene() -> None:
    flashback = graph(scene("flashback", "present"), scene("present"))
    assert flashback.generations() == [["present"], ["flashback"]]


def test_an_acyclic_graph_has_no_cycle() -> None:
    assert FILM.find_cycle() is None


@pytest.mark.parametrize(
    "scenes",
    [
        [scene("a", "b"), scene("b", "a")],
        [scene("a", "c"), scene("b", "a"), scene("c", "b")],
        [scene("a", "a")],
        [scene("x"), scene("a", "d", "x"), scene("b", "a"), scene("c", "b"), scene("d", "c")],
    ],
)
def test_a_cycle_is_named_whole_as_a_closed_walk(scenes: list[CompiledScene]) -> None:
    cycle = SceneGraph(scenes).find_cycle()
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    walk = cycle[:-1]
    members = {s.id for s in scenes if s.id != "x"}
    assert set(walk) == members and len(walk) == len(members)
    needs = {s.id: set(s.depends_on) for s in scenes}
    for before, after in itertools.pairwise(cycle):
        assert before in needs[after], f"{after} does not need {before}"


def test_renderings_name_every_scene_and_edge() -> None:
    text = render_text(FILM, ORDER)
    assert text.splitlines()[0] == "breakfast"
    assert "homecoming  <- breakfast, liftoff" in text
    assert "1. breakfast orbit suit-up" in text
    mermaid = render_mermaid(FILM, ORDER)
    assert mermaid.startswith("flowchart LR")
    assert mermaid.count("-->") == len(FILM.edges()) == 4
    dot = render_dot(FILM, ORDER)
    assert '"walkout" -> "liftoff";' in dot
    assert dot.rstrip().endswith("}")


# -- cycles in a project -------------------------------------------------------------------


def problems_of(tmp_path: Path, story: str) -> list[str]:
    (tmp_path / "story.yaml").write_text(story, encoding="utf-8")
    with pytest.raises(ProjectInvalid) as caught:
        Project.load(tmp_path)
    return [str(problem) for problem in caught.value.problems]


def test_a_project_cycle_is_reported_once_naming_every_scene_in_order(tmp_path: Path) -> None:
    (problem,) = problems_of(
        tmp_path,
        """\
storyboard: 1
title: Loop
scenes:
  - id: intro
    prompt: no dependencies.
  - id: one
    prompt: after @four.
  - id: two
    start: one
  - id: three
    prompt: after @two.
  - id: four
    prompt: >
      after @intro and @three.
""",
    )
    # reported at the first scene of the cycle in the file, at the mention that closes it
    assert problem.startswith("story.yaml:7:19: ")
    assert "one -> two -> three -> four -> one" in problem


def test_a_cycle_through_start_is_reported_at_the_start(tmp_path: Path) -> None:
    (problem,) = problems_of(
        tmp_path,
        """\
storyboard: 1
title: Loop
scenes:
  - id: a
    start: b
  - id: b
    prompt: after @a.
""",
    )
    assert problem.startswith("story.yaml:5:12: ")
    assert "a -> b -> a" in problem


def test_a_scene_starting_from_itself(tmp_path: Path) -> None:
    (problem,) = problems_of(
        tmp_path, "storyboard: 1\ntitle: Loop\nscenes:\n  - id: a\n    start: a\n"
    )
    assert problem.startswith("story.yaml:5:12: ")
    assert 'scene "a" starts from itself' in problem
