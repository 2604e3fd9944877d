"""The docs and the code must not drift apart.

As sqlite-utils does it: docs/cli.md is generated from ``--help``
(tools/cli_reference.py) and must be up to date; every command, every
environment variable the code reads and every key of the format is
documented; links resolve; and the complete example stories in
docs/story-format.md load without a problem.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, get_args, get_type_hints

import pytest
from conftest import load_tool
from PIL import Image

import storyboard
from storyboard._format import Story
from storyboard._project import Project
from storyboard._providers import REGISTRY
from storyboard._shape import keys_of

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = REPO / "README.md"
EXAMPLE = REPO / "projects" / "astronaut-cat"
PACKAGE = REPO / "storyboard"

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)")
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_ASSET_PATH = re.compile(r"\bassets/[A-Za-z0-9_./-]*[A-Za-z0-9_]")
_VARIABLE = re.compile(r"\b(?:STORYBOARD|XAI)_[A-Z0-9_]*[A-Z0-9]\b")


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_tool("cli_reference")


@pytest.fixture(scope="module")
def cli_doc() -> str:
    return (DOCS / "cli.md").read_text(encoding="utf-8")


def _doc_pages() -> list[Path]:
    pages = sorted(DOCS.glob("*.md"))
    return [*pages, README] if README.exists() else pages


# -- the CLI reference ------------------------------------------------------------


@pytest.mark.slow
def test_cli_reference_is_up_to_date(generator: ModuleType, cli_doc: str) -> None:
    assert cli_doc == generator.render(), (
        "docs/cli.md is out of date: run .venv/bin/python tools/cli_reference.py"
    )


@pytest.mark.slow
def test_check_mode_reports_a_stale_reference(
    generator: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("# out of date\n", encoding="utf-8")
    monkeypatch.setattr(generator, "CLI_DOC", stale)
    assert generator.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "# out of date\n", "--check must write nothing"
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0


def test_every_command_is_in_the_cli_reference(generator: ModuleType, cli_doc: str) -> None:
    names = generator.command_names(generator.cli_app())
    assert len(names) >= 12
    for name in names:
        assert f"### `storyboard {name}`" in cli_doc, f"{name} has no section in docs/cli.md"
        assert f"`storyboard {name}" in generator.INTRODUCTION, (
            f"{name} is missing from the command table in tools/cli_reference.py"
        )


def test_every_command_has_hand_written_notes(generator: ModuleType) -> None:
    names = set(generator.command_names(generator.cli_app()))
    assert set(generator.NOTES) == names, "tools/cli_reference.py NOTES must describe each command"


def test_every_command_is_in_the_readme_or_the_tutorial(generator: ModuleType) -> None:
    pages = [DOCS / "tutorial.md", README]
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages if page.exists())
    for name in generator.command_names(generator.cli_app()):
        assert re.search(rf"\bstoryboard {name}\b", text), (
            f"`storyboard {name}` appears in neither README.md nor docs/tutorial.md"
        )


def _variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for source in PACKAGE.rglob("*.py"):
        found |= set(_VARIABLE.findall(source.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_is_documented(cli_doc: str) -> None:
    variables = _variables_read_by_the_code()
    assert {"XAI_API_KEY", "STORYBOARD_PROVIDER", "STORYBOARD_PRICES"} <= variables
    table = cli_doc.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    for variable in sorted(variables):
        assert f"| `{variable}` |" in table, f"{variable} is not in the table of docs/cli.md"


# -- the Python API ----------------------------------------------------------------


def test_every_public_name_is_in_the_api_page() -> None:
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    for name in storyboard.__all__:
        assert f"`{name}`" in page, f"storyboard.{name} is not described in docs/api.md"


def _api_example() -> str:
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    (example,) = [
        m.group(2) for m in _FENCE.finditer(page) if m.group(1).split() == ["python", "example"]
    ]
    return example


@pytest.mark.slow
def test_the_api_page_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "projects" / "astronaut-cat"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(".storyboard", "out", "*.lock"))
    monkeypatch.chdir(tmp_path)
    exec(compile(_api_example(), str(DOCS / "api.md"), "exec"), {"__name__": "api_example"})
    printed = capsys.readouterr().out
    assert "orbit cached 2 steps, orbit.2 take 1" in printed
    assert (copy / "out" / "film.otio").exists()


# -- the story format ---------------------------------------------------------------


def _classes_in(annotation: Any) -> Iterator[type]:
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        yield annotation
        return
    for argument in get_args(annotation):
        yield from _classes_in(argument)


def _format_keys(model: type, seen: set[type] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    keys: set[str] = set(keys_of(model))
    hints = get_type_hints(model)
    for name in keys_of(model):
        for nested in _classes_in(hints[name]):
            keys |= _format_keys(nested, seen)
    return keys


def test_every_format_key_is_documented() -> None:
    page = (DOCS / "story-format.md").read_text(encoding="utf-8")
    keys = _format_keys(Story)
    assert {"storyboard", "looks", "start", "soundtrack_volume", "title_card"} <= keys
    for key in sorted(keys):
        assert f"`{key}`" in page, f"the key `{key}` is not described in docs/story-format.md"


def _story_snippets() -> list[tuple[str, str]]:
    page = (DOCS / "story-format.md").read_text(encoding="utf-8")
    snippets = []
    for number, match in enumerate(_FENCE.finditer(page), start=1):
        info = match.group(1).split()
        if info[:2] == ["yaml", "story"]:
            snippets.append((f"snippet-{number}", match.group(2)))
    return snippets


def _placeholder(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    formats = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
    image_format = formats.get(path.suffix.lower())
    if image_format is None:
        path.write_bytes(b"placeholder")  # a soundtrack is only checked for existence
        return
    Image.new("RGB", (64, 48), (180, 120, 60)).save(path, image_format)


def test_the_format_page_has_complete_stories() -> None:
    assert len(_story_snippets()) >= 3, "mark complete examples with ```yaml story"


@pytest.mark.parametrize(("name", "story"), _story_snippets())
def test_complete_stories_in_the_format_page_load(name: str, story: str, tmp_path: Path) -> None:
    root = tmp_path / name
    root.mkdir()
    for asset in set(_ASSET_PATH.findall(story)):
        _placeholder(root / asset)
    (root / "story.yaml").write_text(story, encoding="utf-8")
    project = Project.load(root)
    assert project.scenes


# -- links --------------------------------------------------------------------------


def _relative_links(page: Path) -> Iterator[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)
    for match in _LINK.finditer(text):
        target = match.group(1)
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        yield target


@pytest.mark.parametrize("page", _doc_pages(), ids=lambda page: page.name)
def test_relative_links_resolve(page: Path) -> None:
    broken = [
        target
        for target in _relative_links(page)
        if not (page.parent / target.split("#", 1)[0]).exists()
    ]
    assert not broken, f"{page.name} links to files that do not exist: {', '.join(broken)}"


def test_anchors_of_links_between_pages_exist() -> None:
    broken = []
    for page in _doc_pages():
        for target in _relative_links(page):
            if "#" not in target:
                continue
            path, anchor = target.split("#", 1)
            linked = (page.parent / path) if path else page
            if linked.suffix == ".md" and linked.exists() and anchor not in _anchors(linked):
                broken.append(f"{page.name} -> {target}")
    assert not broken, "links to headings that do not exist: " + ", ".join(broken)


def test_anchors_within_a_page_exist() -> None:
    broken = []
    for page in _doc_pages():
        text = _FENCE.sub("", page.read_text(encoding="utf-8"))
        for anchor in re.findall(r"\]\(#([^)\s]+)\)", text):
            if anchor not in _anchors(page):
                broken.append(f"{page.name}#{anchor}")
    assert not broken, "links to headings that do not exist: " + ", ".join(broken)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of a page."""
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


_REPO_PATH = re.compile(r"`((?:storyboard|docs|tests|tools|benchmarks)/[^`\s]*|pyproject\.toml)`")


def test_every_file_named_in_the_architecture_page_exists() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    named = {path for path in _REPO_PATH.findall(text) if "NAME" not in path}
    assert len(named) > 20
    assert sorted(path for path in named if not (REPO / path).exists()) == []


def test_the_architecture_page_draws_the_import_contract() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## The layers", 1)[1]
    drawn = next(body for lang, body in _FENCE.findall(section) if lang.strip() == "text")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    assert drawn.strip().splitlines() == contract["layers"]


def test_the_providers_page_lists_the_registry() -> None:
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in (DOCS / "providers.md")
        .read_text(encoding="utf-8")
        .split("\n## ")[0]
        .splitlines()
        if line.startswith("| `")
    ]
    table = {row[0].strip("`"): row for row in rows}
    assert list(table) == list(REGISTRY)
    for name, spec in REGISTRY.items():
        _, _, needs, costs = table[name]
        assert costs.startswith("money") == spec.costs_money, name
        assert spec.chosen_by is None or spec.chosen_by in needs, name


def test_every_module_has_a_layer() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    layered = {name.strip() for layer in contract["layers"] for name in re.split("[|:]", layer)}
    modules = {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    unplaced = sorted(modules - layered)
    assert unplaced == [], (
        f"give {', '.join(unplaced)} a layer in pyproject.toml [tool.importlinter] "
        "and in docs/architecture.md"
    )
