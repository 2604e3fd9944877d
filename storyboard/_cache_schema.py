"""The tables of `cache.db`, and how a cache made by an older storyboard is brought up to date.

The schema is a list of migrations, applied in order and each exactly once
(sqlite-utils' ``Migrations`` records them in ``_sqlite_migrations``, in the
same transaction as the change). The schema version is the number of them.
Whether a cache is current is read with plain sqlite, and a new cache is made with
plain SQL (``storyboard/data/cache_schema.sql``, what the migrations leave in an empty
database, written by ``tools/make_cache_schema.py``): sqlite-utils (and the numpy it
loads) is imported only when an old cache needs upgrading, so commands and builds start
quickly.
Changing the schema is one function appended at the end of this module::

    @migration
    def job_api_fingerprint(db: Database) -> None:
        db.table("jobs").add_column("api_fingerprint", str)

and run ``tools/make_cache_schema.py``. Every writer's cache runs it once, on the next
open. Never edit, rename or reorder a migration that has shipped: writers' caches have
recorded it by name.
A cache that has run migrations this code does not know was upgraded by a
newer storyboard; it is refused, untouched (see :func:`upgrade`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import StoreError
from ._version import __version__

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

MIGRATION_SET = "storyboard"
FRESH_SCHEMA = Path(__file__).parent / "data" / "cache_schema.sql"
"""The tables and indexes of a current cache, one statement a line (made by the tool)."""
STEPS: list[Callable[[Database], None]] = []
"""The migrations this storyboard knows, in order."""
KNOWN: list[str] = []
"""Their names, as ``_sqlite_migrations`` records them."""


def migration(change: Callable[[Database], None]) -> Callable[[Database], None]:
    """Append a schema change (named after its function) to the list."""
    STEPS.append(change)
    KNOWN.append(change.__name__)
    return change


def migrations() -> Migrations:
    """The steps as one sqlite-utils migration set."""
    from sqlite_utils import Migrations

    steps = Migrations(MIGRATION_SET)
    for change in STEPS:
        steps()(change)
    return steps


@migration
def baseline(db: Database) -> None:
    """Schema version 1: the tables of storyboard 0.1.0, whose caches carry no migration record."""
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
        db.table(name).create(columns, pk=pk, if_not_exists=True)
    db.execute("CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (key, provider)")


@migration
def cache_info(db: Database) -> None:
    """Schema version 2: the storyboard version that last upgraded the cache, for older ones."""
    db.table("cache_info").create({"name": str, "value": str}, pk="name")


@migration
def job_accounts(db: Database) -> None:
    """Schema version 3: each job's ``Idempotency-Key``, the account it was sent to (the
    API base and a salted fingerprint of the key), and whether its cost is an estimate."""
    jobs = db.table("jobs")
    for column, kind in (
        ("idempotency_key", str),
        ("api_base", str),
        ("key_fingerprint", str),
        ("cost_estimated", int),
    ):
        jobs.add_column(column, kind)


@migration
def take_scores(db: Database) -> None:
    """Schema version 4: consistency scores, per clip content and scorer version (a new
    scorer scores again; a score is never a reason to generate again)."""
    db.table("scores").create(
        {"clip": str, "scorer": int, "score": str, "scored_at": str}, pk=("clip", "scorer")
    )


@migration
def writer_judgements(db: Database) -> None:
    """Schema version 5: the writer's judgements of takes, per clip content: the take
    approved as each character's anchor (per provider), good and bad labels, and the
    thresholds `storyboard calibrate` fitted to them."""
    db.table("anchors").create(
        {"provider": str, "character": str, "clip": str, "scene_id": str, "approved_at": str},
        pk=("provider", "character"),
    )
    db.table("labels").create(
        {"clip": str, "scene_id": str, "label": str, "labelled_at": str}, pk="clip"
    )
    db.table("calibration").create({"name": str, "value": float, "fitted_at": str}, pk="name")


SCHEMA_VERSION = len(KNOWN)


def upgrade(connection: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations the cache lacks, in one write transaction; refuse a newer cache.

    Call it outside a transaction. A cache with migrations this code does not
    know raises :class:`StoreError` before anything is written.
    """
    if not _pending(connection, path):
        return
    connection.execute("BEGIN IMMEDIATE")  # two processes opening a cache upgrade it once
    try:
        if not _has_table(connection, "_sqlite_migrations") and _is_empty(connection):
            _create_current(connection)
        elif _pending(connection, path):
            _migrate(connection)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _create_current(connection: sqlite3.Connection) -> None:
    """A new cache: the current tables, and every migration recorded as applied (as
    sqlite-utils records them), without loading sqlite-utils."""
    for statement in FRESH_SCHEMA.read_text(encoding="utf-8").split(";\n"):
        if statement.strip():
            connection.execute(statement)
    applied_at = str(datetime.now(UTC))
    connection.executemany(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        [(MIGRATION_SET, name, applied_at) for name in KNOWN],
    )
    _written_by(connection)


def _migrate(connection: sqlite3.Connection) -> None:
    from sqlite_utils import Database

    migrations().apply(Database(connection))
    _written_by(connection)


def _written_by(connection: sqlite3.Connection) -> None:
    connection.execute(
        "INSERT INTO cache_info (name, value) VALUES ('written_by', ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [__version__],
    )


def read_only_view(connection: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """A cache storyboard cannot write to (a read-only disk), as this storyboard reads it:
    the cache itself when it is current, else an upgraded copy in memory (``connection``
    is closed; the file is never touched). A newer cache is refused, as by :func:`upgrade`."""
    if not _pending(connection, path):
        return connection
    copy = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    connection.backup(copy)
    connection.close()
    upgrade(copy, path)
    return copy


def applied(connection: sqlite3.Connection) -> list[str]:
    """The names of the migrations the cache has run, in the order it ran them."""
    if not _has_table(connection, "_sqlite_migrations"):
        return []
    rows = connection.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
        [MIGRATION_SET],
    )
    return [str(name) for (name,) in rows]


def _pending(connection: sqlite3.Connection, path: Path) -> bool:
    names = applied(connection)
    if any(name not in KNOWN for name in names):
        raise StoreError(_too_new(connection, path, len(names)))
    return len(names) < SCHEMA_VERSION


def _is_empty(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT 1 FROM sqlite_master").fetchone() is None


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
    ).fetchone()
    return found is not None


def _too_new(connection: sqlite3.Connection, path: Path, version: int) -> str:
    row = None
    if _has_table(connection, "cache_info"):
        row = connection.execute(
            "SELECT value FROM cache_info WHERE name = 'written_by'"
        ).fetchone()
    needed = f"storyboard {row[0]} or later" if row else "a newer storyboard"
    return (
        f"{path}: this cache has schema version {version}, written by a newer storyboard;"
        f" storyboard {__version__} reads versions up to {SCHEMA_VERSION}."
        f" Install {needed} (pip install -U storyboard-film) to use it; nothing was changed"
    )
