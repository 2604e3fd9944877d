"""The corpus of broken projects (target R4): every mistake is reported clearly.

Each folder of ``tests/broken/`` is a project with one mistake and an
``expected.txt`` holding the first problem ``storyboard check`` must report,
as ``LINE:COL: part of the message`` (or ``-:-: part of the message`` where no
line is to blame). For every case, ``storyboard check`` must exit 2, print
``story.yaml:LINE:COL: ...`` with that place and message, print no
traceback, send nothing and write nothing into the project. Cases with a
broken ``storyboard.lock`` beside a valid story name it:
``storyboard.lock:LINE:COL: part of the message``.

Every case runs in-process through the CLI's typer app (fast); a
representative subset also runs as the real command,
``python -m storyboard check -p CASE``, in a subprocess. Each case is copied to
``tmp_path`` first, so the repository stays clean.

Two cases are completed at run time rather than committed:
``image-symlink-outside`` gets its symlink (``assets/cat.png`` ->
``../../outside.png``, a real PNG beside the copied project; symlinks to paths
outside the repository do not survive git well), and
``image-data-uri-oversized`` gets its 11 MiB data URI (14 MB of base64 have
no place in git).
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from storyboard.cli import app

BROKEN = Path(__file__).parent / "broken"
REPO = Path(__file__).parent.parent
CASES = sorted(folder.name for folder in BROKEN.iterdir() if (folder / "expected.txt").is_file())
FAKE_KEY = "xai-test-key-that-must-never-be-sent"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

SUBPROCESS_CASES = [
    "yaml-prompt-starts-with-at",
    "yaml-not-utf8",
    "mention-unknown-name",
    "cycle-of-three",
    "limit-reference-12s",
    "image-truncated-png",
    "image-decompression-bomb",
    "image-symlink-outside",
    "image-data-uri-oversized",
    "cut-unknown-scene",
    "yaml-alias-long-anchor",
    "lock-merge-conflict",
]


# -- run-time parts of some cases ------------------------------------------------------


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (40, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def _symlink_outside(project: Path) -> None:
    """assets/cat.png is a symlink to a real PNG outside the project folder."""
    (project.parent / "outside.png").write_bytes(_tiny_png())
    (project / "assets").mkdir(exist_ok=True)
    try:
        os.symlink("../../outside.png", project / "assets" / "cat.png")
    except OSError as error:  # pragma: no cover - e.g. Windows without the privilege
        pytest.skip(f"cannot create a symlink here: {error}")


def _oversized_data_uri(project: Path) -> None:
    """The image is a data URI holding 11 MiB (more than the 10 MiB allowed)."""
    payload = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(11 * 2**20)).decode("ascii")
    story = project / "story.yaml"
    text = story.read_text(encoding="utf-8")
    assert "DATA_URI_PLACEHOLDER" in text
    story.write_text(
        text.replace("DATA_URI_PLACEHOLDER", f"data:image/png;base64,{payload}"), encoding="utf-8"
    )


SETUPS: dict[str, Callable[[Path], None]] = {
    "image-symlink-outside": _symlink_outside,
    "image-data-uri-oversized": _oversized_data_uri,
}


# -- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """The first problem a case must report (in story.yaml unless another file is named)."""

    line: int | None
    column: int | None
    message: str
    file: str = "story.yaml"

    @property
    def prefix(self) -> str:
        if self.line is None:
            return f"{self.file}: "
        return f"{self.file}:{self.line}:{self.column}: "

    @classmethod
    def parse(cls, text: str) -> Expected:
        match = re.fullmatch(r"(storyboard\.lock:)?(\d+|-):(\d+|-): (.+)", text.strip())
        assert match, f"expected.txt must be one line `[FILE:]LINE:COL: message`, not {text!r}"
        file, line, column, message = match.groups()
        file = file[:-1] if file else "story.yaml"
        if line == "-":
            return cls(None, None, message, file)
        return cls(int(line), int(column), message, file)


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        return [
            line
            for line in self.stderr.splitlines()
            if line.startswith(("story.yaml:", "storyboard.lock:"))
        ]


def expected_for(case: str) -> Expected:
    return Expected.parse((BROKEN / case / "expected.txt").read_text(encoding="utf-8"))


def prepare(case: str, tmp_path: Path) -> Path:
    """A copy of the case in tmp_path, with its run-time parts made."""
    project = tmp_path / case
    shutil.copytree(BROKEN / case, project, symlinks=True)
    (project / "expected.txt").unlink()
    setup = SETUPS.get(case)
    if setup is not None:
        setup(project)
    return project


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under folder with its size and modification time."""
    return {
        path.relative_to(folder).as_posix(): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def check_in_process(project: Path) -> Outcome:
    """`storyboard check -p PROJECT` through the typer app, in this process."""
    result = CliRunner().invoke(app, ["check", "-p", str(project)])
    # typer.Exit(2) shows up as SystemExit; any other exception escaped the CLI
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"the CLI raised {result.exception!r}"
    )
    return Outcome(result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr))


def check_in_subprocess(project: Path) -> Outcome:
    """`python -m storyboard check -p PROJECT`, the real command."""
    env = {
        **os.environ,
        "XAI_API_KEY": FAKE_KEY,
        "XAI_BASE_URL": "http://127.0.0.1:9/v1",  # the discard port: nothing may be sent
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    env.pop("STORYBOARD_PROVIDER", None)
    completed = subprocess.run(
        [sys.executable, "-m", "storyboard", "check", "-p", str(project)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return Outcome(
        completed.returncode, ANSI.sub("", completed.stdout), ANSI.sub("", completed.stderr)
    )


def assert_reported(outcome: Outcome, expected: list[Expected]) -> None:
    """Exit 2, exactly these problems in this order at these places, no traceback."""
    output = outcome.stdout + outcome.stderr
    assert "Traceback" not in output, output
    assert FAKE_KEY not in output
    assert outcome.exit_code == 2, output
    problems = outcome.problems
    assert len(problems) == len(expected), (
        f"expected {len(expected)} problem(s), got:\n" + "\n".join(problems or [output])
    )
    for got, want in zip(problems, expected, strict=True):
        assert got.startswith(want.prefix), f"wrong place: {got!r}, expected {want.prefix!r}"
        assert want.message in got, f"wrong message: {got!r}, expected {want.message!r} in it"
    count = len(expected)
    assert f"{count} problem{'s' if count != 1 else ''}; nothing was sent." in outcome.stderr


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a connection fails the test: checking sends nothing."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("storyboard check tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


# -- the corpus ----------------------------------------------------------------------------


def test_the_corpus_is_large_and_small() -> None:
    """At least 45 cases (R4 asks for 40+), each one story and a few tiny files."""
    assert len(CASES) >= 45
    for case in CASES:
        folder = BROKEN / case
        assert (folder / "story.yaml").is_file(), case
        for path in folder.rglob("*"):
            assert not path.is_symlink(), f"{path}: make symlinks at run time"
            if path.is_file():
                assert path.stat().st_size <= 8_192, f"{path}: keep fixtures tiny"


@pytest.mark.parametrize("case", CASES)
def test_broken_project_is_reported(case: str, tmp_path: Path, no_network: None) -> None:
    project = prepare(case, tmp_path)
    before = snapshot(tmp_path)
    outcome = check_in_process(project)
    assert_reported(outcome, [expected_for(case)])
    assert snapshot(tmp_path) == before, "storyboard check wrote into the project"
    assert not (project / ".storyboard").exists()
    assert not (project / "out").exists()
    assert (project / "storyboard.lock").exists() == (BROKEN / case / "storyboard.lock").exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_broken_project_through_the_real_command(case: str, tmp_path: Path) -> None:
    project = prepare(case, tmp_path)
    before = snapshot(tmp_path)
    outcome = check_in_subprocess(project)
    assert_reported(outcome, [expected_for(case)])
    assert snapshot(tmp_path) == before, "storyboard check wrote into the project"


def test_subprocess_cases_exist() -> None:
    assert set(SUBPROCESS_CASES) <= set(CASES)


# -- several mistakes at once ------------------------------------------------------------------

SEVERAL_MISTAKES = """\
storyboard: 1
title: Several Mistakes
characters:
  chelsea:
    image: assets/chelsae.png
props:
  mug:
    image: assets/mug.png
scenes:
  - id: breakfast
    prompt: >
      morning. @chelsea sniffs @mugg on the table.
  - id: nap
    prompt: "@chelsea sleeps in a sunbeam."
    duration: 12
  - id: dream
    prompt: as in @wake, the cat dreams.
  - id: wake
    prompt: after @dream, the cat wakes.
    caption: Morning.
    caption: Evening.
cuts:
  teaser: [nap, wkae]
export:
  soundtrack: assets/theme.mp3
"""

SEVERAL_PROBLEMS = [
    Expected(5, 12, 'image "assets/chelsae.png" not found'),
    Expected(12, 32, "@mugg is not an asset or a scene (did you mean @mug?)"),
    Expected(15, 15, 'duration 12 s is too long for scene "nap"'),
    Expected(17, 19, "in a cycle: dream -> wake -> dream"),
    Expected(21, 5, '"caption" is given twice'),
    Expected(23, 17, 'names no scene "wkae" (did you mean wake?)'),
    Expected(25, 15, 'soundtrack "assets/theme.mp3" not found'),
]

SEVERAL_SHAPE_MISTAKES = """\
storyboard: 1
title: Several Shape Mistakes
defaults:
  resolution: 900p
characters:
  Chelsea:
    image: assets/cat.png
scenes:
  - id: nap
    prompt: the cat sleeps.
    duration: six
    captoin: Sunday.
    duration: 5
export:
  transition: wipe
  fps: 24
"""

SEVERAL_SHAPE_PROBLEMS = [
    Expected(4, 15, "should be '480p', '720p' or '1080p', not \"900p\""),
    Expected(6, 3, '"Chelsea" is not a valid name'),
    Expected(12, 5, 'unknown key "captoin"'),
    Expected(13, 5, '"duration" is given twice'),
    Expected(15, 15, "should be 'cut' or 'crossfade'"),
]


def _write_project(tmp_path: Path, story: str, assets: dict[str, bytes]) -> Path:
    project = tmp_path / "story"
    (project / "assets").mkdir(parents=True)
    (project / "story.yaml").write_text(story, encoding="utf-8")
    for name, data in assets.items():
        (project / "assets" / name).write_bytes(data)
    return project


def test_several_mistakes_are_reported_at_once(tmp_path: Path, no_network: None) -> None:
    """Images, mentions, limits, cycles, duplicate keys, cuts, soundtrack: all in one run."""
    project = _write_project(
        tmp_path, SEVERAL_MISTAKES, {"chelsea.png": _tiny_png(), "mug.png": _tiny_png()}
    )
    before = snapshot(tmp_path)
    assert_reported(check_in_process(project), SEVERAL_PROBLEMS)
    assert snapshot(tmp_path) == before


def test_several_shape_mistakes_are_reported_at_once(tmp_path: Path, no_network: None) -> None:
    """Mistakes of shape (types, names, unknown and repeated keys) are all listed too."""
    project = _write_project(tmp_path, SEVERAL_SHAPE_MISTAKES, {"cat.png": _tiny_png()})
    before = snapshot(tmp_path)
    assert_reported(check_in_process(project), SEVERAL_SHAPE_PROBLEMS)
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_several_mistakes_through_the_real_command(tmp_path: Path) -> None:
    project = _write_project(
        tmp_path, SEVERAL_MISTAKES, {"chelsea.png": _tiny_png(), "mug.png": _tiny_png()}
    )
    assert_reported(check_in_subprocess(project), SEVERAL_PROBLEMS)


def test_the_example_project_checks_clean(tmp_path: Path, no_network: None) -> None:
    """The corpus's counterpart: the example project passes `storyboard check`."""
    project = tmp_path / "astronaut-cat"
    shutil.copytree(REPO / "projects" / "astronaut-cat", project, ignore=_no_cache)
    result = CliRunner().invoke(app, ["check", "-p", str(project)])
    assert result.exit_code == 0, result.stderr
    assert "ok" in result.stdout


def _no_cache(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name in {".storyboard", "out"}]
