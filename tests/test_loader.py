"""Reading `story.yaml`: YAML with positions, and every mistake at its place."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storyboard._errors import Problem
from storyboard._format import Story
from storyboard._loader import KEY, Positions, read_story, validate_story

VALID = """\
storyboard: 1
title: The Cat
scenes:
  - id: nap
    prompt: the cat sleeps.
"""


def read(tmp_path: Path, text: str | bytes) -> tuple[Any, Positions, list[Problem]]:
    story_file = tmp_path / "story.yaml"
    if isinstance(text, bytes):
        story_file.write_bytes(text)
    else:
        story_file.write_text(text, encoding="utf-8")
    return read_story(story_file)


def only_problem(tmp_path: Path, text: str | bytes) -> Problem:
    """The one problem reading (and, if it reads, validating) ``text`` gives."""
    data, positions, problems = read(tmp_path, text)
    if data is not None:
        problems = problems + validate_story(data, positions)[1]
    assert len(problems) == 1, problems
    return problems[0]


def place(problem: Problem) -> tuple[int | None, int | None]:
    return problem.line, problem.column


# -- values and positions -----------------------------------------------------------------


@pytest.mark.parametrize("ratio", ["16:9", "9:16", "4:3", "3:2", "1:1", "2:3", "3:4"])
def test_an_unquoted_aspect_ratio_stays_a_string(tmp_path: Path, ratio: str) -> None:
    data, _, problems = read(tmp_path, f"defaults:\n  aspect_ratio: {ratio}\n")
    assert problems == []
    assert data == {"defaults": {"aspect_ratio": ratio}}


def test_other_colon_numbers_stay_strings_too(tmp_path: Path) -> None:
    data, _, _ = read(tmp_path, "a: 1:30\nb: 190:20:30\n")
    assert data == {"a": "1:30", "b": "190:20:30"}


def test_numbers_and_booleans_are_still_numbers_and_booleans(tmp_path: Path) -> None:
    data, _, _ = read(tmp_path, "a: 6\nb: 6.5\nc: true\nd: -3\ne: 0\nf: null\n")
    assert data == {"a": 6, "b": 6.5, "c": True, "d": -3, "e": 0, "f": None}
    assert isinstance(data["a"], int) and not isinstance(data["a"], bool)


def test_the_example_story_validates(tmp_path: Path) -> None:
    data, positions, problems = read(tmp_path, VALID)
    story, validation = validate_story(data, positions)
    assert problems == validation == []
    assert isinstance(story, Story)
    assert story.defaults.aspect_ratio == "16:9"


def test_every_value_and_key_has_its_place(tmp_path: Path) -> None:
    _, positions, _ = read(tmp_path, VALID + "cuts:\n  teaser: [nap, nap]\n")
    assert positions.at(("storyboard",)) == (1, 13)
    assert positions.at(("title", KEY)) == (2, 1)
    assert positions.at(("title",)) == (2, 8)
    assert positions.at(("scenes", 0)) == (4, 5)
    assert positions.at(("scenes", 0, "id", KEY)) == (4, 5)
    assert positions.at(("scenes", 0, "id")) == (4, 9)
    assert positions.at(("scenes", 0, "prompt")) == (5, 13)
    assert positions.at(("cuts", "teaser", 1)) == (7, 17)


def test_an_unknown_path_falls_back_to_its_nearest_known_ancestor(tmp_path: Path) -> None:
    _, positions, _ = read(tmp_path, VALID)
    assert positions.at(("scenes", 0, "duration")) == (4, 5)
    assert positions.at(("nowhere",)) == (1, 1)


def test_a_folded_block_starts_at_its_indicator(tmp_path: Path) -> None:
    _, positions, _ = read(tmp_path, "scenes:\n  - id: a\n    prompt: >\n      text\n")
    assert positions.at(("scenes", 0, "prompt")) == (3, 13)


def test_a_mention_is_found_at_its_own_at(tmp_path: Path) -> None:
    text = "prompt: >\n  @chelsea and vet@dog.org\n  then @dog, @chel.\n"
    _, positions, _ = read(tmp_path, text)
    at = positions.problem_at_mention
    assert place(at(("prompt",), "@dog", 0, "m")) == (3, 8)  # not inside vet@dog.org
    assert place(at(("prompt",), "@chel", 0, "m")) == (3, 14)  # not inside @chelsea
    assert place(at(("prompt",), "@chelsea", 0, "m")) == (2, 3)
    assert place(at(("prompt",), "@nobody", 0, "m")) == (1, 9)  # the value itself


# -- YAML mistakes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("title: The Cat\nscenes:\n  - id: nap\n    prompt: @chelsea sleeps.\n", (4, 13)),
        ("prompt: @eileen\n", (1, 9)),
        ("scenes:\n  - prompt: @eileen walks\n", (2, 13)),
    ],
)
def test_an_at_at_the_start_of_a_plain_value_gets_its_own_message(
    tmp_path: Path, text: str, where: tuple[int, int]
) -> None:
    problem = only_problem(tmp_path, text)
    assert place(problem) == where
    assert problem.message.startswith("a YAML value cannot start with @: quote it (")
    assert "or write it as a block" in problem.message


def test_the_at_message_shows_the_quoted_value(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "scenes:\n  - id: a\n    prompt: @chelsea sleeps.\n")
    assert 'prompt: "@chelsea sleeps."' in problem.message


def test_an_at_inside_a_flow_list_gets_a_short_message(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "cuts:\n  t: [@a]\n")
    assert place(problem) == (2, 7)
    assert "cannot start with @" in problem.message


def test_a_quoted_at_and_a_block_at_are_fine(tmp_path: Path) -> None:
    text = "a: \"@eileen walks\"\nb: >\n  @eileen walks\nc: '@eileen'\n"
    data, _, problems = read(tmp_path, text)
    assert problems == []
    assert data == {"a": "@eileen walks", "b": "@eileen walks\n", "c": "@eileen"}


def test_a_key_given_twice_is_reported_at_the_second(tmp_path: Path) -> None:
    data, _, problems = read(tmp_path, "title: A\nscenes:\n  - id: a\n    id: b\ntitle: B\n")
    assert [place(p) for p in problems] == [(4, 5), (5, 1)]
    assert problems[0].message.startswith('"id" is given twice')
    assert problems[1].message.startswith('"title" is given twice')
    assert data["title"] == "B"  # reading goes on, so later checks still run


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: 1\n\tb: 2\n", (2, 1), "a tab character is not allowed here"),
        ('a: "open\nb: 2\n', (1, 4), 'this quoted text is never closed: add the closing "'),
        ("a: 'open\nb: 2\n", (1, 4), "add the closing '"),
        ("a: [x, y\nb: 2\n", (1, 4), "this [ is never closed: add the matching ]"),
        ("a: {x: 1\nb: 2\n", (1, 4), "this { is never closed: add the matching }"),
        ("s:\n  - id: a\n     prompt: x\n", (3, 6), '"prompt:" is indented differently'),
        ("title: The Cat: again\n", (1, 8), '(title: "The Cat: again")'),
        ('title: "The" Cat\n', (1, 14), "more text follows a value that has ended"),
        ("s:\n  - id: a\n    p: x\n   d: 5\n", (4, 4), "check its indentation"),
        ("a: `x`\n", (1, 4), "cannot start with a backtick"),
    ],
)
def test_yaml_mistakes_are_explained_at_their_token(
    tmp_path: Path, text: str, where: tuple[int, int], message: str
) -> None:
    problem = only_problem(tmp_path, text)
    assert place(problem) == where
    assert message in problem.message
    assert "while scanning" not in problem.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_an_empty_file(tmp_path: Path, text: str) -> None:
    problem = only_problem(tmp_path, text)
    assert place(problem) == (1, 1)
    assert "the file is empty" in problem.message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n"])
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    problem = only_problem(tmp_path, text)
    assert place(problem) == (1, 1)
    assert "must be a mapping" in problem.message


def test_a_file_that_is_not_utf8_is_blamed_at_its_first_bad_byte(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "storyboard: 1\ntitle: Café\n".encode("latin-1"))
    assert place(problem) == (2, 11)
    assert "not UTF-8" in problem.message


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    data, _, problems = read(tmp_path, "\ufeff" + VALID)
    assert problems == []
    assert data["title"] == "The Cat"


# -- validation --------------------------------------------------------------------------------


def validation_problem(tmp_path: Path, text: str) -> Problem:
    data, positions, problems = read(tmp_path, text)
    assert problems == []
    story, problems = validate_story(data, positions)
    assert story is None
    assert len(problems) == 1, problems
    return problems[0]


def test_an_unknown_key_is_blamed_at_the_key_with_a_suggestion(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, VALID + "    captoin: hi\n")
    assert place(problem) == (6, 5)
    assert 'unknown key "captoin"' in problem.message
    assert '(did you mean "caption"?)' in problem.message
    assert "allowed: id, prompt" in problem.message


def test_a_bad_name_is_blamed_at_the_name(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, VALID + "props:\n  Big Mug:\n    image: m.png\n")
    assert place(problem) == (7, 3)
    assert '"Big Mug" is not a valid name' in problem.message
    assert '(e.g. "big-mug")' in problem.message


def test_a_missing_key_is_blamed_at_its_mapping(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, "storyboard: 1\nscenes:\n  - prompt: x\ntitle: T\n")
    assert place(problem) == (3, 5)
    assert '"scenes[1].id" is missing: add "id:"' in problem.message


def test_a_missing_version_says_how_to_start(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, "title: T\nscenes:\n  - id: a\n")
    assert place(problem) == (1, 1)
    assert "`storyboard: 1`" in problem.message


def test_a_wrong_type_shows_what_was_written(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, VALID + "    duration: six\n")
    assert place(problem) == (6, 15)
    assert problem.message == '"scenes[1].duration" should be a whole number, not "six"'


def test_a_wrong_choice_shows_the_choices_and_what_was_written(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, VALID + "    resolution: 900p\n")
    assert "should be '480p', '720p' or '1080p', not \"900p\"" in problem.message


def test_a_number_where_text_belongs_asks_for_quotes(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, VALID.replace("The Cat", "1984"))
    assert place(problem) == (2, 8)
    assert 'put it in quotes (title: "1984")' in problem.message


def test_a_block_of_the_wrong_kind_is_blamed_at_its_key(tmp_path: Path) -> None:
    problem = validation_problem(tmp_path, VALID.replace("title: The Cat", "title:\n  - x"))
    assert place(problem) == (2, 1)
    assert '"title" should be text, not a list' in problem.message


def test_no_validator_jargon_reaches_the_writer(tmp_path: Path) -> None:
    texts = [
        VALID + "    duration: 6.5\n",
        VALID + "export:\n  title_card: maybe\n",
        VALID.replace("scenes:\n  - id: nap", "scenes:\n  - nap\n  - id: nap"),
        "storyboard: 1\ntitle: T\nscenes: []\n",
        VALID + "characters:\n  cat: assets/cat.png\n",
    ]
    for text in texts:
        message = validation_problem(tmp_path, text).message
        for jargon in ("Input should", "dictionary", "instance of", "after validation"):
            assert jargon not in message, message


def test_every_shape_mistake_is_listed_at_once(tmp_path: Path) -> None:
    data, positions, _ = read(
        tmp_path,
        "storyboard: 1\ntitle: T\nbogus: 1\nscenes:\n  - id: A\n    duration: x\n",
    )
    _, problems = validate_story(data, positions)
    assert sorted(place(p) for p in problems) == [(3, 1), (5, 9), (6, 15)]


MEMORY_LIMIT = 1536 * 2**20
"""The address space the alias-bomb check may use: far below what its expansion would."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.slow
def test_one_long_anchor_repeated_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A 1 MiB anchor named by 4000 scenes would expand to 4 GiB of prompts."""
    scenes = "".join(f"  - id: s{n}\n    prompt: *long\n" for n in range(4000))
    story = f"storyboard: 1\ntitle: T\nx: &long {'meow ' * 209715}\nscenes:\n{scenes}"
    (tmp_path / "story.yaml").write_text(story, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "storyboard", "check", "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limit_memory,
    )
    assert completed.returncode == 2, completed.stderr
    assert "story.yaml:3:4: aliases repeat this value until the story holds more than" in (
        completed.stderr
    )
    assert "MemoryError" not in completed.stderr and "Traceback" not in completed.stderr
