"""P10: `build` of the example project with scoring on takes at most 1.2 x the same
build with scoring off, in the same run.

    .venv/bin/python -m benchmarks.bench_score_build

Two providers, each a real `storyboard build --no-export` process on a fresh copy of
`projects/astronaut-cat`, scoring off then on (the order alternates across the runs;
the fastest of each kept, since this machine is shared):

- the xAI stand-in with jobs of L = 2 s (a real API's jobs take minutes: scoring
  hides behind the waiting);
- the preview provider, which renders on the same two cores as the scorer (the
  worst case: nothing to hide behind).

The figures go to ``benchmarks/results/score_build.md``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Run, measure, write_results
from storyboard.testing.xai_standin import StandinProcess

EXAMPLE = Path(__file__).resolve().parent.parent / "projects" / "astronaut-cat"
KEY = "xai-benchmark-key"
LATENCY = 2.0
POLLING = {"STORYBOARD_POLL_INTERVAL": "0.25", "STORYBOARD_POLL_MAX": "0.5"}
RUNS = 2
TARGET = 1.2


def fresh_copy(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".storyboard", "out", "*.lock"))
    return target


def build(root: Path, env: dict[str, str], *args: str) -> Run:
    command = [sys.executable, "-m", "storyboard", "build", "-p", str(root), "--no-export", *args]
    run = measure(command, env=env)
    if run.code != 0:
        raise RuntimeError(f"build failed with exit code {run.code}")
    return run


def compare(folder: Path, label: str, env: dict[str, str]) -> tuple[float, float]:
    """The fastest build without scoring and with it."""
    off: list[float] = []
    on: list[float] = []
    for attempt in range(RUNS):
        order = [("--no-score", off), ("--score", on)]
        for switch, times in order if attempt % 2 == 0 else reversed(order):
            root = fresh_copy(folder, f"{label}-{attempt}{switch}")
            times.append(build(root, env, switch).wall)
    return min(off), min(on)


def main() -> None:
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="storyboard-bench-"))
    rows = [
        f"| id | provider | scoring off (best of {RUNS}) | scoring on | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    try:
        with StandinProcess(key=KEY, latency=LATENCY) as api:
            env = {**os.environ, **POLLING, "XAI_API_KEY": KEY, "XAI_BASE_URL": api.base_url}
            results = {"xAI stand-in, jobs of 2 s": compare(folder, "xai", env)}
        preview_env = {**os.environ, "STORYBOARD_PROVIDER": "preview"}
        results["preview (renders on the same cores)"] = compare(folder, "preview", preview_env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for label, (off, on) in results.items():
        ratio = on / off
        verdict = "met" if ratio <= TARGET else "NOT met"
        rows.append(
            f"| P10 | {label} | {off:.2f} s | {on:.2f} s | **{ratio:.2f} x** "
            f"| ≤ {TARGET:g} x: {verdict} |"
        )
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    write_results(
        "score_build",
        "P10: build of the example project with scoring on",
        rows,
        "Six scenes; each new take is scored in one worker process beside the build (models "
        "loaded once in it); the build waits for the last score before it ends. "
        f"Load average during the run: {load} (anything above 2 means other work shared "
        "the cores).",
    )


if __name__ == "__main__":
    main()
