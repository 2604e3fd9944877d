"""The `storyboard` command: a thin layer over :class:`storyboard._studio.Studio`.

Every command that reads a project takes ``-p/--project``, before or after
the command's name. Human output goes through rich (a
table on a terminal, plain lines otherwise); ``--json`` output is stable.
Errors are one clear message each with the exit codes of docs/cli.md, and
never a traceback unless ``--debug``.
"""

# No `from __future__ import annotations` here: typer reads every command's annotations
# on every run, and string annotations would each be compiled and evaluated first.
import contextlib
import functools
import os
import shlex
import sqlite3
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TextIO, TypeVar

import typer
from typer.core import TyperGroup

from ._errors import (
    BudgetExceeded,
    ExportError,
    MissingClips,
    ProjectBusy,
    ProjectInvalid,
    StoryboardError,
    UsageError,
)
from ._failures import failed_write_message
from ._markup import escape, plain, plain_text
from ._providers import REGISTRY, chosen_provider, no_provider_message
from ._version import __version__
from ._vocabulary import EXPORT_FORMATS, FORMAT_NAMES

if TYPE_CHECKING:
    from rich.console import Console

    from ._engine import BuildOptions, BuildResult
    from ._export import ExportResult
    from ._plan import ImagePlan, Plan, ScenePlan
    from ._scoring.records import ClipScore
    from ._studio import Status, Studio

# Each command imports what only it needs (the project, the build, the exporter, the
# board) inside its body: `--help` loads no project machinery, and `check`, `plan` and
# `status` never load HTTP, moviepy or the renderer.

MAX_CONCURRENCY = 500
EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 1, 2, 130

TYPED = "storyboard.typed"
"""Where the context keeps the words the writer typed after ``storyboard``."""


class StoryboardGroup(TyperGroup):
    """The command group; it remembers what was typed, so advice can repeat it."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        typed = list(args)
        context = super().make_context(info_name, args, parent, **extra)
        context.meta[TYPED] = typed
        return context


app = typer.Typer(
    cls=StoryboardGroup,
    name="storyboard",
    help="Turn a written story into a film whose characters look the same in every scene.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Terminal:
    """A rich console made when first needed: `--help` never loads rich, and text printed
    where there is no terminal is written as rich would write it, without rich."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def stream(self) -> TextIO:
        return sys.stderr if self._stderr else sys.stdout

    @property
    def is_terminal(self) -> bool:
        """Whether rich would draw for a terminal here (it also heeds these variables)."""
        if self._console is not None:
            return self._console.is_terminal
        if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
            from rich.console import Console

            return Console(stderr=self._stderr).is_terminal
        try:
            return self.stream.isatty()
        except ValueError:  # closed
            return False

    @property
    def console(self) -> "Console":
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                stderr=self._stderr, highlight=False, soft_wrap=True, emoji=False
            )
        return self._console

    def print(self, *objects: Any, markup: bool = True, end: str = "\n") -> None:
        if not self.is_terminal and all(isinstance(o, str) for o in objects):
            texts = [(plain(o) if markup else plain_text(o)) for o in objects]
            if None not in texts:
                self.stream.write(" ".join(t for t in texts if t is not None) + end)
                return
        self.console.print(*objects, markup=markup, end=end)

    def line(self, text: str) -> None:
        """One line exactly as written, without rich (a plain message need not load it)."""
        (sys.stderr if self._stderr else sys.stdout).write(text + "\n")


out = _Terminal()
err = _Terminal(stderr=True)
_debug = False

P = ParamSpec("P")
R = TypeVar("R")


def _open(project: Path) -> "Studio":
    """The project, loaded and checked (``--help`` and ``--version`` never load it)."""
    from ._studio import Studio

    return Studio.open(project)


def relative(path: Path) -> str:
    """A path as a writer would type it from here."""
    from ._studio import relative

    return relative(path)


def _spoken(words: Sequence[str]) -> str:
    """``a, b or c``."""
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else "".join(words)


def _provider_help() -> str:
    chosen = [
        f"{spec.name} when {spec.chosen_by} is set" for spec in REGISTRY.values() if spec.chosen_by
    ]
    defaults = ", else ".join(["$STORYBOARD_PROVIDER", *chosen])
    return f"{_spoken(list(REGISTRY))} (default: {defaults})."


ProjectOption = Annotated[
    Path,
    typer.Option("--project", "-p", help="The project folder or its story.yaml.", show_default="."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
CutOption = Annotated[str | None, typer.Option("--cut", help="A named cut from story.yaml.")]
ConcurrencyOption = Annotated[
    int, typer.Option(min=1, max=MAX_CONCURRENCY, help="Jobs in flight at once.")
]
MaxCostOption = Annotated[
    float | None, typer.Option("--max-cost", min=0, help="Stop before spending more (USD).")
]
NoExportOption = Annotated[bool, typer.Option("--no-export", help="Generate only.")]
ScoreOption = Annotated[
    bool,
    typer.Option(
        "--score/--no-score",
        help="Score each new take for consistency as it arrives (with the score extra).",
    ),
]
BestOfOption = Annotated[
    int,
    typer.Option(
        "--best-of",
        min=1,
        metavar="N",
        help="Make more takes of a scene whose take fails its consistency checks, up to N "
        "takes, and select the best-scoring (needs the score extra).",
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write over an existing file that storyboard did not make (never the project's own).",
    ),
]
ProviderOption = Annotated[
    str | None,
    typer.Option(
        "--provider",
        help=_provider_help(),
    ),
]


class GraphFormat(StrEnum):
    text = "text"
    mermaid = "mermaid"
    dot = "dot"


ExportFormat = StrEnum("ExportFormat", [(fmt, fmt) for fmt in EXPORT_FORMATS])  # type: ignore[misc]
"""The choices of ``export --format``, from :data:`storyboard._vocabulary.EXPORT_FORMATS`."""
DEFAULT_EXPORT_FORMAT = ExportFormat(EXPORT_FORMATS[0])
_FORMATS_NAMED = [f"{fmt} ({FORMAT_NAMES[fmt]})" for fmt in EXPORT_FORMATS]


def _print_json(data: object) -> None:
    """JSON for programs, indented by two, as plain text on stdout: orjson, because the
    standard library encodes indented JSON in pure Python (seconds for a long plan), and
    rich's highlighting is slower still."""
    import orjson

    options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
    sys.stdout.write(orjson.dumps(data, option=options).decode("utf-8"))


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn storyboard's errors into messages and exit codes."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ProjectInvalid as error:
            for problem in error.problems:
                err.print(escape(str(problem)), markup=True)
            count = len(error.problems)
            err.print(f"[red]{count} problem{'s' if count != 1 else ''}; nothing was sent.[/]")
            raise typer.Exit(EXIT_INVALID) from None
        except UsageError as error:
            _fail(str(error), EXIT_INVALID)
        except (BudgetExceeded, ProjectBusy, ExportError) as error:
            _fail(str(error), EXIT_FAILED)
        except KeyboardInterrupt:
            err.print(
                "[yellow]interrupted.[/] Jobs already sent are recorded; "
                "the next build resumes them."
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except StoryboardError as error:
            if _debug:
                raise
            _fail(str(error), EXIT_FAILED)
        except (OSError, sqlite3.DatabaseError) as error:
            if _debug:
                raise
            _fail(failed_write_message(error), EXIT_FAILED)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:
            if _debug:
                raise
            _fail(
                f"storyboard failed inside ({type(error).__name__}: {error}): this is a bug; "
                "run the command again with --debug and report what it prints",
                EXIT_FAILED,
            )

    return wrapper


def _version(value: bool) -> None:
    if value:
        out.print(f"storyboard {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    context: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-p",
            help="The project folder or its story.yaml, for the command that follows.",
        ),
    ] = None,
) -> None:
    """Turn a written story into a film whose characters look the same in every scene."""
    global _debug
    _debug = debug
    if project is not None:
        _default_project(context, project)


def _default_project(context: typer.Context, project: Path) -> None:
    """`storyboard -p DIR plan` means `storyboard plan -p DIR` (a -p after the command wins)."""
    group = context.command
    assert isinstance(group, TyperGroup)
    defaults = dict(context.default_map or {})
    for name, command in group.commands.items():
        if any(parameter.name == "project" for parameter in command.params):
            defaults[name] = {**defaults.get(name, {}), "project": str(project)}
    context.default_map = defaults


# -- writing and checking ---------------------------------------------------------


@app.command()
@handles_errors
def new(
    path: Annotated[Path, typer.Argument(help="The folder to create.")],
    title: Annotated[str | None, typer.Option(help="The film's title.")] = None,
    described: Annotated[
        bool,
        typer.Option(
            "--described",
            help="A cast described in words (each picture generated), not photographed.",
        ),
    ] = False,
) -> None:
    """Scaffold a project with a commented story.yaml and an assets/ folder; never overwrites."""
    from ._scaffold import scaffold

    made = scaffold(path, title, described)
    for created in made.created:
        out.print(f"created {relative(created)}")
    for kept in made.left_alone:
        out.print(f"left alone {relative(kept)} (already there)")
    if made.created:
        out.print(f"next: storyboard check -p {relative(path)}")
    else:
        out.print("nothing to add: every file of a new project is already there")


@app.command()
@handles_errors
def check(project: ProjectOption = Path(".")) -> None:
    """Validate the project and print every problem, not just the first."""
    with _open(project) as studio:
        loaded = studio.project
    steps = sum(len(scene.steps) for scene in loaded.scenes.values())
    counted = [
        _counted(len(loaded.scenes), "scene"),
        *([_counted(steps, "revision step")] if steps else []),
        _counted(len(loaded.assets), "asset"),
        *([_counted(len(loaded.generated), "generated picture")] if loaded.generated else []),
    ]
    out.line(f"{relative(loaded.story_path)}: ok ({', '.join(counted)})")


def _counted(number: int, thing: str) -> str:
    """``1 scene``, ``6 scenes``."""
    return f"{number} {thing}{'s' * (number != 1)}"


@app.command()
@handles_errors
def schema() -> None:
    """Print the JSON Schema of story.yaml, for editors."""
    from ._scaffold import json_schema

    _print_json(json_schema())


@app.command()
@handles_errors
def graph(
    project: ProjectOption = Path("."),
    format: Annotated[
        GraphFormat, typer.Option("--format", help="text, mermaid or dot.")
    ] = GraphFormat.text,
) -> None:
    """Show the scene graph: which scene needs which."""
    from ._graph import render_dot, render_mermaid, render_text

    with _open(project) as studio:
        loaded = studio.project
    renderers = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot}
    out.print(renderers[format.value](loaded.graph, list(loaded.scenes)), markup=False)


# -- planning and status ------------------------------------------------------------


@app.command()
@handles_errors
def plan(
    project: ProjectOption = Path("."),
    json_output: JsonOption = False,
    cut: CutOption = None,
    provider: ProviderOption = None,
    best_of: Annotated[
        int,
        typer.Option(
            "--best-of",
            min=1,
            metavar="N",
            help="Also the most `build --best-of N` may add to the estimate.",
        ),
    ] = 1,
) -> None:
    """Per scene: state, reason, compiled prompt with numbered references, estimated cost."""
    with _open(project) as studio:
        result = studio.plan(provider, cut)
        paid = None if json_output else _paid_plan(studio, result.provider, cut)
        priced = paid.provider if paid else result.provider
        extra = studio.best_of_estimate(best_of, priced, cut) if best_of > 1 else None
    if json_output:
        shown = result.as_dict(studio.project)
        if extra is not None:
            shown["best_of"] = {
                "takes": best_of,
                "extra_takes": extra.takes,
                "extra_cost_usd": extra.cost_usd,
            }
        _print_json(shown)
        return
    _print_plan(result, paid)
    if extra is not None:
        from ._bestof import best_of_words

        out.print(f"{best_of_words(best_of, extra)} with {priced}")


STATE_STYLES = {"cached": "green", "failed": "red", "stale": "yellow", "missing": "cyan"}


def film_name(cut: str | None) -> str:
    """What a writer calls a cut: "the whole film", or "cut NAME"."""
    from ._project import DEFAULT_CUT

    return "the whole film" if cut in (None, DEFAULT_CUT) else f"cut {cut}"


def _print_plan(result: "Plan", paid: "Plan | None") -> None:
    title = escape(result.title)
    out.print(f"[bold]{title}[/] ({film_name(result.cut)}, provider {result.provider})")
    for image in result.images.values():
        _print_image_plan(image)
    for scene_plan in result.scenes:
        _print_scene_plan(scene_plan)
    out.print(f"\n{_total(result)}")
    _print_paid_total(paid)


def _total(result: "Plan") -> str:
    to_make = [p for p in result.all_scenes.values() if p.state != "cached"]
    images = [p for p in result.images.values() if p.state != "cached"]
    count = len(result.images)
    also = f" and {len(images)} of {count} image{'s' * (count != 1)}" if count else ""
    return (
        f"{len(to_make)} of {len(result.all_scenes)} scenes{also} to generate; "
        f"estimated cost ${result.estimated_cost_usd:.2f}"
    )


def _paid_plan(studio: "Studio", provider: str, cut: str | None) -> "Plan | None":
    """Beside a free provider's figures: the plan of the same story with the paid one."""
    if REGISTRY[provider].costs_money:
        return None
    paid = next(spec.name for spec in REGISTRY.values() if spec.costs_money)
    return studio.plan(paid, cut)


def _print_paid_total(paid: "Plan | None") -> None:
    if paid is not None:
        out.print(
            f"with {paid.provider}: {_total(paid)} (storyboard plan --provider {paid.provider})"
        )


def _print_image_plan(image: "ImagePlan") -> None:
    from ._plan import IMAGE_STATE_MEANINGS

    made = image.image
    style = STATE_STYLES[image.state]
    cost = f"  ${image.estimated_cost_usd:.2f}" if image.state != "cached" else ""
    meaning = IMAGE_STATE_MEANINGS[image.state]
    state = f"[{style}]{image.state}[/] ({meaning}): {escape(image.reason)}"
    how = "generated" if made.call == "generate" else "edited"
    out.print(f"\n[bold]@{made.target}[/]  {made.what}, {how} ({made.model})  {state}{cost}")
    if made.call == "edit":
        source = made.source.source if made.source else f"@{made.source_target}"
        out.print(f"  edits {escape(source)}: {escape(made.prompt)}")
    else:
        out.print(f"  {escape(made.prompt)}")


def _print_scene_plan(scene_plan: "ScenePlan") -> None:
    from ._plan import STATE_MEANINGS

    scene = scene_plan.scene
    style = STATE_STYLES[scene_plan.state]
    cost = f"  ${scene_plan.estimated_cost_usd:.2f}" if scene_plan.state != "cached" else ""
    settings = f"{scene.mode}, {scene.duration} s, {scene.aspect_ratio}, {scene.resolution}"
    meaning = STATE_MEANINGS[scene_plan.state]
    state = f"[{style}]{scene_plan.state}[/] ({meaning}): {escape(scene_plan.reason)}"
    out.print(f"\n[bold]{scene.id}[/]  {settings}  {state}{cost}")
    if scene.prompt:
        out.print(f"  {escape(scene.prompt)}")
    for reference in scene.references:
        source = reference.source or (
            f"generated image @{reference.generated}"
            if reference.generated
            else f"last frame of {reference.scene}"
        )
        label = f"@{reference.mention} ({reference.kind})"
        out.print(f"  [bold]IMAGE_{reference.index}[/] {label} {escape(source)}")
    if scene.start is not None:
        image = scene.start.image
        source = f"last frame of {scene.start.scene}" if scene.start.scene else ""
        out.print(f"  [bold]start[/] {escape(source or (image.source if image else ''))}")
        if scene.start_fitting:
            out.print(f"  {escape(scene.start_fitting)}")
    for node in scene_plan.nodes[1:]:
        node_style = STATE_STYLES[node.state]
        node_cost = f"  ${node.estimated_cost_usd:.2f}" if node.state != "cached" else ""
        node_state = f"[{node_style}]{node.state}[/]: {escape(node.reason)}"
        out.print(
            f"  [bold]{node.id}[/] {node.mode}: {escape(node.prompt)}  {node_state}{node_cost}"
        )


@app.command()
@handles_errors
def status(
    project: ProjectOption = Path("."),
    json_output: JsonOption = False,
    provider: ProviderOption = None,
) -> None:
    """The project at a glance: scenes, states, takes, money spent."""
    from ._plan import IMAGE_STATE_MEANINGS, STATE_MEANINGS

    with _open(project) as studio:
        summary = studio.status(provider)
        paid = None if json_output else _paid_plan(studio, summary.provider, None)
    if json_output:
        _print_json(summary.as_dict())
        return
    columns, rows = _status_table(summary)
    title = f"{summary.title} ({summary.provider})"
    if out.is_terminal:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row[:-1], escape(row[-1]))
        out.print(table)
    else:
        out.line(title)
        out.line(_aligned([columns, *rows]))
    for state in STATE_MEANINGS:
        meanings = [
            meaning
            for nodes, meaning in (
                (summary.scenes, STATE_MEANINGS[state]),
                (summary.generated, IMAGE_STATE_MEANINGS[state]),
            )
            if any(node.state == state for node in nodes)
        ]
        if meanings:
            out.print(f"{state}: {'; a picture: '.join(dict.fromkeys(meanings))}")
    out.print(_status_counts(summary.counts()))
    out.print(f"spent so far: ${summary.spent_usd:.2f}", end="")
    if summary.estimated_usd:
        out.print(
            f", of which ${summary.estimated_usd:.2f} is estimated (*): the API reported no "
            "cost for those jobs, so the price table's is counted"
        )
    else:
        out.print()
    _print_paid_total(paid)


def _status_table(summary: "Status") -> tuple[list[str], list[list[str]]]:
    """The columns of `status` and a row per generated picture and scene (the reason last)."""
    revised = any(scene.steps for scene in summary.scenes)
    anchored = any(scene.anchor_for for scene in summary.scenes)
    columns = ["scene", "state", "take", "takes", *(["steps"] if revised else [])]
    columns += ["spent", "flags", *(["anchor of"] if anchored else []), "why"]
    rows = []
    for scene in (*summary.generated, *summary.scenes):
        generated = scene in summary.generated
        rows.append(
            [
                f"@{scene.id}" if generated else scene.id,
                scene.state,
                str(scene.take or "-"),
                str(scene.takes),
                *(
                    [f"{scene.steps_cached}/{scene.steps}" if scene.steps else "-"]
                    if revised
                    else []
                ),
                f"${scene.cost_usd:.2f}" + ("*" if scene.estimated_usd else ""),
                _flags_text(scene.flags),
                *([", ".join(scene.anchor_for)] if anchored else []),
                scene.reason,
            ]
        )
    return columns, rows


def _aligned(rows: list[list[str]]) -> str:
    """Rows as lines of columns two spaces apart (the last column is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines)


def _status_counts(counts: dict[str, dict[str, int]]) -> str:
    """``6 scenes (4 cached, 2 missing), 2 revision steps (2 cached), ...``."""
    parts = []
    for name, thing in (
        ("scenes", "scene"),
        ("steps", "revision step"),
        ("generated", "generated picture"),
    ):
        counted = dict(counts[name])
        total = counted.pop("total")
        if total or name == "scenes":
            states = ", ".join(f"{n} {state}" for state, n in counted.items() if n)
            parts.append(_counted(total, thing) + (f" ({states})" if states else ""))
    return ", ".join(parts)


@app.command()
@handles_errors
def takes(
    scene: Annotated[
        str,
        typer.Argument(
            help="A scene id, a step's (`launch.2`) or a generated image's (`@eileen`)."
        ),
    ],
    project: ProjectOption = Path("."),
    json_output: JsonOption = False,
    provider: ProviderOption = None,
) -> None:
    """The takes of a scene, of one of its steps, or of a generated image (`@eileen`)."""
    scene = scene.removeprefix("@")
    with _open(project) as studio:
        found = studio.takes(scene, provider)
        generated = set(studio.project.generated)
    if json_output:
        _print_json([take.as_dict() for take in found])
        return
    if not found:
        out.print(f"{scene} has no takes for its current inputs yet")
        return
    from rich.table import Table

    table = Table(title_justify="left", title=f"takes of {scene}")
    image = scene in generated
    kept = "image in .storyboard/images/" if image else "clip in .storyboard/clips/"
    scored = () if image else ("flags",)
    anchored = any(take.anchor_for for take in found)
    anchor_column = ("anchor of",) if anchored else ()
    for column in ("take", "selected", "created", "cost", kept, *scored, *anchor_column):
        table.add_column(column)
    for take in found:
        flags = [] if image else [_flags_text(take.score.all_flags() if take.score else None)]
        scores = [*flags, *([", ".join(take.anchor_for)] if anchored else [])]
        table.add_row(
            str(take.take),
            "*" if take.selected else "",
            take.created_at,
            f"${take.cost_usd:.2f}",
            take.clip[:12],
            *scores,
        )
    out.print(table)
    for take in found:
        if take.score is not None:
            out.print(f"take {take.take} scores: {_cross_text(take.score)}")


@app.command()
@handles_errors
def score(
    scenes: Annotated[
        list[str] | None, typer.Argument(help="Scene ids (default: every scene).")
    ] = None,
    project: ProjectOption = Path("."),
    json_output: JsonOption = False,
    provider: ProviderOption = None,
) -> None:
    """Score takes for consistency with their references and across scenes (never generates)."""
    with _open(project) as studio:
        report = studio.score(
            scenes or (), provider, on_scene=lambda s, n: err.print(f"scoring {s} take {n}")
        )
    if json_output:
        _print_json(report.as_dict())
        return
    if not report.scenes:
        out.print("no takes to score yet: run `storyboard build` first")
        return
    from rich.table import Table

    table = Table(title_justify="left", title="consistency (docs/consistency.md)")
    for column in ("scene", "take", "selected", "scores", "self", "flags"):
        table.add_column(column)
    for scene_id, takes in report.scenes:
        selves = report.selves.get(scene_id, ())
        for take in takes:
            mine = selves if take.selected else ()
            flags = take.score.all_flags() if take.score else None
            if flags is not None and any("drift" in entry.flags for entry in mine):
                flags = [*flags, "drift"]
            table.add_row(
                scene_id,
                str(take.take),
                "*" if take.selected else "",
                _cross_text(take.score),
                ", ".join(f"{entry.character} {entry.self:.2f}" for entry in mine),
                _flags_text(flags),
            )
    out.print(table)


def _cross_text(score: "ClipScore | None") -> str:
    """Each subject's cross (or "absent"), as the takes and score tables show it."""
    if score is None:
        return "-"
    parts = [
        f"{subject.mention} {subject.cross:.2f}"
        if subject.cross is not None
        else f"{subject.mention} -"
        for subject in score.subjects
    ]
    if score.continuity is not None:
        parts.append(f"continuity {score.continuity:.2f}")
    return escape(", ".join(parts))


def _flags_text(flags: list[str] | None) -> str:
    if flags is None:
        return "-"
    return ", ".join(flags) if flags else "ok"


@app.command()
@handles_errors
def use(
    scene: Annotated[
        str,
        typer.Argument(
            help="A scene id, a step's (`launch.2`) or a generated image's (`@eileen`)."
        ),
    ],
    take: Annotated[int, typer.Argument(help="The take number (see `storyboard takes`).")],
    project: ProjectOption = Path("."),
    provider: ProviderOption = None,
) -> None:
    """Select take N of a scene, a step or a generated image; the scenes below become stale."""
    from ._compiler import split_node_id
    from ._plan import STATE_MEANINGS

    scene = scene.removeprefix("@")
    with _open(project) as studio:
        chosen = studio.use(scene, take, provider)
        graph = studio.project.graph
        scene_id = split_node_id(scene)[0]
        if scene in studio.project.generated:
            below = sorted(studio.regen_targets(scene) & set(studio.project.scenes))
        else:
            below = [s for s in studio.project.scenes if s in graph.downstream(scene_id)]
        states = studio.plan(provider).all_scenes if below else {}
    out.print(f"{scene} now uses take {chosen.take}")
    for scene_id in below:
        state = states[scene_id].state
        out.print(f"  downstream: {scene_id} is {state} ({STATE_MEANINGS[state]})")
    if any(states[scene_id].state != "cached" for scene_id in below):
        out.print("next: storyboard build")


# -- judging takes -----------------------------------------------------------------


SceneArgument = Annotated[str, typer.Argument(help="A scene id (its final clip is judged).")]


@app.command()
@handles_errors
def approve(
    scene: SceneArgument,
    project: ProjectOption = Path("."),
    provider: ProviderOption = None,
) -> None:
    """Make a scene's selected take the anchor of the characters it shows: their *self* is
    then measured against it in place of their picture (for a stylised film)."""
    with _open(project) as studio:
        made = studio.approve(scene, provider)
    characters = ", ".join(made.characters)
    out.print(
        f"{made.scene_id} take {made.take} is now the anchor of {characters}: "
        "`storyboard status` measures their self against it in place of their picture"
    )


@app.command()
@handles_errors
def label(
    scene: SceneArgument,
    verdict: Annotated[
        list[str],
        typer.Argument(
            metavar="[TAKE] good|bad",
            help="A take number (default: the selected take), then good or bad.",
        ),
    ],
    project: ProjectOption = Path("."),
    provider: ProviderOption = None,
) -> None:
    """Label a take good or bad, for `storyboard calibrate`."""
    if len(verdict) not in (1, 2) or (len(verdict) == 2 and not verdict[0].isdigit()):
        raise UsageError(
            f"label takes a take number and good or bad: storyboard label {scene} [TAKE] good|bad"
        )
    number = int(verdict[0]) if len(verdict) == 2 else None
    with _open(project) as studio:
        take = studio.label(scene, verdict[-1], number, provider)
    out.print(f"{scene} take {take.take} is labelled {verdict[-1]}; next: storyboard calibrate")


@app.command()
@handles_errors
def calibrate(
    project: ProjectOption = Path("."),
    json_output: JsonOption = False,
    provider: ProviderOption = None,
) -> None:
    """Fit the consistency thresholds to your labelled takes and say how well they separate."""
    with _open(project) as studio:
        report = studio.calibrate(provider)
    if json_output:
        _print_json(report.as_dict())
        return
    from rich.table import Table

    title = f"thresholds fitted to {report.labels} labelled takes ({report.good} good)"
    table = Table(title=title, title_justify="left")
    for column in ("threshold", "default", "fitted", "labels right", "margin", "used"):
        table.add_column(column)
    for fit in report.fits:
        right = f"{fit.right} of {fit.labels} (default {fit.current_right})" if fit.labels else "-"
        table.add_row(
            fit.words,
            f"{fit.current:g}",
            f"{fit.fitted:g}" if fit.fitted is not None else "-",
            right,
            f"{fit.margin:+.2f}" if fit.margin is not None else "-",
            f"{fit.value:g}" + (" (fitted)" if fit.adopted else ""),
        )
    out.print(table)
    if report.unscored:
        out.print(f"{report.unscored} labelled takes have no score (their scene changed since)")
    out.print(
        "margin: the nearest bad take's value less the nearest good one's, on the flagged "
        "side (above 0: the labels separate). Flags are drawn with the used values."
    )


# -- generating --------------------------------------------------------------------


@app.command()
@handles_errors
def build(
    context: typer.Context,
    project: ProjectOption = Path("."),
    provider: ProviderOption = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", metavar="ID", help="Only this scene (and what it needs); repeatable."
        ),
    ] = None,
    concurrency: ConcurrencyOption = 4,
    max_cost: MaxCostOption = None,
    no_export: NoExportOption = False,
    cut: CutOption = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Where the film goes.")
    ] = None,
    partial: Annotated[
        bool, typer.Option(help="A missing-scene card in place of each scene without a clip.")
    ] = False,
    resubmit: Annotated[
        bool, typer.Option(help="Send again jobs whose submission answer was lost.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait for another build of this project.")
    ] = True,
    force: ForceOption = False,
    score: ScoreOption = True,
    best_of: BestOfOption = 1,
) -> None:
    """Generate every scene that needs it, then export the film."""
    from ._engine import BuildOptions

    options = BuildOptions(
        concurrency=concurrency,
        only=[name.removeprefix("@") for name in only] if only else None,
        cut=cut,
        max_cost=max_cost,
        resubmit=resubmit,
        score=score,
        best_of=best_of,
    )
    from ._noop import recording as recording_of
    from ._project import find_root

    root = os.fspath(find_root(project))
    typed = context.meta.get(TYPED, sys.argv[1:])
    with recording_of(root, typed) as recording, _open(project) as studio:
        _require_provider(context, provider)
        if not no_export:
            studio.output_path(cut, output, force=force)  # a refused -o stops before any spend
        written = _build_and_export(
            studio, provider, options, no_export, output, partial, wait, force
        )
        if written is not None:
            recording.nothing_to_do(written)


@app.command()
@handles_errors
def regen(
    context: typer.Context,
    scene: Annotated[
        str,
        typer.Argument(
            help="The scene, step (`launch.2`) or generated image (`@eileen`) to make again."
        ),
    ],
    project: ProjectOption = Path("."),
    provider: ProviderOption = None,
    no_export: NoExportOption = False,
    concurrency: ConcurrencyOption = 4,
    max_cost: MaxCostOption = None,
    score: ScoreOption = True,
    best_of: BestOfOption = 1,
) -> None:
    """Make a new take of a scene and of everything downstream of it, select them, export.

    A scene with steps is made again from its first step that changed (from its generation
    when none did); `launch.2` makes it again from step 2."""
    from ._engine import BuildOptions

    with _open(project) as studio:
        _require_provider(context, provider)
        targets = studio.regen_targets(scene.removeprefix("@"))
        options = BuildOptions(
            concurrency=concurrency,
            regen=targets,
            only=sorted(targets),
            max_cost=max_cost,
            score=score,
            best_of=best_of,
        )
        _build_and_export(studio, provider, options, no_export, None, False, True, False)


def _build_and_export(
    studio: "Studio",
    provider: str | None,
    options: "BuildOptions",
    no_export: bool,
    output: Path | None,
    partial: bool,
    wait: bool,
    force: bool,
) -> list[Path] | None:
    """Build, then export unless ``no_export``. When the build had nothing to do and the
    film was exported as asked: the files written (see :mod:`storyboard._noop`)."""
    from ._progress import LiveReporter, PlainReporter

    title = studio.project.title
    reporter = LiveReporter(err.console, title) if err.is_terminal else PlainReporter(err.stream)
    with reporter:
        result = studio.build(
            provider, options, reporter, wait_for_lock=wait, on_wait=reporter.message
        )
    _print_build_summary(result)
    written: list[Path] | None = []
    if not no_export:
        try:
            made = _export_and_report(studio, provider, options.cut, output, "mp4", partial, force)
            written = [made.path, *made.sidecars]
        except MissingClips as missing:
            err.print(f"the film was not exported: {escape(str(missing))}")
            written = None
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)
    nothing_done = result.spent_usd == 0 and not result.unscored
    return written if nothing_done and not result.by_outcome("generated") else None


def _require_provider(context: typer.Context, provider: str | None) -> None:
    """Stop before anything when no provider is chosen, repeating the command as typed."""
    if chosen_provider(provider) is not None:
        return
    typed = context.meta.get(TYPED)
    command = shlex.join(["storyboard", *typed]) if typed else f"storyboard {context.info_name}"
    raise UsageError(no_provider_message(command))


def _print_build_summary(result: "BuildResult") -> None:
    made = result.by_outcome("generated")
    cached = result.by_outcome("cached")
    out.print(f"{len(made)} generated, {len(cached)} from the cache", end="")
    problems = [r for r in result.results.values() if r.outcome not in {"generated", "cached"}]
    out.print(f", {len(problems)} not made" if problems else "", end="")
    out.print(f"; spent ${result.spent_usd:.2f}")
    for failure in problems:
        err.print(f"[red]{failure.scene_id}[/]: {failure.outcome}: {escape(failure.message)}")
    for scene_id, why in result.unscored.items():
        err.print(f"{scene_id}: not scored ({escape(why)}); `storyboard score` tries again")


def _export_and_report(
    studio: "Studio",
    provider: str | None,
    cut: str | None,
    output: Path | None,
    fmt: str,
    partial: bool,
    force: bool = False,
) -> "ExportResult":
    # rich's spinner shows nothing off a terminal: there it is not loaded
    spinner = f"assembling the {fmt} of {film_name(cut)}…"
    with err.console.status(spinner) if err.is_terminal else contextlib.nullcontext():
        made = studio.export(provider, cut, output, fmt, partial, force)
    if made.format == "mp4":
        out.print(f"film: {relative(made.path)} ({made.duration:.1f} s)")
        for sidecar in made.sidecars:
            out.print(f"  + {relative(sidecar)}")
        if made.slated:
            out.print(f"  missing-scene cards for: {', '.join(made.slated)}")
    else:
        out.print(f"{fmt}: {relative(made.path)}")
    return made


@app.command()
@handles_errors
def export(
    project: ProjectOption = Path("."),
    cut: CutOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Where to write.")] = None,
    format: Annotated[
        ExportFormat, typer.Option("--format", help=f"{_spoken(_FORMATS_NAMED)}.")
    ] = DEFAULT_EXPORT_FORMAT,
    partial: Annotated[
        bool, typer.Option(help="A missing-scene card in place of each scene without a clip.")
    ] = False,
    provider: ProviderOption = None,
    force: ForceOption = False,
) -> None:
    """Assemble a film or a timeline from what is cached; never generates."""
    with _open(project) as studio:
        _export_and_report(studio, provider, cut, output, format.value, partial, force)


@app.command()
@handles_errors
def board(
    project: ProjectOption = Path("."),
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The folder to write.")
    ] = None,
    provider: ProviderOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a folder that is not a board (deletes nothing)."),
    ] = False,
) -> None:
    """Write an HTML storyboard: every scene, its labelled references, its takes, its state."""
    from ._board import write_board

    with _open(project) as studio:
        page = write_board(studio, output, provider, force)
    out.print(f"board: {relative(page)}")


def main() -> Any:
    """The console script."""
    try:
        return app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
