"""Finding `@mentions` in a prompt.

``@name``, ``@{name}``, ``@name:look`` and ``@{name:look}`` are mentions;
``@@`` is a literal ``@``; an ``@`` right after a letter or digit is not a
mention (so e-mail addresses stay as they are), and neither is an ``@``
followed by something that cannot begin a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_TOKEN = re.compile(
    rf"@@|@\{{(?P<braced>{_NAME})(?::(?P<braced_look>{_NAME}))?\}}"
    rf"|@(?P<name>{_NAME})(?::(?P<look>{_NAME}))?"
)


_GROUPS = ("braced", "braced_look", "name", "look")


@dataclass(frozen=True)
class Mention:
    """One mention: what it names and where it stands in the prompt."""

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
    pieces: list[Piece] = []
    text_start = 0
    for match in _TOKEN.finditer(prompt):
        start = match.start()
        literal = match.group(0) == "@@"
        if not literal and start > 0 and prompt[start - 1].isalnum():
            continue  # an e-mail address or similar
        pieces.append(prompt[text_start:start])
        end = match.end()
        if literal:
            pieces.append("@")
        else:
            text, braced, braced_look, name, look = match.group(0, *_GROUPS)
            pieces.append(Mention(braced or name, braced_look or look, text, start, end))
        text_start = end
    pieces.append(prompt[text_start:])
    return [piece for piece in pieces if piece != ""]


def mentions_in(prompt: str) -> list[Mention]:
    return [piece for piece in split_mentions(prompt) if isinstance(piece, Mention)]
