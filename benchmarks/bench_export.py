"""Export benchmarks P4, P5 and P6 (see the targets): run on demand, not in the test run.

    .venv/bin/python benchmarks/bench_export.py

Each measured run happens in a child process of its own while this process
samples the memory of that child and every process it starts (moviepy and
ffmpeg run as subprocesses), so "peak memory" is the whole process tree's
peak resident set. Clips are generated once into a cache folder (by default
``$TMPDIR/storyboard-bench-export``; ``STORYBOARD_BENCH_DIR`` overrides it).
The figures are printed as a markdown table and written to
``benchmarks/results/export.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from storyboard._export import FilmEntry, FilmSpec, export_film
from storyboard._format import ExportSettings, Transition
from storyboard._media import ffmpeg_exe, run_ffmpeg

CLIP_SECONDS = 6
FPS = 24
CROSSFADE = 0.5
RESULTS = Path(__file__).parent / "results" / "export.md"
WORK = Path(
    os.environ.get("STORYBOARD_BENCH_DIR", Path(tempfile.gettempdir()) / "storyboard-bench-export")
)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


def clips(count: int) -> list[Path]:
    """``count`` distinct 6 s 720p clips with sound, generated once."""
    folder = WORK / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(count):
        path = folder / f"clip{index:03d}.mp4"
        if not path.exists():
            partial = path.with_suffix(".partial.mp4")
            run_ffmpeg(
                [
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc2=s=1280x720:r={FPS}:d={CLIP_SECONDS},hue=h={index * 37 % 360}",
                    "-f",
                    "lavfi",
                    "-i",
                    f"sine=f={200 + 20 * index}:r=48000:d={CLIP_SECONDS}",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    os.fspath(partial),
                ],
                what="make a benchmark clip",
            )
            partial.rename(path)
        made.append(path)
    return made


def spec(paths: list[Path], transition: Transition) -> FilmSpec:
    entries = tuple(
        FilmEntry(f"s{i:03d}", None, p, f"bench-{p.stem}", CLIP_SECONDS, None, 1, None)
        for i, p in enumerate(paths)
    )
    settings = ExportSettings(
        fps=FPS, transition=transition, transition_duration=CROSSFADE, captions="none"
    )
    return FilmSpec("Benchmark", "film", entries, settings, "16:9", "720p", None)


def child_export(count: int, transition: Transition, project: str) -> None:
    """In a child process: one export, timed around the call."""
    film = spec(clips(count), transition)
    started = time.perf_counter()
    export_film(film, Path(project) / "out" / "film.mp4", Path(project) / ".storyboard")
    print(json.dumps({"seconds": time.perf_counter() - started}))


def child_moviepy(count: int, project: str) -> None:
    """In a child process: moviepy's own crossfade film, as its docs write it."""
    from moviepy import VideoFileClip, concatenate_videoclips, vfx

    paths = sorted((Path(project) / ".storyboard" / "normalised").glob("bench-*.mp4"))[:count]
    started = time.perf_counter()
    opened = [VideoFileClip(os.fspath(p)) for p in paths]
    faded = [opened[0]] + [c.with_effects([vfx.CrossFadeIn(CROSSFADE)]) for c in opened[1:]]
    final = concatenate_videoclips(faded, padding=-CROSSFADE, method="compose")
    final.write_videofile(
        os.fspath(Path(project) / "moviepy.mp4"),
        fps=FPS,
        preset="veryfast",
        audio_codec="aac",
        temp_audiofile_path=project,
        logger=None,
    )
    final.close()
    for clip in opened:
        clip.close()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def measure(arguments: list[str]) -> Run:
    """Run this script as a child with ``arguments``; its own timing, the tree's peak memory."""
    process = subprocess.Popen(
        [sys.executable, __file__, *arguments], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.02)
    output = process.stdout.read().decode() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"child {arguments} failed")
    return Run(json.loads(output.strip().splitlines()[-1])["seconds"], peak / 1024)


def _tree_rss(root: int) -> int:
    """Resident memory (KiB) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields["PPid"].strip()), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def _project(name: str, count: int, *, fresh: bool = False) -> tuple[Path, Run | None]:
    """A project whose normalised copies of ``count`` clips exist, and the run that made them."""
    project = WORK / name
    made = None
    if fresh or not (project / "ready").exists():
        shutil.rmtree(project, ignore_errors=True)
        made = measure(["export", str(count), "cut", str(project)])
        for path in (project / ".storyboard" / "normalised").glob("*.mp4"):
            path.with_name(f"bench-{path.name}").symlink_to(path.name)
        (project / "ready").touch()
    return project, made


def _forget_crossfades(project: Path) -> None:
    for path in (project / ".storyboard" / "normalised").iterdir():
        if "-x" in path.name or path.name.startswith("xfade-"):
            path.unlink()


def bare_concat(project: Path, count: int) -> float:
    """The yardstick: ffmpeg's concat demuxer with -c copy on the normalised clips."""
    normalised = sorted((project / ".storyboard" / "normalised").glob("bench-*.mp4"))[:count]
    listing = project / "bare.txt"
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in normalised))
    started = time.perf_counter()
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            os.fspath(listing),
            "-c",
            "copy",
            os.fspath(project / "bare.mp4"),
        ],
        check=True,
    )
    return time.perf_counter() - started


def p4(rows: list[str]) -> None:
    clips(24)
    project, first = _project("p24", 24, fresh=True)
    assert first is not None
    ours = [measure(["export", "24", "cut", str(project)]) for _ in range(5)]
    bare = [bare_concat(project, 24) for _ in range(5)]
    ratio = statistics.median(r.seconds for r in ours) / statistics.median(bare)
    peak = max(r.peak_mb for r in ours)
    rows.append(
        f"| P4 | plain cut, 24 × 6 s 720p, normalised copies exist | "
        f"{statistics.median(r.seconds for r in ours):.3f} s (median of 5) | "
        f"bare concat -c copy {statistics.median(bare):.3f} s | {ratio:.2f}× (target ≤ 3×); "
        f"peak {peak:.0f} MB (target < 300 MB) |"
    )
    real = 24 * CLIP_SECONDS
    rows.append(
        f"| P4 first | first export, normalising 24 clips | {first.seconds:.1f} s | "
        f"{real} s of film | {first.seconds / real:.3f}× real time; peak {first.peak_mb:.0f} MB |"
    )


def p5(rows: list[str]) -> None:
    project, _ = _project("p24", 24)
    _forget_crossfades(project)
    cold = measure(["export", "24", "crossfade", str(project)])
    warm = measure(["export", "24", "crossfade", str(project)])
    base = measure(["moviepy", "24", str(project)])
    yardstick = f"moviepy compose {base.seconds:.1f} s, {base.peak_mb:.0f} MB"
    rows.append(
        f"| P5 | crossfades, 24 clips, pieces and overlaps made in the run | "
        f"{cold.seconds:.1f} s, {cold.peak_mb:.0f} MB | {yardstick} | "
        f"{_ratios(cold, base)} (target ≤ 0.5× each) |"
    )
    rows.append(
        f"| P5 again | the same export again (pieces and overlaps cached) | "
        f"{warm.seconds:.2f} s, {warm.peak_mb:.0f} MB | {yardstick} | {_ratios(warm, base)} |"
    )


def _ratios(ours: Run, yardstick: Run) -> str:
    time_ratio = ours.seconds / yardstick.seconds
    return f"{time_ratio:.3f}× time, {ours.peak_mb / yardstick.peak_mb:.2f}× memory"


def p6(rows: list[str]) -> None:
    clips(96)
    (small, _), (large, _) = _project("p24", 24), _project("p96", 96)
    runs = {}
    for project, count in ((small, 24), (large, 96)):
        _forget_crossfades(project)
        runs[count] = measure(["export", str(count), "crossfade", str(project)])
    ratio = runs[96].peak_mb / runs[24].peak_mb
    large_run, small_run = runs[96], runs[24]
    rows.append(
        f"| P6 | crossfade export, 96 vs 24 clips | "
        f"{large_run.peak_mb:.0f} MB ({large_run.seconds:.0f} s) | "
        f"{small_run.peak_mb:.0f} MB ({small_run.seconds:.0f} s) | {ratio:.2f}× (target ≤ 1.2×) |"
    )


def main() -> None:
    rows = ["| id | what | ours | yardstick | ratio |", "|---|---|---|---|---|"]
    for benchmark in (p4, p5, p6):
        benchmark(rows)
        print(rows[-1], flush=True)
    table = "\n".join(rows)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "## P4 to P6: export\n\n"
        "Measured by `benchmarks/bench_export.py` on this machine (2 cores). Peak memory is\n"
        "the resident set of the measured process and all its subprocesses (ffmpeg, moviepy's\n"
        "readers).\n"
        'The moviepy yardstick uses `preset="veryfast"`, the x264 preset the export uses.\n\n'
        f"{table}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "export":
        transition = next(t for t in get_args(Transition) if t == sys.argv[3])
        child_export(int(sys.argv[2]), transition, sys.argv[4])
    elif len(sys.argv) > 1 and sys.argv[1] == "moviepy":
        child_moviepy(int(sys.argv[2]), sys.argv[3])
    else:
        main()
