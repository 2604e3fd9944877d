"""Shared fixtures: isolated environments and throwaway copies of projects."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "projects" / "astronaut-cat"

pytest_plugins = ["fixtures_xai"]


def load_tool(name: str) -> ModuleType:
    """The module ``tools/NAME.py`` of this checkout (tools are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def quiet_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's key or settings; polling is fast."""
    for name in ("XAI_API_KEY", "XAI_BASE_URL", "STORYBOARD_PROVIDER", "STORYBOARD_PRICES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORYBOARD_POLL_INTERVAL", "0.05")
    monkeypatch.setenv("STORYBOARD_POLL_MAX", "0.2")
    monkeypatch.setenv("STORYBOARD_JOB_TIMEOUT", "60")
    yield


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the example project."""
    target = tmp_path / "astronaut-cat"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".storyboard", "out", "*.lock"))
    return target


MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write a project from YAML text; named images are made as small PNGs."""

    def make(
        story: str, images: dict[str, tuple[int, int, int]] | None = None, name: str = "p"
    ) -> Path:
        root = tmp_path / name
        (root / "assets").mkdir(parents=True, exist_ok=True)
        for file_name, colour in (images or {}).items():
            Image.new("RGB", (64, 48), colour).save(root / "assets" / file_name)
        (root / "story.yaml").write_text(story, encoding="utf-8")
        return root

    return make
