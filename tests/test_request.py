"""The request is the key: every field counts, names only for the preview, generic reasons."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conftest import MakeProject
from PIL import Image

from storyboard._project import Project
from storyboard._providers.registry import REGISTRY
from storyboard._request import SceneRequest, explain_change

XAI = REGISTRY["xai"]
PREVIEW = REGISTRY["preview"]

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


def _request(project: Project, scene_id: str, frames: dict[str, str] | None = None) -> SceneRequest:
    request = project.scenes[scene_id].request(frames or {})
    assert request is not None
    return request


def test_key_changes_with_each_input(make_project: MakeProject) -> None:
    base = _request(_project(make_project), "one")
    keys = {XAI.key(base), PREVIEW.key(base)}
    for change in ({"prompt": "x"}, {"duration": 9}, {"resolution": "480p"}, {"mode": "text"}):
        keys.add(XAI.key(dataclasses.replace(base, **change)))  # type: ignore[arg-type]
    assert len(keys) == 6


def test_a_new_field_joins_the_key_and_the_reasons_with_no_other_edit(
    make_project: MakeProject,
) -> None:
    @dataclasses.dataclass(frozen=True)
    class WithSeed(SceneRequest):
        seed: int = 0

    base = _request(_project(make_project), "one")
    unset = WithSeed(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
    seeded = dataclasses.replace(unset, seed=7)
    assert XAI.key(unset) == XAI.key(base), "a field left at its default keeps old keys"
    assert XAI.key(seeded) != XAI.key(base)
    assert PREVIEW.key(seeded) != PREVIEW.key(base)
    assert explain_change(XAI.record(base), XAI.record(seeded)) == "settings changed: seed"


def test_the_label_is_in_the_preview_key_only(make_project: MakeProject) -> None:
    base = _request(_project(make_project), "one")
    relabelled = dataclasses.replace(base, label="other")
    assert XAI.key(relabelled) == XAI.key(base)
    assert PREVIEW.key(relabelled) != PREVIEW.key(base)
    assert explain_change(PREVIEW.record(base), PREVIEW.record(relabelled)) == (
        "settings changed: label"
    )


def test_scene_mentions_need_the_upstream_frame(make_project: MakeProject) -> None:
    project = _project(make_project)
    two = project.scenes["two"]
    assert two.request({}) is None
    with_frame = XAI.record(_request(project, "two", {"one": "f" * 64}))
    other_frame = XAI.record(_request(project, "two", {"one": "e" * 64}))
    assert XAI.key(_request(project, "two", {"one": "f" * 64})) != XAI.key(
        _request(project, "two", {"one": "e" * 64})
    )
    assert explain_change(with_frame, other_frame) == "upstream take changed: @one"


def test_renaming_an_asset_keeps_the_real_key_but_not_the_preview_key(
    make_project: MakeProject,
) -> None:
    before = _project(make_project)
    renamed = make_project(STORY.replace("eileen", "ellie"), name="renamed")
    for file_name, colour in {"e.png": (200, 10, 10), "c.png": (10, 200, 10)}.items():
        Image.new("RGB", (64, 48), colour).save(renamed / "assets" / file_name)
    after = Project.load(renamed)
    old, new = _request(before, "one"), _request(after, "one")
    assert XAI.key(old) == XAI.key(new)
    assert PREVIEW.key(old) != PREVIEW.key(new)


def test_reasons_name_what_changed(make_project: MakeProject) -> None:
    base = XAI.record(_request(_project(make_project), "one"))
    assert explain_change(base, {**base, "prompt": "other"}) == "prompt changed"
    changed_image = {
        **base,
        "references": [{**base["references"][0], "sha256": "0" * 64}, base["references"][1]],
    }
    assert explain_change(base, changed_image) == "reference image changed: @eileen"
    swapped = {**base, "references": base["references"][::-1]}
    assert explain_change(base, swapped) == "references changed"
    assert explain_change(base, {**base, "start": "0" * 64}) == "start frame changed"
    assert explain_change(base, {**base, "duration": 3}) == "settings changed: duration"
    assert explain_change(base, {**base, "duration": 3, "resolution": "480p"}) == (
        "settings changed: duration, resolution"
    )
    assert explain_change(base, {**base, "duration": 3, "prompt": "x"}) == "prompt changed"
    assert explain_change(base, dict(base)) == "inputs changed"
