"""Shape mistakes do not hide the others: every mistake of a project at once."""

from __future__ import annotations

import pytest
from conftest import MakeProject

from storyboard._errors import ProjectInvalid
from storyboard._project import Project

STORY = """\
storyboard: 1
title: Many Mistakes
characters:
  eileen: {image: assets/e.png}
  chelsea: {image: assets/missing.png}
  mug: {image: assets/e.png, colour: white}
scenes:
  - id: one
    prompt: "@eileen drinks from @mug"
    duraton: 5
  - id: two
    prompt: "after @one, @eilen waves"
  - id: three
    prompt: "@chelsea sleeps"
    duration: 12
cuts:
  teaser: [three, four]
"""


def test_shape_and_meaning_mistakes_are_reported_together(make_project: MakeProject) -> None:
    root = make_project(STORY, {"e.png": (200, 60, 40)})
    with pytest.raises(ProjectInvalid) as caught:
        Project.load(root)
    found = [(p.line, p.message) for p in caught.value.problems]
    lines = [line for line, _ in found]
    assert lines == [5, 6, 10, 12, 15, 17], found
    messages = " | ".join(message for _, message in found)
    assert 'unknown key "colour"' in messages  # shape: the mug's definition
    assert 'unknown key "duraton"' in messages  # shape: scene one
    assert "did you mean @eileen" in messages  # meaning: scene two
    assert "missing.png" in messages  # an image
    assert "12 s" in messages or "duration 12" in messages  # a limit
    assert '"four"' in messages  # a cut
    # the broken mug and the broken scene one are not reported again where they are used
    assert "@mug" not in messages and "@one" not in messages


def test_a_broken_scenes_list_stops_at_the_shape(make_project: MakeProject) -> None:
    root = make_project("storyboard: 1\ntitle: x\nscenes: []\n")
    with pytest.raises(ProjectInvalid) as caught:
        Project.load(root)
    assert len(caught.value.problems) == 1
