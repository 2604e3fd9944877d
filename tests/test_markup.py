"""The command line's markup without rich prints what rich would (storyboard._markup)."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape as rich_escape

from storyboard._markup import escape, plain, plain_text

PIECES = [
    "[bold]", "[/]", "[green]", "[/bold]", "[#fff]", "[@x]", "[x]", "[a b]", "[1]", "[", "]",
    "\\", "\\\\", "\\[bold]", "text ", "@cat", "$1.00*", "IMAGE_1", "é", "  ", ":smile:",
    "\u200b", "界", "a" * 90,
]  # fmt: skip


def rich_prints(markup: str, *, use_markup: bool = True) -> str:
    """What the command line's console prints for ``markup`` where there is no terminal."""
    written = io.StringIO()
    console = Console(file=written, highlight=False, soft_wrap=True, emoji=False)
    console.print(markup, markup=use_markup)
    return written.getvalue()


def pick(chance: random.Random, most: int) -> str:
    return "".join(chance.choice(PIECES) for _ in range(chance.randint(0, most)))


def test_escape_is_riches_rule() -> None:
    chance = random.Random(14)
    for _ in range(2000):
        text = pick(chance, 5)
        assert escape(text) == rich_escape(text), text


def test_plain_prints_what_rich_prints() -> None:
    chance = random.Random(11)
    compared = 0
    for _ in range(3000):
        markup = f"[bold]{pick(chance, 5)}[/] x {escape(pick(chance, 4))} y"
        try:
            expected = rich_prints(markup)
        except MarkupError:  # a closing tag with nothing open: never written by storyboard
            continue
        assert plain(markup) == expected.removesuffix("\n"), markup
        compared += 1
    assert compared > 1000


def test_text_without_markup_prints_as_written() -> None:
    chance = random.Random(3)
    for _ in range(500):
        text = pick(chance, 6)
        assert plain_text(text) == rich_prints(text, use_markup=False).removesuffix("\n")


@pytest.mark.parametrize("text", ["a\tb", "carriage\rreturn", "bell\x07"])
def test_tabs_and_control_characters_are_left_to_rich(text: str) -> None:
    assert plain(text) is None and plain_text(text) is None
