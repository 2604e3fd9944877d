"""Jobs recorded before they are sent, together.

A job's record is flushed to disk before its request leaves (a build killed at any
moment then knows every job it may have paid for). Flushing is the slow part: about
5 ms a job on an idle disk, much more on a busy one, all of it on the build's event
loop. The jobs that start in one turn of the loop (a wave of fifty at
``--concurrency 50``) are recorded in one transaction with one flush, and so are those
that start within :data:`RECORD_WINDOW` of each other during a burst (the jobs taking
the places of a wave's ends, which come a few at a time); each is sent once the whole
batch is on disk.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field

from ._store import NewJob, Store

RECORD_WINDOW = 0.02
"""Seconds a job's record waits for others to share its flush. The jobs that follow a
wave's ends are asked for one or two per turn of the event loop; flushed as they came,
P13 (200 jobs, ``--concurrency 50``) paid 145 flushes on its event loop, 5 ms each on an
idle disk and more on a busy one, and every answer waiting meanwhile waited with them."""
BURST = 0.1
"""A job asked for within this many seconds of the last flush is part of a burst and
waits RECORD_WINDOW for others; after a quiet spell (the next scene of a chain, the
first job to end in a wave) its record is flushed at once."""


@dataclass
class JobRecorder:
    """Records a build's jobs in batches: those asked for in one turn of the event loop,
    or within ``window`` seconds when ``burst`` seconds have not passed since a flush."""

    store: Store
    window: float = RECORD_WINDOW
    burst: float = BURST
    _batch: list[tuple[NewJob, asyncio.Future[int]]] = field(default_factory=list)
    _flushed_at: float = -math.inf

    async def record(self, job: NewJob) -> int:
        """The job's id, once its record is on disk."""
        loop = asyncio.get_running_loop()
        if not self._batch:
            if loop.time() - self._flushed_at < self.burst:
                loop.call_later(self.window, self._flush)
            else:
                loop.call_soon(self._flush)  # after every task the loop runs in this turn
        recorded: asyncio.Future[int] = loop.create_future()
        self._batch.append((job, recorded))
        return await recorded

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        self._flushed_at = asyncio.get_running_loop().time()
        try:
            ids = self.store.record_jobs([job for job, _ in batch])
        except Exception as error:  # each job's send fails, as its own write would have
            for _, recorded in batch:
                if not recorded.cancelled():
                    recorded.set_exception(error)
            return
        for job_id, (_, recorded) in zip(ids, batch, strict=True):
            if recorded.cancelled():  # its build stopped while it waited: never sent
                self.store.update_job(job_id, status="unsent", error_message="not sent")
            else:
                recorded.set_result(job_id)
