"""The workers that score new takes while a build goes on: processes beside the build,
so scoring never holds the build's event loop (they start in storyboard/_scoring/jobs.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field

from ._scores import stored_score
from ._scoring.jobs import ScoreJob, run_score_job, start_worker
from ._scoring.records import SCORER_VERSION, ClipScore
from ._store import Store

MAX_WORKERS = 2
"""Scoring processes beside a build whose jobs run elsewhere. The takes of a wave of jobs
arrive together, and the build waits for the last wave's scores: a second worker halves
that wait (P1: 0.7 s for eight takes, quiet) for a second model load (0.7 s of CPU, 100 MB)
while the build has nothing else to do."""


def worker_count(renders_here: bool) -> int:
    """How many scoring processes a build may start: one when its provider draws the clips
    on this machine (the renders need the cores, and come first), else one per core up to
    :data:`MAX_WORKERS`."""
    return 1 if renders_here else max(1, min(MAX_WORKERS, os.cpu_count() or 1))


@dataclass
class BackgroundScorer:
    """Scores the takes a build makes, in worker processes beside the build, as they come.

    Each worker loads the models once. The first starts when :meth:`warm` is called;
    another (up to ``workers``) only when a take waits for a busy one. A take that cannot
    be scored is reported in :attr:`problems` and never fails the build.
    """

    store: Store
    workers: int = 1
    scores: dict[str, ClipScore] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    _executor: Executor | None = None
    _pending: list[asyncio.Future[ClipScore | None]] = field(default_factory=list)

    def warm(self) -> None:
        """Start the worker, so its models are loaded before the first take arrives (the
        build calls this when it first sends a job of a scene with something to score
        against); once is enough."""
        if self._executor is None:
            self._worker().submit(os.getpid)

    def submit(self, scene_id: str, job: ScoreJob) -> None:
        """Score a scene's new take in the background (:meth:`finish` waits for it)."""
        self._pending.append(asyncio.ensure_future(self.score(scene_id, job)))

    async def score(self, scene_id: str, job: ScoreJob) -> ClipScore | None:
        """A scene's take scored now (from the cache when it was), kept as the scene's
        score; None when it cannot be scored (said in :attr:`problems`)."""
        known = stored_score(self.store, job.clip)
        if known is None:
            loop = asyncio.get_running_loop()
            try:
                stored = (
                    run_score_job(job)  # an empty score: no model, no worker
                    if job.compares_nothing
                    else await loop.run_in_executor(self._worker(), run_score_job, job)
                )
            except Exception as error:  # a clip or picture it cannot read: said, never fatal
                self.problems[scene_id] = f"{type(error).__name__}: {error}"
                return None
            self.store.remember_score(job.clip, SCORER_VERSION, stored)
            known = stored_score(self.store, job.clip)
        self.problems.pop(scene_id, None)
        if known is not None:
            self.scores[scene_id] = known
        return known

    def _worker(self) -> Executor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(  # starts a process when none is idle
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(os.getpid(),),  # the build, which may be gone before the worker starts
            )
        return self._executor

    async def finish(self) -> None:
        """Wait for the takes still being scored, then stop the worker."""
        await asyncio.gather(*self._pending)
        self.stop()

    def stop(self) -> None:
        """Stop the worker (what it was scoring is dropped: `storyboard score` does it)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
