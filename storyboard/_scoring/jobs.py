"""A clip to score as plain data, and the process that scores it: the build's scoring
worker starts here. It imports nothing of storyboard beyond the scorer, so a worker
starts without loading the story's models and the cache."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import SCORER_VERSION, ClipScore, Subject

if TYPE_CHECKING:
    from .scorer import Scorer

WORKER_NICENESS = 5
"""The worker runs below the build, whose own work (sending, fetching, rendering a
preview) comes first on a busy machine. Not lower: at 19 a machine busy with other work
starved it (a preview build of the example took 3.9 x as long with scoring). A worker
started once the build has made every take runs at the build's own priority."""


@dataclass(frozen=True)
class ScoreJob:
    """One clip to score and what against; plain data, so a worker process can take it."""

    clip: str
    path: Path
    subjects: tuple[Subject, ...]
    start_frame: Path | None

    @property
    def compares_nothing(self) -> bool:
        """No subject to look for and no frame to continue: the score is empty whatever
        the clip shows, so it is written without reading the clip or loading a model."""
        return not self.subjects and self.start_frame is None


_scorer: Scorer | None = None


def process_scorer() -> Scorer:
    """This process's :class:`~storyboard._scoring.scorer.Scorer`, its models loaded on
    the first call."""
    global _scorer
    if _scorer is None:
        from .scorer import Scorer

        _scorer = Scorer()
    return _scorer


def run_score_job(job: ScoreJob) -> dict[str, Any]:
    """Score one clip with this process's scorer: its cached form (no scorer is needed for
    an empty score)."""
    if job.compares_nothing:
        return ClipScore(SCORER_VERSION, 0, ()).stored()
    score = process_scorer().score(job.path, job.subjects, job.start_frame)
    return score.stored()


def start_worker(build: int, niceness: int = WORKER_NICENESS) -> None:
    """A build's scoring worker starts: below the build (by ``niceness``), ending with it,
    models loaded."""
    os.nice(niceness)
    threading.Thread(target=_exit_with_build, args=(build,), daemon=True).start()
    process_scorer()
    # What is loaded stays to the end: the collector need not walk it again, neither while
    # the worker scores nor when it exits, which the build waits for (0.1 s under load).
    gc.freeze()


def _exit_with_build(build: int) -> None:
    """End the worker once the build that started it is gone (killed, say): a worker has
    nothing to do without it, and would otherwise hold its models' memory for ever."""
    while os.getppid() == build:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
