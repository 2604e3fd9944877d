"""The live display of a build stays readable with hundreds of scenes."""

from __future__ import annotations

import io

from rich.console import Console

from storyboard._progress import LiveReporter, PlainReporter

HEIGHT = 20


def terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100, height=HEIGHT, record=True)


def shown(reporter: LiveReporter, console: Console) -> list[str]:
    console.print(reporter.render())
    return console.export_text().splitlines()


def test_two_hundred_scenes_fit_the_terminal() -> None:
    console = terminal()
    reporter = LiveReporter(console, "A Long Story")
    for index in range(200):
        reporter.scene(f"scene-{index:03d}", "queued")
    for index in range(50):
        reporter.scene(f"scene-{index:03d}", "running", "", index)
    for index in range(50, 80):
        reporter.scene(f"scene-{index:03d}", "generated", "take 1")
    reporter.scene("scene-080", "failed", "the API refused it")
    lines = shown(reporter, console)
    assert len(lines) <= HEIGHT
    assert "50 in flight, 30 generated, 1 failed, 119 queued" in lines[0]
    assert lines[-1].strip() == f"… and {50 - (HEIGHT - 4)} more in flight"
    assert "scene-000" in lines[1] and not any("scene-150" in line for line in lines)


def test_scenes_leave_the_display_when_their_job_ends() -> None:
    console = terminal()
    reporter = LiveReporter(console, "Short")
    reporter.scene("one", "running", "", 40)
    reporter.scene("two", "downloading")
    reporter.scene("one", "generated", "take 1")
    lines = shown(reporter, console)
    assert "1 in flight, 1 generated" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["two"]


def test_plain_lines_say_each_change_once() -> None:
    log = io.StringIO()
    reporter = PlainReporter(log)
    reporter.scene("one", "running", "", 10)
    reporter.scene("one", "running", "", 50)
    reporter.scene("one", "generated", "take [1]")
    assert log.getvalue().splitlines() == ["one: running", "one: generated (take [1])"]
