"""Showing a build as it runs: a live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

STATUS_STYLES = {
    "queued": "dim",
    "submitted": "cyan",
    "resuming": "cyan",
    "running": "cyan",
    "resubmitting": "yellow",
    "downloading": "blue",
    "cached": "green",
    "generated": "bold green",
    "failed": "bold red",
    "refused": "bold red",
    "ambiguous": "bold yellow",
    "skipped": "yellow",
}


class PlainReporter:
    """One line per change of state, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._last: dict[str, str] = {}

    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None:
        if status == "running" and self._last.get(scene_id) == "running":
            return  # progress ticks would flood a log
        self._last[scene_id] = status
        suffix = f" ({detail})" if detail else ""
        self.console.print(f"{scene_id}: {status}{suffix}", markup=False, highlight=False)

    def message(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def __enter__(self) -> PlainReporter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class LiveReporter:
    """A table with a row per scene, redrawn as jobs move."""

    def __init__(self, console: Console, title: str) -> None:
        self.console = console
        self.title = title
        self.rows: dict[str, tuple[str, str, int | None]] = {}
        self.started = time.monotonic()
        self.live = Live(self._table(), console=console, refresh_per_second=8, transient=False)

    def scene(
        self, scene_id: str, status: str, detail: str = "", progress: int | None = None
    ) -> None:
        self.rows[scene_id] = (status, detail, progress)
        self.live.update(self._table())

    def message(self, text: str) -> None:
        self.live.console.print(text, markup=False, highlight=False)

    def _table(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title=f"{self.title}  ({elapsed:.0f} s)", title_justify="left", expand=False)
        table.add_column("scene")
        table.add_column("status")
        table.add_column("progress", justify="right")
        table.add_column("detail", overflow="fold", max_width=70)
        for scene_id, (status, detail, progress) in self.rows.items():
            style = STATUS_STYLES.get(status, "")
            bar = _bar(progress) if status == "running" else ""
            table.add_row(scene_id, f"[{style}]{status}[/]" if style else status, bar, detail)
        return table

    def __enter__(self) -> LiveReporter:
        self.live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.live.update(self._table())
        self.live.__exit__(kind, error, tb)


def _bar(progress: int | None, width: int = 10) -> str:
    if progress is None:
        return "…"
    filled = round(width * max(0, min(progress, 100)) / 100)
    return "█" * filled + "░" * (width - filled) + f" {progress:>3}%"


def reporter_for(console: Console, title: str) -> PlainReporter | LiveReporter:
    return LiveReporter(console, title) if console.is_terminal else PlainReporter(console)
