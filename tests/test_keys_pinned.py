"""The keys of the example project, pinned: writers have paid clips under these keys.

A change in how a key is computed would orphan every take in every cache, so
these literal keys may only change together with ``RECIPE_VERSION``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyboard._engine import BuildOptions
from storyboard._lockfile import LockFile
from storyboard._plan import Planner
from storyboard._project import Project
from storyboard._providers.registry import REGISTRY
from storyboard._request import explain_change
from storyboard._studio import Studio

FAKE_FRAMES = {"suit-up": "1" * 64, "walkout": "2" * 64, "chelsea:night": "3" * 64}
"""Stand-ins for the last frames of the two scenes that others start from or mention, and
for the generated look homecoming mentions."""

KEYS_WITH_FAKE_FRAMES = {
    "xai": {
        "breakfast": "d52dbf562f14326582ade7639b795ba163c0210f3d568c227a6623c6e9c7602b",
        "suit-up": "e43ad02b7c44b863cc540dfe447852ecb11302eed3e5874e2126919af36ba029",
        "walkout": "118b6a5c1d113bf1c0c0be59c2eb45e24b30e3ef22b5dd998432b10f361c285e",
        "liftoff": "28e46519bd62c6e7ee3580e501a26cc4a03e1f319f84c28b8f7daea8caf9fd5f",
        "orbit": "89253ad1b6e539d2cce285797b9f341f975691ffffb05ef7cb3bc86d031955fb",
        # homecoming mentions @chelsea:night, a generated look, so its key holds that image
        "homecoming": "4102fd90aac617f1a97bd2017ed409e73ed49c6f38941b0599cfd11401f9e903",
    },
    "preview": {
        "breakfast": "5a11d21ff5a6ad323df137803b37698bc8b052da7d9b024976af135f7a55d6e7",
        "suit-up": "eebb75d9c53842937e836d416708e06d9d24f5efad975f3d6bcfb897244631f0",
        "walkout": "c6e45215f756bbcc4f82b95eeb1fa24d9effd956d069764ad376351ec21a06c0",
        "liftoff": "71fa3a9afa370d69a9675e7ced4b5f7e3f3c4eb420c266ead19bbccc38a5c652",
        "orbit": "c025ffba4a241322af5990c8079ec7319527a66665d0a0139e2e84642b0e90e9",
        "homecoming": "61cae1309bcba5b9aa4b2d445bfe28aa85486ad3ab6f74596aeaeb6d8e18eac2",
    },
}

PREVIEW_FRAMES = {
    "suit-up": "b2147308b93acb531905077ee0c46ae1a4eed445d66d65bc56b2490b87a0b532",
    "walkout": "2efc8661ae53b86d999e495af491db54243595bf361ba46ec8501f1784ff8f81",
}
"""The last frames of the preview clips of suit-up and walkout (drawn in the Noto fonts of
:mod:`storyboard._typesetting`: they change with the preview's look, not with the keys'
recipe; preview clips cost nothing to make again)."""

KEYS_AFTER_A_PREVIEW_BUILD = {
    "preview": {
        **KEYS_WITH_FAKE_FRAMES["preview"],
        "walkout": "f381d32ea8e4a7ebeb4ab893d8d0164b3e10e072809652939c47d4b44e25cd83",
        "liftoff": "18c65670baec7c261f4c4c9fb806e7714fb9e31470e10306b9678da8eff47152",
        "homecoming": None,  # `--only liftoff` does not make @chelsea:night
    },
    "xai": {
        **KEYS_WITH_FAKE_FRAMES["xai"],
        "walkout": "ca20d05a926456fe7dd9857c47757b0b0c4762a0423b05d67edeaf95e6a87992",
        "liftoff": "459729da4c4a8eb954e9acce6cff89f7406fa2cfffb590be4ac48dc558696417",
        "homecoming": None,
    },
}


STORED_WALKOUT_RECORD = {
    "aspect_ratio": "16:9",
    "duration": 6,
    "label": "walkout",
    "mode": "reference",
    "model": "grok-imagine-video",
    "prompt": "continuing from <IMAGE_1>: <IMAGE_2>, wearing <IMAGE_3>, walks toward <IMAGE_4> "
    "at dawn. wide shot, long shadows.",
    "provider": "preview",
    "recipe": 1,
    "references": [
        {"kind": "scene", "mention": "suit-up", "sha256": PREVIEW_FRAMES["suit-up"]},
        {
            "kind": "character",
            "mention": "eileen",
            "sha256": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
        },
        {
            "kind": "wardrobe",
            "mention": "flight-suit",
            "sha256": "c4cc84cdcdc5aec26772e458c469129da480426cb0dc0ec6aec8a907f92c224e",
        },
        {
            "kind": "location",
            "mention": "pad",
            "sha256": "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
        },
    ],
    "resolution": "720p",
    "start": None,
}
"""walkout's inputs as a preview build before the request refactor stored them."""


def _keys(project: Project, provider: str, frames: dict[str, str]) -> dict[str, str | None]:
    planner = Planner(project, None, LockFile(project.root), provider)
    return {
        # the generation's key: a scene with steps has its last step's as its own
        scene_id: planner.scene_plan(project.scenes[scene_id], dict(frames)).nodes[0].key
        for scene_id in project.graph.order()
    }


@pytest.mark.parametrize("provider", ["xai", "preview"])
def test_the_example_keys_are_unchanged(example: Path, provider: str) -> None:
    project = Project.load(example)
    assert _keys(project, provider, FAKE_FRAMES) == KEYS_WITH_FAKE_FRAMES[provider]


def test_records_stored_by_earlier_builds_still_explain_changes(example: Path) -> None:
    project = Project.load(example)
    spec = REGISTRY["preview"]
    request = project.scenes["walkout"].request(PREVIEW_FRAMES)
    assert request is not None
    assert json.loads(json.dumps(spec.record(request))) == STORED_WALKOUT_RECORD
    longer = project.scenes["walkout"].request({**PREVIEW_FRAMES, "suit-up": "3" * 64})
    assert longer is not None
    assert explain_change(STORED_WALKOUT_RECORD, spec.record(longer)) == (
        "upstream take changed: @suit-up"
    )


@pytest.mark.slow
def test_a_preview_build_of_the_example_makes_the_same_frames_and_keys(example: Path) -> None:
    studio = Studio.open(example)
    try:
        result = studio.build("preview", BuildOptions(only=["liftoff"]))
        assert result.ok
        plan = studio.plan("preview")
        assert plan.frames == PREVIEW_FRAMES
        generations = {s: p.nodes[0].key for s, p in plan.all_scenes.items()}
        assert generations == KEYS_AFTER_A_PREVIEW_BUILD["preview"]
        assert _keys(studio.project, "xai", plan.frames) == KEYS_AFTER_A_PREVIEW_BUILD["xai"]
    finally:
        studio.close()
