"""Jobs recorded before they are sent, together.

A job's record is flushed to disk before its request leaves (a build killed at any
moment then knows every job it may have paid for). Flushing is the slow part: about
5 ms a job on an idle disk, much more on a busy one, all of it on the build's event
loop. The jobs that start in one turn of the loop (a wave of fifty at
``--concurrency 50``) are recorded in one transaction with one flush, and each is
sent once the whole batch is on disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ._store import NewJob, Store


@dataclass
class JobRecorder:
    """Records a build's jobs in batches of those asked for in one turn of the event loop."""

    store: Store
    _batch: list[tuple[NewJob, asyncio.Future[int]]] = field(default_factory=list)

    async def record(self, job: NewJob) -> int:
        """The job's id, once its record is on disk."""
        loop = asyncio.get_running_loop()
        if not self._batch:
            loop.call_soon(self._flush)  # after every task the loop runs in this turn
        recorded: asyncio.Future[int] = loop.create_future()
        self._batch.append((job, recorded))
        return await recorded

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
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
