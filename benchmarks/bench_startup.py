"""P11: the quick commands answer at once.

`storyboard --version` at most 0.15 s, `--help` at most 0.3 s, and `check`, `plan` and
`status` of the example project at most 0.45 s each; `python -c pass` is measured beside
them in the same run, as the yardstick of what starting Python costs on this machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Run, best_of, load_average, write_results
from storyboard._store import Store

EXAMPLE = Path(__file__).resolve().parent.parent / "projects" / "astronaut-cat"
STORYBOARD = Path(sys.executable).with_name("storyboard")
RUNS = 7
TARGETS = {"--version": 0.15, "--help": 0.3, "check": 0.45, "plan": 0.45, "status": 0.45}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "astronaut-cat"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".storyboard", "out"))
        Store(project / ".storyboard").close()  # a writer's project has a cache to read
        environment = {**os.environ, "STORYBOARD_PROVIDER": "preview"}
        load_before = load_average()
        yardstick = best_of(RUNS, [sys.executable, "-c", "pass"])
        commands = {
            "--version": [os.fspath(STORYBOARD), "--version"],
            "--help": [os.fspath(STORYBOARD), "--help"],
            "check": [os.fspath(STORYBOARD), "check", "-p", os.fspath(project)],
            "plan": [os.fspath(STORYBOARD), "plan", "-p", os.fspath(project)],
            "status": [os.fspath(STORYBOARD), "status", "-p", os.fspath(project)],
        }
        best_of(1, commands["check"], env=environment)  # the first check decodes the pictures
        runs = {name: best_of(RUNS, command, env=environment) for name, command in commands.items()}
        load_after = load_average()
    rows = [
        "| command | wall (best of 7) | x `python -c pass` | peak memory | target | verdict |",
        "|---|---|---|---|---|---|",
        f"| `python -c pass` (yardstick) | {yardstick.wall:.3f} s | 1.0 x "
        f"| {yardstick.peak_mb:.0f} MB | | |",
    ]
    rows += [_row(name, run, yardstick) for name, run in runs.items()]
    write_results(
        "startup",
        "P11: the quick commands",
        rows,
        "Each command is the installed `storyboard` script in a fresh process, on a copy of "
        "`projects/astronaut-cat` with a cache (pictures already checked). Load average: "
        f"{load_before} before, {load_after} after (above 2, other work shared the two cores, "
        "and every figure, the yardstick's too, is slower than on an idle machine). "
        "Where `check`'s time goes (`-X importtime`, cProfile): the work itself is about "
        "20 ms; the rest is starting Python and imports. Neither pydantic nor rich is "
        "imported any more (typer is pinned below 0.29, which imports pydantic; the story "
        "format is validated by `storyboard/_shape.py`; off a terminal the CLI prints "
        "rich's markup without rich), nor the scoring modules. What is left: typer (which "
        "also reads every command's signature on each run), PyYAML (its pure-Python reader "
        "compiles a large regular expression on import even though the C loader is used), "
        "and storyboard's own modules (about a hundred dataclasses).",
    )


def _row(name: str, run: Run, yardstick: Run) -> str:
    target = TARGETS[name]
    verdict = "met" if run.wall <= target and run.code == 0 else "NOT met"
    return (
        f"| `storyboard {name}` | {run.wall:.3f} s | {run.wall / yardstick.wall:.1f} x "
        f"| {run.peak_mb:.0f} MB | at most {target} s | {verdict} |"
    )


if __name__ == "__main__":
    main()
