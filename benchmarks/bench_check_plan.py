"""P8: `check` + `plan` of a generated 1,000-scene project: under 3 s and 300 MB."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Run, best_of, write_results

EXAMPLE_ASSETS = Path(__file__).resolve().parent.parent / "projects" / "astronaut-cat" / "assets"
SCENES = 1000


def generate_project(root: Path, scenes: int = SCENES) -> None:
    """A long story: every scene mentions assets, every fifth mentions the scene before."""
    shutil.copytree(EXAMPLE_ASSETS, root / "assets")
    lines = [
        "storyboard: 1",
        "title: A Very Long Story",
        "characters:",
        "  eileen: {image: assets/astronaut.png, looks: {portrait: assets/eileen-portrait.png}}",
        "  chelsea: {image: assets/chelsea.png}",
        "props:",
        "  mug: {image: assets/coffee.png}",
        "locations:",
        "  pad: {image: assets/rocket.jpg}",
        "scenes:",
    ]
    for index in range(scenes):
        lines.append(f"  - id: scene-{index:04d}")
        if index % 5 == 4:
            lines.append(f'    prompt: "after @scene-{index - 1:04d}, @eileen looks at @pad"')
        elif index % 7 == 6:
            lines.append(f"    start: scene-{index - 1:04d}")
            lines.append("    prompt: the camera drifts upward")
        else:
            lines.append(
                f'    prompt: "shot {index}: @eileen:portrait drinks from @mug as @chelsea watches"'
            )
        lines.append(f"    caption: Scene {index}")
    (root / "story.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "long"
        generate_project(root)
        storyboard = [sys.executable, "-m", "storyboard"]
        version = best_of(3, [*storyboard, "--version"])
        cold_check = best_of(1, [*storyboard, "check", "-p", str(root)])
        check = best_of(3, [*storyboard, "check", "-p", str(root)])
        plan = best_of(3, [*storyboard, "plan", "--json", "-p", str(root)])
    total = check.wall + plan.wall
    peak = max(check.peak_mb, plan.peak_mb)
    verdict = "met" if total < 3 and peak < 300 else "NOT met"
    write_results(
        "check_plan",
        "P8: check + plan of a 1,000-scene project",
        [
            "| run | wall time | peak memory |",
            "|---|---|---|",
            _row("`storyboard --version` (start-up, for scale)", version),
            _row("`check`, first run (images decoded)", cold_check),
            _row("`check` (image memo warm)", check),
            _row("`plan --json`", plan),
            f"| **check + plan** | **{total:.2f} s** | **{peak:.0f} MB** |",
        ],
        f"Target: under 3 s and 300 MB together: **{verdict}**.",
    )


def _row(label: str, run: Run) -> str:
    return f"| {label} | {run.wall:.2f} s | {run.peak_mb:.0f} MB |"


if __name__ == "__main__":
    main()
