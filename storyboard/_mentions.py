"""Finding `@mentions` in a prompt.

``@name``, ``@{name}``, ``@name:look`` and ``@{name:look}`` are mentions;
``@@`` is a literal ``@``; an ``@`` right after a letter or digit is not a
mention (so e-mail addresses stay as they are), and neither is an ``@``
followed by something that cannot begin a name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_TOKEN = re.compile(
    rf"@@|@\{{(?P<braced>{_NAME})(?::(?P<braced_look>{_NAME}))?\}}"
    rf"|@(?P<name>{_NAME})(?::(?P<look>{_NAME}))?"
)


class Mention(NamedTuple):
    """One mention: what it names and where it stands in the prompt (a tuple, as stories
    of ten thousand scenes make tens of thousands of them)."""

    name: str
    look: str | None
    text: str
    start: int
    end: int

    @property
    def target(self) -> str:
        return f"{self.name}:{self.look}" if self.look else self.name


Piece = str | Mention


def split_mentions(prompt: str) -> list[Piece]:
    """The prompt as plain text pieces and mentions, in order."""
    if "@" not in prompt:
        return [prompt] if prompt else []
    pieces: list[Piece] = []
    text_start = 0
    for match in _TOKEN.finditer(prompt):
        start, end = match.span()
        text = match[0]
        literal = text == "@@"
        if not literal and start > 0 and prompt[start - 1].isalnum():
            continue  # an e-mail address or similar
        if start > text_start:
            pieces.append(prompt[text_start:start])
        if literal:
            pieces.append("@")
        else:
            braced, braced_look, name, look = match.groups()
            pieces.append(Mention(braced or name, braced_look or look, text, start, end))
        text_start = end
    if text_start < len(prompt):
        pieces.append(prompt[text_start:])
    return pieces


def mentions_in(prompt: str) -> list[Mention]:
    return [piece for piece in split_mentions(prompt) if isinstance(piece, Mention)]
