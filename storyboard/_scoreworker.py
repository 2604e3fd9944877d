"""The workers that score new takes while a build goes on: processes beside the build,
so scoring never holds the build's event loop (they start in storyboard/_scoring/jobs.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ._scores import stored_score
from ._scoring.jobs import WORKER_NICENESS, ScoreJob, run_score_job, start_worker
from ._scoring.records import SCORER_VERSION, ClipScore
from ._store import Store

MAX_WORKERS = 2
"""Scoring processes beside a build whose jobs run elsewhere, or at the end of any build.
The takes of a wave of jobs arrive together, and the build waits for the last wave's
scores: a second worker halves that wait (P1: 0.7 s for eight takes, quiet) for a second
model load (0.7 s of CPU, 100 MB) while the build has nothing else to do."""
BACKLOG_FOR_ANOTHER = 2
"""Takes that must wait for a busy worker, once the build has nothing left to do but
score, before another worker starts for them: it costs its start and its models, about
1.5 s, more than one take's score."""


def worker_count(renders_here: bool) -> int:
    """How many scoring processes a build may run while it makes takes: one when its
    provider draws the clips on this machine (the renders need the cores, and come first),
    else one per core up to :data:`MAX_WORKERS`."""
    return 1 if renders_here else max(1, min(MAX_WORKERS, os.cpu_count() or 1))


@dataclass
class BackgroundScorer:
    """Scores the takes a build makes, in worker processes beside the build, as they come.

    Each worker is a process of its own that loads the models once. The first starts when
    :meth:`warm` is called; another (up to ``workers``) only when a take waits for a busy
    one. Once the build has made every take (:meth:`finish`), up to ``workers_at_end`` may
    run, another starting while :data:`BACKLOG_FOR_ANOTHER` takes wait, and those not
    below the build (it only waits for them). A take that cannot be scored is reported in
    :attr:`problems` and never fails the build.
    """

    store: Store
    workers: int = 1
    workers_at_end: int = 1
    scores: dict[str, ClipScore] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    _started: list[Executor] = field(default_factory=list)
    _idle: list[Executor] = field(default_factory=list)
    _waiting: deque[asyncio.Future[Executor]] = field(default_factory=deque)
    _pending: list[asyncio.Future[ClipScore | None]] = field(default_factory=list)

    def warm(self) -> None:
        """Start the worker, so its models are loaded before the first take arrives (the
        build calls this when it first sends a job of a scene with something to score
        against); once is enough."""
        if not self._started:
            worker = self._start(WORKER_NICENESS)
            worker.submit(os.getpid)
            self._idle.append(worker)

    def submit(self, scene_id: str, job: ScoreJob) -> None:
        """Score a scene's new take in the background (:meth:`finish` waits for it)."""
        self._pending.append(asyncio.ensure_future(self.score(scene_id, job)))

    async def score(self, scene_id: str, job: ScoreJob) -> ClipScore | None:
        """A scene's take scored now (from the cache when it was), kept as the scene's
        score; None when it cannot be scored (said in :attr:`problems`)."""
        known = stored_score(self.store, job.clip)
        if known is None:
            try:
                stored = (
                    run_score_job(job)  # an empty score: no model, no worker
                    if job.compares_nothing
                    else await self._in_a_worker(job)
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

    async def _in_a_worker(self, job: ScoreJob) -> dict[str, Any]:
        worker = await self._free_worker()
        try:
            return await asyncio.get_running_loop().run_in_executor(worker, run_score_job, job)
        finally:
            self._hand_on(worker)

    async def _free_worker(self) -> Executor:
        """An idle worker, a new one if the build may start another, or the first that
        finishes its take."""
        if self._idle:
            return self._idle.pop()
        if len(self._started) < self.workers:
            return self._start(WORKER_NICENESS)
        waiting: asyncio.Future[Executor] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiting)
        return await waiting

    def _hand_on(self, worker: Executor) -> None:
        """A worker is free: to the take that waited longest, else idle."""
        while self._waiting:
            waiting = self._waiting.popleft()
            if not waiting.done():
                waiting.set_result(worker)
                return
        self._idle.append(worker)

    def _start(self, niceness: int) -> Executor:
        worker = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker,
            initargs=(os.getpid(), niceness),  # the build may be gone before it starts
        )
        self._started.append(worker)
        return worker

    async def finish(self) -> None:
        """Wait for the takes still being scored, then stop the workers. The build has
        nothing left to do: a backlog gets more workers, at the build's own priority."""
        while (
            len(self._waiting) >= BACKLOG_FOR_ANOTHER and len(self._started) < self.workers_at_end
        ):
            self._hand_on(self._start(0))
        await asyncio.gather(*self._pending)
        self.stop()

    def stop(self) -> None:
        """Stop the workers (what they were scoring is dropped: `storyboard score` does it)."""
        for waiting in self._waiting:
            waiting.cancel()
        self._waiting.clear()
        for worker in self._started:
            worker.shutdown(wait=True, cancel_futures=True)
        self._started.clear()
        self._idle.clear()
