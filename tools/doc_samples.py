"""Re-run every command sample of the docs and compare it with what the tool prints.

A page opts in with a directive at its top, which says where its commands run:

    <!-- samples: home -->      an empty scratch folder, which is also $HOME
    <!-- samples: example -->   the same, with a copy of the example project
                                at projects/astronaut-cat
    <!-- samples: built -->     the same, already built with the preview provider
                                (once per run, shared by copying; no film exported)
    <!-- samples: xai -->       add to either: xAI means the local stand-in (never
                                the real API); ``export XAI_API_KEY=...`` on the
                                page sets the stand-in's key

The page is then one session, run top to bottom in that scratch folder:

- A fenced ``console`` or ``text`` block whose first line starts with ``$ `` is
  a sample. Each ``$ `` line is run with bash (``storyboard`` is this checkout's);
  the lines below it are its expected output (stdout and stderr together). A
  line ``...`` (indented or not) stands for any number of lines. ``cd DIR``, ``export NAME=VALUE``
  and ``source .../activate`` are done by the session itself. A block whose info
  string says ``no-run`` (```` ```console no-run ````) is shown, never run.
- A fenced block whose info string is ``LANG edit FILE WHERE`` is an edit the
  reader makes: WHERE is ``N`` or ``N-M`` (replace those lines of FILE with the
  block) or ``end`` (append the block to FILE).
- ``<!-- run: COMMAND -->`` runs a command the reader does not see (the state a
  reference page starts from, or an edit its prose describes); it must succeed.

Before comparing, both sides go through ONE normaliser, :func:`normalise`:
times, hex ids (hashes and job ids) and the scratch folder's path are replaced
by placeholders, and trailing spaces are dropped. Nothing else is forgiven.

    .venv/bin/python tools/doc_samples.py [PAGE...]           # compare; exit 1 on drift
    .venv/bin/python tools/doc_samples.py --write [PAGE...]   # rewrite outputs without `...`
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "projects" / "astronaut-cat"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent

_DIRECTIVE = re.compile(r"^<!-- samples: ([a-z ]+) -->$", re.MULTILINE)
_ITEM = re.compile(
    r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$"
    r"|^<!-- run: (?P<run>.+?) -->$",
    re.MULTILINE | re.DOTALL,
)
_ELLIPSIS = "..."
COMMAND_TIMEOUT = 900
"""Seconds for one command: a preview build of the example on a busy 2-core machine."""

# The normaliser's rules, in order: what varies from run to run, and its placeholder.
_TIME = (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"), "<time>")
_HEX = (re.compile(r"\b(?:preview-)?[0-9a-f]{12,}\b"), "<id>")


def normalise(text: str, root: Path) -> str:
    """The ONE normaliser: the scratch folder, times and hex ids become placeholders."""
    text = text.replace(str(root), "~")
    for pattern, placeholder in (_TIME, _HEX):
        text = pattern.sub(placeholder, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, where a line ``...`` stands for any lines."""
    parts = [
        r"(?:[^\n]*\n)*?" if line.strip() == _ELLIPSIS else re.escape(line) + r"\n"
        for line in expected.split("\n")
    ]
    return re.fullmatch("".join(parts), actual + "\n") is not None


@dataclass
class Sample:
    """One ``$ command`` of a page, what the page says it prints, and where."""

    command: str
    expected: str
    line: int
    indent: int = 0


@dataclass
class Edit:
    """A change the reader makes to a file: lines ``first..last`` (0 = append)."""

    file: str
    first: int
    last: int
    text: str
    line: int


@dataclass
class Hidden:
    """A command the reader does not see; it must succeed."""

    command: str
    line: int


Step = Sample | Edit | Hidden


@dataclass
class Page:
    path: Path
    setup: set[str]
    steps: list[Step] = field(default_factory=list)


def read_page(path: Path) -> Page | None:
    """The page's session, or None if it has no samples directive."""
    text = path.read_text(encoding="utf-8")
    directive = _DIRECTIVE.search(text)
    if directive is None:
        return None
    page = Page(path, set(directive.group(1).split()))
    for match in _ITEM.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match.group("run"):
            page.steps.append(Hidden(match.group("run"), line))
            continue
        info = match.group("info").split()
        body = _dedent(match.group("body"), len(match.group("indent")))
        if info[1:2] == ["edit"]:
            page.steps.append(_edit(info, body, line))
        elif info[:1] in (["console"], ["text"]) and body.startswith("$ ") and "no-run" not in info:
            indent = len(match.group("indent"))
            page.steps.extend(_samples(body, line, indent))
    return page


def _dedent(body: str, width: int) -> str:
    """A fenced block's text without the indentation of the list item it sits in."""
    return "".join(line[width:] for line in body.splitlines(keepends=True))


def unmarked_samples(path: Path) -> list[int]:
    """Lines of ``$ storyboard`` samples on a page that has no samples directive."""
    text = path.read_text(encoding="utf-8")
    if _DIRECTIVE.search(text):
        return []
    return [
        text.count("\n", 0, match.start()) + 1
        for match in _ITEM.finditer(text)
        if match.group("body")
        and match.group("body").startswith("$ storyboard")
        and "no-run" not in match.group("info").split()
    ]


def _edit(info: list[str], body: str, line: int) -> Edit:
    if len(info) != 4:
        raise ValueError(f"line {line}: an edit block is ```LANG edit FILE N-M|N|end")
    where = info[3]
    if where == "end":
        return Edit(info[2], 0, 0, body, line)
    first, _, last = where.partition("-")
    return Edit(info[2], int(first), int(last or first), body, line)


def _samples(body: str, line: int, indent: int) -> Iterator[Sample]:
    command: str | None = None
    output: list[str] = []
    start = line
    for offset, text in enumerate(body.splitlines(), start=1):
        if text.startswith("$ "):
            if command is not None:
                yield Sample(command, "\n".join(output), start, indent)
            command, output, start = text[2:], [], line + offset
        else:
            output.append(text)
    if command is not None:
        yield Sample(command, "\n".join(output), start, indent)


@dataclass
class Result:
    sample: Sample
    actual: str
    ok: bool
    printed: str
    """What the tool printed, only with the scratch folder shown as ``~``."""


class Session:
    """A page's scratch folder, working directory and environment."""

    def __init__(
        self, root: Path, setup: set[str], xai: tuple[str, str] | None, shared: Path
    ) -> None:
        self.root = root
        self.cwd = root
        self.env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("XAI_", "STORYBOARD_PROVIDER", "STORYBOARD_PRICES"))
        }
        self.env |= {
            "HOME": str(root),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": "100",
            "GIT_AUTHOR_NAME": "A Writer",
            "GIT_AUTHOR_EMAIL": "writer@example.com",
            "GIT_COMMITTER_NAME": "A Writer",
            "GIT_COMMITTER_EMAIL": "writer@example.com",
        }
        self.env.pop("VIRTUAL_ENV", None)
        self.xai = xai
        if xai is not None:
            self.env["XAI_BASE_URL"] = xai[1]
        if "example" in setup:
            _copy_example(root / "projects" / "astronaut-cat")
        if "built" in setup:
            shutil.copytree(built_example(shared), root / "projects" / "astronaut-cat")

    def run(self, command: str) -> tuple[int, str]:
        """Run one command as the reader would; return its exit code and output."""
        words = shlex.split(command, comments=True)
        if words[:1] == ["cd"]:
            target = words[1].replace("~", str(self.root), 1) if words[1][:1] == "~" else words[1]
            self.cwd = (self.cwd / target).resolve()
            return 0, ""
        if words[:1] == ["source"] and words[1].endswith("/activate"):
            return 0, ""  # this checkout's storyboard is on PATH already
        if words[:1] == ["export"] and "=" in words[1]:
            name, _, value = words[1].partition("=")
            if name == "XAI_API_KEY" and self.xai is not None:
                value = self.xai[0]  # the stand-in's key, never a real one
            self.env[name] = value
            return 0, ""
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        return done.returncode, done.stdout

    def edit(self, step: Edit) -> None:
        path = self.cwd / step.file
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        new = step.text.splitlines(keepends=True)
        if step.first == 0:
            lines.extend(new)
        else:
            if step.last > len(lines):
                raise AssertionError(f"line {step.line}: {step.file} has only {len(lines)} lines")
            lines[step.first - 1 : step.last] = new
        path.write_text("".join(lines), encoding="utf-8")


def _copy_example(target: Path) -> None:
    ignore = shutil.ignore_patterns(".storyboard", "out", "*.lock")
    shutil.copytree(EXAMPLE, target, ignore=ignore)


def built_example(shared: Path) -> Path:
    """The example project built with the preview provider, made once in ``shared``."""
    project = shared / "built" / "astronaut-cat"
    if not (project / "storyboard.lock").exists():
        shutil.rmtree(project, ignore_errors=True)
        _copy_example(project)
        command = ["storyboard", "build", "--provider", "preview", "--no-export", "-p", project]
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=COMMAND_TIMEOUT)
    return project


def run_page(
    page: Page, root: Path, shared: Path, xai: tuple[str, str] | None = None
) -> list[Result]:
    """Run a page's session in ``root``; one result per sample, in page order.

    ``shared`` holds what pages share (the built example); ``xai`` is the
    stand-in's key and address, for pages that say ``xai``.
    """
    session = Session(root, page.setup, xai, shared)
    results = []
    for step in page.steps:
        if isinstance(step, Edit):
            session.edit(step)
        elif isinstance(step, Hidden):
            code, output = session.run(step.command)
            if code != 0:
                raise AssertionError(f"{page.path.name}:{step.line}: `{step.command}`: {output}")
        else:
            _, output = session.run(step.command)
            actual = normalise(output, root)
            expected = normalise(step.expected, root)
            printed = "\n".join(
                line.rstrip() for line in output.replace(str(root), "~").split("\n")
            )
            results.append(Result(step, actual, matches(expected, actual), printed.rstrip("\n")))
    return results


def describe(page: Page, result: Result) -> str:
    """A failed sample, as a message that shows both sides."""
    return (
        f"{page.path.name}:{result.sample.line}: $ {result.sample.command}\n"
        f"--- the page says:\n{result.sample.expected}\n--- the tool printed:\n{result.actual}\n"
    )


def _write(page: Page, results: list[Result]) -> None:
    """Replace each drifted output that has no `...` with what the tool printed."""
    lines = page.path.read_text(encoding="utf-8").split("\n")
    for result in sorted(results, key=lambda r: -r.sample.line):
        if result.ok or _ELLIPSIS in [line.strip() for line in result.sample.expected.split("\n")]:
            continue
        start = result.sample.line  # the index of the first output line
        count = len(result.sample.expected.split("\n")) if result.sample.expected else 0
        margin = " " * result.sample.indent
        new = [margin + line if line else line for line in result.printed.split("\n")]
        lines[start : start + count] = new if result.printed else []
    page.path.write_text("\n".join(lines), encoding="utf-8")


def main(arguments: list[str]) -> int:
    write = "--write" in arguments
    names = [argument for argument in arguments if argument != "--write"]
    pages = [REPO / name for name in names] if names else PAGES
    failed = 0
    with ExitStack() as stack:
        shared = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samples-shared-")))
        xai: tuple[str, str] | None = None
        for path in pages:
            page = read_page(path)
            if page is None:
                continue
            if "xai" in page.setup and xai is None:
                from storyboard.testing.xai_standin import XaiStandin

                key = f"xai-docs-{secrets.token_hex(8)}"
                standin = stack.enter_context(XaiStandin(key=key, latency=0.1))
                xai = (key, standin.base_url)
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samples-")))
            root = root.resolve()
            results = run_page(page, root, shared, xai if "xai" in page.setup else None)
            for result in results:
                if not result.ok:
                    failed += 1
                    print(describe(page, result))
            if write:
                _write(page, results)
            print(f"{path.name}: {sum(r.ok for r in results)} of {len(results)} samples match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
