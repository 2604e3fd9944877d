"""Write storyboard/data/cache_schema.sql: the tables of a new cache, as the migrations make them.

The migrations in ``storyboard/_cache_schema.py`` are the schema; this file is what they
leave in an empty database, so that a new cache is made with plain SQL and a build never
imports sqlite-utils (and numpy with it) for it. Run it again after adding a migration
(``tests/test_cache_schema.py`` fails while the file differs)::

    .venv/bin/python tools/make_cache_schema.py
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlite_utils  # noqa: E402

from storyboard._cache_schema import FRESH_SCHEMA, migrations  # noqa: E402


def schema_sql() -> str:
    """The statements that make the tables and indexes of a current cache, in order."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    migrations().apply(sqlite_utils.Database(connection))
    rows = connection.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    return "".join(f"{sql};\n" for (sql,) in rows)


def main() -> None:
    FRESH_SCHEMA.write_text(schema_sql(), encoding="utf-8")
    print(f"wrote {FRESH_SCHEMA.relative_to(REPO)}")


if __name__ == "__main__":
    main()
