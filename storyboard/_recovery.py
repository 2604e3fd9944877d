"""Finding paid clips again after the cache database was lost or moved aside.

Clips are files named by the sha256 of their bytes, and `storyboard.lock`
names, per scene, the key and the clip of the chosen take. So when the
database has no take for a scene's key but the lock names that very key and
its clip file is still in ``.storyboard/clips/`` with the right content, the
clip is taken back as a take (costing nothing) instead of being paid for again.
"""

from __future__ import annotations

from ._fileops import sha256_file
from ._lockfile import LockFile
from ._store import Store, Take


def take_from_lock(
    store: Store, lock: LockFile, provider: str, scene_id: str, key: str
) -> Take | None:
    """The lock's clip for this scene and key as a new take, if the file is whole; else None."""
    selection = lock.get(provider, scene_id)
    if selection is None or selection.key != key or store.takes(key):
        return None
    clip = store.clip_path(selection.clip)
    try:
        if not clip.is_file() or sha256_file(clip) != selection.clip:
            return None
    except OSError:
        return None
    return store.add_take(key, scene_id, provider, selection.clip, 0.0, None)
