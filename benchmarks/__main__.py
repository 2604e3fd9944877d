"""Run the benchmarks and gather their figures into docs/benchmarks.md.

python -m benchmarks                 every benchmark (several minutes)
python -m benchmarks check_plan      only the named ones (startup check_plan build many ...)
python -m benchmarks p11 p12 p13 p3  the benchmarks that measure these targets
python -m benchmarks --collect       only rebuild docs/benchmarks.md from benchmarks/results/
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from benchmarks.common import RESULTS

ORDER = ["startup", "check_plan", "build", "many", "preview", "score", "score_build", "export"]
MEASURES = {
    "p1": "build",
    "p2": "build",
    "p3": "build",
    "p4": "export",
    "p5": "export",
    "p6": "export",
    "p7": "preview",
    "p8": "check_plan",
    "p9": "score",
    "p10": "score_build",
    "p11": "startup",
    "p12": "check_plan",
    "p13": "many",
}
"""Which benchmark measures each target of targets.md."""
SECTIONS = [
    "startup",
    "check_plan",
    "scale",
    "build",
    "many",
    "preview",
    "score",
    "score_build",
    "export",
]
"""The results files (benchmarks/results/NAME.md) in the order the page shows them."""
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
INTRODUCTION = """\
# Benchmarks

The targets of the spec (`targets.md`), measured on this project's machine: 2 cores,
24 GiB, shared with other work, so every speed is a ratio against a yardstick run in the
same script. Benchmarks are not part of the test run; regenerate this page with
`make bench` (or `python -m benchmarks [NAME ...]`, then it collects what is in
`benchmarks/results/`). Measured commands run with every module compiled, as after
`pip install` (storyboard's bytecode is written beside its sources, even where
`PYTHONDONTWRITEBYTECODE` is set).

| id | what | target |
|---|---|---|
| P1 | 24 independent scenes, jobs of 2 s, concurrency 8 | at most 1.15 x ideal + 1.5 s |
| P2 | a chain of 4 scenes | at most 1.15 x critical path + 1.5 s |
| P3 | a second build of 100 cached scenes | no request; at most 3 x `storyboard --version` |
| P4 | re-export a plain cut of 24 clips | at most 3 x `ffmpeg -f concat -c copy`; under 300 MB |
| P5 | the same film with crossfades | at most 0.5 x moviepy compose's time and memory |
| P6 | memory for 96 clips against 24 | at most 1.2 x |
| P7 | preview provider at 720p | at least 4 x faster than real time |
| P8 | check + plan of 1,000 scenes | under 3 s and 300 MB |
| P9 | score one 6 s 720p clip with one face | at most 2 s, models loaded once |
| P10 | `build` of the example project with scoring on | at most 1.2 x the same build without |
| P11 | `--version`; `--help`; `check`, `plan`, `status` | 0.15 s; 0.3 s; 0.45 s |
| P12 | check + plan of 10,000 scenes, 100 assets | under 3 s, 500 MB; 10 x 1,000 scenes |
| P13 | 200 scenes, jobs of 2 s, concurrency 50 | 1.15 x ideal + 1.5 s; 50 in flight |
"""


def collect() -> Path:
    sections = [INTRODUCTION]
    for name in SECTIONS:
        result = RESULTS / f"{name}.md"
        if result.exists():
            sections.append(result.read_text(encoding="utf-8").strip() + "\n")
    DOCS.write_text("\n".join(sections), encoding="utf-8")
    return DOCS


def main(arguments: list[str]) -> None:
    if arguments != ["--collect"]:
        names = [MEASURES.get(name.lower(), name) for name in arguments] or ORDER
        for name in dict.fromkeys(names):
            importlib.import_module(f"benchmarks.bench_{name}").main()
    print(f"wrote {collect()}")


if __name__ == "__main__":
    main(sys.argv[1:])
