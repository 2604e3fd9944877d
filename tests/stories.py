"""The small story most command tests share: one cat, one-second 480p scenes."""

from __future__ import annotations


def cat_story(title: str, scenes: str) -> str:
    """A story titled ``title`` with the character @cat (assets/cat.png).

    ``scenes`` is the YAML that follows ``scenes:`` (and may go on with ``cuts:``).
    """
    return (
        "storyboard: 1\n"
        f"title: {title}\n"
        "defaults: {duration: 1, resolution: 480p}\n"
        "characters:\n"
        "  cat: {image: assets/cat.png}\n"
        "scenes:\n"
        f"{scenes}"
    )
