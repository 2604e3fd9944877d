"""A writer's text as line-based files take it: subtitle cues and timeline names.

A title or caption may hold anything YAML lets through: line breaks, tabs,
control characters. In an EDL a line break ends the line it is on, in XML a
control character makes the file unreadable, and in SRT or WebVTT a blank line
ends the cue; these functions keep each file whole.
"""

from __future__ import annotations

import unicodedata

_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def single_line(text: str) -> str:
    """``text`` on one line: line breaks, tabs and runs of spaces as one space, control
    characters gone."""
    return " ".join(_without_controls(text.translate(_AS_SPACE)).split())


def cue_text(text: str) -> str:
    """``text`` as the text of one subtitle cue: its lines, each on one line, without the
    blank lines that would end the cue early, and with no ``-->`` that would start one."""
    lines = (single_line(line).replace("-->", "→") for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _without_controls(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) != "Cc")


_AS_SPACE = str.maketrans(dict.fromkeys(_LINE_BREAKS + "\t", " "))
