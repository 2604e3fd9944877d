"""Showing a build as it runs: a live summary on a terminal, plain lines otherwise.

rich is loaded only for the terminal: a build in a log or a pipe writes its lines
straight to the stream (rich's console module alone costs about 0.1 s to import).
"""

from __future__ import annotations

import time
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console, Group

STATUS_STYLES = {
    "queued": "dim",
    "submitted": "cyan",
    "resuming": "cyan",
    "running": "cyan",
    "resubmitting": "yellow",
    "downloading": "blue",
    "scoring": "blue",
    "retaking": "yellow",
    "cached": "green",
    "generated": "bold green",
    "failed": "bold red",
    "refused": "bold red",
    "ambiguous": "bold yellow",
    "skipped": "yellow",
}


class PlainReporter:
    """One line per change of state, for logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last: dict[str, str] = {}

    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None:
        if status == "running" and self._last.get(scene_id) == "running":
            return  # progress ticks would flood a log
        self._last[scene_id] = status
        suffix = f" ({detail})" if detail else ""
        self.message(f"{scene_id}: {status}{suffix}")

    def message(self, text: str) -> None:
        """A line as written, straight to the stream: rich would lay out each of a big
        build's thousand lines for nothing."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def __enter__(self) -> PlainReporter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


ACTIVE = frozenset(
    {"submitted", "resuming", "running", "resubmitting", "downloading", "scoring", "retaking"}
)
"""States of a scene with a job in flight: the live display lists these scenes."""
SUMMARY_ORDER = ("generated", "cached", "failed", "refused", "ambiguous", "skipped", "queued")


class LiveReporter:
    """A summary line and the scenes in flight, redrawn a few times a second.

    However many scenes a build has, the display stays as tall as the terminal
    allows: scenes that wait or are done are counted, not listed (the build's
    summary names the ones that failed)."""

    def __init__(self, console: Console, title: str) -> None:
        from rich.live import Live

        self.console = console
        self.title = title
        self.rows: dict[str, tuple[str, str, int | None]] = {}
        self.started = time.monotonic()
        self.live = Live(
            console=console, get_renderable=self.render, refresh_per_second=4, transient=False
        )

    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None:
        self.rows[scene_id] = (status, detail, progress)

    def message(self, text: str) -> None:
        self.live.console.print(text, markup=False, highlight=False)

    def summary(self) -> str:
        """``title  (12 s)  50 in flight, 30 generated, 120 queued``."""
        counts = Counter(status for status, _, _ in self.rows.values())
        in_flight = sum(counts[status] for status in ACTIVE)
        parts = [f"{in_flight} in flight"] if in_flight else []
        parts += [f"{counts[status]} {status}" for status in SUMMARY_ORDER if counts[status]]
        elapsed = time.monotonic() - self.started
        return f"{self.title}  ({elapsed:.0f} s)  {', '.join(parts) or 'starting'}"

    def render(self) -> Group:
        """What the terminal shows now."""
        from rich.console import Group, RenderableType
        from rich.table import Table
        from rich.text import Text

        active = [(scene_id, row) for scene_id, row in self.rows.items() if row[0] in ACTIVE]
        room = max(3, self.console.height - 4)
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column("scene")
        table.add_column("status")
        table.add_column("progress", justify="right")
        table.add_column("detail", overflow="ellipsis", no_wrap=True, max_width=50)
        for scene_id, (status, detail, progress) in active[:room]:
            style = STATUS_STYLES.get(status, "")
            bar = _bar(progress) if status == "running" else ""
            table.add_row(scene_id, f"[{style}]{status}[/]" if style else status, bar, detail)
        parts: list[RenderableType] = [Text(self.summary(), style="bold")]
        if active:
            parts.append(table)
        if len(active) > room:
            parts.append(Text(f"… and {len(active) - room} more in flight", style="dim"))
        return Group(*parts)

    def __enter__(self) -> LiveReporter:
        self.live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.live.__exit__(kind, error, tb)


def _bar(progress: int | None, width: int = 10) -> str:
    if progress is None:
        return "…"
    filled = round(width * max(0, min(progress, 100)) / 100)
    return "█" * filled + "░" * (width - filled) + f" {progress:>3}%"
