"""P10: `build` of the example project with scoring on takes at most 1.2 x the same
build with scoring off, in the same run.

    .venv/bin/python -m benchmarks.bench_score_build

Two providers, each a real `storyboard build --no-export` process on a fresh copy of
`projects/astronaut-cat`, scoring off then on (the order alternates across the runs;
the fastest of each kept, since this machine is shared). Beside the wall time, the CPU
time of each build (with its scoring worker and ffmpeg) gives what scoring costs
whatever else runs on the machine:

- the xAI stand-in with jobs of L = 2 s (a real API's jobs take minutes: scoring
  hides behind the waiting);
- the preview provider, which renders on the same two cores as the scorer (the
  worst case: nothing to hide behind).

The figures go to ``benchmarks/results/score_build.md``.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from benchmarks.common import with_bytecode, write_results
from storyboard.testing.xai_standin import StandinProcess

EXAMPLE = Path(__file__).resolve().parent.parent / "projects" / "astronaut-cat"
KEY = "xai-benchmark-key"
LATENCY = 2.0
POLLING = {"STORYBOARD_POLL_INTERVAL": "0.25", "STORYBOARD_POLL_MAX": "0.5"}
RUNS = 3
TARGET = 1.2


def fresh_copy(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".storyboard", "out", "*.lock"))
    return target


@dataclass(frozen=True)
class Built:
    """One build's wall time and CPU time (the build, its scoring worker and ffmpeg), s."""

    wall: float
    cpu: float


@dataclass(frozen=True)
class Compared:
    """The fastest build without scoring and with it, and the CPU scoring added."""

    off: float
    on: float
    scoring_cpu: float
    cpu_off: float
    """The median CPU time of the builds without scoring (for the preview: its renders)."""


def build(root: Path, env: dict[str, str], *args: str) -> Built:
    command = [sys.executable, "-m", "storyboard", "build", "-p", str(root), "--no-export", *args]
    before = _children_cpu()
    started = time.perf_counter()
    code = subprocess.run(command, env=with_bytecode(env), stdout=subprocess.DEVNULL).returncode
    if code != 0:
        raise RuntimeError(f"build failed with exit code {code}")
    return Built(time.perf_counter() - started, _children_cpu() - before)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def compare(folder: Path, label: str, env: dict[str, str]) -> Compared:
    """Builds without scoring and with it, in alternating order."""
    off: list[Built] = []
    on: list[Built] = []
    for attempt in range(RUNS):
        order = [("--no-score", off), ("--score", on)]
        for switch, builds in order if attempt % 2 == 0 else reversed(order):
            root = fresh_copy(folder, f"{label}-{attempt}{switch}")
            builds.append(build(root, env, switch))
    cpu_off = median(b.cpu for b in off)
    scoring_cpu = median(b.cpu for b in on) - cpu_off
    return Compared(min(b.wall for b in off), min(b.wall for b in on), scoring_cpu, cpu_off)


def main() -> None:
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="storyboard-bench-"))
    rows = [
        f"| id | provider | scoring off (best of {RUNS}) | scoring on | ratio | scoring's CPU "
        "| target |",
        "|---|---|---|---|---|---|---|",
    ]
    try:
        with StandinProcess(key=KEY, latency=LATENCY) as api:
            env = {**os.environ, **POLLING, "XAI_API_KEY": KEY, "XAI_BASE_URL": api.base_url}
            results = {"xAI stand-in, jobs of 2 s": compare(folder, "xai", env)}
        preview_env = {**os.environ, "STORYBOARD_PROVIDER": "preview"}
        results["preview (renders on the same cores)"] = compare(folder, "preview", preview_env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for label, found in results.items():
        ratio = found.on / found.off
        verdict = "met" if ratio <= TARGET else "NOT met"
        if label.startswith("preview"):  # the worst case, reported beside the target's row
            verdict = f"worst case, {'within' if ratio <= TARGET else 'beyond'} it"
        rows.append(
            f"| P10 | {label} | {found.off:.2f} s | {found.on:.2f} s | **{ratio:.2f} x** "
            f"| {found.scoring_cpu:.1f} s | ≤ {TARGET:g} x: {verdict} |"
        )
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    preview = results["preview (renders on the same cores)"]
    # The wall time each second of S added in this run, scaled to what the target allows.
    slope = (preview.on - preview.off) / preview.scoring_cpu
    budget = (TARGET - 1) * preview.off / slope
    write_results(
        "score_build",
        "P10: build of the example project with scoring on",
        rows,
        "Six scenes; each new take is scored in one worker process beside the build (models "
        "loaded once in it); the build waits for the last score before it ends. Scoring's "
        "CPU: the median CPU time of the builds with scoring less that of those without "
        "(the worker's start, its models and six clips). "
        f"Load average during the run: {load} (anything above 2 means other work shared "
        "the cores). storyboard reads the target on the first row: the example built as it "
        "is, with its provider (xAI, the default; the stand-in stands for the API as in P1 "
        "and P2). "
        "The preview row is the worst case, beside it: the preview renders on the two cores "
        "the scorer needs, so there is no wait for scoring to hide in, and the ratio is "
        "about 1 + S / R, scoring's CPU S over the renders' R (the build's CPU without "
        f"scoring, {preview.cpu_off:.1f} s here, mostly ffmpeg encoding, which keeps both "
        f"cores busy). Each second of S added {slope:.2f} s here, so {TARGET:g} x would "
        f"need S under about {budget:.1f} s for the example's five scored takes, "
        f"{budget / preview.scoring_cpu:.0%} of today's {preview.scoring_cpu:.1f} s; per take a "
        "quarter each goes to face searches (HOG over the whole 720p frame where no face "
        "is followed: the preview's card faces, 45 to 50 px, are under the detector's 80 px "
        "window) and SIFT keypoints, the rest to matching, descriptors, decoding and the "
        "worker's start. Every cheaper variant tried lost flags on the test or example clips "
        "(docs/decisions.md, Scoring's cost).",
    )


if __name__ == "__main__":
    main()
