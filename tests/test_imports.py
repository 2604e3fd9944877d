"""Each command loads only what its work needs (targets.md, P11): the quick commands
never load the HTTP client, the exporter, moviepy or the preview's renderer, nor the
libraries only writes, builds and new pictures need (sqlite-utils and numpy, asyncio,
Pillow, imageio-ffmpeg)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_subprocess import REPO
from conftest import MakeProject
from stories import cat_story

from storyboard._engine import BuildOptions
from storyboard._studio import Studio
from storyboard.testing.xai_standin import XaiStandin

EXAMPLE = REPO / "projects" / "astronaut-cat"
CAT = {"cat.png": (180, 120, 60)}
NEVER_FOR_QUICK_COMMANDS = (
    "httpx",
    "moviepy",
    "opentimelineio",
    "networkx",
    "storyboard._providers.xai",
    "storyboard._providers.preview",
    "storyboard._export.film",
    "storyboard._export.timelines",
    "storyboard._engine",
    "sqlite_utils",
    "numpy",
    "asyncio",
    "PIL",
    "imageio_ffmpeg",
    "dlib",
    "cv2",
    "storyboard._scoring",
    "storyboard._scores",
    "storyboard._judgements",
    "storyboard._bestof",
    "pydantic",
    "rich",
)
"""Modules (and their submodules) that `--version`, `check`, `plan`, `status` and `graph`
must not import (Pillow: when the story's pictures are unchanged since the last check;
the scoring modules: while nothing is built; rich: when the output is not a terminal;
pydantic: never, typer's included)."""

RUN_AND_LIST = """
import json, runpy, sys
sys.argv = ["storyboard", *sys.argv[1:]]
try:
    runpy.run_module("storyboard", run_name="__main__")
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def modules_loaded_by(
    *args: str, cwd: Path = REPO, environ: dict[str, str] | None = None
) -> set[str]:
    """Every module loaded while `storyboard ARGS` ran, in a fresh interpreter (the
    environment's key and API base are the ones ``environ`` gives, else none)."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("XAI_API_KEY", None)
    env.update(environ or {})
    ran = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    listed = ran.stderr.rsplit("MODULES ", 1)[1]
    return set(json.loads(listed))


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        module
        for module in modules
        if any(module == name or module.startswith(f"{name}.") for name in NEVER_FOR_QUICK_COMMANDS)
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, with a cache, so that plan and status read one, and its
    pictures checked once, as a writer's are after the first check."""
    root = tmp_path_factory.mktemp("imports") / "astronaut-cat"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".storyboard", "out"))
    (root / ".storyboard").mkdir()
    from storyboard._project import Project
    from storyboard._store import Store

    Store(root / ".storyboard").close()
    Project.load(root)
    return root


def test_version_loads_nothing_but_the_version() -> None:
    loaded = modules_loaded_by("--version")
    assert sorted(m for m in loaded if m.startswith("storyboard")) == [
        "storyboard",
        "storyboard._errors",
        "storyboard._lazy",
        "storyboard._version",
    ]
    assert "typer" not in loaded and "pydantic" not in loaded


def test_help_loads_the_command_line_but_no_project_machinery() -> None:
    loaded = modules_loaded_by("--help")
    assert "typer" in loaded
    assert heavy(loaded) == []
    assert {"pydantic", "yaml", "PIL", "rich", "storyboard._studio"}.isdisjoint(loaded)


@pytest.mark.parametrize("command", ["check", "plan", "status", "graph"])
def test_quick_commands_load_no_http_no_exporter_no_renderer(example: Path, command: str) -> None:
    assert heavy(modules_loaded_by(command, "-p", os.fspath(example))) == []


def test_problems_are_printed_without_rich_and_the_format_without_pydantic(
    example: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(example, broken)
    story = broken / "story.yaml"
    story.write_text(story.read_text(encoding="utf-8") + "bogus: [1\n", encoding="utf-8")
    assert heavy(modules_loaded_by("check", "-p", os.fspath(broken))) == []
    story.write_text("storyboard: 1\ntitle: T\nscenes: [{id: A, duration: x}]\n")
    assert heavy(modules_loaded_by("check", "-p", os.fspath(broken))) == []


def test_a_terminal_gets_riches_table(example: Path) -> None:
    """The same listing sees rich where it is used: `status` on a terminal."""
    loaded = modules_loaded_by("status", "-p", os.fspath(example), environ={"TTY_COMPATIBLE": "1"})
    assert heavy(loaded) == ["rich", *sorted(m for m in loaded if m.startswith("rich."))]


def test_the_check_holds_the_line_on_a_command_that_needs_them() -> None:
    """The same listing sees the heavy modules when a command loads them."""
    loaded = modules_loaded_by("build", "--help")
    assert "typer" in loaded
    assert heavy({"httpx._client", "moviepy", "storyboard._export.film"}) == [
        "httpx._client",
        "moviepy",
        "storyboard._export.film",
    ]


@pytest.mark.slow
def test_a_build_with_nothing_to_send_makes_no_client(
    make_project: MakeProject, standin: XaiStandin, xai_key: str
) -> None:
    """The provider is made when the build first sends: a build of cached scenes sends
    nothing and loads neither httpx nor the xAI provider."""
    root = make_project(cat_story("Cached", '  - {id: nap, prompt: "@cat sleeps"}\n'), CAT)
    environ = {"XAI_API_KEY": xai_key, "XAI_BASE_URL": standin.base_url}
    with Studio.open(root) as studio, pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        assert studio.build("xai", BuildOptions()).ok
    requests = len(standin.requests)
    loaded = modules_loaded_by("build", "--no-export", "-p", os.fspath(root), environ=environ)
    assert len(standin.requests) == requests
    assert {"httpx", "storyboard._providers.xai"}.isdisjoint(loaded)
    assert "storyboard._engine" in loaded


FIRST_BUILD_NEVER = ("sqlite_utils", "numpy", "dateutil", "pygments", "rich.syntax")
"""What a first build of a new project does not load (the scoring worker, a process of
its own, loads numpy): the cache is made with plain SQL, and every write is plain SQL;
httpx comes without its command line (storyboard/_providers/httpclient.py)."""


@pytest.mark.slow
def test_a_first_build_makes_its_cache_without_sqlite_utils_or_numpy(
    make_project: MakeProject, standin: XaiStandin, xai_key: str
) -> None:
    root = make_project(cat_story("First", '  - {id: nap, prompt: "@cat sleeps"}\n'), CAT)
    environ = {"XAI_API_KEY": xai_key, "XAI_BASE_URL": standin.base_url}
    loaded = modules_loaded_by("build", "--no-export", "-p", os.fspath(root), environ=environ)
    assert "storyboard._engine" in loaded and "httpx" in loaded, "it built"
    assert (root / ".storyboard" / "cache.db").exists()
    found = [m for m in loaded if m in FIRST_BUILD_NEVER or m.split(".")[0] in FIRST_BUILD_NEVER]
    assert found == []


def test_a_build_with_nothing_to_do_loads_nothing_but_its_check(
    make_project: MakeProject,
) -> None:
    """A build run again with nothing changed is answered before the command line is
    loaded (storyboard/_noop.py): no typer, no YAML, no sqlite, no HTTP client."""
    root = make_project('storyboard: 1\ntitle: T\nscenes: [{id: a, prompt: "the sea"}]\n')
    words = ("build", "--no-export", "--no-score", "-p", os.fspath(root))
    environ = {"STORYBOARD_PROVIDER": "preview"}
    assert "storyboard._engine" in modules_loaded_by(*words, environ=environ)  # makes it
    assert "storyboard._engine" in modules_loaded_by(*words, environ=environ)  # finds it made
    loaded = modules_loaded_by(*words, environ=environ)
    assert sorted(m for m in loaded if m.startswith("storyboard")) == [
        "storyboard",
        "storyboard._errors",
        "storyboard._lazy",
        "storyboard._noop",
        "storyboard._version",
    ]
    assert {"typer", "yaml", "sqlite3", "httpx", "pydantic", "rich"}.isdisjoint(loaded)


@pytest.mark.slow
def test_a_build_with_nothing_to_do_exports_without_moviepy_numpy_or_rich(
    make_project: MakeProject,
) -> None:
    """Found the normal way (the first time after a change), a build with nothing to do
    exports a film whose crossfade is cached: moviepy renders crossfades only, rich draws
    for a terminal only."""
    root = make_project(
        "storyboard: 1\ntitle: T\nexport: {transition: crossfade}\n"
        "defaults: {duration: 1, resolution: 480p}\n"
        'scenes: [{id: a, prompt: "the sea"}, {id: b, prompt: "the sky"}]\n'
    )
    words = ("build", "--no-score", "-p", os.fspath(root))
    environ = {"STORYBOARD_PROVIDER": "preview"}
    assert "moviepy" in modules_loaded_by(*words, environ=environ), "the crossfade is made"
    again = modules_loaded_by(*words, environ=environ)
    assert "storyboard._export.film" in again, "the film is exported again"
    assert {m.split(".")[0] for m in again}.isdisjoint({"moviepy", "numpy", "rich"})
