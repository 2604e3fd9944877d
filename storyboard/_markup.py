"""rich's console markup, written and read without loading rich.

The command line writes its lines in rich's markup (``[bold]nap[/]``). On a
terminal rich draws them; anywhere else rich would print the text with the tags
removed, and so does :func:`plain`, byte for byte, for a fraction of rich's
import time. :func:`escape` is rich's own rule for text that must print as
written. Text with tabs or control characters (which rich expands or drops by
their width on screen) is left to rich: :func:`plain` answers None for it.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
_TAG_LIKE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
_RICH_ONLY = re.compile(r"[\t\x07\x08\x0b\x0c\r]")


def escape(text: str) -> str:
    """``text`` with anything that reads as a tag escaped (rich.markup.escape)."""
    escaped = _TAG_LIKE.sub(lambda match: f"{match[1]}{match[1]}\\{match[2]}", text)
    if escaped.endswith("\\") and not escaped.endswith("\\\\"):
        return escaped + "\\"
    return escaped


def plain(markup: str) -> str | None:
    """The text rich prints for ``markup`` where there is no terminal, or None when only
    rich can say (tabs, control characters)."""
    if _RICH_ONLY.search(markup):
        return None
    pieces = []
    position = 0
    for match in _TAG.finditer(markup):
        whole, backslashes = match[1], match[2]
        start, end = match.span()
        pieces.append(markup[position:start].replace("\\[", "["))
        literal, escaped = divmod(len(backslashes), 2)
        pieces.append("\\" * literal + (whole[len(backslashes) :] if escaped else ""))
        position = end
    pieces.append(markup[position:].replace("\\[", "["))
    return "".join(pieces)


def plain_text(text: str) -> str | None:
    """``text`` printed by rich without markup where there is no terminal, or None when
    only rich can say."""
    return None if _RICH_ONLY.search(text) else text
