"""The clip cache: `.storyboard/cache.db` (sqlite) and content-addressed files.

What exists lives here: every job ever sent (so a paid job is never lost or
sent twice), every take of every key, the last frame of every clip, the
inputs behind every key (to explain staleness), and uploaded images. Clips
are `clips/<sha256>.mp4` and frames `frames/<sha256>.png`, each written under
a temporary name and renamed, so a killed build leaves nothing half-written
that could pass for a clip.

Writes that read first (a new take number) run in ``BEGIN IMMEDIATE``; the
database is in WAL mode with a busy timeout, so readers never block builds.
Commits are not flushed to disk one by one (``synchronous = NORMAL``: a
killed process loses nothing, a power cut may lose the last few), except the
record of a job about to be sent, which is flushed before it goes (with every
commit before it), so hundreds of finishing jobs do not wait on the disk.
A plan reads what it needs in one pass (:meth:`Store.snapshot`), with plain
sqlite; every write is plain SQL too (:func:`_insert`, :func:`_upsert`), since
hundreds of jobs finishing at once share one event loop, and sqlite-utils (which
brings numpy) costs a build a sixth of a second to import: only upgrading an old
cache loads it (storyboard/_cache_schema.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import secrets
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._cache_schema import read_only_view, upgrade
from ._errors import CacheDamaged, ProjectBusy, StoreError
from ._fileops import move_into_place, sha256_file, sweep, temporary_beside
from ._request import Inputs

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
    idempotency_key: str | None = None
    api_base: str | None = None
    key_fingerprint: str | None = None


@dataclass(frozen=True)
class NewJob:
    """A job about to be sent, as :meth:`Store.record_jobs` records it: ``account`` is the
    API base and key fingerprint it goes to; ``idempotency_key`` is reused from an earlier
    attempt on ``--resubmit``, else made fresh as it is recorded."""

    key: str
    scene_id: str
    provider: str
    attempt: int
    account: tuple[str, str] = ("", "")
    idempotency_key: str | None = None


JOB_COLUMNS = ", ".join(field.name for field in dataclasses.fields(Job))
TAKE_COLUMNS = ", ".join(field.name for field in dataclasses.fields(Take))


@dataclass
class Snapshot:
    """What the cache holds for one provider, read in one pass: a plan of ten thousand
    scenes asks it questions instead of asking sqlite (and the disk) once per scene."""

    store: Store
    takes: defaultdict[str, list[Take]] = field(default_factory=lambda: defaultdict(list))
    selections: dict[str, int] = field(default_factory=dict)
    last_jobs: dict[str, Job] = field(default_factory=dict)
    frames: dict[str, str] = field(default_factory=dict)
    clip_files: set[str] = field(default_factory=set)
    image_files: set[str] = field(default_factory=set)
    """Generated images in the cache (``images/<sha256>.png``)."""
    frame_files: set[str] = field(default_factory=set)
    input_keys: set[str] = field(default_factory=set)
    _inputs: dict[str, str] | None = None

    def present_takes(self, key: str) -> list[Take]:
        """The takes of a key whose clip (or generated image) is in the cache, oldest first."""
        clips, images = self.clip_files, self.image_files  # never united: once per scene
        return [t for t in self.takes.get(key, ()) if t.clip in clips or t.clip in images]

    def known_frame(self, clip: str) -> str | None:
        frame = self.frames.get(clip)
        return frame if frame in self.frame_files else None

    def takes_by_scene(self, provider: str) -> dict[str, list[Take]]:
        """Every take ``provider`` made, by scene."""
        found: defaultdict[str, list[Take]] = defaultdict(list)
        for takes in self.takes.values():
            for take in takes:
                if take.provider == provider:
                    found[take.scene_id].append(take)
        return found

    def add(self, take: Take, image: bool = False) -> None:
        """A take this process made since the snapshot was read (a generated ``image``)."""
        self.takes[take.key].append(take)
        (self.image_files if image else self.clip_files).add(take.clip)

    def inputs(self, key: str) -> Inputs | None:
        """A key's stored inputs; the first call reads them all."""
        if self._inputs is None:
            self._inputs = dict(
                self.store.conn.execute("SELECT key, inputs FROM inputs").fetchall()
            )
        text = self._inputs.get(key)
        return dict(json.loads(text)) if text is not None else None

    def remember_inputs(self, key: str, inputs: Inputs) -> None:
        """Store a key's inputs unless the cache has them already."""
        if key not in self.input_keys:
            self.store.remember_inputs(key, inputs)
            self.input_keys.add(key)
            if self._inputs is not None:
                self._inputs[key] = json.dumps(inputs, sort_keys=True)


class Store:
    """One project's cache folder; use it in a ``with`` block, or call :meth:`close`.

    Opening a cache made by an older storyboard upgrades it in place (see
    :mod:`storyboard._cache_schema`: a schema change is one function there);
    a cache from a newer storyboard is refused with :class:`StoreError`.
    ``read_only`` opens a cache on a read-only disk without writing to it.
    """

    def __init__(self, cache_dir: Path, read_only: bool = False) -> None:
        self.dir = cache_dir
        self.read_only = read_only
        self.clips_dir = cache_dir / "clips"
        self.frames_dir = cache_dir / "frames"
        self.images_dir = cache_dir / "images"
        self.downloads_dir = cache_dir / "downloads"
        if not read_only:
            for folder in (self.clips_dir, self.frames_dir, self.images_dir, self.downloads_dir):
                folder.mkdir(parents=True, exist_ok=True)
        path = cache_dir / "cache.db"
        connection = _connect(path, read_only)
        try:
            if read_only:
                connection = read_only_view(connection, path)
            else:
                upgrade(connection, path)
                _enable_wal(connection)
                connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("SELECT COUNT(*) FROM takes").fetchone()
        except sqlite3.DatabaseError as error:
            connection.close()
            if isinstance(error, sqlite3.OperationalError) and "malformed" not in str(error):
                raise StoreError(f"{path}: cannot open the cache ({error})") from error
            raise CacheDamaged(_damaged(cache_dir, error)) from error
        except BaseException:
            connection.close()
            raise
        self.conn = connection

    @classmethod
    def open_existing(cls, cache_dir: Path) -> Store | None:
        """The store if the project has one; reading commands never create it, and read a
        cache they cannot write without writing to it."""
        if not (cache_dir / "cache.db").exists():
            return None
        return cls(cache_dir, read_only=not os.access(cache_dir, os.W_OK))

    def close(self) -> None:
        """Close the database; closing twice is harmless."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def immediate(self) -> Iterator[None]:
        """A write transaction that takes the write lock before it reads."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def snapshot(self, provider: str) -> Snapshot:
        """Every take, selection, frame and file, and ``provider``'s last job per key."""
        snapshot = Snapshot(self)
        for fields in self.conn.execute(f"SELECT {TAKE_COLUMNS} FROM takes ORDER BY key, take"):
            take = Take(*fields)
            snapshot.takes[take.key].append(take)
        snapshot.selections = {
            key: int(take) for key, take in self.conn.execute("SELECT key, take FROM selections")
        }
        snapshot.last_jobs = {
            job.key: job
            for job in (
                Job(*fields)
                for fields in self.conn.execute(
                    f"SELECT {JOB_COLUMNS} FROM jobs WHERE id IN"
                    " (SELECT MAX(id) FROM jobs WHERE provider = ? GROUP BY key)",
                    [provider],
                )
            )
        }
        snapshot.frames = dict(self.conn.execute("SELECT clip, frame FROM frames").fetchall())
        snapshot.input_keys = {key for (key,) in self.conn.execute("SELECT key FROM inputs")}
        snapshot.clip_files = _names(self.clips_dir, ".mp4")
        snapshot.frame_files = _names(self.frames_dir, ".png")
        snapshot.image_files = _names(self.images_dir, ".png")
        return snapshot

    # -- jobs -----------------------------------------------------------------

    def record_jobs(self, jobs: Sequence[NewJob]) -> list[int]:
        """Record jobs before they are submitted, in one transaction flushed to disk (one
        flush for a wave of jobs, not one each); returns their ids, in order."""
        created_at = now_iso()
        rows = [
            {
                "key": job.key,
                "scene_id": job.scene_id,
                "provider": job.provider,
                "status": "submitting",
                "attempt": job.attempt,
                "created_at": created_at,
                "idempotency_key": job.idempotency_key or secrets.token_hex(16),
                "api_base": job.account[0],
                "key_fingerprint": job.account[1],
            }
            for job in jobs
        ]
        self.conn.execute("PRAGMA synchronous = FULL")
        try:
            with self.immediate():
                return [_insert(self.conn, "jobs", row) for row in rows]
        finally:
            self.conn.execute("PRAGMA synchronous = NORMAL")

    def job(self, job_id: int) -> Job:
        (job,) = self._jobs("id = ?", [job_id])
        return job

    def update_job(self, job_id: int, **fields: Any) -> None:
        if "status" in fields and fields["status"] not in JOB_OPEN:
            fields.setdefault("finished_at", now_iso())
        if fields.get("status") == "submitted":
            fields.setdefault("submitted_at", now_iso())
        if not fields:
            return
        columns = ", ".join(f"{_column(name)} = ?" for name in fields)
        with self.immediate():
            self.conn.execute(f"UPDATE jobs SET {columns} WHERE id = ?", [*fields.values(), job_id])

    def open_jobs(self, key: str, provider: str) -> list[Job]:
        """Jobs for a key that were recorded or submitted and never finished."""
        return self._jobs(
            "key = ? AND provider = ? AND status IN ('submitting', 'submitted', 'ambiguous')",
            [key, provider],
        )

    def _jobs(self, where: str, params: list[Any]) -> list[Job]:
        rows = self.conn.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE {where} ORDER BY id", params
        )
        return [Job(*fields) for fields in rows]

    def count_jobs(self, provider: str | None = None) -> int:
        where = "status != 'submitting'" + (" AND provider = ?" if provider else "")
        (count,) = self.conn.execute(
            f"SELECT COUNT(*) FROM jobs WHERE {where}", [provider] if provider else []
        ).fetchone()
        return int(count)

    def spent_usd(self, provider: str | None = None, *, estimated_only: bool = False) -> float:
        """What every job cost (of ``provider``, if named); with ``estimated_only``, only
        the costs priced from the table because the API reported none."""
        conditions = ["provider = ?"] if provider else []
        if estimated_only:
            conditions.append("cost_estimated = 1")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        (spent,) = self.conn.execute(
            f"SELECT COALESCE(SUM(cost_usd), 0) FROM jobs{where}", [provider] if provider else []
        ).fetchone()
        return round(float(spent), 4)

    def estimated_take_costs(self, provider: str) -> dict[str, float]:
        """Per scene, what its takes by ``provider`` cost that was priced from the table."""
        rows = self.conn.execute(
            "SELECT takes.scene_id, SUM(takes.cost_usd) FROM takes"
            " JOIN jobs ON jobs.id = takes.job_id"
            " WHERE takes.provider = ? AND jobs.cost_estimated = 1 GROUP BY takes.scene_id",
            [provider],
        )
        return {scene_id: round(float(cost), 4) for scene_id, cost in rows}

    # -- takes ----------------------------------------------------------------

    def next_take(self, key: str) -> int:
        """The number the next take of ``key`` will have."""
        (last,) = self.conn.execute(
            "SELECT COALESCE(MAX(take), 0) FROM takes WHERE key = ?", [key]
        ).fetchone()
        return int(last) + 1

    def add_take(
        self, key: str, scene_id: str, provider: str, clip: str, cost_usd: float, job_id: int | None
    ) -> Take:
        """Record a new take of a key, numbered after the existing ones, and finish its job."""
        with self.immediate():
            take = Take(
                key, self.next_take(key), clip, now_iso(), cost_usd, provider, scene_id, job_id
            )
            _insert(self.conn, "takes", dataclasses.asdict(take))
            if job_id is not None:
                self.conn.execute(
                    "UPDATE jobs SET status = 'done', clip = ?, cost_usd = ?, finished_at = ?"
                    " WHERE id = ?",
                    [clip, cost_usd, take.created_at, job_id],
                )
        return take

    def newest_provider(self) -> str | None:
        """The provider of the newest take, if there is one."""
        row = self.conn.execute(
            "SELECT provider FROM takes ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None

    def takes(self, key: str) -> list[Take]:
        return self._takes("key = ?", [key], "take")

    def _takes(self, where: str, params: list[Any], order_by: str) -> list[Take]:
        rows = self.conn.execute(
            f"SELECT {TAKE_COLUMNS} FROM takes WHERE {where} ORDER BY {order_by}", params
        )
        return [Take(*fields) for fields in rows]

    def select(self, key: str, take: int) -> None:
        with self.immediate():
            row = {"key": key, "take": take, "selected_at": now_iso()}
            _upsert(self.conn, "selections", row, ("key",))

    def selection(self, key: str) -> int | None:
        row = self.conn.execute("SELECT take FROM selections WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else None

    # -- inputs ---------------------------------------------------------------

    def remember_inputs(self, key: str, inputs: Inputs) -> None:
        with self.immediate():
            self.conn.execute(
                "INSERT OR IGNORE INTO inputs (key, inputs) VALUES (?, ?)",
                [key, json.dumps(inputs, sort_keys=True)],
            )

    def inputs(self, key: str) -> Inputs | None:
        row = self.conn.execute("SELECT inputs FROM inputs WHERE key = ?", [key]).fetchone()
        return dict(json.loads(row[0])) if row else None

    # -- files ----------------------------------------------------------------

    def clip_path(self, clip: str) -> Path:
        return self.clips_dir / f"{clip}.mp4"

    def image_path(self, image: str) -> Path:
        """Where a generated image lives: ``images/<sha256>.png``."""
        return self.images_dir / f"{image}.png"

    def adopt_image(self, downloaded: Path) -> str:
        """Move a checked, PNG-encoded download into the image folder under its hash."""
        image = sha256_file(downloaded)
        destination = self.image_path(image)
        if destination.exists():
            downloaded.unlink()
        else:
            move_into_place(downloaded, destination)
        return image

    def frame_path(self, frame: str) -> Path:
        return self.frames_dir / f"{frame}.png"

    def download_path(self, job_id: int, suffix: str = ".mp4") -> Path:
        """A fresh temporary name for a job's clip (or image) until it is adopted."""
        return temporary_beside(self.downloads_dir / f"job-{job_id}{suffix}")

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
        row = self.conn.execute("SELECT frame FROM frames WHERE clip = ?", [clip]).fetchone()
        if not row or not self.frame_path(row[0]).exists():
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
            _upsert(self.conn, "frames", {"clip": clip, "frame": frame}, ("clip",))
        return frame

    def clean_downloads(self) -> None:
        """Remove the downloads and frames a killed build left half-made or unnamed."""
        sweep(self.downloads_dir)

    # -- consistency scores ----------------------------------------------------

    def score(self, clip: str, scorer: int) -> dict[str, Any] | None:
        """A clip's stored score by scorer version ``scorer``, as the scorer stored it."""
        rows = self.conn.execute(
            "SELECT score FROM scores WHERE clip = ? AND scorer = ?", [clip, scorer]
        ).fetchall()
        return dict(json.loads(rows[0][0])) if rows else None

    def scores(self, scorer: int) -> dict[str, dict[str, Any]]:
        """Every clip's stored score by scorer version ``scorer``."""
        rows = self.conn.execute("SELECT clip, score FROM scores WHERE scorer = ?", [scorer])
        return {clip: dict(json.loads(text)) for clip, text in rows}

    def remember_score(self, clip: str, scorer: int, score: dict[str, Any]) -> None:
        row = {"clip": clip, "scorer": scorer, "score": json.dumps(score), "scored_at": now_iso()}
        with self.immediate():
            _upsert(self.conn, "scores", row, ("clip", "scorer"))

    # -- the writer's judgements: anchors, labels, the calibration ---------------

    def approve(self, provider: str, character: str, clip: str, scene_id: str) -> None:
        """Make ``clip`` (a take of ``scene_id``) the character's anchor with ``provider``."""
        with self.immediate():
            row = {
                "provider": provider,
                "character": character,
                "clip": clip,
                "scene_id": scene_id,
                "approved_at": now_iso(),
            }
            _upsert(self.conn, "anchors", row, ("provider", "character"))

    def anchors(self, provider: str) -> dict[str, str]:
        """Each character's approved clip with ``provider``."""
        rows = self.conn.execute(
            "SELECT character, clip FROM anchors WHERE provider = ?", [provider]
        )
        return {str(character): str(clip) for character, clip in rows}

    def label(self, clip: str, scene_id: str, verdict: str) -> None:
        """The writer's verdict on a take (``good`` or ``bad``), kept per clip content."""
        with self.immediate():
            row = {"clip": clip, "scene_id": scene_id, "label": verdict, "labelled_at": now_iso()}
            _upsert(self.conn, "labels", row, ("clip",))

    def labels(self) -> dict[str, tuple[str, str]]:
        """Every labelled clip: its scene and the verdict."""
        rows = self.conn.execute("SELECT clip, scene_id, label FROM labels ORDER BY labelled_at")
        return {str(clip): (str(scene), str(verdict)) for clip, scene, verdict in rows}

    def calibration(self) -> dict[str, float]:
        """The thresholds ``storyboard calibrate`` fitted, by setting name."""
        rows = self.conn.execute("SELECT name, value FROM calibration")
        return {str(name): float(value) for name, value in rows}

    def remember_calibration(self, values: dict[str, float]) -> None:
        """Replace the fitted thresholds (none: the defaults again)."""
        with self.immediate():
            self.conn.execute("DELETE FROM calibration")
            for name, value in values.items():
                row = {"name": name, "value": value, "fitted_at": now_iso()}
                _insert(self.conn, "calibration", row)

    # -- uploads (the UploadMemo protocol of the xAI provider) -----------------

    def get(self, sha256: str, base_url: str) -> str | None:
        row = self.conn.execute(
            "SELECT file_id FROM uploads WHERE sha256 = ? AND base_url = ? AND expires_at > ?",
            [sha256, base_url, time.time()],
        ).fetchone()
        return str(row[0]) if row else None

    def put(self, sha256: str, base_url: str, file_id: str, expires_at: float) -> None:
        with self.immediate():
            row = {
                "sha256": sha256,
                "base_url": base_url,
                "file_id": file_id,
                "expires_at": expires_at,
            }
            _upsert(self.conn, "uploads", row, ("sha256", "base_url"))

    def forget(self, file_id: str) -> None:
        with self.immediate():
            self.conn.execute("DELETE FROM uploads WHERE file_id = ?", [file_id])

    def key_salt(self) -> bytes:
        """This cache's salt for key fingerprints, made once (they mean nothing elsewhere)."""
        with self.immediate():
            row = self.conn.execute(
                "SELECT value FROM cache_info WHERE name = 'key_salt'"
            ).fetchone()
            if row is None:
                salt = secrets.token_hex(16)
                self.conn.execute(
                    "INSERT INTO cache_info (name, value) VALUES ('key_salt', ?)", [salt]
                )
            else:
                salt = str(row[0])
        return bytes.fromhex(salt)


def _connect(database: Path, read_only: bool) -> sqlite3.Connection:
    if read_only:  # nothing can change it (a read-only disk): no lock, no journal needed
        uri = f"{database.resolve().as_uri()}?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    # One thread at a time, but not always the one that opened it (a build run from a
    # notebook runs on a worker thread).
    connection = sqlite3.connect(
        database, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


def _column(name: str) -> str:
    """A column name for SQL text: the store's own names, never a writer's text."""
    if not name.isidentifier():
        raise ValueError(f"not a column name: {name!r}")
    return f'"{name}"'


def _insert(connection: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    """Insert one row; its rowid."""
    columns = ", ".join(_column(name) for name in row)
    marks = ", ".join("?" * len(row))
    cursor = connection.execute(
        f"INSERT INTO {_column(table)} ({columns}) VALUES ({marks})", list(row.values())
    )
    return int(cursor.lastrowid or 0)


def _upsert(
    connection: sqlite3.Connection, table: str, row: dict[str, Any], key: tuple[str, ...]
) -> None:
    """Insert one row, or update the row with the same primary ``key`` (the table's other
    columns are kept)."""
    columns = ", ".join(_column(name) for name in row)
    marks = ", ".join("?" * len(row))
    target = ", ".join(_column(name) for name in key)
    changes = ", ".join(f"{_column(name)} = excluded.{_column(name)}" for name in row)
    connection.execute(
        f"INSERT INTO {_column(table)} ({columns}) VALUES ({marks})"
        f" ON CONFLICT ({target}) DO UPDATE SET {changes}",
        list(row.values()),
    )


def _enable_wal(connection: sqlite3.Connection) -> None:
    (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    if mode != "wal":
        connection.execute("PRAGMA journal_mode = wal")


def _damaged(cache_dir: Path, error: sqlite3.DatabaseError) -> str:
    database = cache_dir / "cache.db"
    return (
        f"{database} is damaged ({error}). To recover without paying again, move it aside "
        f"(mv {database} {database}.damaged) and run `storyboard build`: the clips in "
        f"{cache_dir / 'clips'} that storyboard.lock names are found by their content and "
        "used again; only scenes the lock does not name are made again"
    )


def _names(folder: Path, suffix: str) -> set[str]:
    """The stems of a folder's files with this suffix (one directory read)."""
    try:
        return {name.removesuffix(suffix) for name in os.listdir(folder) if name.endswith(suffix)}
    except FileNotFoundError:
        return set()


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
