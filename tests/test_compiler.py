"""The scene compiler: modes, limits per mode, starts, scene mentions, suggestions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storyboard._compiler import AssetEntry, CompiledScene, SceneCompiler
from storyboard._errors import Problem
from storyboard._images import CheckedImage
from storyboard._limits import MODELS
from storyboard._loader import PathKey, read_story, validate_story

HEAD = """\
storyboard: 1
title: Compiler
"""


def image(source: str) -> CheckedImage:
    sha = hashlib.sha256(source.encode()).hexdigest()
    return CheckedImage(source, "path", sha, "image/png", None, 2, 2)


ASSETS: dict[str, AssetEntry] = {
    "eileen": AssetEntry(
        "eileen",
        "character",
        image("assets/eileen.png"),
        {"portrait": image("assets/portrait.png")},
    ),
    "chelsea": AssetEntry("chelsea", "character", image("assets/chelsea.png"), {}),
    "mug": AssetEntry("mug", "prop", image("assets/mug.png"), {}),
    "pad": AssetEntry("pad", "location", image("assets/pad.png"), {}),
    "broken": AssetEntry("broken", "prop", None, {}),  # its image was refused elsewhere
}


@dataclass
class Compiled:
    scenes: dict[str, CompiledScene | None]
    problems: list[Problem]
    resolved: list[tuple[str, PathKey]] = field(default_factory=list)

    def only_problem(self) -> Problem:
        assert len(self.problems) == 1, self.problems
        return self.problems[0]

    def scene(self, scene_id: str) -> CompiledScene:
        compiled = self.scenes[scene_id]
        assert compiled is not None, self.problems
        return compiled


def compile_story(tmp_path: Path, body: str, refused: frozenset[str] = frozenset()) -> Compiled:
    """Compile every scene of HEAD + body; images named in ``refused`` are refused."""
    story_file = tmp_path / "story.yaml"
    story_file.write_text(HEAD + body, encoding="utf-8")
    data, positions, problems = read_story(story_file)
    assert problems == []
    story, problems = validate_story(data, positions)
    assert story is not None, problems
    resolved: list[tuple[str, PathKey]] = []
    refusals: list[Problem] = []

    def resolve(source: str, path: PathKey) -> CheckedImage | None:
        resolved.append((source, path))
        if source in refused:
            refusals.append(positions.problem(path, f"refused {source}"))
            return None
        return image(source)

    compiler = SceneCompiler(story, positions, ASSETS, resolve)
    scenes = {scene.id: compiler.compile(i, scene) for i, scene in enumerate(story.scenes)}
    return Compiled(scenes, compiler.problems + refusals, resolved)


def place(problem: Problem) -> tuple[int | None, int | None]:
    return problem.line, problem.column


# -- modes -------------------------------------------------------------------------------


def test_modes_follow_from_what_a_scene_uses(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - id: kitchen
    prompt: "@eileen sips from @mug."
  - id: orbit
    prompt: the earth turns below.
  - id: liftoff
    start: kitchen
    prompt: the rocket lifts off.
  - id: still
    start: assets/first-frame.png
""",
    )
    assert compiled.problems == []
    modes = {sid: compiled.scene(sid).mode for sid in compiled.scenes}
    assert modes == {"kitchen": "reference", "orbit": "text", "liftoff": "image", "still": "image"}
    assert compiled.scene("liftoff").start is not None
    assert compiled.scene("liftoff").start.scene == "kitchen"  # type: ignore[union-attr]
    still = compiled.scene("still").start
    assert still is not None and still.image == image("assets/first-frame.png")
    assert compiled.resolved == [("assets/first-frame.png", ("scenes", 3, "start"))]


def test_a_scene_with_a_refused_image_keeps_its_mode_and_its_limits(tmp_path: Path) -> None:
    """A broken image must not turn a reference scene into a text scene and hide a limit."""
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - id: nap
    prompt: "@broken on the table."
    duration: 12
""",
    )
    assert compiled.scenes["nap"] is None
    problem = compiled.only_problem()
    assert place(problem) == (6, 15)
    assert "too long" in problem.message and "reference-to-video" in problem.message


def test_a_scene_whose_start_image_is_refused_is_not_compiled(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - id: nap
    start: assets/missing.png
""",
        refused=frozenset({"assets/missing.png"}),
    )
    assert compiled.scenes["nap"] is None
    assert place(compiled.only_problem()) == (5, 12)


def test_defaults_apply_and_scenes_override_them(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
defaults:
  duration: 4
  aspect_ratio: 9:16
  resolution: 480p
scenes:
  - id: a
    prompt: text only.
  - id: b
    prompt: text only.
    duration: 8
    aspect_ratio: "1:1"
    resolution: 1080p
    model: grok-imagine-video-1.5
""",
    )
    a, b = compiled.scene("a"), compiled.scene("b")
    assert (a.duration, a.aspect_ratio, a.resolution, a.model) == (
        4,
        "9:16",
        "480p",
        "grok-imagine-video",
    )
    assert (b.duration, b.aspect_ratio, b.resolution) == (8, "1:1", "1080p")


# -- limits per mode ----------------------------------------------------------------------

LIMITS = MODELS["grok-imagine-video"].modes
PROMPTS = {
    "reference": '    prompt: "@mug on a table."\n',
    "image": "    start: assets/frame.png\n",
    "text": "    prompt: a mug on a table.\n",
}


@pytest.mark.parametrize("mode", ["reference", "image", "text"])
def test_durations_within_the_limits_of_each_mode(tmp_path: Path, mode: str) -> None:
    limits = LIMITS[mode]  # type: ignore[index]
    for duration in (limits.min_duration, limits.max_duration):
        body = f"scenes:\n  - id: s\n{PROMPTS[mode]}    duration: {duration}\n"
        compiled = compile_story(tmp_path, body)
        assert compiled.problems == [], (mode, duration)
        assert compiled.scene("s").duration == duration


@pytest.mark.parametrize("mode", ["reference", "image", "text"])
def test_a_duration_past_the_limit_of_its_mode_is_refused_at_the_duration(
    tmp_path: Path, mode: str
) -> None:
    limits = LIMITS[mode]  # type: ignore[index]
    too_long = limits.max_duration + 1
    body = f"scenes:\n  - id: s\n{PROMPTS[mode]}    duration: {too_long}\n"
    problem = compile_story(tmp_path, body).only_problem()
    assert place(problem) == (6, 15)
    assert f"duration {too_long} s is too long" in problem.message
    assert f"{limits.min_duration} to {limits.max_duration} s" in problem.message


def test_reference_scenes_last_at_most_10_seconds_and_text_scenes_15() -> None:
    assert LIMITS["reference"].max_duration == 10
    assert LIMITS["image"].max_duration == 15
    assert LIMITS["text"].max_duration == 15


@pytest.mark.parametrize("mode", ["reference", "image", "text"])
def test_grok_imagine_video_renders_480p_or_720p_only(tmp_path: Path, mode: str) -> None:
    body = f"scenes:\n  - id: s\n{PROMPTS[mode]}    resolution: 1080p\n"
    problem = compile_story(tmp_path, body).only_problem()
    assert place(problem) == (6, 17)
    assert "resolution 1080p is not available" in problem.message
    assert "480p or 720p" in problem.message


@pytest.mark.parametrize("mode", ["image", "text"])
def test_1080p_with_the_model_that_renders_it(tmp_path: Path, mode: str) -> None:
    body = f"scenes:\n  - id: s\n{PROMPTS[mode]}    resolution: 1080p\n"
    compiled = compile_story(tmp_path, body + "    model: grok-imagine-video-1.5\n")
    assert compiled.problems == []


def test_a_limit_broken_through_defaults_is_reported_at_defaults_naming_the_scene(
    tmp_path: Path,
) -> None:
    compiled = compile_story(
        tmp_path,
        """\
defaults:
  duration: 12
scenes:
  - id: text-scene
    prompt: fine at 12 s.
  - id: with-mug
    prompt: "@mug for 12 s."
""",
    )
    problem = compiled.only_problem()
    assert place(problem) == (4, 13)
    assert 'scene "with-mug"' in problem.message
    assert compiled.scene("text-scene").duration == 12


def test_an_unknown_model_suggests_the_nearest(tmp_path: Path) -> None:
    problem = compile_story(
        tmp_path, "scenes:\n  - id: s\n    prompt: x.\n    model: grok-imagine-vidoe\n"
    ).only_problem()
    assert place(problem) == (6, 12)
    assert 'unknown model "grok-imagine-vidoe" (did you mean grok-imagine-video?)' in (
        problem.message
    )


def test_the_15_model_makes_no_reference_scenes(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
defaults:
  model: grok-imagine-video-1.5
scenes:
  - id: text-scene
    prompt: fine.
  - id: with-mug
    prompt: "@mug."
""",
    )
    assert compiled.scene("text-scene").model == "grok-imagine-video-1.5"
    problem = compiled.only_problem()
    assert place(problem) == (4, 10)
    assert 'cannot make scene "with-mug"' in problem.message
    assert "grok-imagine-video" in problem.message


# -- start ----------------------------------------------------------------------------------


def test_start_with_mentions_is_refused(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - id: a
    prompt: first.
  - id: b
    start: a
    prompt: "@mug falls."
""",
    )
    assert compiled.scenes["b"] is None
    problem = compiled.only_problem()
    assert place(problem) == (7, 12)
    assert "cannot mention images" in problem.message


def test_start_naming_an_unknown_scene_suggests_one(tmp_path: Path) -> None:
    problem = compile_story(
        tmp_path,
        "scenes:\n  - id: walkout\n    prompt: x.\n  - id: b\n    start: walkuot\n",
    ).only_problem()
    assert place(problem) == (7, 12)
    assert "`start: walkuot` is not a scene (did you mean walkout?)" in problem.message


def test_a_scene_needs_a_prompt_or_a_start(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        'scenes:\n  - id: a\n    caption: hi\n  - id: b\n    prompt: "  "\n',
    )
    assert [place(p) for p in compiled.problems] == [(4, 5), (7, 13)]
    assert all("has no prompt" in p.message for p in compiled.problems)


# -- scene mentions -------------------------------------------------------------------------


def test_a_scene_mention_is_a_reference_of_kind_scene(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - id: walkout
    prompt: "@eileen walks out."
  - id: goodbye
    prompt: >
      continuing from @walkout, @eileen waves; @{walkout} again.
""",
    )
    goodbye = compiled.scene("goodbye")
    assert goodbye.prompt == "continuing from <IMAGE_1>, <IMAGE_2> waves; <IMAGE_1> again."
    first, second = goodbye.references
    assert (first.index, first.kind, first.scene, first.image) == (1, "scene", "walkout", None)
    assert (second.index, second.kind, second.scene) == (2, "character", None)
    assert goodbye.depends_on == ("walkout",)
    assert compiled.scene("walkout").depends_on == ()


def test_a_scene_may_depend_on_a_later_scene(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        "scenes:\n  - id: flashback\n    prompt: as in @later.\n  - id: later\n    prompt: x.\n",
    )
    assert compiled.scene("flashback").depends_on == ("later",)


def test_start_and_mentions_both_count_as_dependencies(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        "scenes:\n  - id: a\n    prompt: x.\n  - id: b\n    start: a\n",
    )
    assert compiled.scene("b").depends_on == ("a",)


def test_a_look_on_a_scene_is_refused(tmp_path: Path) -> None:
    problem = compile_story(
        tmp_path,
        "scenes:\n  - id: a\n    prompt: x.\n  - id: b\n    prompt: after @a:end.\n",
    ).only_problem()
    assert place(problem) == (7, 19)
    assert 'scene "a" has no looks' in problem.message


# -- suggestions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "column", "message"),
    [
        ('"@eilen waves."', 14, "@eilen is not an asset or a scene (did you mean @eileen?)"),
        ('"@eileen:portriat."', 14, '"eileen" has no look "portriat" (did you mean portrait?)'),
        ('"@walkuot again."', 14, "(did you mean @walkout?)"),
        ('"@Eileen waves."', 14, "@Eileen: names are lowercase (write @eileen)"),
        ('"@zzzzzz waves."', 14, "@zzzzzz is not an asset or a scene; write @@ for a literal @"),
    ],
)
def test_unknown_mentions_suggest_the_nearest_name(
    tmp_path: Path, prompt: str, column: int, message: str
) -> None:
    body = f"scenes:\n  - id: walkout\n    prompt: x.\n  - id: b\n    prompt: {prompt}\n"
    problem = compile_story(tmp_path, body).only_problem()
    assert place(problem) == (7, column)
    assert message in problem.message


def test_each_unknown_mention_is_reported_at_its_own_at(tmp_path: Path) -> None:
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - id: a
    prompt: >
      mail vet@dog.org, then @mugg and @dog,
      and @mugg again, next to @mug.
""",
    )
    assert [place(p) for p in compiled.problems] == [(6, 30), (6, 40), (7, 11)]


def test_mentions_resolve_the_same_in_every_scene_and_each_mistake_is_reported(
    tmp_path: Path,
) -> None:
    """A mention's text is resolved once per story: later scenes reuse what it refers to,
    and a mention that is a mistake is still reported in every scene that writes it."""
    compiled = compile_story(
        tmp_path,
        """\
scenes:
  - {id: a, prompt: "@mug by @eileen:portrait, @Mug"}
  - {id: b, prompt: "@eileen:portrait holds @mug, @Mug"}
  - {id: c, prompt: "@a then @mug"}
""",
    )
    assert [place(p) for p in compiled.problems] == [(4, 48), (5, 51)]
    assert all("write @mug" in p.message for p in compiled.problems)
    for scene_id in ("a", "b"):
        assert compiled.scenes[scene_id] is None
    c = compiled.scene("c")
    assert [(r.index, r.mention, r.kind) for r in c.references] == [
        (1, "a", "scene"),
        (2, "mug", "prop"),
    ]
    assert c.prompt == "<IMAGE_1> then <IMAGE_2>"


def test_scenes_mentioning_an_asset_alike_share_its_request_image(tmp_path: Path) -> None:
    """Made once per asset and place (a plan of ten thousand scenes asks for each)."""
    compiled = compile_story(
        tmp_path,
        "scenes:\n"
        '  - {id: a, prompt: "@eileen drinks from @mug"}\n'
        '  - {id: b, prompt: "@eileen puts down @mug, then @a"}\n',
    )
    first, second = compiled.scene("a").request({}), compiled.scene("b").request({"a": "f" * 64})
    assert first is not None and second is not None
    assert first.references[0] is second.references[0]
    assert (second.references[2].sha256, second.references[2].kind) == ("f" * 64, "scene")
    assert first.references[1].sha256 == ASSETS["mug"].image.sha256  # type: ignore[union-attr]
