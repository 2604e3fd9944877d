"""P1, P2, P3: builds against the xAI stand-in, as real `storyboard build` processes.

P1: 24 independent scenes, jobs of L = 2 s, concurrency 8; ideal ceil(24/8) x L.
P2: a chain of 4 scenes, each mentioning the one before; ideal 4 x L.
P3: a second build of 100 cached scenes: no HTTP request, at most 3 x `--version`.
P13 (`bench_many.py`): 200 independent scenes, concurrency 50, with :func:`many_in_flight`.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from PIL import Image

from benchmarks.common import Run, best_of, load_average, measure, write_results
from storyboard.testing.xai_standin import StandinProcess

KEY = "xai-benchmark-key"
LATENCY = 2.0
POLLING = {"STORYBOARD_POLL_INTERVAL": "0.25", "STORYBOARD_POLL_MAX": "0.5"}


def _project(root: Path, scenes: list[str]) -> Path:
    (root / "assets").mkdir(parents=True)
    Image.new("RGB", (64, 64), (200, 90, 40)).save(root / "assets" / "hero.png")
    lines = [
        "storyboard: 1",
        "title: Benchmark",
        "defaults: {duration: 1, resolution: 480p}",
        "characters:",
        "  hero: {image: assets/hero.png}",
        "scenes:",
        *scenes,
    ]
    (root / "story.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def independent(root: Path, count: int) -> Path:
    scenes = [f'  - {{id: s{i:03d}, prompt: "shot {i}: @hero walks"}}' for i in range(count)]
    return _project(root, scenes)


def text_only(root: Path, count: int) -> Path:
    """Scenes without pictures: their requests, so the stand-in's clips, are the same in
    every run."""
    return _project(
        root, [f'  - {{id: t{i:03d}, prompt: "shot {i} of the sea"}}' for i in range(count)]
    )


def chain(root: Path, count: int) -> Path:
    scenes = ['  - {id: c0, prompt: "@hero wakes"}']
    scenes += [
        f'  - {{id: c{i}, prompt: "shot {i}: after @c{i - 1}, @hero goes on"}}'
        for i in range(1, count)
    ]
    return _project(root, scenes)


def build(root: Path, api: StandinProcess, *args: str) -> Run:
    env = {**os.environ, **POLLING, "XAI_API_KEY": KEY, "XAI_BASE_URL": api.base_url}
    command = [sys.executable, "-m", "storyboard", "build", "-p", str(root), "--no-export", *args]
    run = measure(command, env=env)
    if run.code != 0:
        raise RuntimeError(f"build failed with exit code {run.code}")
    return run


def many_in_flight(folder: Path, scenes: int = 200, concurrency: int = 50, runs: int = 5) -> str:
    """P13's row: ``runs`` builds, each on a fresh project, in a row. The stand-in's clips
    are made by a first build against a fast stand-in (they are kept by request), so the
    measured builds wait on jobs, not on ffmpeg. The verdict is the median run's; every
    run's time is listed, since a shared machine spreads them."""
    with StandinProcess(key=KEY, latency=0.1) as warm_api:
        build(text_only(folder / "p13-warm", scenes), warm_api, "--concurrency", "16")
    walls: list[float] = []
    cpus: list[float] = []
    most_in_flight = polls = 0
    for attempt in range(runs):
        with StandinProcess(key=KEY, latency=LATENCY) as api:
            root = text_only(folder / f"p13-{attempt}", scenes)
            run = build(root, api, "--concurrency", str(concurrency))
            counters = api.counters()
        walls.append(run.wall)
        cpus.append(run.cpu)
        most_in_flight = max(most_in_flight, counters.max_in_flight)
        polls = max(polls, counters.polls)
    ideal = math.ceil(scenes / concurrency) * LATENCY
    limit = 1.15 * ideal + 1.5
    wall = statistics.median(walls)
    within = sum(each <= limit for each in walls)
    verdict = "met" if wall <= limit and most_in_flight <= concurrency else "NOT met"
    every = ", ".join(f"{each:.2f}" for each in walls)
    return (
        f"| P13 | {scenes} independent scenes, L = 2 s, concurrency {concurrency} "
        f"({most_in_flight} in flight at most, up to {polls} polls, "
        f"build CPU {min(cpus):.1f}-{max(cpus):.1f} s; runs: {every} s, "
        f"{within} of {runs} within the target) "
        f"| ideal {ideal:.1f} s | {wall:.2f} s (median of {runs}) | {wall / ideal:.2f} x "
        f"| at most {limit:.1f} s, {concurrency} in flight | {verdict} |"
    )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="storyboard-bench-"))
    rows = [
        "| id | work | yardstick | measured | ratio | target | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    try:
        api = StandinProcess(key=KEY, latency=LATENCY)
        try:
            p1 = build(independent(folder / "p1", 24), api, "--concurrency", "8")
            ideal = math.ceil(24 / 8) * LATENCY
            work = f"24 independent scenes, L = 2 s, concurrency 8 (build CPU {p1.cpu:.1f} s)"
            rows.append(_row("P1", work, ideal, p1.wall))
            p2 = build(chain(folder / "p2", 4), api)
            work = f"a chain of 4 scenes, L = 2 s (build CPU {p2.cpu:.1f} s)"
            rows.append(_row("P2", work, 4 * LATENCY, p2.wall))
        finally:
            api.stop()
        fast_api = StandinProcess(key=KEY, latency=0.1)
        try:
            root = independent(folder / "p3", 100)
            build(root, fast_api, "--concurrency", "16")
            before = fast_api.counters()
            again = min((build(root, fast_api) for _ in range(3)), key=lambda run: run.wall)
            requests = (
                fast_api.counters().posts + fast_api.counters().polls - before.posts - before.polls
            )
        finally:
            fast_api.stop()
        version = best_of(3, [sys.executable, "-m", "storyboard", "--version"])
        ratio = again.wall / version.wall
        verdict = "met" if ratio <= 3 and requests == 0 else "NOT met"
        rows.append(
            f"| P3 | build again, 100 cached scenes ({requests} HTTP requests) "
            f"| `storyboard --version` {version.wall:.2f} s | {again.wall:.2f} s "
            f"| {ratio:.2f} x | at most 3 x, 0 requests | {verdict} |"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_results(
        "build",
        "P1 to P3: builds against the local xAI stand-in",
        rows,
        "Each build is a real `storyboard build --no-export` process against the stand-in "
        "running as another process; polling at STORYBOARD_POLL_INTERVAL=0.25, "
        "STORYBOARD_POLL_MAX=0.5 (the defaults, 2 s and 15 s, suit real jobs of minutes). "
        f"Load average after the runs: {load_average()}. "
        "P3 is the best of 3 builds run again in fresh processes: the first finds nothing "
        "to do the normal way (loading the story, the cache and the plan) and records it; "
        "the next are answered from that record (storyboard/_noop.py) after a stat of the "
        "project's files, before the command line is loaded. Neither sends a request.",
    )


def _row(name: str, work: str, ideal: float, wall: float) -> str:
    limit = 1.15 * ideal + 1.5
    verdict = "met" if wall <= limit else "NOT met"
    return (
        f"| {name} | {work} | ideal {ideal:.1f} s | {wall:.2f} s | {wall / ideal:.2f} x "
        f"| at most {limit:.1f} s | {verdict} |"
    )


if __name__ == "__main__":
    main()
