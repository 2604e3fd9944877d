"""Reading `story.yaml` with the position of every value.

YAML is composed into nodes (which carry their marks) and turned into plain
Python data while a :class:`Positions` map remembers where each value and
each key stood, so that any later error, the format's included, can name
``story.yaml:LINE:COL``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._errors import Problem
from ._format import ASSET_SECTIONS, NAME_PATTERN, Story
from ._mentions import mentions_in
from ._shape import KEY as KEY
from ._shape import Issue, keys_at, validate

PathKey = tuple[str | int, ...]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StoryLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML 1.1 resolvers without sexagesimal numbers, so `16:9` stays a string."""


_StoryLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not regexp.match("16:9")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StoryLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document stands, 1-based."""

    file: str
    text: str
    places: dict[PathKey, tuple[int, int, int, int]] = field(default_factory=dict)
    """path -> (line, column, start index, end index) in ``text``."""

    def at(self, path: PathKey) -> tuple[int | None, int | None]:
        """The nearest known place for ``path``: itself, or its closest ancestor."""
        for length in range(len(path), -1, -1):
            place = self.places.get(path[:length])
            if place:
                return place[0], place[1]
        return None, None

    def problem(self, path: PathKey, message: str) -> Problem:
        line, column = self.at(path)
        return Problem(self.file, line, column, message)

    def find(
        self, path: PathKey, needle: str, occurrence: int = 0
    ) -> tuple[int | None, int | None]:
        """The place of the ``occurrence``-th ``needle`` inside the value at ``path``."""
        place = self.places.get(path)
        if place is None:
            return self.at(path)
        start, end = place[2], place[3]
        index = start - 1
        for _ in range(occurrence + 1):
            index = self.text.find(needle, index + 1, end)
            if index < 0:
                return place[0], place[1]
        line = self.text.count("\n", 0, index) + 1
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return line, column

    def problem_at_mention(
        self, path: PathKey, mention_text: str, occurrence: int, message: str
    ) -> Problem:
        """A problem at the ``@`` of the ``occurrence``-th mention written ``mention_text``.

        Mentions are found in the value as written, token by token, so that
        ``@chel`` is not found inside ``@chelsea`` nor ``@dog`` inside ``vet@dog.org``.
        """
        place = self.places.get(path)
        if place is None:
            return self.problem(path, message)
        start, end = place[2], place[3]
        found = [m for m in mentions_in(self.text[start:end]) if m.text == mention_text]
        if occurrence >= len(found):
            return Problem(self.file, place[0], place[1], message)
        index = start + found[occurrence].start
        line = self.text.count("\n", 0, index) + 1
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return Problem(self.file, line, column, message)


def read_story(
    path: Path, display_name: str = "story.yaml", *, empty_ok: bool = False
) -> tuple[Any, Positions, list[Problem]]:
    """Parse a YAML file into data and positions; YAML mistakes become problems.

    An empty document is a problem unless ``empty_ok`` (then its data is None)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        message = f"cannot be read: {error.strerror or error}"
        return None, Positions(display_name, ""), [Problem(display_name, None, None, message)]
    except UnicodeDecodeError as error:
        before = error.object[: error.start].decode("utf-8", "replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        message = (
            f"this is not UTF-8 text (byte 0x{error.object[error.start]:02x}): "
            "save the file as UTF-8"
        )
        return None, Positions(display_name, ""), [Problem(display_name, line, column, message)]
    positions = Positions(display_name, text)
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_StoryLoader)
        data = None if node is None else _Converter(positions, problems).convert(node, ())
    except yaml.MarkedYAMLError as error:
        return None, positions, [_yaml_problem(display_name, text, error)]
    except yaml.YAMLError as error:
        return None, positions, [Problem(display_name, None, None, f"is not valid YAML: {error}")]
    except _Unreadable as unreadable:
        return None, positions, [unreadable.problem]
    except RecursionError:
        message = "the values are nested too deeply; write the story more simply"
        return None, positions, [Problem(display_name, None, None, message)]
    if data is None and not empty_ok:  # nothing at all, or only `---` or `null`
        return (
            None,
            positions,
            [Problem(display_name, 1, 1, "the file is empty; start with `storyboard: 1`")],
        )
    return data, positions, problems


def _yaml_problem(file: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    """A YAML syntax error as a writer can act on it, at the token to blame."""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return Problem(file, None, None, f"invalid YAML: {error.problem or error}")
    problem = error.problem or "invalid YAML"
    context = error.context or ""
    char = _char_at(text, mark.index)
    line, column = mark.line + 1, mark.column + 1
    before, after = _line_around(text, mark.index)
    if char == "\t":
        message = "a tab character is not allowed here: YAML indents with spaces only"
    elif char == "@" and "cannot start any token" in problem:
        key = re.fullmatch(r"\s*(?:-\s+)?([\w-]+:)\s*", before)
        if key:
            message = (
                f"a YAML value cannot start with @: quote it ({key.group(1)} "
                f'"{_clip(after.strip())}") or write it as a block '
                f"({key.group(1)} > and the text on the next lines)"
            )
        else:
            message = 'a YAML value cannot start with @: put it in quotes ("@name ...")'
    elif char == "`" and "cannot start any token" in problem:
        message = "a YAML value cannot start with a backtick: quote the text"
    elif "depth" in problem:
        message = "the values here are nested too deeply; write the story more simply"
    elif "quoted scalar" in context and error.context_mark is not None:
        quote = _char_at(text, error.context_mark.index) or '"'
        line, column = error.context_mark.line + 1, error.context_mark.column + 1
        message = f"this quoted text is never closed: add the closing {quote}"
    elif "flow" in context and error.context_mark is not None:
        opening = _char_at(text, error.context_mark.index)
        closing = {"[": "]", "{": "}"}.get(opening, "]")
        line, column = error.context_mark.line + 1, error.context_mark.column + 1
        message = f"this {opening} is never closed: add the matching {closing}"
    elif "mapping values are not allowed" in problem:
        lone_key = re.fullmatch(r"(\s*)([^\s:#\-][^:#]*?)\s*", before)
        key_value = re.fullmatch(r"\s*(?:-\s+)?([\w-]+:)\s+(.*)", before)
        if lone_key:
            column = len(lone_key.group(1)) + 1
            message = (
                f'"{lone_key.group(2)}:" is indented differently from the keys above it: '
                "line it up with them (or quote the value above if it continues onto this line)"
            )
        elif key_value:
            column = key_value.start(2) + 1
            value = _clip((key_value.group(2) + after).strip())
            message = (
                'a plain value cannot contain ": ": put it in quotes '
                f'({key_value.group(1)} "{value}")'
            )
        else:
            message = 'a plain value cannot contain ": ": put the whole value in quotes'
    elif "expected key" in problem or "expected <block end>" in problem or "indicator" in problem:
        if before.strip(" -"):
            message = "more text follows a value that has ended: put the whole value in quotes"
        else:
            message = "this line does not fit the lines above it: check its indentation"
    else:
        message = f"invalid YAML: {problem}"
        if context:
            message += f" ({context})"
    return Problem(file, line, column, message)


def _line_around(text: str, index: int) -> tuple[str, str]:
    """The text of ``index``'s line before it, and from it to the end of the line."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start:index], text[index : len(text) if end < 0 else end]


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


MAX_VALUES = 100_000
"""More values than this (aliases can multiply them) and the file is refused."""
MAX_ALIAS_BYTES = 4 * 1024 * 1024
"""How many bytes of text aliases may add to a file's own: one long anchor repeated
thousands of times is refused before anything is expanded further."""
_REFUSED_TAGS = {"tag:yaml.org,2002:binary": "!!binary"}


_STR_TAG = "tag:yaml.org,2002:str"
"""Most values: a plain string is its node's text, as the constructor would return it."""
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _Unreadable(Exception):
    """The document cannot be turned into data at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Converter:
    """Turns composed YAML nodes into Python data, noting every position."""

    def __init__(self, positions: Positions, problems: list[Problem]) -> None:
        self.positions = positions
        self.problems = problems
        self.constructor = _StoryLoader("")
        self.open: set[int] = set()
        self.count = 0
        self.bytes = 0
        self.byte_limit = len(positions.text.encode("utf-8")) + MAX_ALIAS_BYTES

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            message = f"the file holds more than {MAX_VALUES} values; write less (aliases?)"
            raise _Unreadable(Problem(self.positions.file, None, None, message))
        start, end = node.start_mark, node.end_mark
        self.positions.places[path] = (start.line + 1, start.column + 1, start.index, end.index)
        if isinstance(node, yaml.ScalarNode):
            self._count_bytes(node)
            return node.value if node.tag == _STR_TAG else self._scalar(node)
        if id(node) in self.open:
            raise _Unreadable(self._at(node, "this alias is part of itself; YAML cannot expand it"))
        if node.tag not in _COLLECTION_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            message = f"YAML tags like {tag} are not allowed here: remove it"
            raise _Unreadable(self._at(node, message))
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _count_bytes(self, node: yaml.ScalarNode) -> None:
        self.bytes += len(node.value)
        if self.bytes > self.byte_limit:
            message = (
                f"aliases repeat this value until the story holds more than "
                f"{self.byte_limit // 2**20} MiB of text: write it out where it is needed, "
                "or repeat it less"
            )
            raise _Unreadable(self._at(node, message))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag in _REFUSED_TAGS:
            tag = _REFUSED_TAGS[node.tag]
            self.problems.append(
                self._at(node, f"{tag} values are not allowed in a story: write plain text")
            )
            return node.value
        try:
            return self.constructor.construct_object(node)
        except RecursionError:
            raise
        except Exception:  # an explicit tag on a value it does not fit: PyYAML raises anything
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            if node.tag.startswith("tag:yaml.org,2002:") and "python" not in node.tag:
                message = f'"{node.value}" cannot be read as {tag}: remove the {tag}'
            else:
                message = f"YAML tags like {tag} are not allowed here: remove it"
            self.problems.append(self._at(node, message))
            return node.value

    def _at(self, node: yaml.Node, message: str) -> Problem:
        mark = node.start_mark
        return Problem(self.positions.file, mark.line + 1, mark.column + 1, message)

    def _note(self, path: PathKey, node: yaml.Node) -> None:
        start, end = node.start_mark, node.end_mark
        self.positions.places[path] = (start.line + 1, start.column + 1, start.index, end.index)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        self.positions.file,
                        mark.line + 1,
                        mark.column + 1,
                        "a key must be plain text",
                    )
                )
                continue
            key = str(key_node.value)
            if key in result:
                self.problems.append(
                    Problem(
                        self.positions.file,
                        mark.line + 1,
                        mark.column + 1,
                        f'"{key}" is given twice here: keep only one',
                    )
                )
            self._note((*path, key, KEY), key_node)
            result[key] = self.convert(value_node, (*path, key))
        return result


def validate_story(data: Any, positions: Positions) -> tuple[Story | None, list[Problem]]:
    """Check the data against the format; every mistake at its place."""
    if not isinstance(data, dict):
        return None, [
            positions.problem((), "the file must be a mapping that starts with `storyboard: 1`")
        ]
    story, issues = validate(Story, data)
    return story, [_issue_problem(issue, positions) for issue in issues]


def _issue_problem(issue: Issue, positions: Positions) -> Problem:
    loc = issue.path
    kind = issue.kind
    if kind == "unknown_key":
        name = str(loc[-1])
        path = (*loc, KEY)
        return positions.problem(path, _unknown_key_message(name, loc[:-1]))
    if loc and loc[-1] == KEY:
        return positions.problem(loc, _bad_name_message(str(loc[-2])))
    where = _describe(loc)
    if kind == "missing":
        if loc == ("storyboard",):
            return positions.problem(
                (), '"storyboard" is missing: start the file with `storyboard: 1`'
            )
        return positions.problem(loc[:-1], f'{where} is missing: add "{loc[-1]}:"')
    if kind == "pattern":
        return positions.problem(loc, _bad_name_message(str(issue.value)))
    if kind == "one_of" and loc == ("storyboard",):
        return positions.problem(loc, "this is format version 1: write `storyboard: 1`")
    message = _type_message(issue, positions)
    return positions.problem(_value_or_key(loc, positions), f"{where} {message}")


def _type_message(issue: Issue, positions: Positions) -> str:
    """What is wrong with a value, in a writer's words."""
    loc, kind, value, limit = issue.path, issue.kind, issue.value, issue.limit
    written = _written(loc, positions)
    shape = (
        "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else None
    )
    shown = shape or (written if re.fullmatch(r"[-+.0-9]+", written) else f'"{written}"')
    if kind == "whole_number":
        return f"should be a whole number, not {shown}"
    if kind == "number":
        return f"should be a number, not {shown}"
    if kind == "true_or_false":
        return f"should be true or false, not {shown}"
    if kind == "text":
        if loc[-1] == "image" or (len(loc) == 4 and loc[2] == "looks"):
            return f"should be an image path, an https:// URL or a data URI, not {shown}"
        if shape:
            return f"should be text, not {shape}"
        return f'should be text: put it in quotes ({loc[-1]}: "{written}")'
    if kind == "mapping":
        if len(loc) == 2 and loc[0] in ASSET_SECTIONS:
            return (
                f'should be a mapping with an image: write "image: {written}" '
                "on the next line, indented"
            )
        if len(loc) == 2 and loc[0] == "scenes":
            return f'should be a scene: write "- id: {written}" and its prompt on the next line'
        if loc[-1] == "looks":
            return f"should be a mapping of look names to images (sleepy: {written}), not {shown}"
        return f"should be a mapping of keys to values, not {shown}"
    if kind == "list":
        if loc == ("scenes",):
            return 'should be a list of scenes, each starting with "- id:"'
        return f"should be a list, like [a, b], not {shown}"
    if kind == "too_short":
        return "is empty: add at least one" + (" scene" if loc == ("scenes",) else " item")
    if kind == "empty":
        return "should not be empty"
    if kind == "at_least":
        return f"should be at least {limit}, not {written}"
    if kind == "at_most":
        return f"should be at most {limit}, not {written}"
    if kind == "more_than":
        return f"should be more than {limit}, not {written}"
    if kind == "one_of":
        return f"should be {_choices(limit)}, not {shown}"
    raise AssertionError(f"an issue without words: {kind}")


def _choices(choices: object) -> str:
    """``'a', 'b' or 'c'``."""
    shown = [repr(choice) for choice in choices] if isinstance(choices, tuple) else [str(choices)]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _written(loc: PathKey, positions: Positions) -> str:
    """A scalar value exactly as the writer typed it (quotes removed)."""
    place = positions.places.get(loc)
    if place is None:
        return "this"
    text = positions.text[place[2] : place[3]].strip().strip("\"'")
    return text if len(text) <= 40 else text[:39] + "…"


def _value_or_key(loc: PathKey, positions: Positions) -> PathKey:
    """A value's place, or its key's when the value is a block that starts on a later line."""
    key, value = positions.places.get((*loc, KEY)), positions.places.get(loc)
    if key is not None and value is not None and value[0] > key[0]:
        return (*loc, KEY)
    return loc


def _describe(loc: PathKey) -> str:
    if not loc:
        return "the story"
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else 'item'}[{part + 1}]"]
        elif part != KEY:
            parts.append(str(part))
    text = ".".join(parts)
    return f'"{text}"'


def _unknown_key_message(name: str, parent: PathKey) -> str:
    known = list(keys_at(Story, parent))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    where = "at the top level" if not parent else f"in {_describe(parent)}"
    allowed = ", ".join(known)
    return f'unknown key "{name}" {where}{hint}; allowed: {allowed}'


def _bad_name_message(name: str) -> str:
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    hint = f' (e.g. "{suggestion}")' if suggestion and re.match(NAME_PATTERN, suggestion) else ""
    return (
        f'"{name}" is not a valid name: use lowercase letters, digits, "-" and "_", '
        f"starting with a letter or digit{hint}"
    )
