"""Helpers shared by the benchmarks: timing children and writing result tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGE = Path(__file__).resolve().parent.parent / "storyboard"

_MEASURE = (
    "import json, resource, subprocess, sys, time;"
    "start = time.perf_counter();"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode;"
    "wall = time.perf_counter() - start;"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime;"
    "print(json.dumps({'code': code, 'wall': wall, 'peak_mb': peak, 'cpu': cpu}))"
)


@dataclass(frozen=True)
class Run:
    """One command's wall time (s) and peak resident memory (MB)."""

    wall: float
    peak_mb: float
    code: int
    cpu: float = 0.0
    """Its processor time (user and system, s): what it costs when other work shares the
    cores and stretches its wall time."""


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run a command in a fresh child and report its time and peak memory."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        env=with_bytecode(env),
        cwd=cwd,
        check=True,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Run(wall=data["wall"], peak_mb=data["peak_mb"], code=data["code"], cpu=data["cpu"])


def with_bytecode(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (else this process's) for a measured run: as after `pip install`, nothing
    is compiled on the way, even where PYTHONDONTWRITEBYTECODE is set. storyboard's modules
    are compiled beside their sources (in `__pycache__`, which git ignores); the standard
    library's and the dependencies' were compiled when they were installed. (A
    PYTHONPYCACHEPREFIX would hide those and have the first measured run compile them.)"""
    _compile_package()
    chosen = dict(os.environ if env is None else env)
    chosen.pop("PYTHONDONTWRITEBYTECODE", None)
    chosen.pop("PYTHONPYCACHEPREFIX", None)
    return chosen


@cache
def _compile_package() -> None:
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.pop("PYTHONPYCACHEPREFIX", None)
    compile_all = [sys.executable, "-m", "compileall", "-q", str(PACKAGE)]
    subprocess.run(compile_all, env=environment, check=True, stdout=subprocess.DEVNULL)


def best_of(runs: int, command: list[str], **kwargs: object) -> Run:
    """The fastest of several runs (machines here are noisy), with its memory."""
    results = [measure(command, **kwargs) for _ in range(runs)]  # type: ignore[arg-type]
    return min(results, key=lambda run: run.wall)


def load_average() -> str:
    """The machine's load averages over 1, 5 and 15 minutes: above 2, other work shares
    the two cores and every figure (the yardsticks' too) is slower than when idle."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def write_results(name: str, title: str, rows: list[str], notes: str = "") -> Path:
    """Write one benchmark's markdown section to benchmarks/results/NAME.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    text = f"## {title}\n\nMeasured {stamp} on this machine (2 cores).\n\n" + "\n".join(rows) + "\n"
    if notes:
        text += f"\n{notes}\n"
    path = RESULTS / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    print(text)
    return path
