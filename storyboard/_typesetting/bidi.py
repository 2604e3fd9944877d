"""Right-to-left text: the direction of each character of a line, and the order in which
runs of characters stand on the line.

A compact form of the Unicode bidirectional algorithm (UAX #9) for one line of
plain text: no explicit embeddings, numbers keep their digits left to right, and
neutral characters (spaces, punctuation, emoji) take the direction of the strong
characters around them. Shaping inside a run is left to the layout engine.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TypeVar

_RIGHT = frozenset({"R", "AL"})
_NUMBER = frozenset({"EN", "AN"})
_SEPARATORS = frozenset({"ES", "CS"})

Item = TypeVar("Item")


def base_level(text: str) -> int:
    """0 when the first strong character is left-to-right (or there is none), else 1."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return 0
        if kind in _RIGHT:
            return 1
    return 0


def levels(text: str, base: int | None = None) -> list[int]:
    """The embedding level of each character: even reads left to right, odd right to left."""
    base = base_level(text) if base is None else base
    kinds = _strong_kinds(text, base)
    resolved = _resolve_neutrals(kinds, "R" if base else "L")
    found = [_level(kind, base) for kind in resolved]
    end = len(text)
    while end and text[end - 1].isspace():
        end -= 1
        found[end] = base
    return found


def visual_order(items: Sequence[Item], item_levels: Sequence[int]) -> list[Item]:
    """``items`` (in reading order, each at a level) in the order they stand on the line."""
    if not items:
        return []
    order = list(range(len(items)))
    lowest_odd = min(item_levels) | 1
    for level in range(max(item_levels), lowest_odd - 1, -1):
        start = None
        for position in range(len(order) + 1):
            inside = position < len(order) and item_levels[order[position]] >= level
            if inside and start is None:
                start = position
            elif not inside and start is not None:
                order[start:position] = reversed(order[start:position])
                start = None
    return [items[index] for index in order]


def _strong_kinds(text: str, base: int) -> list[str]:
    """Each character as L, R, N (a number) or "" (neutral), after the weak-type rules."""
    kinds: list[str] = []
    last_strong = "R" if base else "L"
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "NSM" or (unicodedata.category(char) in ("Mn", "Me") and kinds):
            kinds.append(kinds[-1] if kinds else "")
            continue
        if kind == "L" or kind in _RIGHT:
            last_strong = "L" if kind == "L" else "R"
            kinds.append(last_strong)
        elif kind in _NUMBER:
            kinds.append("L" if last_strong == "L" and kind == "EN" else "N")
        else:
            kinds.append(kind if kind in _SEPARATORS or kind == "ET" else "")
    return _join_numbers(kinds)


def _join_numbers(kinds: list[str]) -> list[str]:
    """A separator between two numbers, and a currency or percent sign next to one,
    belong to the number ("1,000", "3.5", "$5", "5%")."""
    for index, kind in enumerate(kinds):
        before = kinds[index - 1] if index else ""
        after = kinds[index + 1] if index + 1 < len(kinds) else ""
        if kind in _SEPARATORS:
            kinds[index] = before if before == after and before in ("N", "L") else ""
        elif kind == "ET":
            kinds[index] = before if before in ("N", "L") else after if after in ("N",) else ""
    return kinds


def _resolve_neutrals(kinds: list[str], embedding: str) -> list[str]:
    """Neutrals take the direction on both sides when it agrees (numbers count as R),
    else the paragraph's."""
    resolved = list(kinds)
    index = 0
    while index < len(kinds):
        if kinds[index]:
            index += 1
            continue
        end = index
        while end < len(kinds) and not kinds[end]:
            end += 1
        before = _direction(kinds[index - 1]) if index else embedding
        after = _direction(kinds[end]) if end < len(kinds) else embedding
        resolved[index:end] = [before if before == after else embedding] * (end - index)
        index = end
    return resolved


def _direction(kind: str) -> str:
    return "L" if kind == "L" else "R"


def _level(kind: str, base: int) -> int:
    if kind == "L":
        return base + base % 2
    if kind == "R":
        return base | 1
    return base + 1 + (base + 1) % 2
