"""The clip cache: `.storyboard/cache.db` (sqlite-utils) and content-addressed files.

What exists lives here: every job ever sent (so a paid job is never lost or
sent twice), every take of every key, the last frame of every clip, the
inputs behind every key (to explain staleness), and uploaded images. Clips
are `clips/<sha256>.mp4` and frames `frames/<sha256>.png`, each written under
a temporary name and renamed, so a killed build leaves nothing half-written
that could pass for a clip.

Writes that read first (a new take number) run in ``BEGIN IMMEDIATE``; the
database is in WAL mode with a busy timeout, so readers never block builds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .errors import ProjectBusy, StoreError
from .fileops import move_into_place, sha256_file, sweep, temporary_beside
from .request import Inputs

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

JOB_OPEN = ("submitting", "submitted")
"""Jobs that may still produce a clip: recorded before submission, or running."""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Take:
    key: str
    take: int
    clip: str
    created_at: str
    cost_usd: float
    provider: str
    scene_id: str
    job_id: int | None


@dataclass(frozen=True)
class Job:
    id: int
    key: str
    scene_id: str
    provider: str
    status: str
    request_id: str | None
    attempt: int
    cost_usd: float | None
    error_code: str | None
    error_message: str | None


class Store:
    """One project's cache folder."""

    def __init__(self, cache_dir: Path) -> None:
        self.dir = cache_dir
        self.clips_dir = cache_dir / "clips"
        self.frames_dir = cache_dir / "frames"
        self.downloads_dir = cache_dir / "downloads"
        for folder in (self.clips_dir, self.frames_dir, self.downloads_dir):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(
                cache_dir / "cache.db", isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db = sqlite_utils.Database(connection)
            self.db.enable_wal()
            self._create_tables()
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{cache_dir / 'cache.db'}: cannot open the cache ({error})"
            ) from error

    @classmethod
    def open_existing(cls, cache_dir: Path) -> Store | None:
        """The store if the project has one; reading commands never create it."""
        return cls(cache_dir) if (cache_dir / "cache.db").exists() else None

    def close(self) -> None:
        self.db.conn.close()

    # -- schema ---------------------------------------------------------------

    def _create_tables(self) -> None:
        tables: dict[str, tuple[dict[str, Any], str | tuple[str, ...]]] = {
            "jobs": (
                {
                    "id": int,
                    "key": str,
                    "scene_id": str,
                    "provider": str,
                    "status": str,
                    "request_id": str,
                    "attempt": int,
                    "created_at": str,
                    "submitted_at": str,
                    "finished_at": str,
                    "cost_usd": float,
                    "clip": str,
                    "error_code": str,
                    "error_message": str,
                },
                "id",
            ),
            "takes": (
                {
                    "key": str,
                    "take": int,
                    "clip": str,
                    "created_at": str,
                    "cost_usd": float,
                    "provider": str,
                    "scene_id": str,
                    "job_id": int,
                },
                ("key", "take"),
            ),
            "inputs": ({"key": str, "inputs": str}, "key"),
            "frames": ({"clip": str, "frame": str}, "clip"),
            "selections": ({"key": str, "take": int, "selected_at": str}, "key"),
            "uploads": (
                {"sha256": str, "base_url": str, "file_id": str, "expires_at": float},
                ("sha256", "base_url"),
            ),
        }
        for name, (columns, pk) in tables.items():
            self.db.table(name).create(columns, pk=pk, if_not_exists=True)
        self.db.execute("CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (key, provider)")
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def immediate(self) -> Iterator[None]:
        """A write transaction that takes the write lock before it reads."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- jobs -----------------------------------------------------------------

    def record_job(self, key: str, scene_id: str, provider: str, attempt: int) -> int:
        """Record a job before it is submitted; returns its id."""
        with self.immediate():
            cursor = self.db.execute(
                "INSERT INTO jobs (key, scene_id, provider, status, attempt, created_at)"
                " VALUES (?, ?, ?, 'submitting', ?, ?)",
                [key, scene_id, provider, attempt, now_iso()],
            )
        return int(cursor.lastrowid or 0)

    def update_job(self, job_id: int, **fields: Any) -> None:
        if "status" in fields and fields["status"] not in JOB_OPEN:
            fields.setdefault("finished_at", now_iso())
        if fields.get("status") == "submitted":
            fields.setdefault("submitted_at", now_iso())
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.immediate():
            self.db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?", [*fields.values(), job_id]
            )

    def open_jobs(self, key: str, provider: str) -> list[Job]:
        """Jobs for a key that were recorded or submitted and never finished."""
        return self._jobs(
            "key = ? AND provider = ? AND status IN ('submitting', 'submitted', 'ambiguous')",
            [key, provider],
        )

    def last_job(self, key: str, provider: str) -> Job | None:
        jobs = self._jobs("key = ? AND provider = ?", [key, provider])
        return jobs[-1] if jobs else None

    def _jobs(self, where: str, params: list[Any]) -> list[Job]:
        rows = self.db.query(
            "SELECT id, key, scene_id, provider, status, request_id, attempt, cost_usd,"
            f" error_code, error_message FROM jobs WHERE {where} ORDER BY id",
            params,
        )
        return [Job(**row) for row in rows]

    def count_jobs(self, provider: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM jobs WHERE status != 'submitting'"
        params: list[Any] = []
        if provider:
            sql += " AND provider = ?"
            params.append(provider)
        return int(self.db.execute(sql, params).fetchone()[0])

    def spent_usd(self, provider: str | None = None) -> float:
        sql = "SELECT COALESCE(SUM(cost_usd), 0) FROM jobs"
        params: list[Any] = []
        if provider:
            sql += " WHERE provider = ?"
            params.append(provider)
        return round(float(self.db.execute(sql, params).fetchone()[0]), 4)

    # -- takes ----------------------------------------------------------------

    def add_take(
        self, key: str, scene_id: str, provider: str, clip: str, cost_usd: float, job_id: int | None
    ) -> Take:
        """Record a new take of a key, numbered after the existing ones, and finish its job."""
        with self.immediate():
            row = self.db.execute("SELECT COALESCE(MAX(take), 0) FROM takes WHERE key = ?", [key])
            number = int(row.fetchone()[0]) + 1
            created = now_iso()
            self.db.execute(
                "INSERT INTO takes (key, take, clip, created_at, cost_usd, provider, scene_id,"
                " job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [key, number, clip, created, cost_usd, provider, scene_id, job_id],
            )
            if job_id is not None:
                self.db.execute(
                    "UPDATE jobs SET status = 'done', clip = ?, cost_usd = ?, finished_at = ?"
                    " WHERE id = ?",
                    [clip, cost_usd, created, job_id],
                )
        return Take(key, number, clip, created, cost_usd, provider, scene_id, job_id)

    def takes(self, key: str) -> list[Take]:
        rows = self.db.query(
            "SELECT key, take, clip, created_at, cost_usd, provider, scene_id, job_id"
            " FROM takes WHERE key = ? ORDER BY take",
            [key],
        )
        return [Take(**row) for row in rows]

    def takes_of_scene(self, scene_id: str, provider: str) -> list[Take]:
        rows = self.db.query(
            "SELECT key, take, clip, created_at, cost_usd, provider, scene_id, job_id"
            " FROM takes WHERE scene_id = ? AND provider = ? ORDER BY created_at, take",
            [scene_id, provider],
        )
        return [Take(**row) for row in rows]

    def select(self, key: str, take: int) -> None:
        with self.immediate():
            self.db.execute(
                "INSERT OR REPLACE INTO selections (key, take, selected_at) VALUES (?, ?, ?)",
                [key, take, now_iso()],
            )

    def selection(self, key: str) -> int | None:
        row = self.db.execute("SELECT take FROM selections WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else None

    # -- inputs ---------------------------------------------------------------

    def remember_inputs(self, key: str, inputs: Inputs) -> None:
        with self.immediate():
            self.db.execute(
                "INSERT OR IGNORE INTO inputs (key, inputs) VALUES (?, ?)",
                [key, json.dumps(inputs, sort_keys=True)],
            )

    def inputs(self, key: str) -> Inputs | None:
        row = self.db.execute("SELECT inputs FROM inputs WHERE key = ?", [key]).fetchone()
        return dict(json.loads(row[0])) if row else None

    # -- files ----------------------------------------------------------------

    def clip_path(self, clip: str) -> Path:
        return self.clips_dir / f"{clip}.mp4"

    def frame_path(self, frame: str) -> Path:
        return self.frames_dir / f"{frame}.png"

    def download_path(self, job_id: int) -> Path:
        """A fresh temporary name for a job's clip until :meth:`adopt_clip` names it."""
        return temporary_beside(self.downloads_dir / f"job-{job_id}.mp4")

    def adopt_clip(self, downloaded: Path, clip: str | None = None) -> str:
        """Move a checked download into the clip folder under its content hash."""
        clip = clip or sha256_file(downloaded)
        destination = self.clip_path(clip)
        if destination.exists():
            downloaded.unlink()
        else:
            move_into_place(downloaded, destination)
        return clip

    def frame_of(self, clip: str, extract: Callable[[Path, Path], None]) -> str:
        """The sha256 of a clip's last frame, extracted once and cached."""
        known = self.known_frame(clip)
        if known is not None:
            return known
        temporary = self.frame_scratch_path(clip)
        extract(self.clip_path(clip), temporary)
        return self.remember_frame(clip, temporary)

    def known_frame(self, clip: str) -> str | None:
        """The sha256 of a clip's last frame if it was extracted (and is still there)."""
        row = self.db.execute("SELECT frame FROM frames WHERE clip = ?", [clip]).fetchone()
        if row is None or not self.frame_path(row[0]).exists():
            return None
        return str(row[0])

    def frame_scratch_path(self, clip: str) -> Path:
        """Where to extract a clip's frame before :meth:`remember_frame` names it."""
        return temporary_beside(self.downloads_dir / f"frame-{clip}.png")

    def remember_frame(self, clip: str, extracted: Path) -> str:
        """Name an extracted frame by its hash and record it for the clip."""
        frame = sha256_file(extracted)
        move_into_place(extracted, self.frame_path(frame))
        with self.immediate():
            self.db.execute(
                "INSERT OR REPLACE INTO frames (clip, frame) VALUES (?, ?)", [clip, frame]
            )
        return frame

    def clean_downloads(self) -> None:
        """Remove the downloads and frames a killed build left half-made or unnamed."""
        sweep(self.downloads_dir)

    # -- uploads (the UploadMemo protocol of the xAI provider) -----------------

    def get(self, sha256: str, base_url: str) -> str | None:
        row = self.db.execute(
            "SELECT file_id FROM uploads WHERE sha256 = ? AND base_url = ? AND expires_at > ?",
            [sha256, base_url, time.time()],
        ).fetchone()
        return str(row[0]) if row else None

    def put(self, sha256: str, base_url: str, file_id: str, expires_at: float) -> None:
        with self.immediate():
            self.db.execute(
                "INSERT OR REPLACE INTO uploads (sha256, base_url, file_id, expires_at)"
                " VALUES (?, ?, ?, ?)",
                [sha256, base_url, file_id, expires_at],
            )


class BuildLock:
    """One build at a time per project: a second one waits (saying so) or refuses."""

    def __init__(self, cache_dir: Path) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / "build.lock"
        self._handle: Any = None

    def acquire(self, wait: bool, on_wait: Callable[[str], None] | None = None) -> None:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if not wait:
                handle.close()
                raise ProjectBusy(
                    f"another build is running on this project ({holder}); "
                    "wait for it to finish, or run again with --wait"
                ) from None
            if on_wait:
                on_wait(f"another build is running on this project ({holder}); waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
