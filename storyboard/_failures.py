"""What to tell a writer when the disk, not storyboard, said no.

A full disk, a read-only folder or a cache database that cannot be written
reach the command line as OSError or sqlite3 errors; each becomes one message
that says what happened and what to do, and that paid jobs are safe: every job
is recorded before it is sent, and the next build collects what it can.
"""

from __future__ import annotations

import errno
import sqlite3

_AFTER = "jobs already sent are recorded, and the next build collects them"
_FREE_SPACE = "the disk is full: free some space and run the command again"


def failed_write_message(error: OSError | sqlite3.DatabaseError) -> str:
    """One line for an error of the file system or of the cache database."""
    if isinstance(error, sqlite3.DatabaseError):
        return _database_message(error)
    where = f"{error.filename}: " if error.filename else ""
    reason = error.strerror or str(error)
    if error.errno in {errno.ENOSPC, errno.EDQUOT}:
        return f"{where}{_FREE_SPACE} ({reason}); {_AFTER}"
    if error.errno in {errno.EROFS, errno.EACCES, errno.EPERM}:
        return (
            f"{where}cannot write here ({reason}): `check`, `plan` and `status` work on a "
            "read-only project; to build or export, make the project folder writable (or copy it)"
        )
    return f"{where}{reason}: the file system refused; fix that and run the command again; {_AFTER}"


def _database_message(error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "full" in text:
        return f"the cache database could not be written: {_FREE_SPACE}; {_AFTER}"
    if "readonly" in text or "read-only" in text:
        return (
            "the cache database is read-only: make the project folder writable to build or export"
        )
    return (
        f"the cache database .storyboard/cache.db failed ({text}); if it is damaged, move it aside "
        "(mv .storyboard/cache.db .storyboard/cache.db.damaged) and build again: clips that "
        "storyboard.lock names are found by their content"
    )
