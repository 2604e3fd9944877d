"""A build with nothing to do answers at once (storyboard/_noop.py, P3): the real command
in a subprocess, against a real project built with the preview provider.

Whether a build was answered from the record is seen from the record itself: the normal
build removes it when it starts and writes a new one when it ends with nothing to do, so
a replayed build is one that left the record's file (its inode, its times) as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_subprocess import REPO

from storyboard import _noop

STORY = (
    "storyboard: 1\n"
    "title: Nothing to do\n"
    "defaults: {duration: 1, resolution: 480p}\n"
    "scenes:\n"
    '  - {id: dawn, prompt: "the sea at dawn"}\n'
    '  - {id: dusk, prompt: "the sea at dusk"}\n'
)


@dataclass(frozen=True)
class Built:
    code: int
    out: bytes
    err: bytes
    replayed: bool


def storyboard(
    root: Path, *args: str, environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python -m storyboard ARGS -p ROOT` with the preview provider, from ROOT's folder."""
    return subprocess.run(
        [sys.executable, "-m", "storyboard", *args, "-p", os.fspath(root)],
        cwd=root.parent,
        env={**os.environ, "STORYBOARD_PROVIDER": "preview", **(environ or {})},
        capture_output=True,
        timeout=300,
    )


def build(root: Path, *args: str, environ: dict[str, str] | None = None) -> Built:
    """`storyboard build ARGS -p ROOT`, and whether it was answered from the record."""
    before = _record_stat(root)
    ran = storyboard(root, "build", *args, environ=environ)
    replayed = before is not None and before == _record_stat(root)
    return Built(ran.returncode, ran.stdout, ran.stderr, replayed)


def _record_stat(root: Path) -> tuple[int, int, int] | None:
    try:
        found = (root / ".storyboard" / _noop.RECORD).stat()
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_ctime_ns


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose scenes were made once (copied by each test, which builds again)."""
    root = tmp_path_factory.mktemp("noop") / "made"
    root.mkdir()
    (root / "story.yaml").write_text(STORY, encoding="utf-8")
    made = build(root, "--no-score")
    assert made.code == 0, made.err.decode()
    remade = storyboard(root, "regen", "dawn", "--no-score")
    assert remade.returncode == 0, remade.stderr.decode()
    (root / ".storyboard" / _noop.RECORD).unlink(missing_ok=True)
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project, built again once: that build had nothing to do and
    left its record."""
    root = tmp_path / "project"
    shutil.copytree(built, root)
    assert build(root, "--no-score").code == 0
    assert _record_stat(root) is not None
    return root


def test_a_build_with_nothing_to_do_prints_the_same_and_writes_nothing(project: Path) -> None:
    (project / ".storyboard" / _noop.RECORD).unlink()
    again = build(project, "--no-score")
    film = (project / "out" / "film.mp4").stat()
    replayed = build(project, "--no-score")
    assert replayed.replayed and not again.replayed
    assert (replayed.code, replayed.out, replayed.err) == (again.code, again.out, again.err)
    assert b"0 generated, 2 from the cache; spent $0.00" in replayed.out
    assert b"dawn: cached (take 2, reused at no cost)" in replayed.err
    after = (project / "out" / "film.mp4").stat()
    assert (after.st_ino, after.st_mtime_ns) == (film.st_ino, film.st_mtime_ns)


def test_at_a_terminal_it_prints_what_the_build_printed(project: Path) -> None:
    """The same bytes on a terminal (a pseudo-terminal here): the live summary line,
    the summary, the film."""
    first = _at_a_terminal(project)
    record = _record_stat(project)
    second = _at_a_terminal(project)
    assert _record_stat(project) == record, "the second build was not replayed"
    assert b"Nothing to do" in first and b"film: " in first
    assert second == first


def _at_a_terminal(root: Path) -> bytes:
    """What `storyboard build` shows on a terminal, as the terminal receives it."""
    leader, follower = pty.openpty()
    env = {**os.environ, "STORYBOARD_PROVIDER": "preview", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "build", "--no-score", "-p", os.fspath(root)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=root.parent,
    )
    os.close(follower)
    received = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed: the build has ended
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0, received.decode(errors="replace")
    return bytes(received)


def _same_size_and_time(path: Path) -> None:
    """Other bytes of the same length, the modification time put back."""
    before = path.stat()
    path.write_text(STORY.replace("the sea at dawn", "the sky at dawn"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _use_the_first_take(root: Path) -> None:
    ran = storyboard(root, "use", "dawn", "1")
    assert ran.returncode == 0, ran.stderr.decode()


def _write_the_cache(root: Path) -> None:
    """What `approve`, `label` and `score` do to the cache: a write to its database."""
    import sqlite3

    with sqlite3.connect(root / ".storyboard" / "cache.db") as connection:
        connection.execute("PRAGMA user_version = 99")
    connection.close()


def _recorded_in_the_same_tick(root: Path) -> None:
    """The record as if taken in the clock tick in which story.yaml last changed: a
    change later in that tick would not show in the file's times."""
    path = root / ".storyboard" / _noop.RECORD
    record = json.loads(path.read_text(encoding="utf-8"))
    record["stamp"] = (root / "story.yaml").stat().st_ctime_ns
    path.write_text(json.dumps(record), encoding="utf-8")


def _nothing(root: Path) -> None:
    return None


CHANGES: dict[str, tuple[Callable[[Path], None], tuple[str, ...], dict[str, str]]] = {
    "story touched": (lambda root: os.utime(root / "story.yaml"), (), {}),
    "story edited": (
        lambda root: (root / "story.yaml").write_text(STORY.replace("dusk", "noon")),
        (),
        {},
    ),
    "story changed, same size and time": (
        lambda root: _same_size_and_time(root / "story.yaml"),
        (),
        {},
    ),
    "a file added": (lambda root: (root / "notes.txt").write_text("ideas"), (), {}),
    "another take used": (_use_the_first_take, (), {}),
    "the cache written": (_write_the_cache, (), {}),
    "a clip deleted": (
        lambda root: next((root / ".storyboard" / "clips").iterdir()).unlink(),
        (),
        {},
    ),
    "the film deleted": (lambda root: (root / "out" / "film.mp4").unlink(), (), {}),
    "the lock file deleted": (lambda root: (root / "storyboard.lock").unlink(), (), {}),
    "another environment": (_nothing, (), {"STORYBOARD_POLL_MAX": "0.3"}),
    "the key set": (_nothing, (), {"XAI_API_KEY": "xai-another"}),
    "other words": (_nothing, ("--concurrency", "2"), {}),
    "a racy file": (_recorded_in_the_same_tick, (), {}),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_builds_normally(project: Path, change: str) -> None:
    alter, args, environ = CHANGES[change]
    assert build(project, "--no-score").replayed, "replayed before the change"
    alter(project)
    after = build(project, "--no-score", *args, environ=environ)
    assert not after.replayed
    assert after.code == 0, after.err.decode()


def test_what_the_change_asks_for_is_done(project: Path) -> None:
    (project / "story.yaml").write_text(STORY.replace("dusk", "noon"), encoding="utf-8")
    assert b"1 generated, 1 from the cache" in build(project, "--no-score").out
    assert _record_stat(project) is None, "only a build with nothing to do records"
    (project / "out" / "film.mp4").unlink()
    assert b"film: " in build(project, "--no-score").out
    assert (project / "out" / "film.mp4").is_file()


def test_another_build_holding_the_project_is_respected(project: Path) -> None:
    build(project, "--no-score", "--no-wait")
    assert build(project, "--no-score", "--no-wait").replayed
    with open(project / ".storyboard" / "build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        busy = build(project, "--no-score", "--no-wait")
    assert busy.code == 1 and b"another build is running" in busy.err
    assert _record_stat(project) is None, "a build that did not end well leaves no record"


def test_a_broken_story_removes_the_record(project: Path) -> None:
    story = project / "story.yaml"
    story.write_text(STORY + "  - {id: dawn, prompt: again}\n", encoding="utf-8")
    assert build(project, "--no-score").code == 2
    assert _record_stat(project) is None
    story.write_text(STORY, encoding="utf-8")
    assert not build(project, "--no-score").replayed
    assert build(project, "--no-score").replayed


def test_what_a_killed_writer_left_is_removed(project: Path) -> None:
    """A build killed while it wrote its record leaves its half-written file; the next build
    builds normally removes it, and leaves alone the one a running process is writing."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = project / ".storyboard" / f".noop.{ended.stdout.strip()}"
    running = project / ".storyboard" / f".noop.{os.getpid()}"
    for left in (dead, running):
        left.write_text("{", encoding="utf-8")
    assert build(project, "--no-score").replayed, "a replay writes nothing, removes nothing"
    assert dead.exists()
    (project / ".storyboard" / _noop.RECORD).unlink()
    assert not build(project, "--no-score").replayed
    assert not dead.exists() and running.exists()


def test_a_film_outside_the_project_is_watched(project: Path, tmp_path: Path) -> None:
    film = tmp_path / "deliveries" / "film.mp4"
    film.parent.mkdir()
    assert not build(project, "--no-score", "-o", os.fspath(film)).replayed
    assert build(project, "--no-score", "-o", os.fspath(film)).replayed
    film.unlink()
    assert not build(project, "--no-score", "-o", os.fspath(film)).replayed
    assert film.is_file()


def test_a_change_to_storyboards_code_builds_normally(project: Path, tmp_path: Path) -> None:
    """A development checkout: editing any of storyboard's files is a change."""
    code = tmp_path / "code"
    shutil.copytree(
        REPO / "storyboard", code / "storyboard", ignore=shutil.ignore_patterns("__pycache__")
    )
    environ = {"PYTHONPATH": os.fspath(code)}
    assert not build(project, "--no-score", environ=environ).replayed
    assert build(project, "--no-score", environ=environ).replayed
    with (code / "storyboard" / "_plan.py").open("a", encoding="utf-8") as source:
        source.write("\n")
    assert not build(project, "--no-score", environ=environ).replayed


def test_the_project_is_found_as_the_command_line_names_it(tmp_path: Path) -> None:
    root = tmp_path / "films" / "one"
    root.mkdir(parents=True)
    (root / "story.yaml").write_text(STORY, encoding="utf-8")
    named = os.fspath(root)
    assert _noop.project_root(["build", "-p", named]) == named
    assert _noop.project_root(["-p", "elsewhere", "build", "--project", named]) == named
    assert _noop.project_root([f"--project={named}/story.yaml", "build"]) == named
    assert _noop.project_root([f"-p{named}", "build"]) == named
    assert _noop.project_root(["build"]) == os.getcwd()


def test_the_record_keeps_no_key(project: Path) -> None:
    """Whether XAI_API_KEY is set is part of the invocation; its value never is."""
    key = {"XAI_API_KEY": "xai-do-not-write-me-down"}
    assert not build(project, "--no-score", environ=key).replayed
    assert build(project, "--no-score", environ=key).replayed
    record = (project / ".storyboard" / _noop.RECORD).read_bytes()
    assert b"do-not-write-me-down" not in record and b"XAI_API_KEY" in record


def test_the_commands_that_only_read_leave_the_record_good(project: Path) -> None:
    for command in ("check", "plan", "status", "takes dawn", "graph"):
        ran = storyboard(project, *command.split())
        assert ran.returncode == 0, ran.stderr.decode()
    assert build(project, "--no-score").replayed
