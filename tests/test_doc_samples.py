"""Every command sample in README.md and docs/ is what the tool prints.

The harness is tools/doc_samples.py: each page that has samples names its
set-up in a ``<!-- samples: ... -->`` directive and is re-run top to bottom in
a scratch folder (the tutorial, a whole session from an empty folder, is in
the slow tier). Outputs are compared after its one normaliser.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import load_tool

from storyboard.testing.xai_standin import XaiStandin

harness = load_tool("doc_samples")
SLOW_PAGES = {"tutorial.md"}
PAGE_TIMEOUT = 3600
"""Seconds for a whole page: the tutorial builds five times; a busy 2-core machine is slow."""


def _pages() -> list[object]:
    pages = []
    for path in harness.PAGES:
        if harness.read_page(path) is None:
            continue
        marks = [pytest.mark.timeout(PAGE_TIMEOUT)]
        if path.name in SLOW_PAGES:
            marks.append(pytest.mark.slow)
        pages.append(pytest.param(path, id=path.name, marks=marks))
    return pages


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("samples-shared")


@pytest.fixture(scope="module")
def xai() -> Iterator[tuple[str, str]]:
    key = f"xai-docs-{secrets.token_hex(8)}"
    with XaiStandin(key=key, latency=0.1) as standin:
        yield key, standin.base_url


def test_every_page_with_samples_says_where_they_run() -> None:
    unmarked = {path.name: harness.unmarked_samples(path) for path in harness.PAGES}
    assert not {name: lines for name, lines in unmarked.items() if lines}, (
        "these pages have `$ storyboard` samples but no <!-- samples: ... --> directive"
    )
    assert {"README.md", "tutorial.md"} <= {p.name for p in harness.PAGES if harness.read_page(p)}


@pytest.mark.parametrize("page_path", _pages())
def test_the_samples_of_a_page_are_what_the_tool_prints(
    page_path: Path, tmp_path: Path, shared: Path, xai: tuple[str, str]
) -> None:
    page = harness.read_page(page_path)
    results = harness.run_page(page, tmp_path.resolve(), shared, xai)
    assert results, f"{page_path.name} has a samples directive but no samples"
    drifted = [harness.describe(page, result) for result in results if not result.ok]
    assert not drifted, "\n".join(drifted)


def test_the_normaliser_replaces_only_what_varies(tmp_path: Path) -> None:
    printed = (
        f"created {tmp_path}/x\n"
        "closer: submitted (job preview-4a13bbd4e94243f2bc65b2eda0d0a86d)   \n"
        "│ 1 │ 2026-12-01T21:08:48Z │ $0.25 │ e936312a7f6e │\n\n"
    )
    assert harness.normalise(printed, tmp_path) == (
        "created ~/x\ncloser: submitted (job <id>)\n│ 1 │ <time> │ $0.25 │ <id> │"
    )
    assert harness.normalise("take 12 of 12; $1.60; opening", tmp_path) == (
        "take 12 of 12; $1.60; opening"
    )


def test_an_ellipsis_line_stands_for_any_lines_and_nothing_else() -> None:
    assert harness.matches("a\n...\nd", "a\nb\nc\nd")
    assert harness.matches("a\n...\nd", "a\nd")
    assert not harness.matches("a\n...\nd", "a\nb\nc")
    assert not harness.matches("a\nb", "a\nb\nc")
    assert not harness.matches("a b", "a  b")
    assert harness.matches("a\n  ...\nd", "a\n  b\nd")


def test_a_sample_that_drifted_fails(tmp_path: Path, shared: Path) -> None:
    page_path = tmp_path / "page.md"
    page_path.write_text(
        "<!-- samples: home -->\n\n"
        "```console\n$ storyboard new story\ncreated story/story.yaml\n```\n\n"
        "```yaml edit story/story.yaml 10\n"
        'title: "Edited"\n'
        "```\n\n"
        "```console\n$ grep -c Edited story/story.yaml\n1\n```\n",
        encoding="utf-8",
    )
    page = harness.read_page(page_path)
    root = (tmp_path / "run").resolve()
    root.mkdir()
    first, second = harness.run_page(page, root, shared)
    assert not first.ok and "created story/story.yaml\n" in first.actual
    assert second.ok, "the edit block replaced line 10 before the next sample ran"
