"""Mentions in prompts: how `@name` and friends are found, numbered and located."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from storyboard._compiler import AssetEntry, CompiledScene, SceneCompiler
from storyboard._errors import Problem
from storyboard._images import CheckedImage
from storyboard._loader import PathKey, read_story, validate_story
from storyboard._mentions import Mention, mentions_in, split_mentions

# -- finding mentions ---------------------------------------------------------------


def targets(prompt: str) -> list[str]:
    return [mention.target for mention in mentions_in(prompt)]


def plain(prompt: str) -> str:
    """The prompt with every mention written as [target]."""
    return "".join(
        f"[{piece.target}]" if isinstance(piece, Mention) else piece
        for piece in split_mentions(prompt)
    )


def test_a_plain_mention() -> None:
    (mention,) = mentions_in("@eileen walks")
    assert mention == Mention("eileen", None, "@eileen", 0, 7)


def test_a_braced_mention_lets_the_next_character_continue_the_word() -> None:
    assert plain("the @{eileen}s walk") == "the [eileen]s walk"
    assert mentions_in("@{eileen}s")[0].text == "@{eileen}"


def test_a_look() -> None:
    (mention,) = mentions_in("close on @eileen:portrait, smiling")
    assert (mention.name, mention.look, mention.text) == ("eileen", "portrait", "@eileen:portrait")
    assert mention.target == "eileen:portrait"


def test_a_braced_look() -> None:
    (mention,) = mentions_in("@{eileen:portrait}'s photo")
    assert (mention.name, mention.look, mention.text) == (
        "eileen",
        "portrait",
        "@{eileen:portrait}",
    )
    assert plain("@{eileen:portrait}'s photo") == "[eileen:portrait]'s photo"


def test_a_double_at_is_a_literal_at() -> None:
    assert split_mentions("meet @@eileen") == ["meet ", "@", "eileen"]
    assert mentions_in("@@eileen") == []
    assert plain("x@@y and @@@mug") == "x@y and @[mug]"


@pytest.mark.parametrize(
    "text", ["write to eileen@nasa.gov", "vet@clinic.org", "année@mug", "room 4@mug"]
)
def test_an_at_after_a_letter_or_digit_is_left_alone(text: str) -> None:
    assert mentions_in(text) == []
    assert plain(text) == text


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("@mug.", "[mug]."),
        ("@mug, then", "[mug], then"),
        ("@mug!", "[mug]!"),
        ("@mug?", "[mug]?"),
        ("(@mug)", "([mug])"),
        ('"@mug"', '"[mug]"'),
        ("@mug's handle", "[mug]'s handle"),
        ("@mug;", "[mug];"),
        ("it is @mug: white", "it is [mug]: white"),
        ("@mug/@pad", "[mug]/[pad]"),
        ("@mug\n@pad", "[mug]\n[pad]"),
    ],
)
def test_punctuation_ends_a_name(prompt: str, expected: str) -> None:
    assert plain(prompt) == expected


@pytest.mark.parametrize("text", ["a @ b", "@-mug", "@_mug", "@{mug", "@.", "@"])
def test_an_at_that_cannot_start_a_name_is_text(text: str) -> None:
    assert mentions_in(text) == []
    assert plain(text) == text


def test_names_may_hold_digits_hyphens_and_underscores() -> None:
    assert targets("@flight-suit and @shot_2 and @42") == ["flight-suit", "shot_2", "42"]


def test_uppercase_is_found_so_that_it_can_be_reported() -> None:
    assert targets("@Eileen") == ["Eileen"]


def test_positions_are_offsets_in_the_prompt() -> None:
    prompt = "a @mug and @{pad:dawn}."
    for mention in mentions_in(prompt):
        assert prompt[mention.start : mention.end] == mention.text


def test_pieces_join_back_to_the_prompt_when_there_is_no_double_at() -> None:
    prompt = "morning. @eileen sips from @mug while @chelsea watches @eileen."
    joined = "".join(p.text if isinstance(p, Mention) else p for p in split_mentions(prompt))
    assert joined == prompt


# -- numbering, through the compiler --------------------------------------------------

ASSET_NAMES = ["eileen", "mug", "chelsea", "pad", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"]


def image(name: str) -> CheckedImage:
    sha = hashlib.sha256(name.encode()).hexdigest()
    return CheckedImage(f"assets/{name}.png", "path", sha, "image/png", None, 2, 2)


def assets() -> dict[str, AssetEntry]:
    entries = {name: AssetEntry(name, "prop", image(name), {}) for name in ASSET_NAMES}
    entries["eileen"] = AssetEntry(
        "eileen", "character", image("eileen"), {"portrait": image("eileen-portrait")}
    )
    return entries


def no_image(source: str, path: PathKey) -> CheckedImage | None:
    raise AssertionError("no image is resolved in these tests")


def compile_prompt(tmp_path: Path, prompt: str) -> tuple[CompiledScene | None, list[Problem]]:
    story_file = tmp_path / "story.yaml"
    story_file.write_text(
        f"storyboard: 1\ntitle: t\nscenes:\n  - id: s\n    prompt: >\n      {prompt}\n",
        encoding="utf-8",
    )
    data, positions, problems = read_story(story_file)
    assert problems == []
    story, problems = validate_story(data, positions)
    assert story is not None, problems
    compiler = SceneCompiler(story, positions, assets(), no_image)
    return compiler.compile(0, story.scenes[0]), compiler.problems


def test_mentions_are_numbered_by_first_appearance(tmp_path: Path) -> None:
    scene, problems = compile_prompt(
        tmp_path, "@eileen sips from @mug while @chelsea watches @eileen"
    )
    assert problems == []
    assert scene is not None
    assert scene.prompt == "<IMAGE_1> sips from <IMAGE_2> while <IMAGE_3> watches <IMAGE_1>"
    assert [(r.index, r.mention) for r in scene.references] == [
        (1, "eileen"),
        (2, "mug"),
        (3, "chelsea"),
    ]


def test_a_repeat_in_another_spelling_reuses_its_number(tmp_path: Path) -> None:
    scene, _ = compile_prompt(tmp_path, "@mug, @{mug}s and @mug again")
    assert scene is not None
    assert scene.prompt == "<IMAGE_1>, <IMAGE_1>s and <IMAGE_1> again"
    assert len(scene.references) == 1


def test_a_look_is_a_reference_of_its_own(tmp_path: Path) -> None:
    scene, _ = compile_prompt(tmp_path, "@eileen and @eileen:portrait and @{eileen:portrait}.")
    assert scene is not None
    assert scene.prompt == "<IMAGE_1> and <IMAGE_2> and <IMAGE_2>."
    assert [r.mention for r in scene.references] == ["eileen", "eileen:portrait"]
    assert scene.references[1].image == image("eileen-portrait")


def test_double_at_and_email_stay_text(tmp_path: Path) -> None:
    scene, _ = compile_prompt(tmp_path, "mail eileen@nasa.gov, @@mug, about @mug")
    assert scene is not None
    assert scene.prompt == "mail eileen@nasa.gov, @mug, about <IMAGE_1>"


def test_seven_distinct_mentions_are_allowed(tmp_path: Path) -> None:
    scene, problems = compile_prompt(tmp_path, "@a1 @a2 @a3 @a4 @a5 @a6 @a7 @a1 @a7")
    assert problems == []
    assert scene is not None
    assert len(scene.references) == 7
    assert scene.prompt.endswith("<IMAGE_7> <IMAGE_1> <IMAGE_7>")


def test_an_eighth_distinct_mention_is_refused_at_its_at(tmp_path: Path) -> None:
    scene, problems = compile_prompt(tmp_path, "@a1 @a2 @a3 @a4 @a5 @a6 @a7 @a1 @a8")
    assert scene is None
    (problem,) = problems
    assert "at most 7" in problem.message and "@a8" in problem.message
    # line 6 holds the prompt, indented by 6 spaces: "@a8" is its 33rd character
    assert (problem.line, problem.column) == (6, 7 + len("@a1 @a2 @a3 @a4 @a5 @a6 @a7 @a1 "))
