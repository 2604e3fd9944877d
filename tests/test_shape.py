"""Checking data against a description made of dataclasses (storyboard._shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import pytest

from storyboard._format import Story
from storyboard._shape import (
    KEY,
    AtLeast,
    AtMost,
    Issue,
    MinLength,
    MoreThan,
    Pattern,
    Shorthand,
    json_schema,
    keys_at,
    keys_of,
    validate,
    written_keys,
)

Name = Annotated[str, Pattern(r"[a-z]+")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """A part."""

    image: Annotated[str | None, MinLength(1)] = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """An item."""

    name: Name
    count: Annotated[int | None, AtLeast(1)] = None
    weight: Annotated[float, MoreThan(0), AtMost(5)] = 1.0
    shown: bool = False
    size: Literal["small", "large"] = "small"
    parts: dict[Name, Annotated[Part, Shorthand("image", "an image")]] = field(default_factory=dict)
    given: frozenset[str] = written_keys()


@dataclass(frozen=True, slots=True, kw_only=True)
class Box:
    """A box."""

    version: Literal[1]
    items: Annotated[list[Item], MinLength(1)]


def issues_of(data: object) -> list[tuple[tuple[str | int, ...], str]]:
    value, issues = validate(Box, data)
    assert value is None
    return [(issue.path, issue.kind) for issue in issues]


def test_a_valid_value_becomes_the_dataclasses() -> None:
    box, issues = validate(
        Box, {"version": 1, "items": [{"name": "cup", "weight": "2.5", "parts": {"lid": "a.png"}}]}
    )
    assert issues == []
    assert box == Box(
        version=1, items=[Item(name="cup", weight=2.5, parts={"lid": Part(image="a.png")})]
    )


def test_every_issue_is_returned_at_its_path() -> None:
    found = issues_of(
        {
            "version": 1,
            "extra": True,
            "items": [
                {"name": "cup"},
                {"count": 0, "parts": {"Lid": {"image": ""}, "cap": 5}},
                "plate",
            ],
        }
    )
    assert sorted(found, key=repr) == sorted(
        [
            (("extra",), "unknown_key"),
            (("items", 1, "count"), "at_least"),
            (("items", 1, "parts", "Lid", KEY), "pattern"),
            (("items", 1, "parts", "Lid", "image"), "empty"),
            (("items", 1, "parts", "cap"), "mapping"),
            (("items", 1, "name"), "missing"),
            (("items", 2), "mapping"),
        ],
        key=repr,
    )


@pytest.mark.parametrize("version", [True, 1.0, "1", 2, None])
def test_a_literal_matches_only_its_own_type(version: object) -> None:
    assert issues_of({"version": version, "items": [{"name": "a"}]}) == [(("version",), "one_of")]


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("count", True, "whole_number"),
        ("count", 2.0, "whole_number"),
        ("count", "2", "whole_number"),
        ("weight", "heavy", "number"),
        ("weight", None, "number"),
        ("shown", "maybe", "true_or_false"),
        ("shown", 2, "true_or_false"),
        ("size", "medium", "one_of"),
        ("name", 5, "text"),
        ("parts", [], "mapping"),
    ],
)
def test_values_are_read_as_a_yaml_file_gives_them(key: str, value: object, kind: str) -> None:
    found = issues_of({"version": 1, "items": [{"name": "a", key: value}]})
    assert found == [(("items", 0, key), kind)]


@pytest.mark.parametrize(
    ("shown", "expected"), [("yes", True), ("Off", False), (1, True), (0.0, False)]
)
def test_true_or_false_takes_the_usual_words(shown: object, expected: bool) -> None:
    box, _ = validate(Box, {"version": 1, "items": [{"name": "a", "shown": shown}]})
    assert box is not None and box.items[0].shown is expected


def test_limits_are_tested_in_one_order_and_report_their_bound() -> None:
    _, issues = validate(Box, {"version": 1, "items": [{"name": "a", "weight": float("nan")}]})
    assert [(issue.kind, issue.limit) for issue in issues] == [("at_most", 5.0)]
    _, issues = validate(Box, {"version": 1, "items": []})
    assert issues == [Issue(("items",), "too_short", [], 1)]


def test_the_keys_given_are_recorded_and_are_not_a_key_themselves() -> None:
    box, _ = validate(Box, {"version": 1, "items": [{"name": "a", "count": 2}]})
    assert box is not None and box.items[0].given == {"name", "count"}
    assert issues_of({"version": 1, "items": [{"name": "a", "given": []}]}) == [
        (("items", 0, "given"), "unknown_key")
    ]
    assert "given" not in keys_of(Item)


def test_the_keys_a_place_allows() -> None:
    assert keys_at(Box, ()) == ("version", "items")
    assert keys_at(Box, ("items", 3)) == keys_of(Item)
    assert keys_at(Box, ("items", 0, "parts", "lid")) == ("image", "note")
    assert keys_at(Box, ("items", 0, "name")) == ()
    assert keys_at(Story, ("characters", "eileen", "looks", "sleepy")) == (
        "image",
        "prompt",
        "edit",
    )


def test_the_json_schema_comes_from_the_same_description() -> None:
    schema = json_schema(Box)
    assert schema["required"] == ["version", "items"]
    assert schema["properties"]["version"] == {"const": 1, "title": "Version", "type": "integer"}
    assert schema["properties"]["items"]["minItems"] == 1
    item = schema["$defs"]["Item"]
    assert item["required"] == ["name"] and "given" not in item["properties"]
    assert item["properties"]["weight"] == {
        "default": 1.0,
        "exclusiveMinimum": 0,
        "maximum": 5,
        "title": "Weight",
        "type": "number",
    }
    part = item["properties"]["parts"]["patternProperties"]["[a-z]+"]["anyOf"]
    assert part[0] == {"description": "an image", "minLength": 1, "type": "string"}
    assert part[1]["title"] == "Part" and part[1]["additionalProperties"] is False
