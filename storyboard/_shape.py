"""Checking plain data against a description made of frozen dataclasses.

A format is described once, as dataclasses whose field types say what a value may
be (``str``, ``int``, ``float``, ``bool``, a ``Literal``, ``X | None``, ``list``,
``dict``, another dataclass) and carry their limits in ``Annotated[...]`` metadata
(:class:`MinLength`, :class:`Pattern`, :class:`AtLeast`, :class:`AtMost`,
:class:`MoreThan`, :class:`Shorthand`). From that one description this module
validates data, returning every issue with its path, lists the keys a place
allows, and writes the JSON Schema. Each class is compiled into a checker once;
a value then costs only a look at the keys it has.

Values are read as a YAML file gives them: ``int`` is strict (not ``true``, not
``1.0``), a ``Literal`` matches only its own type, ``float`` takes any number or
text that reads as one, and ``bool`` takes ``yes``/``no``-like words and 0 or 1.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    Literal,
    TypeGuard,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

Path = tuple[str | int, ...]
KEY = "[key]"
"""Path suffix for a mapping key itself rather than its value."""

IssueKind = Literal[
    "unknown_key",
    "missing",
    "pattern",
    "empty",
    "too_short",
    "whole_number",
    "number",
    "true_or_false",
    "text",
    "mapping",
    "list",
    "one_of",
    "at_least",
    "at_most",
    "more_than",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with the data: where, what kind, the value found there, and the
    limit it missed (the bound of ``at_least``..., the choices of ``one_of``)."""

    path: Path
    kind: IssueKind
    value: object = None
    limit: object = None


@dataclass(frozen=True, slots=True)
class MinLength:
    """Text at least this long; a list with at least this many items."""

    length: int


@dataclass(frozen=True, slots=True)
class Pattern:
    """Text that matches this regular expression as a whole."""

    regex: str


@dataclass(frozen=True, slots=True)
class AtLeast:
    bound: float


@dataclass(frozen=True, slots=True)
class AtMost:
    bound: float


@dataclass(frozen=True, slots=True)
class MoreThan:
    bound: float


@dataclass(frozen=True, slots=True)
class Shorthand:
    """A dataclass value may be written as text, short for ``{key: text}``; ``words``
    describe the short form in the schema."""

    key: str
    words: str


_WRITTEN = "storyboard.shape.written"


def written_keys() -> Any:
    """A dataclass field that records which keys the data gave (not a key itself)."""
    return dataclasses.field(
        default=frozenset(), compare=False, repr=False, metadata={_WRITTEN: True}
    )


T = TypeVar("T")
_Check = Callable[[object, list[Issue]], object]
"""Checks a value, appending its issues (paths relative to it); returns it as the class
holds it."""
_Checker = tuple[frozenset[type], _Check]
"""The types of values taken as they are, and the check for any other."""
_LIMIT_ORDER: tuple[IssueKind, ...] = ("empty", "pattern", "at_most", "at_least", "more_than")
"""The order limits are tested in, whatever order they are written in (as pydantic did)."""
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def validate(cls: type[T], data: object) -> tuple[T | None, list[Issue]]:
    """``data`` as an instance of ``cls``, or None and every issue found in it."""
    issues: list[Issue] = []
    value = cast(T, _shape_of(cls).check(data, issues))
    return (None, issues) if issues else (value, [])


def keys_of(cls: type) -> tuple[str, ...]:
    """The keys a dataclass allows, in the order it declares them."""
    return tuple(_shape_of(cls).fields)


def keys_at(cls: type, path: Path) -> tuple[str, ...]:
    """The keys allowed at ``path`` inside data of ``cls`` (none if it is not a dataclass)."""
    hint: Any = cls
    for part in path:
        hint = _bare(hint)
        if _is_class(hint):
            hint = _shape_of(hint).hints.get(str(part))
            if hint is None:
                return ()
        elif get_origin(hint) in (dict, list):
            hint = get_args(hint)[-1]
        else:
            return ()
    hint = _bare(hint)
    return keys_of(hint) if _is_class(hint) else ()


def _is_class(hint: object) -> TypeGuard[type]:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def _bare(hint: Any) -> Any:
    """The type inside ``Annotated`` and ``| None``."""
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    arguments = [a for a in get_args(hint) if a is not type(None)]
    if get_origin(hint) in (Union, types.UnionType) and len(arguments) == 1:
        return _bare(arguments[0])
    return hint


class _ClassShape:
    """A dataclass compiled: one checker per key."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.hints: dict[str, Any] = {}
        self.fields: dict[str, _Checker] = {}
        self.required: tuple[str, ...] = ()
        self.written: str | None = None

    def compile(self) -> None:
        hints = get_type_hints(self.cls, include_extras=True)
        required = []
        for item in dataclasses.fields(self.cls):
            if item.metadata.get(_WRITTEN):
                self.written = item.name
                continue
            self.hints[item.name] = hints[item.name]
            self.fields[item.name] = _compile(hints[item.name])
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                required.append(item.name)
        self.required = tuple(required)

    def check(self, value: object, issues: list[Issue]) -> object:
        if not isinstance(value, dict):
            issues.append(Issue((), "mapping", value))
            return None
        before = len(issues)
        arguments: dict[str, object] = {}
        fields = self.fields
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                issues.append(Issue((key,), "unknown_key", item))
            elif type(item) in field[0]:
                arguments[key] = item
            else:
                count = len(issues)
                arguments[key] = field[1](item, issues)
                if len(issues) > count:
                    _under(key, issues, count)
        for name in self.required:
            if name not in value:
                issues.append(Issue((name,), "missing"))
        if len(issues) > before:
            return None
        if self.written is not None:
            arguments[self.written] = frozenset(value)
        return self.cls(**arguments)


def _under(part: str | int, issues: list[Issue], start: int) -> None:
    """The issues from ``start`` on, found inside the value at ``part``."""
    for index in range(start, len(issues)):
        issue = issues[index]
        issues[index] = Issue((part, *issue.path), issue.kind, issue.value, issue.limit)


_SHAPES: dict[type, _ClassShape] = {}


def _shape_of(cls: type) -> _ClassShape:
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _ClassShape(cls)  # registered first: a class may hold itself
        shape.compile()
    return shape


_NONE: frozenset[type] = frozenset({type(None)})
_AS_IS: dict[Any, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    float: frozenset({float}),
    bool: frozenset({bool}),
}
"""The types of values a plain field keeps without looking further (``bool`` is not ``int``:
the comparison is of exact types)."""


def _compile(hint: Any, limits: tuple[object, ...] = ()) -> _Checker:
    """The types taken as they are at ``hint``, and the check of any other value."""
    origin = get_origin(hint)
    if origin is Annotated:
        inner, *metadata = get_args(hint)
        return _compile(inner, (*limits, *metadata))
    if origin in (Union, types.UnionType):
        arguments = [a for a in get_args(hint) if a is not type(None)]
        if len(arguments) != 1:
            raise TypeError(f"only `X | None` unions are described: {hint}")
        accepted, check = _compile(arguments[0], limits)
        return accepted | _NONE, check
    if origin is Literal:
        return frozenset(), _literal(get_args(hint))
    if origin is list:
        return frozenset(), _list(_compile(get_args(hint)[0]), _min_length(limits))
    if origin is dict:
        key, item = get_args(hint)
        return frozenset(), _dict(_compile(key), _compile(item))
    if _is_class(hint):
        return frozenset({hint}), _dataclass(hint, limits)
    simple = {str: _text, int: _whole_number, float: _number, bool: _true_or_false}.get(hint)
    if simple is None:
        raise TypeError(f"no checker for {hint}")
    check = _limited(simple, limits, hint)
    return (_AS_IS[hint] if check is simple else frozenset()), check


def _literal(choices: tuple[object, ...]) -> _Check:
    allowed = {(type(choice), choice) for choice in choices}

    def literal(value: object, issues: list[Issue]) -> object:
        try:
            if (type(value), value) in allowed:
                return value
        except TypeError:  # an unhashable value: a list or a mapping
            pass
        issues.append(Issue((), "one_of", value, choices))
        return None

    return literal


def _list(item: _Checker, min_length: int | None) -> _Check:
    accepted, check = item

    def items(value: object, issues: list[Issue]) -> object:
        if not isinstance(value, list | tuple):
            issues.append(Issue((), "list", value))
            return None
        result = []
        for index, entry in enumerate(value):
            if type(entry) in accepted:
                result.append(entry)
                continue
            count = len(issues)
            result.append(check(entry, issues))
            if len(issues) > count:
                _under(index, issues, count)
        if min_length is not None and len(result) < min_length:
            issues.append(Issue((), "too_short", value, min_length))
        return result

    return items


def _dict(key: _Checker, item: _Checker) -> _Check:
    check_key, (accepted, check) = key[1], item

    def mapping(value: object, issues: list[Issue]) -> object:
        if not isinstance(value, dict):
            issues.append(Issue((), "mapping", value))
            return None
        result = {}
        for name, entry in value.items():
            count = len(issues)
            check_key(name, issues)
            if len(issues) > count:
                _under(KEY, issues, count)
                _under(name, issues, count)
            if type(entry) in accepted:
                result[name] = entry
                continue
            count = len(issues)
            result[name] = check(entry, issues)
            if len(issues) > count:
                _under(name, issues, count)
        return result

    return mapping


def _dataclass(cls: type, limits: tuple[object, ...]) -> _Check:
    shape = _shape_of(cls)
    short = next((limit.key for limit in limits if isinstance(limit, Shorthand)), None)
    if short is None:
        return shape.check

    def shorthand(value: object, issues: list[Issue]) -> object:
        return shape.check({short: value} if isinstance(value, str) else value, issues)

    return shorthand


def _text(value: object, issues: list[Issue]) -> object:
    if isinstance(value, str):
        return value
    issues.append(Issue((), "text", value))
    return None


def _whole_number(value: object, issues: list[Issue]) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    issues.append(Issue((), "whole_number", value))
    return None


def _number(value: object, issues: list[Issue]) -> object:
    try:
        if isinstance(value, int | float | str):
            return float(value)
    except (ValueError, OverflowError):
        pass
    issues.append(Issue((), "number", value))
    return None


def _true_or_false(value: object, issues: list[Issue]) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
    issues.append(Issue((), "true_or_false", value))
    return None


def _min_length(limits: tuple[object, ...]) -> int | None:
    return next((limit.length for limit in limits if isinstance(limit, MinLength)), None)


def _limited(check: _Check, limits: tuple[object, ...], hint: type) -> _Check:
    """``check``, then the limits in ``limits`` on the value it returns (the first one
    that fails is the issue). A value of the very type of ``hint`` that holds is taken at
    once: the common case is two calls."""
    kind = float if hint is float else int
    tests = [test for limit in limits if (test := _limit_test(limit, kind)) is not None]
    if not tests:
        return check
    tests.sort(key=lambda test: _LIMIT_ORDER.index(test[1]))
    holds_all = [holds for holds, _, _ in tests]

    def limited(value: object, issues: list[Issue]) -> object:
        if type(value) is hint and all(holds(value) for holds in holds_all):
            return value
        before = len(issues)
        result = check(value, issues)
        if len(issues) == before:
            for holds, failure, bound in tests:
                if not holds(result):
                    issues.append(Issue((), failure, value, bound))
                    break
        return result

    if len(tests) == 1:
        only = holds_all[0]

        def limited_once(value: object, issues: list[Issue]) -> object:
            return value if type(value) is hint and only(value) else limited(value, issues)

        return limited_once
    return limited


def _limit_test(
    limit: object, kind: type[float] | type[int]
) -> tuple[Callable[[Any], object], IssueKind, object] | None:
    """What is true of a value within ``limit``, the issue when it is not, and the bound.
    The bound is of the value's type, so that comparing is a single call."""
    if isinstance(limit, MinLength):
        return (lambda value: len(value) >= limit.length), "empty", limit.length
    if isinstance(limit, Pattern):
        return re.compile(limit.regex).fullmatch, "pattern", limit.regex
    if isinstance(limit, AtMost):
        return kind(limit.bound).__ge__, "at_most", kind(limit.bound)
    if isinstance(limit, AtLeast):
        return kind(limit.bound).__le__, "at_least", kind(limit.bound)
    if isinstance(limit, MoreThan):
        return kind(limit.bound).__lt__, "more_than", kind(limit.bound)
    return None


def json_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema (2020-12) of data that validates as ``cls``."""
    definitions: dict[str, Any] = {}
    schema = _class_schema(cls, definitions)
    if definitions:
        schema["$defs"] = dict(sorted(definitions.items()))
    return schema


def _class_schema(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    shape = _shape_of(cls)
    properties: dict[str, Any] = {}
    defaults = {item.name: item.default for item in dataclasses.fields(cls)}
    for name, hint in shape.hints.items():
        schema = _schema(hint, (), definitions)
        if "$ref" not in schema:
            schema["title"] = name.replace("_", " ").title()
        if defaults[name] is not dataclasses.MISSING:
            schema["default"] = defaults[name]
        properties[name] = dict(sorted(schema.items()))
    result: dict[str, Any] = {"additionalProperties": False}
    if cls.__doc__:
        result["description"] = inspect.cleandoc(cls.__doc__)
    result["properties"] = properties
    if shape.required:
        result["required"] = list(shape.required)
    result["title"] = cls.__name__
    result["type"] = "object"
    return result


def _schema(hint: Any, limits: tuple[object, ...], definitions: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin is Annotated:
        inner, *metadata = get_args(hint)
        return _schema(inner, (*limits, *metadata), definitions)
    if origin in (Union, types.UnionType):
        (inner,) = (a for a in get_args(hint) if a is not type(None))
        return {"anyOf": [_schema(inner, limits, definitions), {"type": "null"}]}
    if origin is Literal:
        choices = list(get_args(hint))
        if len(choices) == 1:
            return {"const": choices[0], "type": _json_type(type(choices[0]))}
        return {"enum": choices, "type": _json_type(type(choices[0]))}
    if origin is list:
        items = {"items": _schema(get_args(hint)[0], (), definitions), "type": "array"}
        length = _min_length(limits)
        return items if length is None else {**items, "minItems": length}
    if origin is dict:
        key, item = get_args(hint)
        pattern = _schema(key, (), definitions).get("pattern", ".*")
        return {"patternProperties": {pattern: _schema(item, (), definitions)}, "type": "object"}
    if _is_class(hint):
        short = next((limit for limit in limits if isinstance(limit, Shorthand)), None)
        if short is not None:
            written = _schema(_shape_of(hint).hints[short.key], (), definitions)["anyOf"][0]
            full = _class_schema(hint, definitions)
            return {"anyOf": [{**written, "description": short.words}, full]}
        if hint.__name__ not in definitions:
            definitions[hint.__name__] = {}  # reserved first: a class may hold itself
            definitions[hint.__name__] = _class_schema(hint, definitions)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    schema: dict[str, object] = {"type": _json_type(hint)}
    for limit in limits:
        if isinstance(limit, MinLength):
            schema["minLength"] = limit.length
        elif isinstance(limit, Pattern):
            schema["pattern"] = limit.regex
        elif isinstance(limit, AtLeast):
            schema["minimum"] = limit.bound
        elif isinstance(limit, AtMost):
            schema["maximum"] = limit.bound
        elif isinstance(limit, MoreThan):
            schema["exclusiveMinimum"] = limit.bound
    return schema


def _json_type(hint: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean"}[hint]
