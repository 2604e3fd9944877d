"""Caches upgrade in place: a 0.1.0 cache keeps every record; a newer one is refused.

``tests/fixtures/cache-v1`` was made by the 0.1.0 release (before migrations
existed); ``manifest.json`` lists what its ``cache.db`` holds.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from conftest import load_tool

from storyboard._cache_schema import FRESH_SCHEMA, KNOWN, SCHEMA_VERSION, applied, migrations
from storyboard._errors import StoreError
from storyboard._store import JOB_COLUMNS, Store

FIXTURE = Path(__file__).parent / "fixtures" / "cache-v1"
MANIFEST: dict[str, Any] = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def old_cache(tmp_path: Path) -> Path:
    """A copy of the 0.1.0 cache folder."""
    cache_dir = tmp_path / ".storyboard"
    cache_dir.mkdir()
    shutil.copy(FIXTURE / "cache.db", cache_dir / "cache.db")
    return cache_dir


def _applied(cache_dir: Path) -> list[str]:
    with sqlite_utils.Database(cache_dir / "cache.db") as db:
        by_sqlite_utils = [step.name for step in migrations().applied(db)]
    connection = sqlite3.connect(cache_dir / "cache.db")
    try:
        assert applied(connection) == by_sqlite_utils, "plain sqlite reads what sqlite-utils wrote"
    finally:
        connection.close()
    return by_sqlite_utils


def test_the_fixture_is_a_cache_without_migrations() -> None:
    assert MANIFEST["made_by"].startswith("storyboard 0.1.0")
    assert {job["status"] for job in MANIFEST["jobs"]} >= {
        "done", "failed", "blocked", "submitted", "submitting", "ambiguous"
    }  # fmt: skip
    with sqlite_utils.Database(FIXTURE / "cache.db") as db:
        assert not db.table("_sqlite_migrations").exists()


def test_an_old_cache_upgrades_and_keeps_every_take(old_cache: Path) -> None:
    with Store(old_cache) as store:
        for expected in MANIFEST["takes"]:
            found = {take.take: take for take in store.takes(expected["key"])}
            assert found[expected["take"]].__dict__ == expected
            by_scene = store.snapshot(expected["provider"]).takes_by_scene(expected["provider"])
            scene_takes = by_scene[expected["scene_id"]]
            assert (expected["key"], expected["take"]) in {(t.key, t.take) for t in scene_takes}
        for selection in MANIFEST["selections"]:
            assert store.selection(selection["key"]) == selection["take"]
        for key in MANIFEST["inputs"]:
            assert store.inputs(key)
        for upload in MANIFEST["uploads"]:
            live = upload["expires_at"] > time.time()
            file_id = store.get(upload["sha256"], upload["base_url"])
            assert file_id == (upload["file_id"] if live else None)


def test_an_old_cache_on_a_read_only_disk_is_read_as_upgraded_and_left_untouched(
    old_cache: Path,
) -> None:
    before = (old_cache / "cache.db").read_bytes()
    with Store(old_cache, read_only=True) as store:
        for expected in MANIFEST["takes"]:
            found = {take.take: take for take in store.takes(expected["key"])}
            assert found[expected["take"]].__dict__ == expected
        # Tables of later schema versions read as empty instead of missing.
        assert store.anchors("xai") == {} and store.labels() == {} and store.calibration() == {}
    assert (old_cache / "cache.db").read_bytes() == before


def test_an_old_cache_keeps_every_job_and_its_spend(old_cache: Path) -> None:
    jobs = MANIFEST["jobs"]
    with Store(old_cache) as store:
        rows = list(
            sqlite_utils.Database(store.conn)
            .table("jobs")
            .rows_where(select=JOB_COLUMNS, order_by="id")
        )
        # columns added since 0.1.0 are empty on its jobs; the rest is as it was written
        kept = [{name: row[name] for name in job} for row, job in zip(rows, jobs, strict=True)]
        assert kept == jobs
        assert all(row["idempotency_key"] is None and row["api_base"] is None for row in rows)
        open_jobs = {
            j["id"] for j in jobs if j["status"] in ("submitting", "submitted", "ambiguous")
        }
        found_open = set()
        for job in jobs:
            found_open |= {j.id for j in store.open_jobs(job["key"], job["provider"])}
        assert found_open == open_jobs
        assert store.spent_usd() == pytest.approx(sum(j["cost_usd"] or 0 for j in jobs))
        assert store.spent_usd("xai") == pytest.approx(0.75)
        assert store.count_jobs() == len([j for j in jobs if j["status"] != "submitting"])
        frames = {
            row["clip"]: row["frame"]
            for row in sqlite_utils.Database(store.conn).table("frames").rows
        }
        assert frames == {row["clip"]: row["frame"] for row in MANIFEST["frames"]}


def test_the_upgrade_runs_once_and_new_caches_start_current(
    old_cache: Path, tmp_path: Path
) -> None:
    Store(old_cache).close()
    assert _applied(old_cache) == KNOWN
    assert len(KNOWN) == SCHEMA_VERSION >= 2
    before = (old_cache / "cache.db").stat().st_mtime_ns
    Store(old_cache).close()
    assert _applied(old_cache) == KNOWN
    assert (old_cache / "cache.db").stat().st_mtime_ns == before, "a current cache is not written"
    fresh = tmp_path / "fresh"
    Store(fresh).close()
    assert _applied(fresh) == KNOWN


def _open(folder: str) -> None:
    Store(Path(folder)).close()


def test_processes_opening_an_old_cache_at_once_upgrade_it_once(old_cache: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_open, args=(str(old_cache),)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert _applied(old_cache) == KNOWN
    with Store(old_cache) as store:
        assert len(list(sqlite_utils.Database(store.conn).table("takes").rows)) == len(
            MANIFEST["takes"]
        )


def _upgrade_as_a_newer_storyboard(cache_dir: Path, version: str) -> None:
    """What a storyboard that knows one more migration leaves behind."""
    newer = sqlite_utils.Migrations("storyboard")
    for name in KNOWN:
        newer(name=name)(lambda db: None)

    @newer()
    def a_future_change(db: sqlite_utils.Database) -> None:
        db.table("takes").add_column("rating", float)

    with sqlite_utils.Database(cache_dir / "cache.db") as db:
        newer.apply(db)
        db.table("cache_info").upsert({"name": "written_by", "value": version}, pk="name")


def test_a_newer_cache_is_refused_and_left_untouched(tmp_path: Path) -> None:
    cache_dir = tmp_path / ".storyboard"
    with Store(cache_dir) as store:
        store.add_take("k", "s", "xai", "clip", 0.5, None)
    _upgrade_as_a_newer_storyboard(cache_dir, "9.1.0")
    before = (cache_dir / "cache.db").read_bytes()
    with pytest.raises(StoreError) as refused:
        Store(cache_dir)
    message = str(refused.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "storyboard 9.1.0 or later" in message
    assert message.endswith("nothing was changed")
    assert (cache_dir / "cache.db").read_bytes() == before


def _schema(cache_dir: Path) -> list[tuple[str, str, str | None]]:
    connection = sqlite3.connect(cache_dir / "cache.db")
    try:
        rows = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY rowid")
        return list(rows)
    finally:
        connection.close()


def test_a_new_cache_is_made_as_the_migrations_make_it_without_sqlite_utils(
    tmp_path: Path,
) -> None:
    made_now = load_tool("make_cache_schema").schema_sql()
    assert FRESH_SCHEMA.read_text(encoding="utf-8") == made_now, (
        "storyboard/data/cache_schema.sql is out of date: run tools/make_cache_schema.py"
    )
    migrated = tmp_path / "migrated"
    migrated.mkdir()
    with sqlite_utils.Database(migrated / "cache.db") as db:
        migrations().apply(db)
    Store(migrated).close()
    fresh = tmp_path / "fresh"
    probe = "import sys; from pathlib import Path; from storyboard._store import Store; "
    probe += "Store(Path(sys.argv[1])).close(); print('sqlite_utils' in sys.modules)"
    ran = subprocess.run([sys.executable, "-c", probe, str(fresh)], capture_output=True, text=True)
    assert ran.stdout.strip() == "False", ran.stderr
    assert _schema(fresh) == _schema(migrated)
    assert _applied(fresh) == KNOWN
    with Store(fresh) as store:
        store.add_take("k", "s", "xai", "clip", 0.5, None)
        assert [take.take for take in store.takes("k")] == [1]
