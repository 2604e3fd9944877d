"""P7: the ``preview`` provider at 720p must run at least 4 × faster than real time on 2 cores.

    .venv/bin/python -m benchmarks.bench_preview

Three 6 s 720p scenes, one of each mode (reference images, a start image, text
only), rendered two ways: one after another straight through the renderer, and
all at once through the provider's submit -> poll -> fetch cycle (two workers),
as a build runs them. Each way is timed several times and the fastest run is
kept, since this machine is shared. Speed is seconds of film per second of
wall time. The figures are printed as markdown and written to
``benchmarks/results/preview.md``.
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PIL import Image, ImageDraw

from benchmarks.common import write_results
from storyboard._limits import frame_size
from storyboard._providers.base import Done, ImageInput, ProviderSettings, VideoRequest
from storyboard._providers.polling import wait_for_job
from storyboard._providers.preview import PreviewProvider
from storyboard._providers.preview.animatic import render_animatic

SECONDS = 6
RUNS = 5
TARGET = 4.0
SETTINGS = ProviderSettings(poll_interval=0.02, poll_max=0.05)


def scenes(folder: Path) -> list[VideoRequest]:
    """One 6 s 720p request per mode, with images drawn into ``folder``."""
    portrait = folder / "eileen.png"
    image = Image.new("RGB", (600, 800), (90, 60, 140))
    ImageDraw.Draw(image).ellipse((180, 120, 420, 360), fill=(230, 200, 170))
    image.save(portrait)
    start = folder / "start.png"
    Image.linear_gradient("L").resize(frame_size("16:9", "720p")).convert("RGB").save(start)
    common = {"model": "grok-imagine-video", "duration": SECONDS, "aspect_ratio": "16:9"}
    return [
        VideoRequest(
            mode="reference",
            prompt="<IMAGE_1> sips tea by the window while the rain streaks the glass.",
            resolution="720p",
            references=(ImageInput("a" * 64, "eileen", path=portrait),),
            label="kitchen",
            **common,  # type: ignore[arg-type]
        ),
        VideoRequest(
            mode="image",
            prompt="The camera drifts back as the sun sets.",
            resolution="720p",
            start_image=ImageInput("b" * 64, "@kitchen", path=start),
            label="sunset",
            **common,  # type: ignore[arg-type]
        ),
        VideoRequest(
            mode="text",
            prompt="A quiet harbour at dawn; gulls circle over the grey water.",
            resolution="720p",
            label="harbour",
            **common,  # type: ignore[arg-type]
        ),
    ]


def timed(action: Callable[[], None]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process and its ffmpeg children) of ``action``."""
    before = _cpu()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, _cpu() - before


def _cpu() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_after_another(requests: list[VideoRequest], folder: Path) -> None:
    for index, request in enumerate(requests):
        render_animatic(request, folder / f"scene{index}.mp4")


def through_the_provider(requests: list[VideoRequest], folder: Path) -> None:
    async def build() -> None:
        provider = PreviewProvider(folder / "work", SETTINGS)
        ids = [await provider.submit(request) for request in requests]
        for index, request_id in enumerate(ids):
            state = await wait_for_job(provider, request_id, SETTINGS)
            assert isinstance(state, Done), state
            await provider.fetch(state, folder / f"clip{index}.mp4", SECONDS)
        await provider.aclose()

    asyncio.run(build())


def best(action: Callable[[], None]) -> tuple[float, float]:
    return min((timed(action) for _ in range(RUNS)), key=lambda run: run[0])


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        requests = scenes(folder)
        film = SECONDS * len(requests)
        render_animatic(requests[2], folder / "warm-up.mp4")
        singles = [best(partial(render_animatic, r, folder / "single.mp4")) for r in requests]
        serial = best(lambda: one_after_another(requests, folder))
        parallel = best(lambda: through_the_provider(requests, folder))
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    rows = [
        f"| id | what | wall (best of {RUNS}) | CPU | film | speed |",
        "|---|---|---|---|---|---|",
    ]
    for request, (wall, cpu) in zip(requests, singles, strict=True):
        rows.append(
            f"| P7 {request.mode} | one {SECONDS} s 720p {request.mode} scene, renderer alone | "
            f"{wall:.2f} s | {cpu:.2f} s | {SECONDS} s | {SECONDS / wall:.1f}× real time |"
        )
    for what, (wall, cpu) in (
        ("the three, one after another", serial),
        ("the three through the provider (submit, poll, fetch; 2 workers)", parallel),
    ):
        verdict = "met" if film / wall >= TARGET else "NOT met"
        rows.append(
            f"| P7 | {what} | {wall:.2f} s | {cpu:.2f} s | {film} s | "
            f"**{film / wall:.1f}× real time** (target ≥ {TARGET:g}×: {verdict}) |"
        )
    write_results(
        "preview",
        "P7: preview provider, 720p",
        rows,
        "Speed = seconds of film / wall seconds. CPU counts this process and its ffmpeg "
        "children; above the wall time means both cores were busy. Load average during "
        f"the run: {load} (anything above 2 means other work shared the cores).",
    )


if __name__ == "__main__":
    main()
