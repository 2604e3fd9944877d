"""Keys: every input counts, names only for the preview, reasons for changes."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeProject
from PIL import Image

from storyboard.keys import explain_change, key_of, scene_inputs
from storyboard.project import Project

STORY = """\
storyboard: 1
title: Keys
characters:
  eileen: {image: assets/e.png}
  chelsea: {image: assets/c.png}
scenes:
  - id: one
    prompt: "@eileen waves at @chelsea"
  - id: two
    prompt: "after @one, @eileen sits"
"""


def _project(make_project: MakeProject, story: str = STORY) -> Project:
    root: Path = make_project(story, {"e.png": (200, 10, 10), "c.png": (10, 200, 10)})
    return Project.load(root)


def test_key_changes_with_each_input(make_project: MakeProject) -> None:
    project = _project(make_project)
    one = project.scenes["one"]
    base = scene_inputs(one, "xai", {})
    assert base is not None
    keys = {key_of(base)}
    for change in (
        {"prompt": "x"},
        {"duration": 9},
        {"resolution": "480p"},
        {"provider": "preview"},
    ):
        keys.add(key_of({**base, **change}))
    assert len(keys) == 5


def test_scene_mentions_need_the_upstream_frame(make_project: MakeProject) -> None:
    project = _project(make_project)
    two = project.scenes["two"]
    assert scene_inputs(two, "xai", {}) is None
    with_frame = scene_inputs(two, "xai", {"one": "f" * 64})
    other_frame = scene_inputs(two, "xai", {"one": "e" * 64})
    assert with_frame and other_frame
    assert key_of(with_frame) != key_of(other_frame)
    assert explain_change(with_frame, other_frame) == "upstream take changed: @one"


def test_renaming_an_asset_keeps_the_real_key_but_not_the_preview_key(
    make_project: MakeProject,
) -> None:
    before = _project(make_project)
    renamed = make_project(STORY.replace("eileen", "ellie"), name="renamed")
    for file_name, colour in {"e.png": (200, 10, 10), "c.png": (10, 200, 10)}.items():
        Image.new("RGB", (64, 48), colour).save(renamed / "assets" / file_name)
    after = Project.load(renamed)
    old = scene_inputs(before.scenes["one"], "xai", {})
    new = scene_inputs(after.scenes["one"], "xai", {})
    assert old and new and key_of(old) == key_of(new)
    old_preview = scene_inputs(before.scenes["one"], "preview", {})
    new_preview = scene_inputs(after.scenes["one"], "preview", {})
    assert old_preview and new_preview and key_of(old_preview) != key_of(new_preview)


def test_reasons_name_what_changed(make_project: MakeProject) -> None:
    project = _project(make_project)
    base = scene_inputs(project.scenes["one"], "xai", {})
    assert base is not None
    assert explain_change(base, {**base, "prompt": "other"}) == "prompt changed"
    changed_image = {
        **base,
        "references": [{**base["references"][0], "sha256": "0" * 64}, base["references"][1]],
    }
    assert explain_change(base, changed_image) == "reference image changed: @eileen"
    assert explain_change(base, {**base, "duration": 3}) == "settings changed: duration"
