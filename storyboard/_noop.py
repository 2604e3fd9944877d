"""A build with nothing to do, answered at once (targets.md, P3).

A build that ends with nothing to do (every scene from the cache, nothing spent, the film
exported as asked) records what it printed and what it depended on, as build tools do
(ninja's log, git's index): the invocation (its words, folder, environment, terminal,
interpreter), the stat of every file in the project folder, of the files it read or
wrote outside it, and of storyboard's own code. The next identical `storyboard build`
checks those by ``stat`` alone, before anything else is imported, and when nothing
changed prints the same output again and exits 0, having loaded no project, cache or
HTTP client and written nothing. Any doubt (no record, another version, another
invocation, a file added, removed or changed, one changed too recently to trust, another
build holding the project) runs the normal build, which records again when it finds
nothing to do. docs/decisions.md says why it is built this way.

Only the standard library is imported here: the check runs before the command line.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import TextIO

from ._version import __version__

RECORD = "noop.json"
"""The record, in the project's ``.storyboard/`` folder."""
FORMAT = 1
"""The record's format; a record of another format is ignored."""
_PROBE = ".noop."
"""How the record's name starts while it is written (its time stamps what is recent)."""
_UNWATCHED = frozenset({RECORD, "build.lock", "images.json", "cache.db-shm"})
"""Files of ``.storyboard/`` a build with nothing to do may rewrite without meaning
anything: the build lock (the process holding it), the memo of checked pictures, and
sqlite's index of its write-ahead log (which readers rewrite)."""
TRANSCRIPT_LIMIT = 4_000_000
"""The most characters a recorded output holds: a longer build is not recorded."""
_ENVIRONMENT = frozenset(
    {
        "XAI_BASE_URL",
        "PATH",
        "HOME",
        "TMPDIR",
        "TERM",
        "COLORTERM",
        "NO_COLOR",
        "FORCE_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "COLUMNS",
        "LINES",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "LANG",
        "LANGUAGE",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
    }
)
"""Variables a build (or what draws its output) reads, recorded by value."""
_ENVIRONMENT_PREFIXES = ("STORYBOARD_", "LC_", "IMAGEIO_", "JUPYTER_")
_SECRET_PREFIX = "XAI_"
"""Variables of this prefix not named above (``XAI_API_KEY``) are recorded only as set or
blank, never their value nor anything derived from it."""
_STREAMS = ("stdout", "stderr")
_CODE = os.path.dirname(os.path.abspath(__file__))
"""storyboard's own files: a change to the code (a dev checkout) means a new build."""

Stat = list[int] | None
"""size, mtime_ns, ctime_ns, inode, device and mode of a file; None for a broken link."""


# -- what a build depends on --------------------------------------------------------------


def invocation(words: list[str]) -> dict[str, object]:
    """Everything besides files that may change what ``storyboard WORDS`` does or prints."""
    environ = os.environ
    chosen: dict[str, str] = {}
    for name, value in environ.items():
        if name in _ENVIRONMENT or name.startswith(_ENVIRONMENT_PREFIXES):
            chosen[name] = value
        elif name.startswith(_SECRET_PREFIX):
            chosen[name] = "(set)" if value.strip() else value
    return {
        "words": list(words),
        "folder": os.getcwd(),
        "environment": chosen,
        "streams": [_stream_facts(name) for name in _STREAMS],
        "python": [sys.executable, sys.version, sys.orig_argv, list(sys.flags)],
        "path": list(sys.path),
        "version": __version__,
    }


def _stream_facts(name: str) -> list[object]:
    """Where output goes, as far as it changes what is printed: a terminal and its size."""
    stream = getattr(sys, name)
    if stream is None:
        return [None]
    terminal = False
    size: list[int] = []
    try:
        terminal = stream.isatty()
        if terminal:
            size = list(os.get_terminal_size(stream.fileno()))
    except (AttributeError, ValueError, OSError):
        pass
    return [terminal, size, getattr(stream, "encoding", None), getattr(stream, "errors", None)]


def snapshot(root: str, outside: Iterable[str] = ()) -> dict[str, Stat]:
    """The stat of every file under ``root`` (but ``.git`` and the unwatched files of
    ``.storyboard/``), of each path in ``outside``, of storyboard's code and of the
    folders Python imports from."""
    files: dict[str, Stat] = {}
    cache = os.path.join(root, ".storyboard")
    ignored = {os.path.join(root, ".git"), *(os.path.join(cache, n) for n in _UNWATCHED)}
    _walk(root, files, lambda entry: entry.path in ignored or _is_probe(entry.path, cache))
    _walk(_CODE, files, lambda entry: entry.name == "__pycache__")
    for path in [*outside, *(p for p in sys.path if p and os.path.isdir(p))]:
        files[path] = _stat(path)
    return files


def _walk(top: str, files: dict[str, Stat], skipped: Callable[[os.DirEntry[str]], bool]) -> None:
    """Every file below ``top`` but those ``skipped``, following links (each folder once)."""
    seen: set[tuple[int, int]] = set()
    folders = [top]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue
        for entry in entries:
            path = entry.path
            if skipped(entry):
                continue
            try:
                found = entry.stat()
            except OSError:
                files[path] = None
                continue
            if entry.is_dir():
                if (found.st_dev, found.st_ino) not in seen:
                    seen.add((found.st_dev, found.st_ino))
                    folders.append(path)
            else:
                files[path] = _fields(found)


def _is_probe(path: str, cache: str) -> bool:
    """Whether ``path`` is a record being written (by this build or another)."""
    folder, name = os.path.split(path)
    return name.startswith(_PROBE) and folder == cache


def _stat(path: str) -> Stat:
    try:
        return _fields(os.stat(path))
    except OSError:
        return None


def _fields(found: os.stat_result) -> list[int]:
    return [
        found.st_size,
        found.st_mtime_ns,
        found.st_ctime_ns,
        found.st_ino,
        found.st_dev,
        found.st_mode,
    ]


def _settled(files: dict[str, Stat], stamp: int) -> bool:
    """Whether every file was last changed before ``stamp`` (a time the file system gave
    just before the files were looked at), so that any later change shows in its stat
    (git's "racily clean" files: a change in the same tick of the clock would not)."""
    for found in files.values():
        if found is not None:
            for when in (found[1], found[2]):
                if when + _granularity(when) > stamp:
                    return False
    return True


def _granularity(nanoseconds: int) -> int:
    """How coarse a file system's time stamps may be, judged from one of them: whole
    seconds may be FAT's two."""
    if nanoseconds % 1_000_000_000 == 0:
        return 2_000_000_000
    step = 1
    while nanoseconds % (step * 10) == 0:
        step *= 10
    return step


# -- the project's record --------------------------------------------------------------


def project_root(words: list[str]) -> str:
    """The project folder ``storyboard WORDS`` names, as `-p/--project` gives it (the last
    one wins), else the current folder. Only a guess: the record it finds says which
    invocation it is for."""
    given = "."
    for index, word in enumerate(words):
        if word in ("-p", "--project") and index + 1 < len(words):
            given = words[index + 1]
        elif word.startswith("--project="):
            given = word.removeprefix("--project=")
        elif word.startswith("-p") and len(word) > 2 and not word.startswith("--"):
            given = word[2:]
    path = os.path.expanduser(given)
    if path.endswith((".yaml", ".yml")) or os.path.isfile(path):
        path = os.path.dirname(path) or "."
    return os.path.realpath(path)


def _record_path(root: str) -> str:
    return os.path.join(root, ".storyboard", RECORD)


def forget(root: str) -> None:
    """Remove the project's record, and what a killed build left of one it was writing: a
    build that does not end with nothing to do leaves none behind."""
    with suppress(OSError):
        os.unlink(_record_path(root))
    cache = os.path.join(root, ".storyboard")
    with suppress(OSError):
        for name in os.listdir(cache):
            if name.startswith(_PROBE) and not _running(name.removeprefix(_PROBE)):
                with suppress(OSError):
                    os.unlink(os.path.join(cache, name))


def _running(pid: str) -> bool:
    """Whether the process ``pid`` names (a record's writer) may still be writing it."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:
        return True  # alive, another user's
    return True


def replay(words: list[str]) -> bool:
    """Print what ``storyboard WORDS`` printed last time if that was a build with nothing
    to do and nothing it depended on changed since; False (having printed and written
    nothing) when the normal build must run."""
    root = project_root(words)
    try:
        with open(_record_path(root), encoding="utf-8") as stream:
            record = json.load(stream)
        if record.get("format") != FORMAT or record.get("invocation") != invocation(words):
            return False
        transcript = [(int(index), _text(text)) for index, text in record["transcript"]]
        with _build_lock(root):
            files = snapshot(root, record["outside"])
            if files != record["files"] or not _settled(files, record["stamp"]):
                return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    _write(transcript)
    return True


def _text(text: object) -> str | None:
    """A recorded write (a string) or flush (None); anything else is a damaged record."""
    if text is not None and not isinstance(text, str):
        raise TypeError("not a recorded output")
    return text


@contextmanager
def _build_lock(root: str) -> Iterator[None]:
    """The project's build lock, held while the record is checked and replayed (the
    lock a build takes; none may change the project meanwhile); BlockingIOError when
    another build holds it."""
    descriptor = os.open(os.path.join(root, ".storyboard", "build.lock"), os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(descriptor)


def _write(transcript: list[tuple[int, str | None]]) -> None:
    """Print a recorded output: each write and flush to the stream it went to."""
    for index, text in transcript:
        stream = sys.stdout if index == 0 else sys.stderr
        if text is None:
            stream.flush()
        else:
            stream.write(text)


# -- recording a build ---------------------------------------------------------------------


class _Tee:
    """A text stream that keeps what passes through it, in order with its sibling."""

    def __init__(self, stream: TextIO, index: int, recording: Recording) -> None:
        self._stream = stream
        self._index = index
        self._recording = recording

    def write(self, text: str) -> int:
        self._recording.heard(self._index, text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._recording.heard(self._index, None)
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


class Recording:
    """One build's output and the state of the project before it, for :func:`recording`."""

    def __init__(self, root: str, words: list[str]) -> None:
        self.root = root
        self.invocation = invocation(words)
        self.before = snapshot(root)
        self.transcript: list[list[object]] | None = []
        self._size = 0
        self.nothing_done = False
        self.written: list[str] = []
        """What the build wrote (the film and its sidecars), the only files that may change."""

    def heard(self, index: int, text: str | None) -> None:
        if self.transcript is None:
            return
        self._size += len(text or "") + 1
        if self._size > TRANSCRIPT_LIMIT:
            self.transcript = None
        else:
            self.transcript.append([index, text])

    def nothing_to_do(self, written: Iterable[str | os.PathLike[str]]) -> None:
        """Say that the build did nothing but write ``written`` (its film) again: the
        record is kept when the command ends without an error."""
        self.nothing_done = True
        self.written = [os.path.abspath(path) for path in written]

    def save(self) -> None:
        """Write the record if nothing but what the build wrote changed while it ran."""
        if not self.nothing_done or self.transcript is None:
            return
        outside = sorted({p for p in self.written if not p.startswith(self.root + os.sep)})
        cache = os.path.join(self.root, ".storyboard")
        rewritten = {*self.written, os.path.join(cache, "outputs.json")}
        probe = os.path.join(cache, f"{_PROBE}{os.getpid()}")
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            settled = _settled_snapshot(self.root, outside, descriptor)
            if settled is None or _changed(self.before, settled[1]) - rewritten:
                return
            record = {
                "format": FORMAT,
                "invocation": self.invocation,
                "outside": outside,
                "stamp": settled[0],
                "files": settled[1],
                "transcript": self.transcript,
            }
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, json.dumps(record).encode("utf-8"), 0)
            os.replace(probe, _record_path(self.root))
        finally:
            os.close(descriptor)
            if os.path.exists(probe):
                os.unlink(probe)


def _settled_snapshot(
    root: str, outside: list[str], probe: int
) -> tuple[int, dict[str, Stat]] | None:
    """A time stamp from the file system (the ``probe`` file's, written now), and the
    project's files once each was changed before it. The film just written may share the
    clock's tick with this moment: the stamp is taken again until that tick has passed
    (a few milliseconds; given up after a tenth of a second)."""
    for _ in range(50):
        os.write(probe, b".")
        stamp = os.fstat(probe).st_mtime_ns
        files = snapshot(root, outside)
        if _settled(files, stamp):
            return stamp, files
        time.sleep(0.002)
    return None


def _changed(before: dict[str, Stat], after: dict[str, Stat]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


@contextmanager
def recording(root: str, words: list[str]) -> Iterator[Recording]:
    """Record a build's output while the block runs; when it ends without an error after
    :meth:`Recording.nothing_to_do`, keep the record (any earlier one is removed first)."""
    forget(root)
    record = Recording(root, words)
    streams = sys.stdout, sys.stderr
    if None in streams:
        yield record
        return
    sys.stdout, sys.stderr = (_Tee(s, i, record) for i, s in enumerate(streams))
    try:
        yield record
    finally:
        sys.stdout, sys.stderr = streams
    record.save()
