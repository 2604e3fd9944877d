"""P13: 200 independent scenes, jobs of L = 2 s, concurrency 50: at most 1.15 x the ideal
ceil(200/50) x L + 1.5 s, and never more than 50 jobs in flight (the stand-in counts them).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from benchmarks.bench_build import many_in_flight
from benchmarks.common import load_average, write_results


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="storyboard-bench-"))
    load_before = load_average()
    try:
        row = many_in_flight(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_results(
        "many",
        "P13: hundreds of jobs in flight",
        [
            "| id | work | yardstick | measured | ratio | target | verdict |",
            "|---|---|---|---|---|---|---|",
            row,
        ],
        "Each run is a real `storyboard build --no-export` process against the stand-in as "
        "another process (polling at 0.25 s, backing off to 0.5 s), after a first build "
        "against a fast stand-in made its clips. Load average: "
        f"{load_before} before, {load_average()} after. Where a run's time goes: jobs sent "
        "together end together, and at each wave's end the build's one event loop sees "
        "fifty jobs end, records and sends the fifty that take their places and fetches "
        "the videos (two at a time, `DOWNLOADS_AT_ONCE`); each wave's last job is sent "
        "up to a few tenths of a second after its first, and the next wave inherits that "
        "spread. Most of the build's CPU is httpx and httpcore (in one run profiled with "
        "py-spy on 2026-12-02: about 1.4 ms a request, polls 57 % of the event loop's "
        "time, polling being bounded by STORYBOARD_POLL_MAX).",
    )


if __name__ == "__main__":
    main()
